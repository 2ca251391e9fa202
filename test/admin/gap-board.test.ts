import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { type ComputeGaps, createGapBoard, gapFingerprint, workerGaps } from '../../src/admin/gap-board.js';
import { groupGaps } from '../../src/analytics/gaps.js';
import type { Gap, TurnRecord } from '../../src/analytics/types.js';
import { realContent } from '../helpers.js';
import { seedRecords } from './seed.js';

const logger = pino({ level: 'silent' });
const NOW = new Date('2025-04-02T12:00:00Z');
const FROM = new Date('2025-03-01T00:00:00Z');
const TO = new Date('2025-04-01T00:00:00Z');

/** A grouping the test finishes (or fails) when it says, counting the calls and what each was given. */
function controlled() {
  const calls: Array<{ records: TurnRecord[]; finish: (gaps: Gap[]) => void; fail: (e: Error) => void }> = [];
  const compute: ComputeGaps = (job) =>
    new Promise<Gap[]>((finish, fail) => {
      calls.push({ records: job.records, finish, fail });
    });
  return { compute, calls };
}
const gap = (id: string, count: number): Gap => ({
  id,
  count,
  langs: ['en'],
  firstSeen: FROM.toISOString(),
  lastSeen: FROM.toISOString(),
  examples: ['q'],
  reasons: { fallback: count },
  closest: null,
  score: count,
});

describe('the dashboard’s gap board', async () => {
  const content = await realContent();
  const records = seedRecords(400, { from: FROM, to: TO, content });

  it('groups a period once, off the page, and serves the groups until the records change', async () => {
    const { compute, calls } = controlled();
    const board = createGapBoard({ logger, limit: 10, waitMs: 20, compute });
    // The first view of a period: nothing yet, grouping started.
    expect(await board.get('march', records, [], NOW)).toBeUndefined();
    expect(calls).toHaveLength(1);
    // Only the records kept for review are sent to be grouped.
    expect(calls[0]?.records.length).toBe(records.filter((r) => r.review.length > 0 && r.text).length);
    expect(calls[0]?.records.length).toBeLessThan(records.length);
    // A second view before it finishes waits for the same grouping, not a new one.
    const second = board.get('march', records, [], NOW);
    calls[0]?.finish([gap('gap-a', 3)]);
    expect(await second).toEqual({ gaps: [gap('gap-a', 3)], groupedAt: NOW.toISOString(), pending: false });
    expect(calls).toHaveLength(1);
    // Unchanged records: the groups come back without grouping again.
    expect((await board.get('march', [...records], [], NOW))?.gaps).toEqual([gap('gap-a', 3)]);
    // A turn that needs no review cannot change the groups.
    const plain = { ...(records[0] as TurnRecord), id: 'plain', review: [], action: 'answer' as const };
    delete plain.text;
    expect((await board.get('march', [...records, plain], [], NOW))?.pending).toBe(false);
    expect(calls).toHaveLength(1);
  });

  it('shows the last groups, marked pending, while a change is regrouped; then the new ones', async () => {
    const { compute, calls } = controlled();
    const board = createGapBoard({ logger, limit: 10, waitMs: 20, compute });
    const first = board.get('march', records, [], NOW);
    calls[0]?.finish([gap('gap-a', 3)]);
    await first;
    const asked: TurnRecord = {
      ...(records[0] as TurnRecord),
      id: 'new',
      action: 'fallback',
      review: ['fallback'],
      text: 'a new question',
    };
    const more = [...records, asked];
    expect(await board.get('march', more, [], NOW)).toEqual({
      gaps: [gap('gap-a', 3)],
      groupedAt: NOW.toISOString(),
      pending: true,
    });
    expect(calls).toHaveLength(2);
    calls[1]?.finish([gap('gap-a', 4)]);
    expect(await board.get('march', more, [], NOW)).toMatchObject({
      gaps: [gap('gap-a', 4)],
      pending: false,
    });
    // A decision, a rating or a changed reason regroups too.
    await board.get(
      'march',
      more,
      [{ gap: 'gap-a', decision: 'dismissed', at: NOW.toISOString(), by: 'u_x' }],
      NOW,
    );
    expect(calls).toHaveLength(3);
    // Another period or filter is grouped on its own.
    await board.get('march-ja', more, [], NOW);
    expect(calls).toHaveLength(4);
  });

  it('says so when grouping fails, and tries again on the next view', async () => {
    const { compute, calls } = controlled();
    const board = createGapBoard({ logger, limit: 10, waitMs: 50, compute });
    const view = board.get('march', records, [], NOW);
    calls[0]?.fail(new Error('out of memory'));
    expect(await view).toEqual({ gaps: [], groupedAt: '', pending: false, failed: true });
    const again = board.get('march', records, [], NOW);
    expect(calls).toHaveLength(2);
    calls[1]?.finish([]);
    expect(await again).toMatchObject({ gaps: [], pending: false });
  });

  it('fingerprints what grouping reads, and nothing else', () => {
    const base = gapFingerprint(records, []);
    expect(gapFingerprint([...records], [])).toBe(base);
    const reviewed = records.findIndex((r) => r.action === 'fallback');
    const changed = records.map((r, i) => (i === reviewed ? { ...r, feedback: 'not_helpful' as const } : r));
    expect(gapFingerprint(changed, [])).not.toBe(base);
    const unrated = records.findIndex((r) => r.review.length === 0);
    const other = records.map((r, i) => (i === unrated ? { ...r, feedback: 'helpful' as const } : r));
    expect(gapFingerprint(other, [])).toBe(base);
  });

  describe('on the worker thread', () => {
    const compute = workerGaps(logger);
    afterAll(() => compute.close());

    it('groups exactly as groupGaps does on the main thread', async () => {
      const kept = records.filter((r) => r.review.length > 0 && r.text);
      const there = await compute({ records: kept, decisions: [], now: NOW.toISOString(), limit: 10 });
      const here = groupGaps(kept, { decisions: [], now: NOW, limit: 10 });
      expect(here.length).toBeGreaterThan(0);
      expect(there).toEqual(here);
    }, 30_000);

    it('reports an error from the worker as a failed grouping', async () => {
      // A record that is not one makes groupGaps throw in the worker; the worker lives on.
      const bad = [null as unknown as TurnRecord];
      await expect(
        compute({ records: bad, decisions: [], now: NOW.toISOString(), limit: 10 }),
      ).rejects.toThrow(/null/);
      expect(await compute({ records: [], decisions: [], now: NOW.toISOString(), limit: 10 })).toEqual([]);
    }, 30_000);
  });
});
