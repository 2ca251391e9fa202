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
}

export interface Example<L extends string> {
  features: readonly string[];
  label: L;
  /** Weight of the example (default 1). */
  weight?: number;
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
  const weights = new Float64Array(featureIndex.size * k);
  const bias = new Float64Array(k);
  const scores = new Float64Array(k);
  let seed = opts.seed ?? 7;
  const random = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  const order = docs.map((_, i) => i);
  /** Scores `x` (known feature indices of a text with `n` features in all) into `scores`. */
  const forward = (x: ArrayLike<number>, n: number) => {
    const scale = 1 / Math.sqrt(Math.max(1, n));
    for (let c = 0; c < k; c++) {
      let s = bias[c] as number;
      for (let i = 0; i < x.length; i++) s += (weights[(x[i] as number) * k + c] as number) * scale;
      scores[c] = s;
    }
    let max = Number.NEGATIVE_INFINITY;
    for (let c = 0; c < k; c++) max = Math.max(max, scores[c] as number);
    let total = 0;
    for (let c = 0; c < k; c++) {
      const e = Math.exp((scores[c] as number) - max);
      scores[c] = e;
      total += e;
    }
    for (let c = 0; c < k; c++) scores[c] = (scores[c] as number) / total;
    return scale;
  };
  for (let epoch = 0; epoch < epochs; epoch++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j] as number, order[i] as number];
    }
    const step = rate / (1 + epoch * 0.5);
    for (const d of order) {
      const doc = docs[d] as (typeof docs)[number];
      const scale = forward(doc.x, doc.x.length);
      for (let c = 0; c < k; c++) {
        const g = ((scores[c] as number) - (c === doc.y ? 1 : 0)) * doc.w * step;
        if (g === 0) continue;
        bias[c] = (bias[c] as number) - g * 0.1;
        for (let i = 0; i < doc.x.length; i++) {
          const at = (doc.x[i] as number) * k + c;
          weights[at] = (weights[at] as number) * (1 - l2) - g * scale;
        }
      }
    }
  }
  const known = (features: readonly string[]) =>
    features.map((f) => featureIndex.get(f)).filter((i): i is number => i !== undefined);
  return {
    labels,
    predict(features) {
      const x = known(features);
      forward(x, features.length);
      return labels.map((label, c) => ({ label, p: scores[c] as number })).sort((a, b) => b.p - a.p);
    },
    evidence(features, label, n = 3) {
      const c = labelIndex.get(label);
      if (c === undefined) return [];
      return features
        .map((f) => ({ f, w: weights[(featureIndex.get(f) ?? -1) * k + c] ?? 0 }))
        .filter((x) => x.w > 0)
        .sort((a, b) => b.w - a.w)
        .slice(0, n)
        .map((x) => x.f.replace(/^w:/, ''));
    },
  };
}
