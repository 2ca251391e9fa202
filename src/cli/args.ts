import { type ParseArgsConfig, parseArgs } from 'node:util';
import type { CliIO } from './io.js';

type Options = NonNullable<ParseArgsConfig['options']>;
type Parsed<O extends Options> = ReturnType<
  typeof parseArgs<{ options: O; allowPositionals: true; strict: true; args: string[] }>
>;

/** A command's parsed arguments, and `usage`, which prints a problem with the usage text and returns exit code 2. */
export interface ParsedCommand<O extends Options> extends Parsed<O> {
  usage(problem: string): number;
}

/**
 * Parses `args` strictly against `options`, positionals allowed. An unknown option or a missing value is
 * printed with `usageText` and gives undefined: the command exits 2.
 */
export function parseCommand<O extends Options>(
  args: string[],
  options: O,
  usageText: string,
  io: CliIO,
): ParsedCommand<O> | undefined {
  const usage = (problem: string) => {
    io.stderr.write(`${problem}\n${usageText}`);
    return 2;
  };
  try {
    return { ...parseArgs({ args, options, allowPositionals: true, strict: true }), usage };
  } catch (error) {
    usage((error as Error).message);
    return undefined;
  }
}
