import { expect, it } from 'vitest';
import { createPgReferenceStore } from '../../../src/adapters/teams/pg-references.js';
import { migrate } from '../../../src/storage/pg/migrate.js';
import { describePg, freshDatabase } from '../../pg/helpers.js';

const ref = (id: string, serviceUrl = 'https://smba.example/') => ({
  conversation: { id, isGroup: true, conversationType: 'channel', name: '' },
  serviceUrl,
  bot: { id: '28:bot', name: 'Madoguchi' },
});

describePg('Teams conversation references on PostgreSQL', () => {
  it('round-trip across replicas and a restart: a thread gives its channel, a moved service URL is seen by all', async () => {
    const db = await freshDatabase();
    await migrate(db.pool());
    const a = createPgReferenceStore({ pool: db.pool() });
    const b = createPgReferenceStore({ pool: db.pool() });
    expect(await b.get('19:desk@thread.tacv2')).toBeUndefined();
    await a.remember(ref('19:desk@thread.tacv2;messageid=111'));
    // Heard on replica a, known on replica b: the channel, and another thread of it through the channel.
    expect((await b.get('19:desk@thread.tacv2'))?.conversation?.id).toBe('19:desk@thread.tacv2');
    expect(await b.get('19:desk@thread.tacv2;messageid=222')).toMatchObject({
      serviceUrl: 'https://smba.example/',
      bot: { id: '28:bot' },
      conversation: { id: '19:desk@thread.tacv2' },
    });
    expect((await b.get('19:desk@thread.tacv2;messageid=111'))?.conversation?.id).toBe(
      '19:desk@thread.tacv2;messageid=111',
    );
    // The channel moved, heard on b; a thread heard again on a does not move the channel back.
    await b.remember(ref('19:desk@thread.tacv2', 'https://smba.moved.example/'));
    await a.remember(ref('19:desk@thread.tacv2;messageid=333'));
    expect((await a.get('19:desk@thread.tacv2'))?.serviceUrl).toBe('https://smba.moved.example/');
    const restarted = createPgReferenceStore({ pool: db.pool() });
    expect((await restarted.get('19:desk@thread.tacv2'))?.serviceUrl).toBe('https://smba.moved.example/');
    expect((await restarted.get('19:desk@thread.tacv2;messageid=111'))?.serviceUrl).toBe(
      'https://smba.example/',
    );
    // A personal chat; one without a conversation id is ignored.
    await restarted.remember(ref('a:chat-1'));
    await restarted.remember({ serviceUrl: 'https://smba.example/' });
    expect((await a.get('a:chat-1'))?.serviceUrl).toBe('https://smba.example/');
    const rows = await db
      .pool()
      .query('SELECT conversation_id FROM teams_references ORDER BY conversation_id');
    expect(rows.rows.map((r) => r.conversation_id)).toEqual([
      '19:desk@thread.tacv2',
      '19:desk@thread.tacv2;messageid=111',
      '19:desk@thread.tacv2;messageid=333',
      'a:chat-1',
    ]);
  });

  it('replicas remembering the same conversations at once: one row each, no error', async () => {
    const db = await freshDatabase();
    await migrate(db.pool());
    const replicas = [0, 1, 2].map(() => createPgReferenceStore({ pool: db.pool() }));
    await Promise.all(
      replicas.flatMap((r) =>
        [0, 1, 2, 3].map((i) => r.remember(ref(`19:c${i}@thread.tacv2;messageid=${i}`))),
      ),
    );
    const { rows } = await db.pool().query('SELECT count(*)::int AS n FROM teams_references');
    expect(rows[0].n).toBe(8);
  });
});
