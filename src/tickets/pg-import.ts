import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { z } from 'zod';
import { reasonOf } from '../storage/pg/errors.js';
import { toJsonb } from '../storage/pg/jsonb.js';
import { describePool, inTransaction, type PgPool } from '../storage/pg/pool.js';
import { isAlive, parseHolder } from './lowdb-store.js';
import { formatTicketId } from './store.js';
import { TICKET_STATUSES, type Ticket } from './types.js';

export type TicketImportErrorCode =
  | 'IMPORT_UNREADABLE'
  | 'IMPORT_MALFORMED'
  | 'IMPORT_IN_USE'
  | 'IMPORT_CONFLICT';

/** The import was refused and wrote nothing; `problems` lists each one (at most 20), `file:where: what`. */
export class TicketImportError extends Error {
  constructor(
    readonly code: TicketImportErrorCode,
    message: string,
    readonly problems: string[] = [],
    options?: { cause?: unknown },
  ) {
    super(
      problems.length > 0 ? `${message}\n${problems.map((p) => `  - ${p}`).join('\n')}` : message,
      options,
    );
    this.name = 'TicketImportError';
  }
}

const date = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'expected a date');
const text = z.string().min(1);

/** What every stored ticket has; other fields are kept as they are. */
const StoredTicket = z.looseObject({
  id: z.string().regex(/^MDG-\d{6,}$/, 'expected a ticket id like MDG-000123'),
  key: text,
  desk: text,
  status: z.enum(TICKET_STATUSES),
  assignee: z.string().nullable(),
  requester: z.looseObject({ platform: text, userId: text }),
  origin: z.looseObject({ platform: text, conversation: z.string() }),
  packet: z.looseObject({ text: z.string(), lang: text }),
  createdAt: date,
  updatedAt: date,
  responseTargetHours: z.number(),
  dueAt: date,
  events: z.array(z.looseObject({ seq: z.int().min(1), type: text, at: date, actor: text })),
  outbox: z.array(
    z.looseObject({
      id: text,
      audience: z.enum(['desk', 'requester']),
      channel: text,
      eventSeq: z.int(),
      status: z.enum(['pending', 'delivered', 'failed']),
      attempts: z.int().min(0),
      nextAttemptAt: date,
    }),
  ),
  refs: z.record(z.string(), z.unknown()),
});

const Snapshot = z.object({ format: z.literal(1), seq: z.int().min(0), tickets: z.array(z.unknown()) });
const JournalLine = z.object({ seq: z.int().min(0), ticket: z.unknown() });

export interface TicketFile {
  file: string;
  /** Every ticket, the journal replayed over the snapshot, in id order. */
  tickets: Ticket[];
  /** The last number the file handed out (at least the highest id's). */
  seq: number;
}

const MAX_PROBLEMS = 20;

/**
 * Reads a lowdb ticket file (`tickets.json` and its `tickets.json.journal`, as the lowdb store keeps
 * them) without changing either: the journal's records are replayed over the snapshot (a torn last
 * line, never acknowledged, is left out, as the store does), and every ticket is checked. Refused,
 * listing every problem by place: a file that is not JSON or not a ticket file, a ticket missing what
 * a stored ticket has, two tickets with one key; and a file a live process holds (its lock file), so
 * no change made meanwhile is missed.
 */
