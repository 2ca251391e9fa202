import type { Readable, Writable } from 'node:stream';

/** Streams and environment a CLI command runs with; tests pass their own. */
export interface CliIO {
  stdin: Readable;
  stdout: Writable;
  stderr: Writable;
  env: Record<string, string | undefined>;
  /** Directory holding `intents/` and `knowledge/` (MADOGUCHI_CONTENT_DIR in `env` overrides it). */
  contentDir: string;
}

export type CliCommand = (args: string[], io: CliIO) => Promise<number>;
