/** Timing helpers: durations in milliseconds from process.hrtime. */

export interface Summary {
  n: number;
  p50: number;
  p99: number;
  mean: number;
  max: number;
}

export function summarise(samples: number[]): Summary {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  const total = sorted.reduce((s, v) => s + v, 0);
  return { n: sorted.length, p50: at(0.5), p99: at(0.99), mean: total / (sorted.length || 1), max: at(1) };
}

/** Runs `fn` once per input, `rounds` times over the inputs, and returns each call's duration in ms. */
export function timeEach<T>(inputs: T[], fn: (input: T) => unknown, rounds = 1): number[] {
  const out: number[] = [];
  for (let r = 0; r < rounds; r++) {
    for (const input of inputs) {
      const start = process.hrtime.bigint();
      fn(input);
      out.push(Number(process.hrtime.bigint() - start) / 1e6);
    }
  }
  return out;
}

export function timeOnce(fn: () => unknown): number {
  const start = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

export function heapUsedMb(): number {
  globalThis.gc?.();
  return process.memoryUsage().heapUsed / 2 ** 20;
}

export const fmt = (ms: number) => (ms < 1 ? ms.toFixed(3) : ms < 100 ? ms.toFixed(2) : ms.toFixed(0));
export const ratio = (ours: number, baseline: number) =>
  ours > 0 ? baseline / ours : Number.POSITIVE_INFINITY;
