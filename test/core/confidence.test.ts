import { describe, expect, it } from 'vitest';
import type { Calibration } from '../../src/content/types.js';
import { confidenceOf, fitConfidenceMap, mapped, withConfidenceMaps } from '../../src/core/confidence.js';

/** `n` pairs at probability `p`, `right` of them right. */
const at = (p: number, n: number, right: number) =>
  Array.from({ length: n }, (_, i) => ({ p, right: i < right }));

describe('confidence map', () => {
  it('interpolates between its knots and is constant beyond its ends', () => {
    const knots: Array<[number, number]> = [
      [0.5, 0.2],
      [0.9, 0.6],
    ];
    expect(mapped(knots, 0.1)).toBe(0.2);
    expect(mapped(knots, 0.7)).toBeCloseTo(0.4, 10);
    expect(mapped(knots, 0.99)).toBe(0.6);
    expect(mapped([], 0.7)).toBe(0.7);
  });

  it('reports the lower bound of each run’s accuracy, never more than a run above it', () => {
    // 0.85: right 80 times in 100; 0.95: right 297 in 300.
    const map = fitConfidenceMap([...at(0.85, 100, 80), ...at(0.95, 300, 297)]);
    const low = mapped(map, 0.85);
    const high = mapped(map, 0.95);
    expect(low).toBeLessThan(0.8);
    expect(low).toBeGreaterThan(0.7);
    expect(high).toBeGreaterThan(0.95);
    expect(high).toBeLessThan(0.99);
    for (let i = 1; i < map.length; i++) {
      expect(map[i]?.[0]).toBeGreaterThanOrEqual(map[i - 1]?.[0] as number);
      expect(map[i]?.[1]).toBeGreaterThanOrEqual(map[i - 1]?.[1] as number);
    }
  });

  it('pools a run that is less accurate than the one below it', () => {
    // Higher probability, fewer right: the two become one run with the accuracy of both.
    const map = fitConfidenceMap([...at(0.7, 50, 45), ...at(0.8, 50, 35)]);
    expect(mapped(map, 0.7)).toBe(mapped(map, 0.8));
    expect(mapped(map, 0.8)).toBeLessThan(0.8);
  });

  it('counts few examples against the confidence: 5 of 5 right is not 100%', () => {
    expect(mapped(fitConfidenceMap(at(0.9, 5, 5)), 0.9)).toBeLessThan(0.7);
  });

  it('refits the maps without touching the models the engine decides with', () => {
    const calibration: Calibration = {
      fittedOn: 'test',
      models: { answer: { bias: -1, weights: { score: 1 } } },
    };
    const samples = Array.from({ length: 60 }, (_, i) => ({
      action: 'answer',
      evidence: { score: (i % 6) + 0.5 },
      right: i % 5 !== 0,
    }));
    const refitted = withConfidenceMaps(calibration, samples);
    expect(refitted.models.answer?.map?.length).toBeGreaterThan(0);
    for (const score of [0, 1, 2, 4, 6]) {
      const evidence = { score };
      expect(confidenceOf(refitted, 'answer', evidence, true)).toBe(
        confidenceOf(calibration, 'answer', evidence, true),
      );
      // What is reported: the map at the model's probability.
      const map = refitted.models.answer?.map ?? [];
      expect(confidenceOf(refitted, 'answer', evidence)).toBeCloseTo(
        mapped(map, 1 / (1 + Math.exp(-(score - 1)))),
        3,
      );
    }
  });
});
