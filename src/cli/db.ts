import { ConfigError, loadDatabaseConfig } from '../config.js';
import { PgStoreError } from '../storage/pg/errors.js';
import { migrate } from '../storage/pg/migrate.js';
import { createPgPool, waitForPostgres } from '../storage/pg/pool.js';
import { describeTarget } from '../storage/pg/target.js';
import type { CliCommand } from './io.js';

const USAGE = `Usage: db <command>

  migrate       apply the SQL files in migrations/ that the database lacks (under an advisory lock:
                safe while servers start or run)
  import FILE   copy the tickets of a lowdb tickets.json (and its journal) into PostgreSQL, ids and
                events kept; again imports nothing twice (db import --help)

The database is DATABASE_URL (postgres://user:password@host:5432/db); PG* variables fill in the rest.
`;

/** Operators: the PostgreSQL schema. `db migrate` is what every server start does, run on its own. */
export const runDb: CliCommand = async (args, io) => {
  const [command] = args;
  if (!command || command === '--help' || command === 'help') {
    (command ? io.stdout : io.stderr).write(USAGE);
    return command ? 0 : 2;
  }
  if (command === 'import') return (await import('./tickets-import.js')).runTicketsImport(args.slice(1), io);
  if (command !== 'migrate') {
    io.stderr.write(`Unknown command "${command}".\n${USAGE}`);
    return 2;
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
    io.stderr.write(
      'DATABASE_URL is not set: nothing to migrate (without it tickets live in the data directory).\n',
    );
    return 2;
  }
  const target = describeTarget(database.url, io.env);
  const pool = createPgPool(database, { max: 1, applicationName: 'madoguchi db migrate' });
  const log = (line: string) => io.stderr.write(`${line}\n`);
  try {
    await waitForPostgres(pool, {
      target,
      url: database.url,
      logger: { warn: (_o: unknown, msg?: string) => log(msg ?? '') },
    });
    const result = await migrate(pool, {
      target,
      url: database.url,
      logger: { info: () => undefined, warn: (_o: unknown, msg?: string) => log(msg ?? '') },
    });
    io.stdout.write(
      result.applied.length > 0
        ? `${target}: applied ${result.applied.join(', ')}; now at version ${result.version}\n`
        : `${target}: up to date at version ${result.version}\n`,
    );
    return 0;
  } catch (error) {
    if (!(error instanceof PgStoreError)) throw error;
    io.stderr.write(`${error.message}\n`);
    return 1;
  } finally {
    await pool.end();
  }
};
