import { appendFile, copyFile, readFile, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { createLowdbTicketStore } from '../../../src/tickets/lowdb-store.js';
import { createNotifierRegistry } from '../../../src/tickets/notifiers.js';
import { createPgTicketStore } from '../../../src/tickets/pg-store.js';
import { createTicketService } from '../../../src/tickets/service.js';
import type { Ticket } from '../../../src/tickets/types.js';
import { runCli } from '../../cli/run.js';
import { tempDirs } from '../../helpers.js';
import { describePg, freshDatabase, server, type TestDatabase } from '../../pg/helpers.js';
import { DESKS, openInput, stubNotifier } from '../../tickets/fixtures.js';

const tempDir = tempDirs('madoguchi-import-');
const staff = { user: 'cli:jbic-staff' };

const db = (env: Record<string, string>, ...args: string[]) => runCli(['db', ...args], { env });

/**
 * A data directory as a server on lowdb leaves it after a crash: a snapshot, a journal of the changes
 * since (with a torn last line) and a lock file naming a process that is gone. Resolves the tickets it
 * holds, as the lowdb store reads them.
 */
async function lowdbData(): Promise<{ file: string; tickets: Ticket[] }> {
  const live = await tempDir();
  let clock = Date.parse('2026-11-02T09:00:00Z');
  const notifiers = createNotifierRegistry();
  notifiers.register(stubNotifier('slack'));
  const open = async () => {
    const store = createLowdbTicketStore({ dataDir: live, sync: false });
    await store.open();
    const service = createTicketService({
      store,
      desks: () => DESKS,
      clock: { now: () => new Date(clock) },
      notifiers,
    });
    return { store, service };
  };
  const first = await open();
  const a = await first.service.open(openInput('slack:form-a'));
  clock += 60_000;
  await first.service.claim(a.id, staff);
  await first.service.open(openInput('slack:form-b', { desk: 'sbic' }));
  await first.store.close(); // folded into the snapshot
  const second = await open();
  clock += 60_000;
  await second.service.resolve(a.id, staff, 'Call booked');
  await second.service.open(openInput('slack:form-c'));
  const tickets = await second.store.list();
  // Copied while the store is open: the journal still holds the last changes.
  const crashed = await tempDir();
  await copyFile(join(live, 'tickets.json'), join(crashed, 'tickets.json'));
  await copyFile(join(live, 'tickets.json.journal'), join(crashed, 'tickets.json.journal'));
  await second.store.close();
  await appendFile(join(crashed, 'tickets.json.journal'), '{"seq":9,"ticket":{"id":"MDG-0000');
  await writeFile(join(crashed, 'tickets.json.lock'), JSON.stringify({ pid: 2 ** 22 + 7, host: hostname() }));
  return { file: join(crashed, 'tickets.json'), tickets };
}

async function stored(d: TestDatabase): Promise<Ticket[]> {
  const { rows } = await d.pool().query<{ doc: Ticket }>('SELECT doc FROM tickets ORDER BY number');
  return rows.map((r) => r.doc);
}

describePg('db import FILE', () => {
  it('copies a lowdb ticket file into PostgreSQL with its ids, events and pending notifications; a second run imports nothing', async () => {
    if (!server.ok) return;
    const d = await freshDatabase();
    const { file, tickets } = await lowdbData();
    expect(tickets.map((t) => t.id)).toEqual(['MDG-000001', 'MDG-000002', 'MDG-000003']);
    const before = await readFile(file, 'utf8');

    const first = await db({ DATABASE_URL: d.url }, 'import', file);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(
      `imported 3 tickets from ${file} (MDG-000001 … MDG-000003); 0 already there`,
    );
    expect(first.stdout).toContain('new tickets start at MDG-000004');
    // As the lowdb store had them: every event, the outbox with its attempts, refs; the file untouched.
    expect(await stored(d)).toEqual(tickets);
    expect(tickets[0]?.events.map((e) => e.type)).toEqual(['created', 'claimed', 'resolved']);
    expect(await readFile(file, 'utf8')).toBe(before);
    // Their pending notifications are in the replicas' delivery queue.
    const pending = tickets.flatMap((t) => t.outbox.filter((x) => x.status === 'pending').map((x) => x.id));
    expect(pending.length).toBeGreaterThan(0);
    const queued = await d.pool().query<{ id: string }>('SELECT id FROM deliveries ORDER BY id');
    expect(queued.rows.map((r) => r.id)).toEqual([...pending].sort());
    expect(first.stdout).toContain(`${pending.length} notifications still to be sent`);

    const again = await db({ DATABASE_URL: d.url }, 'import', file);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('imported 0 tickets');
    expect(again.stdout).toContain('3 already there');
    expect(await stored(d)).toEqual(tickets);

    // The next ticket opened on PostgreSQL is numbered after the imported ones.
    const store = createPgTicketStore({ pool: d.pool() });
    await store.open();
    const service = createTicketService({ store, desks: () => DESKS, clock: { now: () => new Date() } });
    expect((await service.open(openInput('after-import'))).id).toBe('MDG-000004');
    // A ticket changed in PostgreSQL since is kept as it is there, and named.
    await service.claim('MDG-000003', staff);
    const third = await db({ DATABASE_URL: d.url }, 'import', file);
    expect(third.code, third.stderr).toBe(0);
    expect(third.stdout).toContain('imported 0 tickets');
    expect(third.stdout).toMatch(/1 of those differ from the file .*: MDG-000003/);
    expect((await store.get('MDG-000003'))?.status).toBe('claimed');
    expect(third.stdout).toContain('new tickets start at MDG-000005');
    await store.close();
  });

  it.each([
    ['not JSON', (f: string) => writeFile(f, '{"format":1,'), /not valid JSON/],
    [
      'not a ticket file',
      (f: string) => writeFile(f, JSON.stringify({ tickets: {} })),
      /not a Madoguchi ticket file[\s\S]*format/,
    ],
    [
      'a ticket missing its events, another with an unknown status',
      async (f: string) => {
        const data = JSON.parse(await readFile(f, 'utf8')) as { tickets: Record<string, unknown>[] };
        delete data.tickets[0]?.events;
        if (data.tickets[1]) data.tickets[1].status = 'pending';
        await writeFile(f, JSON.stringify(data));
      },
      /2 problems; nothing was imported[\s\S]*tickets\[0\] \(MDG-000001\): events: [\s\S]*tickets\[1\] \(MDG-000002\): status: /,
    ],
    [
      'a damaged journal line before the last',
      (f: string) => appendFile(`${f}.journal`, '\nnot json\n{"seq":3,"ticket":{}}\n'),
      /tickets\.json\.journal:\d+: not valid JSON[\s\S]*tickets\.json\.journal:\d+: id: /,
    ],
    [
      'two tickets with one key',
      async (f: string) => {
        const data = JSON.parse(await readFile(f, 'utf8')) as { tickets: { key: string }[] };
        const [x, y] = data.tickets;
        if (x && y) y.key = x.key;
        await writeFile(f, JSON.stringify(data));
      },
      /MDG-000001 and MDG-000002 have the same key/,
    ],
  ])('refuses %s with a clear message and writes nothing', async (_name, damage, message) => {
    if (!server.ok) return;
    const d = await freshDatabase();
    const { file } = await lowdbData();
    await damage(file);
    const r = await db({ DATABASE_URL: d.url }, 'import', file);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toContain(file);
    // Refused before the database was touched: not even migrated.
    const { rows } = await d.pool().query<{ t: string | null }>("SELECT to_regclass('tickets')::text AS t");
    expect(rows[0]?.t).toBeNull();
  });

  it('refuses a file a running server holds, and tickets that clash with the database, writing nothing', async () => {
    if (!server.ok) return;
    const d = await freshDatabase();
    const { file } = await lowdbData();
    await writeFile(`${file}.lock`, JSON.stringify({ pid: process.pid, host: hostname() }));
    const held = await db({ DATABASE_URL: d.url }, 'import', file);
    expect(held.code).toBe(1);
    expect(held.stderr).toContain(`is in use by process ${process.pid}`);
    await writeFile(`${file}.lock`, '');

    // MDG-000001 exists in PostgreSQL already, for another request.
    const store = createPgTicketStore({ pool: d.pool() });
    await store.open();
    const service = createTicketService({ store, desks: () => DESKS, clock: { now: () => new Date() } });
    await service.open(openInput('opened-on-postgres'));
    const clash = await db({ DATABASE_URL: d.url }, 'import', file);
    expect(clash.code).toBe(1);
    expect(clash.stderr).toMatch(
      /clash with tickets already in PostgreSQL[\s\S]*MDG-000001 is another ticket/,
    );
    expect((await stored(d)).map((t) => t.key)).toEqual(['opened-on-postgres']);
    await store.close();
  });

  it('says what it needs: a file and DATABASE_URL', async () => {
    expect((await db({}, 'import')).code).toBe(2);
    expect(await db({}, 'import', 'data/tickets.json')).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/^DATABASE_URL is not set/),
    });
    expect((await db({}, 'import', '--help')).stdout).toMatch(/^Usage: db import FILE/);
  });
});
