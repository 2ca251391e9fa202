/**
 * A multinomial logistic regression (softmax) over binary sparse features, trained by stochastic
 * gradient descent. Small, deterministic (seeded shuffle) and fast enough to train at start-up on a
 * few thousand examples. Unlike naive Bayes it is not fooled by the many correlated n-grams of one word.
 */
export interface LinearModel<L extends string> {
  readonly labels: readonly L[];
  /** Probabilities per label, best first. */
  predict(features: readonly string[]): Array<{ label: L; p: number }>;
  /** The features that pushed `label` up the most, for explanations. */
  evidence(features: readonly string[], label: L, n?: number): string[];
  /** The trained parameters as bytes (`decodeLinear` reads them back), for a cache keyed by content version. */
  encode(): Uint8Array;
}

export interface Example<L extends string> {
  features: readonly string[];
  label: L;
  /** Weight of the example (default 1). */
  weight?: number;
}

/** Gradient steps smaller than this are skipped (they change no decision and cost most of the time). */
const MIN_STEP = 2e-3;

interface Params<L extends string> {
  labels: readonly L[];
  /** Feature names, in index order. */
  features: string[];
  /** features × labels, row-major. */
  weights: Float32Array | Float64Array;
  bias: Float64Array;
}

export function trainLinear<L extends string>(
  labels: readonly L[],
  examples: ReadonlyArray<Example<L>>,
  opts: { epochs?: number; rate?: number; l2?: number; seed?: number } = {},
): LinearModel<L> {
  const epochs = opts.epochs ?? 12;
  const rate = opts.rate ?? 0.4;
  const l2 = opts.l2 ?? 1e-4;
  const k = labels.length;
  const labelIndex = new Map(labels.map((l, i) => [l, i]));
  const featureIndex = new Map<string, number>();
  const docs: Array<{ x: Int32Array; y: number; w: number }> = [];
  for (const e of examples) {
    const y = labelIndex.get(e.label);
    if (y === undefined || e.features.length === 0) continue;
    const x = new Int32Array(e.features.length);
    e.features.forEach((f, i) => {
      let index = featureIndex.get(f);
      if (index === undefined) {
        index = featureIndex.size;
        featureIndex.set(f, index);
      }
      x[i] = index;
    });
    docs.push({ x, y, w: e.weight ?? 1 });
  }
  // Every label weighs the same in all: a label with many more examples would otherwise win every doubt.
  const totals = new Float64Array(k);
  for (const d of docs) totals[d.y] = (totals[d.y] as number) + d.w;
  const mean = docs.reduce((a, d) => a + d.w, 0) / Math.max(1, [...totals].filter((t) => t > 0).length);
  for (const d of docs) d.w *= mean / (totals[d.y] as number);

  const params: Params<L> = {
    labels,
    features: [...featureIndex.keys()],
    weights: new Float64Array(featureIndex.size * k),
    bias: new Float64Array(k),
  };
  const { weights, bias } = params;
  const scores = new Float64Array(k);
  let seed = opts.seed ?? 7;
  const random = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  const order = docs.map((_, i) => i);
  for (let epoch = 0; epoch < epochs; epoch++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j] as number, order[i] as number];
    }
    const step = rate / (1 + epoch * 0.5);
    for (const d of order) {
      const doc = docs[d] as (typeof docs)[number];
      const scale = softmax(params, doc.x, doc.x.length, scores);
      for (let c = 0; c < k; c++) {
        const g = ((scores[c] as number) - (c === doc.y ? 1 : 0)) * doc.w * step;
        // An example the model already gets right moves nothing: most of them, after the first epochs.
        if (Math.abs(g) < MIN_STEP) continue;
        bias[c] = (bias[c] as number) - g * 0.1;
        const decay = 1 - l2;
        const delta = g * scale;
        for (let i = 0; i < doc.x.length; i++) {
          const at = (doc.x[i] as number) * k + c;
          weights[at] = (weights[at] as number) * decay - delta;
        }
      }
    }
  }
  return modelOf(params);
}

/**
 * Scores the known feature indices `x` of a text with `n` features in all into `out` as probabilities;
 * returns the feature scale (1/√n) used.
 */
function softmax<L extends string>(p: Params<L>, x: ArrayLike<number>, n: number, out: Float64Array): number {
  const k = p.labels.length;
  const scale = 1 / Math.sqrt(Math.max(1, n));
  let max = Number.NEGATIVE_INFINITY;
  for (let c = 0; c < k; c++) {
    let s = p.bias[c] as number;
    for (let i = 0; i < x.length; i++) s += (p.weights[(x[i] as number) * k + c] as number) * scale;
    out[c] = s;
    if (s > max) max = s;
  }
  let total = 0;
  for (let c = 0; c < k; c++) {
    const e = Math.exp((out[c] as number) - max);
    out[c] = e;
    total += e;
  }
  for (let c = 0; c < k; c++) out[c] = (out[c] as number) / total;
  return scale;
}

function modelOf<L extends string>(p: Params<L>): LinearModel<L> {
  const k = p.labels.length;
  const featureIndex = new Map(p.features.map((f, i) => [f, i]));
  const labelIndex = new Map(p.labels.map((l, i) => [l, i]));
  const scores = new Float64Array(k);
  return {
    labels: p.labels,
    predict(features) {
      const x = features.map((f) => featureIndex.get(f)).filter((i): i is number => i !== undefined);
      softmax(p, x, features.length, scores);
      return p.labels.map((label, c) => ({ label, p: scores[c] as number })).sort((a, b) => b.p - a.p);
    },
    evidence(features, label, n = 3) {
      const c = labelIndex.get(label);
      if (c === undefined) return [];
      return features
        .map((f) => ({ f, w: p.weights[(featureIndex.get(f) ?? -1) * k + c] ?? 0 }))
        .filter((x) => x.w > 0)
        .sort((a, b) => b.w - a.w)
        .slice(0, n)
        .map((x) => x.f.replace(/^w:/, ''));
    },
    encode() {
      const header = new TextEncoder().encode(JSON.stringify({ labels: p.labels, features: p.features }));
      const weights = Float32Array.from(p.weights);
      const out = new Uint8Array(4 + header.length + weights.byteLength + p.bias.byteLength);
      new DataView(out.buffer).setUint32(0, header.length, true);
      out.set(header, 4);
      out.set(new Uint8Array(weights.buffer), 4 + header.length);
      out.set(new Uint8Array(p.bias.buffer), 4 + header.length + weights.byteLength);
      return out;
    },
  };
}

/** A model from `encode()`'s bytes; undefined when they are not one (a truncated or foreign file). */
export function decodeLinear<L extends string>(bytes: Uint8Array): LinearModel<L> | undefined {
  try {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const headerLength = view.getUint32(0, true);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(4, 4 + headerLength))) as {
      labels: L[];
      features: string[];
    };
    const k = header.labels.length;
    const weightBytes = header.features.length * k * 4;
    if (bytes.byteLength !== 4 + headerLength + weightBytes + k * 8) return undefined;
    const copy = bytes.slice(4 + headerLength); // aligned copy
    const weights = new Float32Array(copy.buffer, 0, header.features.length * k);
    const bias = new Float64Array(copy.buffer.slice(weightBytes), 0, k);
    return modelOf({ labels: header.labels, features: header.features, weights, bias });
  } catch {
    return undefined;
  }
}
