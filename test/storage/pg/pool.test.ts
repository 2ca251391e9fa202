import { createServer } from 'node:net';
import { expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.js';
import { isConnectionError, PgStoreError } from '../../../src/storage/pg/errors.js';
import { createPgPool, describePool, waitForPostgres } from '../../../src/storage/pg/pool.js';
import { describeTarget } from '../../../src/storage/pg/target.js';
import { TicketStoreError } from '../../../src/tickets/errors.js';
import { createPgTicketStore } from '../../../src/tickets/pg-store.js';
import { describePg, freshDatabase, poolFor, server, urlFor } from '../../pg/helpers.js';

const SECRET = 'S3cr3t-do-not-print';

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((ok) => s.listen(0, '127.0.0.1', ok));
  const port = (s.address() as { port: number }).port;
  await new Promise((ok) => s.close(ok));
  return port;
}

/** Collects what a logger is told, as the lines an operator would read. */
function lines() {
  const out: string[] = [];
  const record = (o: unknown, msg?: string) => void out.push(`${msg ?? ''} ${JSON.stringify(o)}`);
  return { out, logger: { warn: record, info: record } };
}

it('unreachable at start: retried with back-off, then one line naming host and database, never the password', async () => {
  const port = await closedPort();
  const url = `postgres://madoguchi:${SECRET}@127.0.0.1:${port}/madoguchi_prod`;
  const pool = createPgPool({ url });
  const { out, logger } = lines();
  const slept: number[] = [];
  const error = (await waitForPostgres(pool, {
    target: describeTarget(url),
    url,
    attempts: 4,
    baseDelayMs: 100,
    logger,
    sleep: async (ms) => void slept.push(ms),
  }).catch((e: unknown) => e)) as PgStoreError;
  await pool.end();
  expect(error).toBeInstanceOf(PgStoreError);
  expect(error.code).toBe('PG_UNREACHABLE');
  expect(error.message).toMatch(
    new RegExp(
      `^cannot reach PostgreSQL 127\\.0\\.0\\.1:${port}/madoguchi_prod: connect ECONNREFUSED 127\\.0\\.0\\.1:${port} \\(4 attempts over \\d+\\.\\d s\\); check that the server is running and DATABASE_URL$`,
    ),
  );
  expect(slept).toEqual([100, 200, 400]);
  expect(out).toHaveLength(3);
  for (const line of [error.message, ...out]) {
    expect(line).not.toContain(SECRET);
    expect(line).not.toContain('\n');
  }
  expect(out[0]).toMatch(
    /^PostgreSQL 127\.0\.0\.1:\d+\/madoguchi_prod is not reachable \(connect ECONNREFUSED .*\); trying again in 100 ms/,
  );
});

it('the ticket store on an unreachable server: STORE_UNREADABLE with the same line, as `npm start` prints it', async () => {
  const port = await closedPort();
  const config = loadConfig({ DATABASE_URL: `postgresql://madoguchi:${SECRET}@127.0.0.1:${port}/tickets` });
  expect(config.database?.url).toContain(SECRET);
  const store = createPgTicketStore({
    pool: createPgPool(config.database ?? { url: '' }),
    endPoolOnClose: true,
    connectAttempts: 2,
    retryDelayMs: 10,
  });
  const error = (await store.open().catch((e: unknown) => e)) as TicketStoreError;
  expect(error).toBeInstanceOf(TicketStoreError);
  expect(error.code).toBe('STORE_UNREADABLE');
  expect(error.message).toMatch(
    new RegExp(`^cannot reach PostgreSQL 127\\.0\\.0\\.1:${port}/tickets: .*ECONNREFUSED`),
  );
  expect(error.message).not.toContain(SECRET);
  expect(String(error.stack)).not.toContain(SECRET);
  await store.close();
});

it('tells connection failures (worth retrying) from refusals', () => {
  expect(
    isConnectionError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' })),
  ).toBe(true);
  expect(isConnectionError(new Error('Connection terminated unexpectedly'))).toBe(true);
  expect(
    isConnectionError(Object.assign(new Error('the database system is starting up'), { code: '57P03' })),
  ).toBe(true);
  expect(
    isConnectionError(Object.assign(new Error('password authentication failed'), { code: '28P01' })),
  ).toBe(false);
  expect(isConnectionError(Object.assign(new Error('database "x" does not exist'), { code: '3D000' }))).toBe(
    false,
  );
});

describePg('refusals on the real server', () => {
  it('a wrong password is refused at once (no retries), named without the password', async () => {
    if (!server.ok) return;
    const wrong = `${SECRET}-wrong`;
    const url = urlFor('postgres', server.passwordRole.user, wrong);
    const pool = poolFor(url);
    let tries = 0;
    const error = (await waitForPostgres(pool, {
      target: describePool(pool),
      url,
      sleep: async () => void tries++,
    }).catch((e: unknown) => e)) as PgStoreError;
    expect(tries).toBe(0);
    expect(error.code).toBe('PG_REFUSED');
    expect(error.message).toBe(
      `PostgreSQL ${server.socketDir}:${server.port}/postgres refused the connection: password authentication failed for user "${server.passwordRole.user}" (28P01); check DATABASE_URL (user, password, database name) and PG* variables`,
    );
    expect(error.message).not.toContain(wrong);
  });

  it('the right password in DATABASE_URL works, and still never appears in messages', async () => {
    if (!server.ok) return;
    const db = await freshDatabase();
    const { password, user } = server.passwordRole;
    const url = urlFor(db.name, user, password);
    const pool = poolFor(url);
    await waitForPostgres(pool, { target: describePool(pool), url });
    expect(describePool(pool)).toBe(`${server.socketDir}:${server.port}/${db.name}`);
    // The role may not create tables here: migrating fails, and the message hides the password.
    const store = createPgTicketStore({ pool });
    const error = (await store.open().catch((e: unknown) => e)) as TicketStoreError;
    expect(error.code).toBe('STORE_UNREADABLE');
    expect(error.message).toMatch(
      /^cannot migrate the database on .+: permission denied for schema public \(42501\)$/,
    );
    expect(error.message).not.toContain(password);
  });

  it('a database that does not exist is refused at once, by name', async () => {
    if (!server.ok) return;
    const pool = poolFor(urlFor('no_such_db'));
    const error = (await waitForPostgres(pool, { target: describePool(pool) }).catch(
      (e: unknown) => e,
    )) as PgStoreError;
    expect(error.code).toBe('PG_REFUSED');
    expect(error.message).toMatch(
      /\/no_such_db refused the connection: database "no_such_db" does not exist \(3D000\)/,
    );
  });
});