export async function readTicketFile(file: string): Promise<TicketFile> {
  const lock = await readOptional(`${file}.lock`);
  const holder = lock === undefined ? undefined : parseHolder(lock);
  if (holder && (holder.host !== hostname() || isAlive(holder.pid))) {
    throw new TicketImportError(
      'IMPORT_IN_USE',
      `${file} is in use by process ${holder.pid} on ${holder.host}; stop that server first so no change is missed (or delete ${file}.lock if that process is gone)`,
    );
  }
  const raw = await readOptional(file);
  if (raw === undefined)
    throw new TicketImportError('IMPORT_UNREADABLE', `${file}: no such file; nothing was imported`);
  const problems: string[] = [];
  let snapshot: z.infer<typeof Snapshot>;
  try {
    const parsed = Snapshot.safeParse(JSON.parse(raw));
    if (!parsed.success)
      throw new TicketImportError(
        'IMPORT_MALFORMED',
        `${file}: not a Madoguchi ticket file (expected {"format":1,"seq":…,"tickets":[…]}); nothing was imported`,
        parsed.error.issues.slice(0, MAX_PROBLEMS).map((i) => `${file}: ${where(i.path)}: ${i.message}`),
      );
    snapshot = parsed.data;
  } catch (error) {
    if (error instanceof TicketImportError) throw error;
    throw new TicketImportError(
      'IMPORT_MALFORMED',
      `${file}: not valid JSON (${(error as Error).message}); nothing was imported`,
    );
  }
  const byId = new Map<string, Ticket>();
  let seq = snapshot.seq;
  const take = (value: unknown, place: string) => {
    const t = StoredTicket.safeParse(value);
    if (!t.success) {
      const id = (value as { id?: unknown } | null)?.id;
      const name = typeof id === 'string' ? ` (${id})` : '';
      for (const i of t.error.issues) problems.push(`${place}${name}: ${where(i.path)}: ${i.message}`);
      return;
    }
    byId.set(t.data.id, t.data as unknown as Ticket);
  };
  snapshot.tickets.forEach((t, i) => {
    take(t, `${file}: tickets[${i}]`);
  });

  const journal = `${file}.journal`;
  const lines = (await readOptional(journal)) ?? '';
  // Everything after the last newline is a torn write: never acknowledged, left out.
  const whole = lines.slice(0, lines.lastIndexOf('\n') + 1).split('\n');
  whole.forEach((line, i) => {
    if (line.trim() === '') return;
    const place = `${journal}:${i + 1}`;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      problems.push(`${place}: not valid JSON (${(error as Error).message})`);
      return;
    }
    const record = JournalLine.safeParse(value);
    if (!record.success) {
      problems.push(`${place}: not a ticket record (expected {"seq":…,"ticket":{…}})`);
      return;
    }
    seq = Math.max(seq, record.data.seq);
    take(record.data.ticket, place);
  });

  const tickets = [...byId.values()].sort((a, b) => numberOf(a.id) - numberOf(b.id));
  const keys = new Map<string, string>();
  for (const t of tickets) {
    const other = keys.get(t.key);
    if (other) problems.push(`${file}: ${other} and ${t.id} have the same key ${JSON.stringify(t.key)}`);
    keys.set(t.key, t.id);
  }
  if (problems.length > 0) {
    throw new TicketImportError(
      'IMPORT_MALFORMED',
      `${file}: ${problems.length} problem${problems.length === 1 ? '' : 's'}; nothing was imported`,
      problems.slice(0, MAX_PROBLEMS),
    );
  }
  return { file, tickets, seq: Math.max(seq, ...tickets.map((t) => numberOf(t.id))) };
}

export interface ImportResult {
  /** Ids written by this import. */
  imported: string[];
  /** Ids already in the database with the same key (an earlier import): left as they are there. */
  present: string[];
  /** Of `present`, those whose stored ticket differs from the file's (changed since): kept as stored. */
  differing: string[];
  /** Notifications of the imported tickets still to be sent: the servers' outboxes send them. */
  pendingDeliveries: number;
  /** The id the next ticket opened will get at the earliest. */
  nextId: string;
}

/**
 * Writes the file's tickets into the migrated database on `pool`, with their ids, events, outbox and
 * refs as they are, in one transaction: all of them or none. A ticket whose id and key are already
 * there (an earlier import) is left alone, so importing again imports nothing twice. An id or a key
 * the database holds for another ticket is a conflict: nothing is written. The id sequence is then
 * advanced past the file's highest number, so tickets opened later never take an imported id. Pending
 * notifications join the delivery queue through the same trigger as every write.
 *
 * The table is locked against writes while the transaction runs (reads go on), so it is safe beside
 * running servers; a ticket a server numbered just before the sequence moved may have to be sent again.
 */
