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

/**
 * Confidence of a reply of `action` given its evidence (features in roughly 0..3): the model's
 * probability passed through its fitted map, if it has one. `decision` gives the probability alone,
 * which the engine's thresholds are set on.
 */
export function confidenceOf(
  calibration: Calibration,
  action: string,
  evidence: Record<string, number>,
  decision = false,
): number {
  const model = calibration.models[action] ?? PRIOR_CALIBRATION.models[action];
  if (!model) return 0.5;
  const p = probabilityOf(model, evidence);
  return Math.round((decision || !model.map ? p : mapped(model.map, p)) * 1000) / 1000;
}

function probabilityOf(model: Calibration['models'][string], evidence: Record<string, number>): number {
  let z = model.bias;
  let weights = weightsOf.get(model.weights);
  if (!weights) {
    weights = Object.entries(model.weights);
    weightsOf.set(model.weights, weights);
  }
  for (const [name, w] of weights) z += w * (evidence[name] ?? 0);
  return sigmoid(z);
}

/** The piecewise-linear function through `knots` (sorted by p), constant beyond its ends. */
export function mapped(knots: ReadonlyArray<readonly [number, number]>, p: number): number {
  const first = knots[0];
  const last = knots[knots.length - 1];
  if (!first || !last) return p;
  if (p <= first[0]) return first[1];
  if (p >= last[0]) return last[1];
  let i = 1;
  while ((knots[i] as readonly [number, number])[0] < p) i++;
  const [x0, y0] = knots[i - 1] as readonly [number, number];
  const [x1, y1] = knots[i] as readonly [number, number];
  return x1 === x0 ? y1 : y0 + ((y1 - y0) * (p - x0)) / (x1 - x0);
}

/** Wilson's lower bound of a success rate: `right` of `n`, at `z` standard deviations. */
function wilsonLower(right: number, n: number, z: number): number {
  if (n === 0) return 0;
  const phat = right / n;
  const z2 = z * z;
  const centre = phat + z2 / (2 * n);
  const spread = z * Math.sqrt((phat * (1 - phat) + z2 / (4 * n)) / n);
  return Math.max(0, (centre - spread) / (1 + z2 / n));
}

/**
 * The map from a model's probability to the confidence reported, fitted on (probability, right?)
 * pairs: isotonic regression (pool adjacent violators) groups the pairs into runs of non-decreasing
 * accuracy; each run reports the lower bound of its accuracy (one-sided 95%), and no run reports more
 * than a run above it. So a confidence of 0.8 means replies like it were right at least about 80% of
 * the time, with the uncertainty of few examples counted against it, not for it.
 */
export function fitConfidenceMap(
  pairs: ReadonlyArray<{ p: number; right: boolean }>,
  z = 1.645,
): Array<[number, number]> {
  const sorted = [...pairs].sort((a, b) => a.p - b.p);
  const runs: Array<{ from: number; to: number; right: number; n: number }> = [];
  for (const { p, right } of sorted) {
    runs.push({ from: p, to: p, right: right ? 1 : 0, n: 1 });
    // Pool while a run is less accurate than the one below it.
    while (runs.length > 1) {
      const top = runs[runs.length - 1] as (typeof runs)[number];
      const below = runs[runs.length - 2] as (typeof runs)[number];
      if (top.right / top.n > below.right / below.n) break;
      runs.splice(-2, 2, {
        from: below.from,
        to: top.to,
        right: below.right + top.right,
        n: below.n + top.n,
      });
    }
  }
  const bounds = runs.map((r) => wilsonLower(r.right, r.n, z));
  for (let i = bounds.length - 2; i >= 0; i--)
    bounds[i] = Math.min(bounds[i] as number, bounds[i + 1] as number);
  const round = (x: number) => Math.round(x * 1000) / 1000;
  return runs.flatMap((r, i) => {
    const v = round(bounds[i] as number);
    return r.from === r.to
      ? [[round(r.from), v] as [number, number]]
      : [
          [round(r.from), v],
          [round(r.to), v],
        ];
  });
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
  return withConfidenceMaps({ fittedOn, models }, samples);
}

/**
 * `calibration` with each model's map (re)fitted on `samples`, its weights kept: the replies the engine
 * gives do not change, only the confidence they report.
 */
export function withConfidenceMaps(
  calibration: Calibration,
  samples: ReadonlyArray<{ action: string; evidence: Record<string, number>; right: boolean }>,
): Calibration {
  const models: Calibration['models'] = {};
  for (const [action, { map: _, ...model }] of Object.entries(calibration.models)) {
    const pairs = samples
      .filter((s) => s.action === action)
      .map((s) => ({ p: probabilityOf(model, s.evidence), right: s.right }));
    models[action] = pairs.length > 0 ? { ...model, map: fitConfidenceMap(pairs) } : model;
  }
  return { ...calibration, models };
}
