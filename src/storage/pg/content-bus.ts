import pg from 'pg';
import type { Logger } from 'pino';
import type { PgPool } from './pool.js';
import type { DatabaseConfig } from './target.js';

const CHANNEL = 'madoguchi_content';

export interface ReplicaVersion {
  replica: string;
  contentVersion: string;
  seenAt: string;
}

/**
 * Content reloads across replicas. A replica that reloaded (file change, SIGHUP, the admin command)
 * announces it with `NOTIFY`; every other replica hears it on its own `LISTEN` session and reloads,
 * validating the content itself (a change one replica rejects is rejected there too). Each replica also
 * writes its content version every few seconds, for `/readyz`.
 */
export async function createContentBus(deps: {
  database: DatabaseConfig;
  pool: PgPool;
  replica: string;
  onAnnounced: (version: string) => void;
  logger: Pick<Logger, 'warn' | 'info'>;
  reconnectMs?: number;
}) {
  let client: pg.Client | undefined;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;

  async function listen(): Promise<void> {
    const c = new pg.Client({ connectionString: deps.database.url, application_name: 'madoguchi-listen' });
    c.on('notification', (message) => {
      try {
        const { from, version } = JSON.parse(message.payload ?? '{}') as { from?: string; version?: string };
        if (from && from !== deps.replica && version) deps.onAnnounced(version);
      } catch {
        // Not ours: ignore.
      }
    });
    c.on('error', (error) => {
      // Before it listens, a failure is the connect's or the LISTEN's own, handled by whoever called.
      if (client !== c) return;
      deps.logger.warn({ err: error }, 'content reload channel lost; listening again');
      client = undefined;
      c.end().catch(() => undefined);
      listenLater();
    });
    try {
      await c.connect();
      await c.query(`LISTEN ${CHANNEL}`);
    } catch (error) {
      c.end().catch(() => undefined);
      throw error;
    }
    if (closed) await c.end().catch(() => undefined);
    else client = c;
  }
  /** Listens again after a pause, and again after each failed try (the server may be down for a while). */
  function listenLater(): void {
    if (closed) return;
    timer = setTimeout(() => void listen().catch(listenLater), deps.reconnectMs ?? 2_000);
  }
  await listen();

  return {
    /** Tells the other replicas that this one now serves `version`. */
    async announce(version: string): Promise<void> {
      await deps.pool.query('SELECT pg_notify($1, $2)', [
        CHANNEL,
        JSON.stringify({ from: deps.replica, version }),
      ]);
    },
    /** Records the version this replica serves (called every few seconds). */
    async heartbeat(version: string): Promise<void> {
      await deps.pool.query(
        `INSERT INTO replicas (id, content_version, seen_at) VALUES ($1, $2, now())
         ON CONFLICT (id) DO UPDATE SET content_version = EXCLUDED.content_version, seen_at = now()`,
        [deps.replica, version],
      );
    },
    /** The replicas seen in the last `withinMs`, with their content versions. */
    async replicas(withinMs = 30_000): Promise<ReplicaVersion[]> {
      const r = await deps.pool.query<{ id: string; content_version: string; seen_at: Date }>(
        `SELECT id, content_version, seen_at FROM replicas WHERE seen_at > now() - make_interval(secs => $1)
         ORDER BY id`,
        [withinMs / 1000],
      );
      return r.rows.map((x) => ({
        replica: x.id,
        contentVersion: x.content_version,
        seenAt: x.seen_at.toISOString(),
      }));
    },
    async close(): Promise<void> {
      closed = true;
      clearTimeout(timer);
      await deps.pool.query('DELETE FROM replicas WHERE id = $1', [deps.replica]).catch(() => undefined);
      await client?.end().catch(() => undefined);
    },
  };
}

export type ContentBus = Awaited<ReturnType<typeof createContentBus>>;
