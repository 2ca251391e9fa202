import { randomUUID } from 'node:crypto';
import { userInfo } from 'node:os';
import { ConfigError, loadDatabaseConfig } from '../config.js';
import { detectLanguage } from '../core/language.js';
import { normalise } from '../core/normalize.js';
import { type DeskId, systemClock } from '../core/types.js';
import { createPgPool } from '../storage/pg/pool.js';
import { TicketError, TicketStoreError } from '../tickets/errors.js';
import { createLowdbTicketStore } from '../tickets/lowdb-store.js';
import { createPgTicketStore } from '../tickets/pg-store.js';
import { createTicketService } from '../tickets/service.js';
import { TICKET_STATUSES, type Ticket, type TicketStatus } from '../tickets/types.js';
import { parseCommand } from './args.js';
import { loadForCli } from './content.js';
import type { CliCommand } from './io.js';

const USAGE = `Usage: tickets <command>

  open --desk D --text T [--requester R] [--key K] [--json]
  list [--desk D] [--status S] [--json]
  show ID [--json]
  claim ID --as USER          USER as <platform>:<id>, e.g. cli:jbic-staff
  resolve ID --as USER [--note TEXT]
  reopen ID --as USER [--note TEXT]
  close ID --as USER

Tickets live in PostgreSQL when DATABASE_URL is set (the CLI then works beside running servers),
else in $MADOGUCHI_DATA_DIR/tickets.json (default ./data; one process at a time).
`;

const OPTIONS = {
  desk: { type: 'string' },
  text: { type: 'string' },
  requester: { type: 'string' },
  key: { type: 'string' },
  status: { type: 'string' },
  as: { type: 'string' },
  note: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean' },
} as const;

/** Staff and admins at a terminal, and scripts: the ticket lifecycle over the same store the bot uses. */
export const runTickets: CliCommand = async (args, io) => {
  const parsed = parseCommand(args, OPTIONS, USAGE, io);
  if (!parsed) return 2;
  const { values: v, positionals, usage } = parsed;
  const [command, id] = positionals;
  if (!command || v.help) {
    io.stdout.write(USAGE);
    return command ? 0 : 2;
  }
  if (v.status && !TICKET_STATUSES.includes(v.status as TicketStatus))
    return usage(`Unknown status "${v.status}". Statuses: ${TICKET_STATUSES.join(', ')}`);
  if (['show', 'claim', 'resolve', 'reopen', 'close'].includes(command) && !id)
    return usage(`${command} needs a ticket id.`);
  if (['claim', 'resolve', 'reopen', 'close'].includes(command) && !v.as)
    return usage(`${command} needs --as USER.`);
  if (command === 'open' && (!v.desk || !v.text?.trim())) return usage('open needs --desk and --text.');

  const content = await loadForCli(io);
  if (!content) return 1;
  const deskIds = content.desks.desks.map((d) => d.id);
  if (v.desk && !deskIds.includes(v.desk))
    return usage(`Unknown desk "${v.desk}". Desks: ${deskIds.join(', ')}`);
  let database: ReturnType<typeof loadDatabaseConfig>;
  try {
    database = loadDatabaseConfig(io.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return usage(error.problems.join('\n'));
  }
  // PostgreSQL takes row locks per change, so there is no file lock to fight a running server over.
  const store = database
    ? createPgTicketStore({
        pool: createPgPool(database, { max: 2 }),
        endPoolOnClose: true,
        connectAttempts: 1,
      })
    : createLowdbTicketStore({ dataDir: io.env.MADOGUCHI_DATA_DIR || './data' });
  const tickets = createTicketService({ store, desks: () => content.desks, clock: systemClock });
  const print = (t: Ticket | Ticket[]) =>
    io.stdout.write(
      `${v.json ? JSON.stringify(t) : Array.isArray(t) ? t.map(line).join('\n') : describe(t)}\n`,
    );
  try {
    await store.open();
    const actor = { user: v.as ?? '' };
    switch (command) {
      case 'open': {
        const requester = v.requester ?? `cli:${userInfo().username}`;
        const text = v.text ?? '';
        const ticket = await tickets.open({
          key: v.key ?? `cli:${randomUUID()}`,
          desk: v.desk as DeskId,
          requester: { platform: 'cli', userId: requester },
          origin: { platform: 'cli', conversation: 'cli' },
          packet: {
            text,
            lang: detectLanguage(normalise(text)),
            intent: null,
            confidence: 0,
            scheme: null,
            transcript: [],
            details: {},
          },
        });
        print(ticket);
        return 0;
      }
      case 'list':
        print(
          await tickets.list({
            ...(v.desk ? { desk: v.desk as DeskId } : {}),
            ...(v.status ? { status: v.status as TicketStatus } : {}),
          }),
        );
        return 0;
      case 'show': {
        const t = await tickets.get(id as string);
        if (!t) throw new TicketError('NOT_FOUND', `No ticket ${id}.`);
        print(t);
        return 0;
      }
      case 'claim':
        print(await tickets.claim(id as string, actor));
        return 0;
      case 'resolve':
        print(await tickets.resolve(id as string, actor, v.note));
        return 0;
      case 'reopen':
        print(await tickets.reopen(id as string, actor, v.note));
        return 0;
      case 'close':
        print(await tickets.close(id as string, actor));
        return 0;
      default:
        return usage(`Unknown command "${command}".`);
    }
  } catch (error) {
    if (error instanceof TicketError || error instanceof TicketStoreError) {
      io.stderr.write(`${error.message}\n`);
      return 1;
    }
    throw error;
  } finally {
    await store.close();
  }
};

function line(t: Ticket): string {
  return `${t.id}  ${t.status.padEnd(8)}  ${t.desk.padEnd(26)}  ${t.assignee ?? '-'}  ${t.packet.text.replace(/\s+/g, ' ').slice(0, 60)}`;
}

function describe(t: Ticket): string {
  return [
    `${t.id}  ${t.status}  desk ${t.desk}  assignee ${t.assignee ?? '-'}  due ${t.dueAt}`,
    `requester ${t.requester.userId}${t.requester.displayName ? ` (${t.requester.displayName})` : ''}`,
    `question: ${t.packet.text}`,
    ...t.events.map((e) => `  #${e.seq} ${e.at} ${e.type} by ${e.actor}${e.note ? `: ${e.note}` : ''}`),
  ].join('\n');
}
