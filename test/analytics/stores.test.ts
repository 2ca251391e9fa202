import { execFile } from 'node:child_process';
import { appendFile, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { createJournalTurnStore } from '../../src/analytics/journal-store.js';
import { createPgTurnStore } from '../../src/analytics/pg-store.js';
import { migrate } from '../../src/storage/pg/migrate.js';
import { describePg, freshDatabase } from '../pg/helpers.js';
import { record, reviewed, turnStoreContract } from './store-contract.js';

const dirs: string[] = [];
const tempDir = async () => {
  const dir = await mkdtemp(join(tmpdir(), 'madoguchi-turns-'));
  dirs.push(dir);
  return dir;
};
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

turnStoreContract('journal file', async () => {
  const dataDir = await tempDir();
  return {
    store: await createJournalTurnStore({ dataDir }),
    another: () => createJournalTurnStore({ dataDir }),
  };
});

describePg('PostgreSQL', () => {
  turnStoreContract('PostgreSQL', async () => {
    const db = await freshDatabase();
    await migrate(db.pool());
    return {
      store: createPgTurnStore({ pool: db.pool() }),
      another: async () => createPgTurnStore({ pool: db.pool() }),
    };
  });

  it('keeps a text holding U+0000 (which PostgreSQL text cannot) with it replaced', async () => {
    const db = await freshDatabase();
    await migrate(db.pool());
    const store = createPgTurnStore({ pool: db.pool() });
    await store.add(reviewed(1, 'a\u0000b'));
    await store.update(reviewed(1, '').id, { text: 'c\u0000d' });
    expect((await store.get(reviewed(1, '').id))?.text).toBe('c\uFFFDd');
  });
});

const run = promisify(execFile);

describe('the journal turn store', () => {
  it('takes pruned records, texts and all, off the disk, not only out of the index', async () => {
    const dataDir = await tempDir();
    const store = await createJournalTurnStore({ dataDir });
    await store.add(reviewed(1, 'the expired question'));
    await store.add(reviewed(2, 'the kept question'));
    await store.update(reviewed(1, '').id, { feedback: 'not_helpful' });
    expect(await readFile(join(dataDir, 'turns.jsonl'), 'utf8')).toContain('the expired question');
    expect(await store.prune(record(2).at)).toBe(1);
    const file = await readFile(join(dataDir, 'turns.jsonl'), 'utf8');
    expect(file).not.toContain('the expired question');
    expect(file).not.toContain(record(1).id);
    expect(file.trim().split('\n')).toHaveLength(1);
    expect((await readdir(dataDir)).filter((f) => f.startsWith('turns'))).toEqual(['turns.jsonl']);
    await store.close();
  });

  it('compacts the file once patches make it more than twice as long as the records', async () => {
    const dataDir = await tempDir();
    const store = await createJournalTurnStore({ dataDir, minCompactLines: 4 });
    for (let n = 0; n < 4; n++) await store.add(record(n));
    for (let i = 0; i < 5; i++)
      await store.update(record(0).id, { feedback: i % 2 ? 'helpful' : 'not_helpful' });
    await store.close();
    const lines = (await readFile(join(dataDir, 'turns.jsonl'), 'utf8')).trim().split('\n');
    expect(lines.length).toBeLessThanOrEqual(8);
    const reopened = await createJournalTurnStore({ dataDir });
    expect(await reopened.get(record(0).id)).toEqual({ ...record(0), feedback: 'not_helpful' });
    expect(await reopened.list()).toHaveLength(4);
    await reopened.close();
  });

  it('hands out records a caller cannot change by accident', async () => {
    const store = await createJournalTurnStore({ dataDir: await tempDir() });
    await store.add(record(1));
    const [r] = await store.list();
    expect(() => {
      (r as { action: string }).action = 'fallback';
    }).toThrow(TypeError);
    expect((await store.get(record(1).id))?.action).toBe('answer');
    await store.close();
  });

  it('keeps the pseudonym key in a file only its owner can read', async () => {
    const dataDir = await tempDir();
    const store = await createJournalTurnStore({ dataDir });
    const key = await store.pseudonymKey();
    expect((await stat(join(dataDir, 'pseudonym.key'))).mode & 0o777).toBe(0o600);
    expect((await readFile(join(dataDir, 'pseudonym.key'), 'utf8')).trim()).toBe(key);
    await store.close();
  });

  it('sets a damaged turns file aside and starts, rather than keeping the desk down', async () => {
    const dataDir = await tempDir();
    await writeFile(
      join(dataDir, 'turns.jsonl'),
      `${JSON.stringify({ op: 'add', record: record(1) })}\n{oops\n{}\n`,
    );
    const store = await createJournalTurnStore({ dataDir });
    expect(await store.list()).toEqual([]);
    await store.add(record(2));
    expect((await store.list()).map((r) => r.id)).toEqual([record(2).id]);
    expect((await readdir(dataDir)).some((f) => f.startsWith('turns.jsonl.corrupt-'))).toBe(true);
    await store.close();
  });

  it('opened read-only beside the server (the CLI), reads the records and never touches the file', async () => {
    const dataDir = await tempDir();
    const server = await createJournalTurnStore({ dataDir });
    await server.add(reviewed(1, 'first'));
    await server.add(record(2));
    await server.update(record(1).id, { feedback: 'not_helpful' });
    // A line the server is still writing when the CLI opens the file: it must not be cut away.
    await appendFile(join(dataDir, 'turns.jsonl'), '{"op":"add","rec');
    const before = await readFile(join(dataDir, 'turns.jsonl'), 'utf8');
    const cli = await createJournalTurnStore({ dataDir, readOnly: true });
    expect(await cli.list()).toEqual([{ ...reviewed(1, 'first'), feedback: 'not_helpful' }, record(2)]);
    await expect(cli.add(record(3))).rejects.toThrow(/read-only/);
    await expect(cli.update(record(2).id, { feedback: 'helpful' })).rejects.toThrow(/read-only/);
    await expect(cli.prune(record(9).at)).rejects.toThrow(/read-only/);
    await cli.decide({ gap: 'gap-1', decision: 'dismissed', at: record(1).at, by: 'u_a', why: 'spam' });
    expect((await server.decisions()).map((d) => d.gap)).toEqual(['gap-1']);
    await cli.close();
    expect(await readFile(join(dataDir, 'turns.jsonl'), 'utf8')).toBe(before);
    await server.close();
  });

  it('sees a decision another process appended (as `kb dismiss` does), and skips a line still being written', async () => {
    const dataDir = await tempDir();
    const server = await createJournalTurnStore({ dataDir });
    await server.decide({ gap: 'gap-1', decision: 'dismissed', at: record(1).at, by: 'u_a', why: 'spam' });
    const script = `
      import { createJournalTurnStore } from ${JSON.stringify(join(import.meta.dirname, '../../src/analytics/journal-store.ts'))};
      const s = await createJournalTurnStore({ dataDir: process.argv[1] });
      await s.decide({ gap: 'gap-2', decision: 'accepted', at: ${JSON.stringify(record(2).at)}, by: 'u_b', entry: 'x/y' });
      console.log(JSON.stringify(await s.decisions()));
      await s.close();`;
    const { stdout } = await run(process.execPath, [
      '--import',
      'tsx',
      '--input-type=module',
      '-e',
      script,
      dataDir,
    ]);
    expect(JSON.parse(stdout).map((d: { gap: string }) => d.gap)).toEqual(['gap-1', 'gap-2']);
    await appendFile(join(dataDir, 'gap-decisions.jsonl'), '{"gap":"gap-3","deci');
    expect((await server.decisions()).map((d) => d.gap)).toEqual(['gap-1', 'gap-2']);
    // Had its writer crashed there, the next decision is still a line of its own.
    await server.decide({ gap: 'gap-4', decision: 'drafted', at: record(4).at, by: 'u_a', entry: 'x/z' });
    expect((await server.decisions()).map((d) => d.gap)).toEqual(['gap-1', 'gap-2', 'gap-4']);
    await server.close();
  });
});
