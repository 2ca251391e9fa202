import { execFile } from 'node:child_process';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { copyContent, repoRoot } from '../helpers.js';
import { runCli } from './run.js';

const run = (args: string[], stdin = '', env: Record<string, string> = {}) => runCli(args, { stdin, env });

const tmp: string[] = [];
afterAll(async () => {
  await Promise.all(tmp.map((d) => rm(d, { recursive: true, force: true })));
});

describe('ask --json (the DESIGN.md contract), through the real CLI process', () => {
  it('answers JSON lines in order, shares context by session, and reports bad lines without stopping', async () => {
    const input = [
      JSON.stringify({ id: 'q1', text: 'Tell me about the JETRO MOU with Chongqing', session: 's' }),
      'this is not json',
      JSON.stringify({ id: 'q2' }),
      JSON.stringify({ id: 'q3', text: 'When was it signed?', session: 's' }),
      JSON.stringify({ id: 'q4', text: 'connect me with them', session: 's' }),
      JSON.stringify({ id: 'q5', text: 'こんにちは' }),
    ].join('\n');
    const child = execFile('npx', ['tsx', 'src/cli.ts', 'ask', '--json'], { cwd: repoRoot });
    child.stdin?.end(`${input}\n`);
    let stdout = '';
    child.stdout?.on('data', (c) => (stdout += c));
    const code = await new Promise((resolve) => child.on('close', resolve));
    expect(code).toBe(0);
    const lines = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.id)).toEqual(['q1', null, 'q2', 'q3', 'q4', 'q5']);
    expect(lines[0]).toMatchObject({ action: 'answer', scheme: 'jetro-chongqing', desk: null, lang: 'en' });
    expect(Object.keys(lines[0])).toEqual(
      expect.arrayContaining([
        'id',
        'action',
        'intent',
        'confidence',
        'scheme',
        'desk',
        'answer',
        'sources',
        'lang',
      ]),
    );
    expect(lines[0].sources[0]).toMatchObject({
      date: '2013-10-31',
      publisher: expect.stringContaining('JETRO'),
    });
    expect(lines[1].error).toMatch(/not valid JSON/);
    expect(lines[2].error).toMatch(/"text"/);
    expect(lines[3]).toMatchObject({ action: 'answer', scheme: 'jetro-chongqing' });
    expect(lines[3].answer).toContain('October 31, 2013');
    expect(lines[4]).toMatchObject({ action: 'handoff', desk: 'jetro-chongqing' });
    expect(lines[5]).toMatchObject({ action: 'smalltalk', lang: 'ja' });
  });
});

describe('ask, kb check, kb stats (in-process)', () => {
  it('ask prints the answer with its source and date', async () => {
    const r = await run(['ask', 'What is SBIC?']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Small and Medium Business Investment & Consultation');
    expect(r.stdout).toMatch(
      /Source: Ministry of Economy, Trade and Industry \(METI\), .*\(September 29, 2015\)/,
    );
  });
  it('ask without a question is a usage error', async () => {
    expect((await run(['ask'])).code).toBe(2);
  });
  it('kb check passes on the real tree with a one-line summary', async () => {
    const r = await run(['kb', 'check']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^ok: 3 programmes, \d+ knowledge entries \(en\+ja\+es\+zh\), \d+ intents, 9 desks/,
    );
  });
  it('kb check fails with file:line: field: problem for a broken file', async () => {
    const dir = await copyContent('madoguchi-cli-');
    tmp.push(dir);
    const file = join(dir, 'knowledge/jetro-chongqing/summit.md');
    await writeFile(
      file,
      (await readFile(file, 'utf8')).replace('scheme: jetro-chongqing', 'scheme: jetro-chongking'),
    );
    const r = await run(['kb', 'check'], '', { MADOGUCHI_CONTENT_DIR: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'knowledge/jetro-chongqing/summit.md:3: scheme: must be the programme folder\'s name "jetro-chongqing", got "jetro-chongking"',
    );
  });
  it('kb stats counts entries per scheme and language', async () => {
    const r = await run(['kb', 'stats', '--json']);
    const stats = JSON.parse(r.stdout);
    expect(Object.keys(stats.schemes).sort()).toEqual([
      'jbic-aguascalientes',
      'jetro-chongqing',
      'meti-global-alliance',
    ]);
    expect(stats.schemes['jetro-chongqing'].zh.entries).toBeGreaterThan(10);
    expect(stats.schemes['jetro-chongqing'].ja.entries).toBeGreaterThan(10);
    expect(stats.desks).toHaveLength(9);
  });
  it('an unknown command prints usage and fails', async () => {
    const r = await run(['frobnicate']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('Usage');
  });
});
