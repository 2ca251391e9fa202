import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EnvFileError, loadDotEnv } from '../src/env-file.js';
import { tempDirs } from './helpers.js';

const tempDir = tempDirs('madoguchi-env-');
async function envFile(text: string): Promise<string> {
  const file = join(await tempDir(), '.env');
  await writeFile(file, text);
  return file;
}
const problemOf = (file: string) => {
  try {
    loadDotEnv(file, {});
  } catch (error) {
    if (error instanceof EnvFileError) return error.message;
    throw error;
  }
  return 'loaded';
};

describe('loadDotEnv', () => {
  it('adds the file’s variables to the environment', async () => {
    const file = await envFile(
      [
        '# Madoguchi',
        'PORT=4000',
        '',
        'export HOST=0.0.0.0',
        'SLACK_BOT_TOKEN="xoxb-1" # bot token',
        "SLACK_SIGNING_SECRET='s e c'",
        'MULTI="line one',
        'line two"',
      ].join('\r\n'),
    );
    const env: Record<string, string | undefined> = {};
    expect(loadDotEnv(file, env)).toEqual({ loaded: true, path: file });
    expect(env).toEqual({
      PORT: '4000',
      HOST: '0.0.0.0',
      SLACK_BOT_TOKEN: 'xoxb-1',
      SLACK_SIGNING_SECRET: 's e c',
      MULTI: 'line one\nline two',
    });
  });
  it('lets variables already in the environment win, even empty ones', async () => {
    const file = await envFile('PORT=4000\nHOST=0.0.0.0\nLOG_LEVEL=debug\n');
    const env: Record<string, string | undefined> = { PORT: '5000', HOST: '' };
    loadDotEnv(file, env);
    expect(env).toEqual({ PORT: '5000', HOST: '', LOG_LEVEL: 'debug' });
  });
  it('matches Node’s own precedence: process.loadEnvFile does not override either', async () => {
    const file = await envFile('PORT=4000\nLOG_LEVEL=debug\n');
    const script = `process.loadEnvFile(${JSON.stringify(file)}); console.log(process.env.PORT, process.env.LOG_LEVEL)`;
    const out = execFileSync(process.execPath, ['-e', script], { env: { PORT: '5000' }, encoding: 'utf8' });
    expect(out.trim()).toBe('5000 debug');
  });
  it('defaults to .env in the working directory and to process.env', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, '.env'), 'MADOGUCHI_DOTENV_PROBE=from-file\n');
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      expect(loadDotEnv()).toEqual({ loaded: true, path: join(process.cwd(), '.env') });
      expect(process.env.MADOGUCHI_DOTENV_PROBE).toBe('from-file');
    } finally {
      process.chdir(cwd);
      delete process.env.MADOGUCHI_DOTENV_PROBE;
    }
  });
  it('treats a missing file as normal', async () => {
    const file = join(await tempDir(), '.env');
    expect(loadDotEnv(file, {})).toEqual({ loaded: false, path: file });
  });
  it('ignores a leading byte-order mark', async () => {
    const env: Record<string, string | undefined> = {};
    loadDotEnv(await envFile('\uFEFFPORT=4000\n'), env);
    expect(env).toEqual({ PORT: '4000' });
  });
  it('refuses a malformed file with one line naming the line, never the value', async () => {
    expect(problemOf(await envFile('PORT=4000\nxoxb-secret-token\n'))).toMatch(
      /^\S*\.env line 2: expected NAME=value$/,
    );
    expect(problemOf(await envFile('A B=secret\n'))).toMatch(/\.env line 1: expected NAME=value$/);
    expect(problemOf(await envFile('PORT=1\nSECRET="unclosed-secret\nHOST=x\n'))).toMatch(
      /\.env line 2: quote is never closed$/,
    );
    const dir = join(await tempDir(), 'dir.env');
    await mkdir(dir);
    expect(problemOf(dir)).toBe(`${dir}: cannot be read (EISDIR)`);
  });
  it('changes nothing when the file is malformed', async () => {
    const env: Record<string, string | undefined> = {};
    const file = await envFile('PORT=4000\nnot an assignment\n');
    expect(() => loadDotEnv(file, env)).toThrow(EnvFileError);
    expect(env).toEqual({});
  });
});
