import { resolve } from 'node:path';
import { ConfigError, loadDatabaseConfig } from '../config.js';
import { createPgPool } from '../storage/pg/pool.js';
import { describeTarget } from '../storage/pg/target.js';
import { TicketStoreError } from '../tickets/errors.js';
import { importTickets, readTicketFile, TicketImportError } from '../tickets/pg-import.js';
import { createPgTicketStore } from '../tickets/pg-store.js';
import type { CliCommand } from './io.js';

export const IMPORT_USAGE = `Usage: db import FILE

  Copies the tickets of a lowdb ticket file (FILE, e.g. data/tickets.json, with its tickets.json.journal)
  into PostgreSQL (DATABASE_URL): ids, events, notifications and refs as they are, in one transaction.
  Tickets already there from an earlier import are left alone, so running it again imports nothing
  twice; new tickets are numbered after the highest imported id. A malformed file, a file a running
  server holds, or a ticket that clashes with another in the database is refused, and nothing is written.
  The file is only read.
`;

/** Operators moving to PostgreSQL: `db import data/tickets.json`. */
export const runTicketsImport: CliCommand = async (args, io) => {
  const [file, ...extra] = args;
  if (!file || file === '--help' || extra.length > 0) {
    (file === '--help' ? io.stdout : io.stderr).write(IMPORT_USAGE);
    return file === '--help' ? 0 : 2;
  }
  let database: ReturnType<typeof loadDatabaseConfig>;
  try {
    database = loadDatabaseConfig(io.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    io.stderr.write(`${error.problems.join('\n')}\n`);
    return 2;
  }
  if (!database) {
    io.stderr.write('DATABASE_URL is not set: there is no PostgreSQL to import into.\n');
    return 2;
  }
  const target = describeTarget(database.url, io.env);
  const pool = createPgPool(database, { max: 1, applicationName: 'madoguchi db import' });
  // Opening the store reaches the server and migrates it, as a server start does.
  const store = createPgTicketStore({ pool, connectAttempts: 1 });
  try {
    // Read and checked whole before the database is touched.
    const source = await readTicketFile(resolve(file));
    await store.open();
    const r = await importTickets(pool, source);
    const lines = [
      `${target}: imported ${r.imported.length} ticket${r.imported.length === 1 ? '' : 's'} from ${file}${span(r.imported)}; ${r.present.length} already there`,
      ...(r.differing.length > 0
        ? [
            `${r.differing.length} of those differ from the file (changed since the earlier import) and were kept as they are in PostgreSQL: ${r.differing.join(', ')}`,
          ]
        : []),
      ...(r.pendingDeliveries > 0
        ? [`${r.pendingDeliveries} notifications still to be sent: the servers' outboxes send them`]
        : []),
      `new tickets start at ${r.nextId}`,
    ];
    io.stdout.write(`${lines.join('\n')}\n`);
    return 0;
  } catch (error) {
    if (!(error instanceof TicketImportError || error instanceof TicketStoreError)) throw error;
    io.stderr.write(`${error.message}\n`);
    return 1;
  } finally {
    await store.close();
    await pool.end();
  }
};

function span(ids: string[]): string {
  if (ids.length === 0) return '';
  return ids.length === 1 ? ` (${ids[0]})` : ` (${ids[0]} … ${ids.at(-1)})`;
}
