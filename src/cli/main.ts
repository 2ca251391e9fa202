import { runAsk, runChat } from './ask.js';
import { runEval } from './eval.js';
import type { CliCommand, CliIO } from './io.js';
import { runKb } from './kb.js';
import { runTickets } from './tickets.js';

const USAGE = `Usage: madoguchi <command>

  ask "question" [--debug]  answer one question (human-readable)
  ask --json                JSON lines in on stdin, one JSON line out per input
  chat [--debug]            talk to the bot in the terminal
  eval FILE.jsonl… [--json] measure the engine on evaluation cases (pass, routing, calibration)
  eval --fit FILE.jsonl…    fit the confidence mapping on cases, write models/calibration.json
  kb check                  validate intents/, knowledge/ and messages/
  kb check --stale [--on DATE] [--strict]
                            list entries past their programme's review_days (exit 1 only with --strict)
  kb stats [--json]         entries per scheme and language, intents, desks
  kb gaps [--json]          unanswered questions grouped; kb accept|draft|dismiss GAP (kb gaps --help)
  tickets <command>         open, list, show, claim, resolve, reopen, close tickets (tickets --help)
  db migrate                apply the PostgreSQL migrations (with DATABASE_URL)
  db import FILE            copy a lowdb tickets.json into PostgreSQL (ids and events kept; idempotent)
`;

const COMMANDS: Record<string, CliCommand> = {
  ask: runAsk,
  chat: runChat,
  db: async (args, io) => (await import('./db.js')).runDb(args, io),
  eval: runEval,
  kb: runKb,
  tickets: runTickets,
};

export async function main(argv: string[], io: CliIO): Promise<number> {
  const [name, ...rest] = argv;
  const command = name ? COMMANDS[name] : undefined;
  if (!command) {
    const asked = name === undefined || name === '--help' || name === 'help';
    (asked ? io.stdout : io.stderr).write(USAGE);
    return asked ? 0 : 2;
  }
  return command(rest, io);
}
