import { userInfo } from 'node:os';
import {
  acceptGap,
  dismissGap,
  draftGap,
  type GapActionDeps,
  isGapRefusal,
  listGaps,
} from '../analytics/gap-actions.js';
import { createJournalTurnStore, type KeyedTurnStore } from '../analytics/journal-store.js';
import { createPgTurnStore } from '../analytics/pg-store.js';
import { createPseudonymiser } from '../analytics/record.js';
import type { Gap } from '../analytics/types.js';
import { ConfigError, loadDatabaseConfig } from '../config.js';
import { PgStoreError } from '../storage/pg/errors.js';
import { migrate } from '../storage/pg/migrate.js';
import { createPgPool, type PgPool } from '../storage/pg/pool.js';
import { describeTarget } from '../storage/pg/target.js';
import { parseCommand } from './args.js';
import { contentDir } from './content.js';
import type { CliCommand, CliIO } from './io.js';

export const GAP_COMMANDS = ['gaps', 'accept', 'draft', 'dismiss'] as const;

const USAGE = `Usage:
  kb gaps [--json] [--all] [--limit N]     questions the desk could not answer well, grouped, by impact
  kb accept GAP --entry ID [--question TEXT] [--lang L]
                                           add the gap's most asked question (or TEXT) to entry ID's
                                           alternate questions, checked as kb check checks
  kb draft GAP [--programme P] [--desk D]  write a new entry from the gap to drafts/<programme>/
  kb dismiss GAP --why TEXT                stop showing the gap

Gaps are read from PostgreSQL when DATABASE_URL is set, else from $MADOGUCHI_DATA_DIR (default ./data).
`;

const OPTIONS = {
  json: { type: 'boolean' },
  all: { type: 'boolean' },
  limit: { type: 'string' },
  entry: { type: 'string' },
  question: { type: 'string' },
  lang: { type: 'string' },
  programme: { type: 'string' },
  desk: { type: 'string' },
  why: { type: 'string' },
  help: { type: 'boolean' },
} as const;

/** What a running server does with an edited file, said after every change. */
const PICKED_UP =
  'A running server picks the change up by its content watcher (MADOGUCHI_WATCH, on by default) or on a reload (SIGHUP, /madoguchi reload in Slack, reload in Teams).';

