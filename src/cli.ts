#!/usr/bin/env node
import { main } from './cli/main.js';
import { EnvFileError, loadDotEnv } from './env-file.js';

try {
  loadDotEnv();
} catch (error) {
  if (!(error instanceof EnvFileError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
}

process.exitCode = await main(process.argv.slice(2), {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  contentDir: process.cwd(),
});
