import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJournalTurnStore } from '../../src/analytics/journal-store.js';
import type { TurnRecord } from '../../src/analytics/types.js';
import { repoRoot } from '../helpers.js';
import { runCli } from './run.js';

let dataDir: string;
const env = () => ({ MADOGUCHI_DATA_DIR: dataDir, MADOGUCHI_CONTENT_DIR: repoRoot });

const run = (args: string[]) => runCli(args, { env: env() });

const record = (id: string, text: string, at: string): TurnRecord => ({
  id,
  at,
  platform: 'slack',
  lang: 'en',
  action: 'fallback',
  intent: null,
  confidence: 0.1,
  scheme: null,
  entry: null,
  desk: null,
  closest: { entry: 'jetro-chongqing/overview', score: 4.4 },
  user: 'u_1',
  conversation: 'c_1',
  ms: 0.5,
  review: ['fallback'],
  text,
});

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'madoguchi-kb-gaps-'));
});
afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

describe('kb gaps | accept | draft | dismiss', () => {
  it('says when there are no gaps, in text and as JSON', async () => {
    expect(await run(['kb', 'gaps'])).toMatchObject({
      code: 0,
      stdout: 'No knowledge gaps: no question is waiting for review.\n',
    });
    expect(await run(['kb', 'gaps', '--json'])).toMatchObject({ code: 0, stdout: '[]\n' });
  });

  it('lists gaps one a line, most impact first, with the commands to act on them', async () => {
    const store = await createJournalTurnStore({ dataDir, sync: false });
    await store.add(
      record('t_1', 'What will the weather be in Chongqing tomorrow?', new Date().toISOString()),
    );
    await store.add(record('t_2', 'what will the wether be in chongqing tomorrow', new Date().toISOString()));
    await store.add(record('t_3', 'Who won the 2014 World Cup?', new Date().toISOString()));
    await store.close();
    const { code, stdout } = await run(['kb', 'gaps']);
    expect(code).toBe(0);
    const lines = stdout.split('\n');
    expect(lines[0]).toMatch(/^gap +asked +impact +languages +last seen +closest entry +latest question$/);
    expect(lines[1]).toMatch(
      /^gap-[0-9a-f]{10} +2 +2\.0 +en +\d{4}-\d{2}-\d{2} +jetro-chongqing\/overview +what will the wether/,
    );
    expect(lines[2]).toMatch(/^gap-[0-9a-f]{10} +1 +1\.0 +en .*Who won the 2014 World Cup\?$/);
    expect(stdout).toContain('kb accept GAP --entry ID · kb draft GAP · kb dismiss GAP --why TEXT');
    expect((await run(['kb', 'gaps', '--limit', '1', '--json'])).stdout.match(/"id":"gap-/g)).toHaveLength(1);
  });

  it.each([
    [['kb', 'accept'], 'kb accept needs a gap id (from kb gaps).'],
    [['kb', 'accept', 'gap-0123456789'], 'kb accept needs --entry ID.'],
    [['kb', 'dismiss', 'gap-0123456789'], 'kb dismiss needs --why TEXT.'],
    [['kb', 'gaps', '--limit', '0'], '--limit needs a positive whole number, got "0".'],
    [['kb', 'gaps', '--entri', 'x'], "Unknown option '--entri'"],
  ])('refuses %j with a usage message (exit 2)', async (args, message) => {
    const r = await run(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(r.stderr).toContain('Usage:');
  });

  it('refuses an unknown gap (exit 1) and changes nothing', async () => {
    for (const args of [
      ['kb', 'accept', 'gap-ffffffffff', '--entry', 'jetro-chongqing/overview'],
      ['kb', 'draft', 'gap-ffffffffff'],
      ['kb', 'dismiss', 'gap-ffffffffff', '--why', 'spam'],
    ]) {
      const r = await run(args);
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(
        'There is no gap "gap-ffffffffff" (its questions may have passed the retention period).\nNothing was changed.\n',
      );
    }
    expect((await run(['kb', 'gaps', '--all', '--json'])).stdout).not.toContain('"decision"');
  });
});
