import type { Calibration } from '../content/types.js';

/**
 * The mapping from evidence to confidence used when `models/calibration.json` is missing. The committed
 * file is fitted on held-out cases by `eval --fit` (logistic regression per action); these weights only
 * keep a content directory without one working.
 */
export const PRIOR_CALIBRATION: Calibration = {
  fittedOn: 'prior (no models/calibration.json)',
  models: {
    answer: {
      bias: -3,
      weights: { score: 0.8, coverage: 1.8, margin: 1.4, agrees: 0.6, known: 1, kind: 0.4, act: 1 },
    },
    handoff: { bias: -1, weights: { act: 1.5, desk: 1.2, deskMargin: 1, named: 0.6, rule: 0.6 } },
    clarify: { bias: -0.5, weights: { act: 1, margin: -1 } },
    fallback: { bias: 0, weights: { act: 1, score: -0.2 } },
    smalltalk: { bias: 0, weights: { act: 2, rule: 1 } },
  },
};

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
/** Each model's weights as entries, listed once (a calibration is read-only content). */
const weightsOf = new WeakMap<Record<string, number>, Array<[string, number]>>();

/** Confidence of a reply of `action` given its evidence (features in roughly 0..3). */
export function confidenceOf(
  calibration: Calibration,
  action: string,
  evidence: Record<string, number>,
): number {
  const model = calibration.models[action] ?? PRIOR_CALIBRATION.models[action];
  if (!model) return 0.5;
  let z = model.bias;
  let weights = weightsOf.get(model.weights);
  if (!weights) {
    weights = Object.entries(model.weights);
    weightsOf.set(model.weights, weights);
  }
  for (const [name, w] of weights) z += w * (evidence[name] ?? 0);
  return Math.round(sigmoid(z) * 1000) / 1000;
}

/**
 * Fits one logistic regression per action on (evidence, right?) pairs, by gradient descent with a
 * little L2 so that a feature seen only in right (or wrong) cases does not run off to infinity.
 */
export function fitCalibration(
  samples: Array<{ action: string; evidence: Record<string, number>; right: boolean }>,
  fittedOn: string,
): Calibration {
  const models: Calibration['models'] = {};
  const actions = [...new Set(samples.map((s) => s.action))].sort();
  for (const action of actions) {
    const rows = samples.filter((s) => s.action === action);
    const names = [...new Set(rows.flatMap((r) => Object.keys(r.evidence)))].sort();
    const w = new Float64Array(names.length);
    let b = 0;
    const rate = 0.3;
    const l2 = 0.01;
    for (let iter = 0; iter < 4000; iter++) {
      const gw = new Float64Array(names.length);
      let gb = 0;
      for (const r of rows) {
        let z = b;
        names.forEach((n, i) => {
          z += (w[i] as number) * (r.evidence[n] ?? 0);
        });
        const err = sigmoid(z) - (r.right ? 1 : 0);
        gb += err;
        names.forEach((n, i) => {
          gw[i] = (gw[i] as number) + err * (r.evidence[n] ?? 0);
        });
      }
      b -= (rate * gb) / rows.length;
      names.forEach((_, i) => {
        w[i] = (w[i] as number) - rate * ((gw[i] as number) / rows.length + l2 * (w[i] as number));
      });
    }
    models[action] = {
      bias: Math.round(b * 1000) / 1000,
      weights: Object.fromEntries(names.map((n, i) => [n, Math.round((w[i] as number) * 1000) / 1000])),
    };
  }
  return { fittedOn, models };
}
