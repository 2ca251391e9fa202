import { expect, it } from 'vitest';
import { createPgFeedbackStore } from '../../../src/feedback/pg-store.js';
import type { Feedback } from '../../../src/feedback/store.js';
import { migrate } from '../../../src/storage/pg/migrate.js';
import { describePg, freshDatabase } from '../../pg/helpers.js';

const rating = (n: number, r: Feedback['rating'] = 'helpful'): Feedback => ({
  at: new Date(Date.UTC(2025, 5, 1, 9, 0, n)).toISOString(),
  platform: n % 2 ? 'slack' : 'teams',
  user: `slack:U${n}`,
  conversation: `slack:C1:${n}`,
  turn: `slack:C1:${n}:2`,
  rating: r,
  reply: {
    action: 'answer',
    intent: 'programme_info',
    confidence: 0.82,
    scheme: 'sbic',
    entries: ['sbic-overview'],
  },
});

describePg('feedback on PostgreSQL', () => {
  it('ratings recorded on two replicas are read back whole, in order, after a restart', async () => {
    const db = await freshDatabase();
    await migrate(db.pool());
    const a = createPgFeedbackStore({ pool: db.pool() });
    const b = createPgFeedbackStore({ pool: db.pool() });
    await Promise.all([a.record(rating(1)), b.record(rating(2, 'not_helpful')), a.record(rating(3))]);
    const restarted = createPgFeedbackStore({ pool: db.pool() });
    expect(await restarted.list()).toEqual([rating(1), rating(2, 'not_helpful'), rating(3)]);
    expect(await restarted.list({ since: rating(2).at, limit: 1 })).toEqual([rating(2, 'not_helpful')]);
  });

  it('refuses a rating that is neither helpful nor not helpful', async () => {
    const db = await freshDatabase();
    await migrate(db.pool());
    const store = createPgFeedbackStore({ pool: db.pool() });
    await expect(store.record({ ...rating(1), rating: 'meh' as Feedback['rating'] })).rejects.toThrow(
      /check/,
    );
  });
});
