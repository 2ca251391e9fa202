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

/**
 * Runs each of `fns` once per input, alternately (which goes first alternates too), `rounds` times over
 * the inputs, and returns each function's durations in ms: on a busy machine a pause falls on either alike.
 */
export function timeAlternately<T>(inputs: T[], fns: Array<(input: T) => unknown>, rounds = 1): number[][] {
  const out = fns.map((): number[] => []);
  let turn = 0;
  for (let r = 0; r < rounds; r++)
    for (const input of inputs) {
      for (let k = 0; k < fns.length; k++) {
        const f = (k + turn) % fns.length;
        const start = process.hrtime.bigint();
        (fns[f] as (input: T) => unknown)(input);
        (out[f] as number[]).push(Number(process.hrtime.bigint() - start) / 1e6);
      }
      turn++;
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

export const median = (xs: number[]) =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

export const fmt = (ms: number) => (ms < 1 ? ms.toFixed(3) : ms < 100 ? ms.toFixed(2) : ms.toFixed(0));
export const ratio = (ours: number, baseline: number) =>
  ours > 0 ? baseline / ours : Number.POSITIVE_INFINITY;
