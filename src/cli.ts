#!/usr/bin/env node
import { runAsk, runChat } from './cli/ask.js';
import type { CliCommand, CliIO } from './cli/io.js';
import { runKb } from './cli/kb.js';

const USAGE = `Usage: madoguchi <command>

  ask "question"          answer one question (human-readable)
  ask --json              JSON lines in on stdin, one JSON line out per input
  chat [--debug]          talk to the bot in the terminal
  kb check                validate intents/ and knowledge/
  kb stats                entries per scheme and language, intents, desks
`;

const COMMANDS: Record<string, CliCommand> = { ask: runAsk, chat: runChat, kb: runKb };

export async function main(argv: string[], io: CliIO): Promise<number> {
  const [name, ...rest] = argv;
  const command = name ? COMMANDS[name] : undefined;
  if (!command) {
    (name && name !== '--help' ? io.stderr : io.stdout).write(USAGE);
    return name && name !== '--help' ? 2 : 0;
  }
  return command(rest, io);
}

const io: CliIO = {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  contentDir: process.cwd(),
};
process.exitCode = await main(process.argv.slice(2), io);
