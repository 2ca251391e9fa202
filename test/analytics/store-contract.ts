import { describe, expect, it } from 'vitest';
import type { KeyedTurnStore } from '../../src/analytics/journal-store.js';
import type { GapDecision, TurnRecord } from '../../src/analytics/types.js';

/** A record `n` minutes after 2026-03-01 09:00 UTC; `over` sets any field. */
export function record(n: number, over: Partial<TurnRecord> = {}): TurnRecord {
  return {
    id: `t_${n.toString().padStart(20, '0')}`,
    at: new Date(Date.UTC(2026, 2, 1, 9, n)).toISOString(),
    platform: n % 2 ? 'slack' : 'teams',
    lang: n % 3 ? 'en' : 'ja',
    action: 'answer',
    intent: 'programme_info',
    confidence: 0.8125,
    scheme: 'jbic-aguascalientes',
    entry: 'jbic-aguascalientes/signing',
    desk: 'jbic',
    closest: { entry: 'jbic-aguascalientes/signing', score: 12.345 },
    user: `u_${n}`,
    conversation: `c_${n}`,
    ms: 1.25,
    review: [],
    ...over,
  };
}

export const reviewed = (n: number, text: string, over: Partial<TurnRecord> = {}) =>
  record(n, {
    action: 'fallback',
    intent: null,
    entry: null,
    scheme: null,
    closest: null,
    review: ['fallback'],
    text,
    ...over,
  });

/** A fresh, empty store, and a way to open a second one on the same data (a restart, or another process). */
export interface StoreUnderTest {
  store: KeyedTurnStore;
  another: () => Promise<KeyedTurnStore>;
}

/**
 * The behaviour every TurnStore must have, run unchanged against the journal file and PostgreSQL
 * (the way hono's router suite runs against every router).
 */
export function turnStoreContract(name: string, make: () => Promise<StoreUnderTest>) {
  describe(`TurnStore contract: ${name}`, () => {
    it('gives back every record whole, in `at` order whatever order they were added in', async () => {
      const { store, another } = await make();
      const all = [
        record(3),
        reviewed(1, '明日の東京の天気は？ 🌧 "quoted" \\ back\nline'),
        record(2, { feedback: 'helpful', ticketDesk: 'general', intent: null, closest: null }),
      ];
      for (const r of all) await store.add(r);
      const expected = [all[1], all[2], all[0]];
      expect(await store.list()).toEqual(expected);
      expect(await store.get(record(2).id)).toEqual(all[2]);
      expect(await store.get('t_none')).toBeUndefined();
      const reopened = await another();
      expect((await reopened.list()).map((r) => r.id)).toEqual(expected.map((r) => r?.id));
      await reopened.close();
      await store.close();
    });

    it('filters by period (from inclusive, to exclusive) and by need of review', async () => {
      const { store } = await make();
      for (let n = 0; n < 10; n++) await store.add(n % 3 === 0 ? reviewed(n, `q${n}`) : record(n));
      const ids = (rs: TurnRecord[]) => rs.map((r) => r.id);
      expect(ids(await store.list({ from: record(2).at, to: record(5).at }))).toEqual(
        ids([record(2), record(3), record(4)]),
      );
      expect(ids(await store.list({ needsReview: true }))).toEqual(
        ids([record(0), record(3), record(6), record(9)]),
      );
      expect(ids(await store.list({ from: record(4).at, needsReview: true }))).toEqual(
        ids([record(6), record(9)]),
      );
      expect(await store.list({ from: record(5).at, to: record(5).at })).toEqual([]);
      await store.close();
    });

    it('adding a record whose id is stored changes nothing', async () => {
      const { store } = await make();
      await store.add(record(1));
      await store.add(record(1, { action: 'fallback', confidence: 0.1 }));
      expect(await store.list()).toEqual([record(1)]);
      await store.close();
    });

    it('patches the rating, the ticket, the review and the text, and nothing else; false for an unknown id', async () => {
      const { store, another } = await make();
      await store.add(record(1));
      await store.add(record(2));
      expect(await store.update(record(1).id, { feedback: 'not_helpful' })).toBe(true);
      expect(
        await store.update(record(1).id, {
          ticketDesk: 'jbic',
          review: ['not-helpful', 'handoff-after-answer'],
          text: 'When was it signed? [email]',
        }),
      ).toBe(true);
      expect(await store.update('t_gone', { feedback: 'helpful' })).toBe(false);
      const patched = {
        ...record(1),
        feedback: 'not_helpful',
        ticketDesk: 'jbic',
        review: ['not-helpful', 'handoff-after-answer'],
        text: 'When was it signed? [email]',
      };
      expect(await store.get(record(1).id)).toEqual(patched);
      expect(await store.list()).toEqual([patched, record(2)]);
      const reopened = await another();
      expect(await reopened.get(record(1).id)).toEqual(patched);
      expect(await reopened.get(record(2).id)).toEqual(record(2));
      await reopened.close();
      await store.close();
    });

    it('prune deletes the records before the time given, texts with them, and says how many', async () => {
      const { store, another } = await make();
      for (let n = 0; n < 6; n++) await store.add(reviewed(n, `question ${n}`));
      expect(await store.prune(record(4).at)).toBe(4);
      expect(await store.prune(record(4).at)).toBe(0);
      expect((await store.list()).map((r) => r.text)).toEqual(['question 4', 'question 5']);
      expect(await store.get(record(0).id)).toBeUndefined();
      expect(await store.update(record(1).id, { feedback: 'helpful' })).toBe(false);
      const reopened = await another();
      expect((await reopened.list()).map((r) => r.text)).toEqual(['question 4', 'question 5']);
      await reopened.close();
      await store.close();
    });

    it('keeps gap decisions in order, and a second store on the same data sees each new one', async () => {
      const { store, another } = await make();
      const other = await another();
      const d = (gap: string, over: Partial<GapDecision> = {}): GapDecision => ({
        gap,
        decision: 'dismissed',
        at: new Date(Date.UTC(2026, 2, 2, 10, gap.length)).toISOString(),
        by: 'u_admin',
        why: 'not our business',
        ...over,
      });
      expect(await store.decisions()).toEqual([]);
      await store.decide(d('gap-a'));
      expect(await other.decisions()).toEqual([d('gap-a')]);
      const accepted = d('gap-bb', { decision: 'accepted', entry: 'jbic-aguascalientes/signing' });
      delete accepted.why;
      await other.decide(accepted);
      expect(await store.decisions()).toEqual([d('gap-a'), accepted]);
      await other.close();
      await store.close();
    });

    it('makes one pseudonym key, the same for every store on the same data, however many ask at once', async () => {
      const { store, another } = await make();
      const others = await Promise.all([another(), another(), another()]);
      const keys = await Promise.all([store, ...others].map((s) => s.pseudonymKey()));
      expect(new Set(keys).size).toBe(1);
      expect(keys[0]).toMatch(/^[0-9a-f]{64}$/);
      const later = await another();
      expect(await later.pseudonymKey()).toBe(keys[0]);
      for (const s of [...others, later]) await s.close();
      await store.close();
    });
  });
}
