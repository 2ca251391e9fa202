import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { JournalError, openJournal } from '../../src/storage/journal.js';
import { tempDirs } from '../helpers.js';

const tempDir = tempDirs('madoguchi-journal-');
const tempFile = async () => join(await tempDir(), 'records.journal');

const parse = (v: unknown) => (typeof (v as { n?: unknown }).n === 'number' ? (v as { n: number }) : 'no n');

describe('journal', () => {
  it('keeps every concurrent append, in order, across a reopen', async () => {
    const file = await tempFile();
    const { journal, records } = await openJournal(file, { parse });
    expect(records).toEqual([]);
    await Promise.all(Array.from({ length: 200 }, (_, n) => journal.append({ n })));
    expect(journal.length).toBe(200);
    await journal.close();
    const again = await openJournal(file, { parse });
    expect(again.records.map((r) => r.n)).toEqual(Array.from({ length: 200 }, (_, n) => n));
  });

  it('rewrite replaces the records atomically; appends made after it follow it', async () => {
    const file = await tempFile();
    const { journal } = await openJournal(file, { parse });
    const before = [journal.append({ n: 1 }), journal.append({ n: 2 })];
    const rewritten = journal.rewrite([{ n: 10 }]);
    const after = journal.append({ n: 11 });
    await Promise.all([...before, rewritten, after]);
    expect(journal.length).toBe(2);
    expect(await readFile(file, 'utf8')).toBe('{"n":10}\n{"n":11}\n');
  });

  it('compacts a bounded map only past twice its size, one rewrite at a time', async () => {
    const file = await tempFile();
    const { journal } = await openJournal(file, { parse });
    for (let n = 0; n < 6; n++) await journal.append({ n });
    await journal.compact(3, () => [{ n: 99 }]);
    expect(journal.length).toBe(6);
    await journal.append({ n: 6 });
    let calls = 0;
    const current = () => {
      calls++;
      return [{ n: 5 }, { n: 6 }];
    };
    await Promise.all([journal.compact(3, current), journal.compact(3, current)]);
    expect(calls).toBe(1);
    expect(await readFile(file, 'utf8')).toBe('{"n":5}\n{"n":6}\n');
    await journal.compact(0, () => [], 10);
    expect(journal.length).toBe(2);
  });

  it('names the file and line of a bad record, and leaves the file alone', async () => {
    const file = await tempFile();
    await writeFile(file, '{"n":1}\n\n{"m":2}\n');
    const error = (await openJournal(file, { parse }).catch((e: unknown) => e)) as JournalError;
    expect(error).toBeInstanceOf(JournalError);
    expect(error.code).toBe('JOURNAL_CORRUPT');
    expect(error.message).toBe(`${file}:3: no n`);
    expect(await readFile(file, 'utf8')).toBe('{"n":1}\n\n{"m":2}\n');
  });

  it('drops and cuts away a torn last line', async () => {
    const file = await tempFile();
    await writeFile(file, '{"n":1}\n{"n":');
    const { journal, records } = await openJournal(file, { parse });
    expect(records).toEqual([{ n: 1 }]);
    await journal.append({ n: 2 });
    expect(await readFile(file, 'utf8')).toBe('{"n":1}\n{"n":2}\n');
  });

  it('rejects every append of a failed write with the reason, and recovers when the file is usable again', async () => {
    const file = await tempFile();
    const { journal } = await openJournal(file, { parse });
    await journal.append({ n: 1 });
    await rm(file);
    await mkdir(file);
    const failures = await Promise.all(
      [journal.append({ n: 2 }), journal.append({ n: 3 })].map((p) => p.catch((e: unknown) => e)),
    );
    for (const f of failures) {
      expect(f).toBeInstanceOf(JournalError);
      expect((f as JournalError).code).toBe('JOURNAL_WRITE_FAILED');
      expect((f as JournalError).message).toBe(`${file}: could not write (EISDIR)`);
    }
    expect(journal.length).toBe(1);
    await rm(file, { recursive: true });
    await journal.append({ n: 4 });
    expect(journal.length).toBe(2);
  });
});