/** `kb gaps | accept | draft | dismiss`: the admins' loop from what people asked to the knowledge. */
export const runKbGaps: CliCommand = async (args, io) => {
  const parsed = parseCommand(args, OPTIONS, USAGE, io);
  if (!parsed) return 2;
  const { values: v, positionals, usage } = parsed;
  const [command, gap] = positionals;
  if (v.help) {
    io.stdout.write(USAGE);
    return 0;
  }
  if (command !== 'gaps' && !gap) return usage(`kb ${command} needs a gap id (from kb gaps).`);
  if (command === 'accept' && !v.entry) return usage('kb accept needs --entry ID.');
  if (command === 'dismiss' && !v.why?.trim()) return usage('kb dismiss needs --why TEXT.');
  const limit = v.limit === undefined ? undefined : Number(v.limit);
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1))
    return usage(`--limit needs a positive whole number, got "${v.limit}".`);

  let opened: { store: KeyedTurnStore; pool?: PgPool };
  try {
    opened = await openStore(io);
  } catch (error) {
    if (error instanceof ConfigError) return usage(error.problems.join('\n'));
    if (error instanceof PgStoreError) {
      io.stderr.write(`${error.message}\n`);
      return 1;
    }
    throw error;
  }
  const { store } = opened;
  try {
    const now = () => new Date();
    const deps: GapActionDeps = { store, contentDir: contentDir(io), now };
    // Who decided, pseudonymised with the server's key (only a decision needs it: listing writes nothing).
    const by = async () =>
      createPseudonymiser(io.env.MADOGUCHI_PSEUDONYM_KEY || (await store.pseudonymKey()))(
        `cli:${userInfo().username}`,
      );
    switch (command) {
      case 'gaps': {
        const gaps = await listGaps(store, {
          now: now(),
          ...(v.all ? { includeDecided: true } : {}),
          ...(limit ? { limit } : {}),
        });
        io.stdout.write(v.json ? `${JSON.stringify(gaps)}\n` : table(gaps));
        return 0;
      }
      case 'accept': {
        const { accepted } = await acceptGap(deps, {
          gap: gap as string,
          entry: v.entry as string,
          ...(v.question ? { question: v.question } : {}),
          ...(v.lang ? { lang: v.lang } : {}),
          by: await by(),
        });
        io.stdout.write(
          `Added "${accepted.question}" (${accepted.lang}) to ${accepted.entry} (${accepted.file}); it passes kb check.\n${PICKED_UP}\n`,
        );
        return 0;
      }
      case 'draft': {
        const { drafted } = await draftGap(deps, {
          gap: gap as string,
          ...(v.programme ? { programme: v.programme } : {}),
          ...(v.desk ? { desk: v.desk } : {}),
          by: await by(),
        });
        io.stdout.write(
          `Drafted ${drafted.file} (${drafted.questions} question${drafted.questions === 1 ? '' : 's'}). Write its titles and bodies, then move it to knowledge/${drafted.id}.md and run kb check.\n`,
        );
        return 0;
      }
      case 'dismiss': {
        const d = await dismissGap(deps, { gap: gap as string, why: v.why as string, by: await by() });
        io.stdout.write(`Dismissed ${d.gap}: ${d.why}\n`);
        return 0;
      }
      default:
        return usage(`Unknown command "${command}".`);
    }
  } catch (error) {
    if (isGapRefusal(error)) {
      io.stderr.write(`${error.message}\n`);
      for (const p of 'details' in error ? (error.details.problems ?? []) : []) io.stderr.write(`  ${p}\n`);
      io.stderr.write('Nothing was changed.\n');
      return 1;
    }
    if (error instanceof PgStoreError) {
      io.stderr.write(`${error.message}\n`);
      return 1;
    }
    throw error;
  } finally {
    await store.close();
    await opened.pool?.end();
  }
};

/** The turn store the server writes: PostgreSQL (migrated first) or the data directory's files, read-only. */
async function openStore(io: CliIO): Promise<{ store: KeyedTurnStore; pool?: PgPool }> {
  const database = loadDatabaseConfig(io.env);
  if (!database)
    return {
      store: await createJournalTurnStore({ dataDir: io.env.MADOGUCHI_DATA_DIR || './data', readOnly: true }),
    };
  const pool = createPgPool(database, { max: 2, applicationName: 'madoguchi kb' });
  try {
    const quiet = { info: () => undefined, warn: () => undefined };
    await migrate(pool, { target: describeTarget(database.url, io.env), url: database.url, logger: quiet });
  } catch (error) {
    await pool.end();
    throw error;
  }
  return { store: createPgTurnStore({ pool }), pool };
}

/** One line a gap: id, count, impact, languages, last seen, closest entry, its latest question. */
function table(gaps: Gap[]): string {
  if (gaps.length === 0) return 'No knowledge gaps: no question is waiting for review.\n';
  const lines = gaps.map((g) =>
    [
      g.id.padEnd(16),
      String(g.count).padStart(5),
      g.score.toFixed(1).padStart(7),
      g.langs.join(',').padEnd(11),
      g.lastSeen.slice(0, 10),
      (g.closest?.entry ?? '-').padEnd(34),
      `${g.decision ? `[${g.decision.decision}] ` : ''}${(g.examples[0] ?? '').replace(/\s+/g, ' ').slice(0, 70)}`,
    ].join('  '),
  );
  const head = [
    'gap'.padEnd(16),
    'asked',
    ' impact',
    'languages'.padEnd(11),
    'last seen ',
    'closest entry'.padEnd(34),
    'latest question',
  ].join('  ');
  return `${head}\n${lines.join('\n')}\n\nkb accept GAP --entry ID · kb draft GAP · kb dismiss GAP --why TEXT\n`;
}
