import { FEATURE_BUCKETS, featureId } from './features.js';

/**
 * A multinomial logistic regression (softmax) over hashed binary features (`featureIds`), trained by
 * stochastic gradient descent. Small, deterministic (seeded shuffle) and fast enough to train at start-up
 * on a few thousand examples. Unlike naive Bayes it is not fooled by the many correlated n-grams of one word.
 */
export interface LinearModel<L extends string> {
  readonly labels: readonly L[];
  /** Probabilities per label for a text's feature ids, best first. */
  predict(ids: Uint32Array): Array<{ label: L; p: number }>;
  /** Which of a text's features (`textFeatures`) pushed `label` up the most, for explanations. */
  evidence(features: readonly string[], label: L, n?: number): string[];
  /** The trained parameters as bytes (`decodeLinear` reads them back), for a cache keyed by content version. */
  encode(): Uint8Array;
}

export interface Example<L extends string> {
  /** The text's feature ids (`featureIds`). */
  ids: Uint32Array;
  label: L;
  /** Weight of the example (default 1). */
  weight?: number;
}

/** Gradient steps smaller than this are skipped (they change no decision and cost most of the time). */
const MIN_STEP = 2e-3;

interface Params<L extends string> {
  labels: readonly L[];
  /** FEATURE_BUCKETS × labels, row-major. */
  weights: Float32Array;
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
  // Trained over the buckets the examples use, numbered densely in the order first seen: a few tens of
  // thousands of rows that stay in the processor's cache, instead of 2^18 rows read at random. The
  // arithmetic is the same, weight for weight; the rows are put back in their buckets at the end.
  const denseOf = new Int32Array(FEATURE_BUCKETS).fill(-1);
  const buckets: number[] = [];
  const docs: Array<{ x: Uint32Array; y: number; w: number }> = [];
  for (const e of examples) {
    const y = labelIndex.get(e.label);
    if (y === undefined || e.ids.length === 0) continue;
    const x = new Uint32Array(e.ids.length);
    for (let i = 0; i < x.length; i++) {
      const bucket = e.ids[i] as number;
      let d = denseOf[bucket] as number;
      if (d === -1) {
        d = buckets.length;
        denseOf[bucket] = d;
        buckets.push(bucket);
      }
      x[i] = d;
    }
    docs.push({ x, y, w: e.weight ?? 1 });
  }
  // Every label weighs the same in all: a label with many more examples would otherwise win every doubt.
  const totals = new Float64Array(k);
  for (const d of docs) totals[d.y] = (totals[d.y] as number) + d.w;
  const mean = docs.reduce((a, d) => a + d.w, 0) / Math.max(1, [...totals].filter((t) => t > 0).length);
  for (const d of docs) d.w *= mean / (totals[d.y] as number);

  const params: Params<L> = {
    labels,
    weights: new Float32Array(buckets.length * k),
    bias: new Float64Array(k),
  };
  const { weights, bias } = params;
  const scores = new Float64Array(k);
  const labelsMoved = new Int32Array(k);
  const deltas = new Float64Array(k);
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
    const decay = 1 - l2;
    for (const d of order) {
      const doc = docs[d] as (typeof docs)[number];
      const scale = softmax(params, k, doc.x, doc.x.length, scores);
      let moved = 0;
      for (let c = 0; c < k; c++) {
        const g = ((scores[c] as number) - (c === doc.y ? 1 : 0)) * doc.w * step;
        // An example the model already gets right moves nothing: most of them, after the first epochs.
        if (Math.abs(g) < MIN_STEP) continue;
        bias[c] = (bias[c] as number) - g * 0.1;
        labelsMoved[moved] = c;
        deltas[moved++] = g * scale;
      }
      if (moved === 0) continue;
      // Feature by feature, the labels of its row together: the row is one cache line.
      for (let i = 0; i < doc.x.length; i++) {
        const row = (doc.x[i] as number) * k;
        for (let m = 0; m < moved; m++) {
          const at = row + (labelsMoved[m] as number);
          weights[at] = (weights[at] as number) * decay - (deltas[m] as number);
        }
      }
    }
  }
  return modelOf({ labels, weights: inBuckets(buckets, weights, k), bias });
}

/** Rows `values` (row i: labels of bucket `rows[i]`) put in their buckets of a full 2^18-row table. */
function inBuckets(rows: ArrayLike<number>, values: Float32Array, k: number): Float32Array {
  const weights = new Float32Array(FEATURE_BUCKETS * k);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i] as number;
    if (r >= FEATURE_BUCKETS) throw new Error('bad row');
    weights.set(values.subarray(i * k, i * k + k), r * k);
  }
  return weights;
}

/** Scratch for `softmax`: the offsets of the rows a text reads. */
let at = new Int32Array(1024);