export async function importTickets(pool: PgPool, source: TicketFile): Promise<ImportResult> {
  const target = describePool(pool);
  const url = pool.options.connectionString;
  const docs = new Map(source.tickets.map((t) => [t.id, toJsonb(t)]));
  const ids = source.tickets.map((t) => t.id);
  try {
    return await inTransaction(pool, async (client) => {
      await client.query('LOCK TABLE tickets IN SHARE ROW EXCLUSIVE MODE');
      const { rows: there } = await client.query<{ id: string; key: string }>(
        'SELECT id, key FROM tickets WHERE id = ANY($1::text[]) OR key = ANY($2::text[])',
        [ids, source.tickets.map((t) => t.key)],
      );
      const fileById = new Map(source.tickets.map((t) => [t.id, t]));
      const fileByKey = new Map(source.tickets.map((t) => [t.key, t]));
      const present: string[] = [];
      const conflicts: string[] = [];
      for (const row of there) {
        if (fileById.get(row.id)?.key === row.key) present.push(row.id);
        else if (fileById.has(row.id))
          conflicts.push(`${row.id} is another ticket in the database (key ${JSON.stringify(row.key)})`);
        else
          conflicts.push(
            `${fileByKey.get(row.key)?.id}'s key ${JSON.stringify(row.key)} is ticket ${row.id} in the database`,
          );
      }
      if (conflicts.length > 0) {
        throw new TicketImportError(
          'IMPORT_CONFLICT',
          `${source.file}: ${conflicts.length} ticket${conflicts.length === 1 ? '' : 's'} clash with tickets already in PostgreSQL ${target}; nothing was imported`,
          conflicts.slice(0, MAX_PROBLEMS),
        );
      }
      const { rows: changed } = await client.query<{ id: string }>(
        `SELECT t.id FROM tickets t JOIN unnest($1::text[], $2::jsonb[]) AS f(id, doc) ON f.id = t.id
         WHERE t.doc IS DISTINCT FROM f.doc ORDER BY t.number`,
        [present, present.map((id) => docs.get(id))],
      );
      const skip = new Set(present);
      const fresh = source.tickets.filter((t) => !skip.has(t.id));
      for (let i = 0; i < fresh.length; i += 500) {
        const batch = fresh.slice(i, i + 500);
        await client.query(
          `INSERT INTO tickets (id, number, key, desk, status, requester, created_at, updated_at, doc)
           SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[],
                                $7::timestamptz[], $8::timestamptz[], $9::jsonb[])`,
          [
            batch.map((t) => t.id),
            batch.map((t) => numberOf(t.id)),
            batch.map((t) => t.key),
            batch.map((t) => t.desk),
            batch.map((t) => t.status),
            batch.map((t) => t.requester.userId),
            batch.map((t) => t.createdAt),
            batch.map((t) => t.updatedAt),
            batch.map((t) => docs.get(t.id)),
          ],
        );
      }
      // Past the file's highest number, never back: a sequence already further on stays where it is.
      const { rows: next } = await client.query<{ n: string }>(
        source.seq > 0
          ? `SELECT setval('ticket_number_seq', GREATEST($1::bigint, CASE WHEN is_called THEN last_value ELSE 0 END)) + 1 AS n
             FROM ticket_number_seq`
          : 'SELECT CASE WHEN is_called THEN last_value + 1 ELSE last_value END AS n FROM ticket_number_seq',
        source.seq > 0 ? [source.seq] : [],
      );
      return {
        imported: fresh.map((t) => t.id),
        present,
        differing: changed.map((r) => r.id),
        pendingDeliveries: fresh.reduce(
          (n, t) => n + t.outbox.filter((d) => d.status === 'pending').length,
          0,
        ),
        nextId: formatTicketId(Number(next[0]?.n ?? 1)),
      };
    });
  } catch (error) {
    if (error instanceof TicketImportError) throw error;
    throw new TicketImportError(
      'IMPORT_UNREADABLE',
      `PostgreSQL ${target} failed: ${reasonOf(error, url)}; nothing was imported`,
      [],
      { cause: error },
    );
  }
}

function numberOf(id: string): number {
  return Number(id.slice(id.indexOf('-') + 1));
}

/** A zod issue's path as `tickets[3].events[0].at`. */
function where(path: PropertyKey[]): string {
  return (
    path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i > 0 ? '.' : ''}${String(p)}`)).join('') ||
    '(top)'
  );
}

async function readOptional(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new TicketImportError(
      'IMPORT_UNREADABLE',
      `${file}: cannot be read (${(error as NodeJS.ErrnoException).code}); nothing was imported`,
      [],
      { cause: error },
    );
  }
}