/**
 * Scores the known feature indices `x` of a text with `n` features in all into `out` as probabilities;
 * returns the feature scale (1/√n) used.
 */
function softmax<L extends string>(
  p: Params<L>,
  k: number,
  x: ArrayLike<number>,
  n: number,
  out: Float64Array,
): number {
  const { weights, bias } = p;
  const scale = 1 / Math.sqrt(Math.max(1, n));
  // The features' rows first, then each label's sum over them in feature order (one label's weights at
  // a time: a tight loop the compiler keeps in registers).
  if (at.length < x.length) at = new Int32Array(2 * x.length);
  for (let i = 0; i < x.length; i++) at[i] = (x[i] as number) * k;
  for (let c = 0; c < k; c++) {
    let s = bias[c] as number;
    for (let i = 0; i < x.length; i++) s += (weights[(at[i] as number) + c] as number) * scale;
    out[c] = s;
  }
  let max = Number.NEGATIVE_INFINITY;
  for (let c = 0; c < k; c++) if ((out[c] as number) > max) max = out[c] as number;
  let total = 0;
  for (let c = 0; c < k; c++) {
    const e = Math.exp((out[c] as number) - max);
    out[c] = e;
    total += e;
  }
  for (let c = 0; c < k; c++) out[c] = (out[c] as number) / total;
  return scale;
}

/** The rows of `weights` some example touched. */
function touchedRows(weights: Float32Array, k: number): number[] {
  const rows: number[] = [];
  for (let r = 0; r < FEATURE_BUCKETS; r++)
    for (let c = 0; c < k; c++)
      if (weights[r * k + c] !== 0) {
        rows.push(r);
        break;
      }
  return rows;
}

function modelOf<L extends string>(p: Params<L>): LinearModel<L> {
  const k = p.labels.length;
  const labelIndex = new Map(p.labels.map((l, i) => [l, i]));
  const scores = new Float64Array(k);
  return {
    labels: p.labels,
    predict(ids) {
      softmax(p, k, ids, ids.length, scores);
      return p.labels.map((label, c) => ({ label, p: scores[c] as number })).sort((a, b) => b.p - a.p);
    },
    evidence(features, label, n = 3) {
      const c = labelIndex.get(label);
      if (c === undefined) return [];
      return features
        .map((f) => ({ f, w: p.weights[featureId(f) * k + c] ?? 0 }))
        .filter((x) => x.w > 0)
        .sort((a, b) => b.w - a.w)
        .slice(0, n)
        .map((x) => x.f.replace(/^w:/, ''));
    },
    encode() {
      // Sparse: only the buckets some example touched (a few tens of thousands of the 2^18).
      const rows = touchedRows(p.weights, k);
      const header = new TextEncoder().encode(JSON.stringify({ labels: p.labels, rows: rows.length }));
      const index = Uint32Array.from(rows);
      const values = new Float32Array(rows.length * k);
      rows.forEach((r, i) => {
        values.set(p.weights.subarray(r * k, r * k + k), i * k);
      });
      const parts = [
        new Uint8Array(new Uint32Array([header.length]).buffer),
        header,
        new Uint8Array(index.buffer),
        new Uint8Array(values.buffer),
        new Uint8Array(p.bias.buffer),
      ];
      const out = new Uint8Array(parts.reduce((a, b) => a + b.length, 0) + 8);
      let at = 0;
      for (const [i, part] of parts.entries()) {
        out.set(part, at);
        at += part.length;
        if (i === 1) at = Math.ceil(at / 8) * 8; // align the arrays that follow
      }
      return out.subarray(0, at);
    },
  };
}

/** A model from `encode()`'s bytes; undefined when they are not one (a truncated or foreign file). */
export function decodeLinear<L extends string>(bytes: Uint8Array): LinearModel<L> | undefined {
  try {
    const copy = bytes.slice(); // aligned
    const headerLength = new Uint32Array(copy.buffer, 0, 1)[0] as number;
    const header = JSON.parse(new TextDecoder().decode(copy.subarray(4, 4 + headerLength))) as {
      labels: L[];
      rows: number;
    };
    const k = header.labels.length;
    const start = Math.ceil((4 + headerLength) / 8) * 8;
    const indexBytes = header.rows * 4;
    const valueBytes = header.rows * k * 4;
    if (copy.byteLength !== start + indexBytes + valueBytes + k * 8) return undefined;
    const index = new Uint32Array(copy.buffer, start, header.rows);
    const values = new Float32Array(copy.buffer, start + indexBytes, header.rows * k);
    const bias = new Float64Array(copy.buffer.slice(start + indexBytes + valueBytes));
    return modelOf({ labels: header.labels, weights: inBuckets(index, values, k), bias });
  } catch {
    return undefined;
  }
}
