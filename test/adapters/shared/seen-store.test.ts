import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createSeenStore } from '../../../src/adapters/shared/seen-store.js';
import { tempDirs } from '../../helpers.js';

const tempDir = tempDirs('madoguchi-seen-');
const tempFile = async () => join(await tempDir(), 'seen.journal');

describe('seen store', () => {
  it('says true once per event, whichever of its keys arrives, also across a restart', async () => {
    const file = await tempFile();
    const seen = await createSeenStore({ file });
    const racing = await Promise.all([
      seen.firstTime('msg:C1:1', 'ev:A'),
      seen.firstTime('msg:C1:1', 'ev:A'),
    ]);
    expect(racing.sort()).toEqual([false, true]);
    expect(await seen.firstTime('msg:C1:1')).toBe(false);
    expect(await seen.firstTime('ev:A')).toBe(false);
    expect(await seen.firstTime('msg:C1:2', 'ev:B')).toBe(true);
    const restarted = await createSeenStore({ file });
    expect(await restarted.firstTime('ev:B')).toBe(false);
    expect(await restarted.firstTime('msg:C1:3')).toBe(true);
  });

  it('forgets keys older than the TTL and keeps at most `max`', async () => {
    const file = await tempFile();
    let clock = 1_000_000;
    const seen = await createSeenStore({ file, ttlMs: 60_000, max: 3, now: () => clock });
    for (const k of ['a', 'b', 'c', 'd']) expect(await seen.firstTime(k)).toBe(true);
    expect(await seen.firstTime('a')).toBe(true); // evicted by the bound
    expect(await seen.firstTime('d')).toBe(false);
    clock += 61_000;
    expect(await seen.firstTime('d')).toBe(true); // expired
    const restarted = await createSeenStore({ file, ttlMs: 60_000, max: 3, now: () => clock });
    expect(await restarted.firstTime('d')).toBe(false);
    expect(await restarted.firstTime('c')).toBe(true); // expired before the restart
  });

  it('rewrites its journal down to the live keys instead of growing without end', async () => {
    const file = await tempFile();
    const seen = await createSeenStore({ file, max: 500 });
    for (let i = 0; i < 3_000; i++) await seen.firstTime(`ev:${i}`);
    const lines = (await readFile(file, 'utf8')).split('\n').filter(Boolean);
    expect(lines.length).toBeLessThanOrEqual(2_000);
    const restarted = await createSeenStore({ file, max: 500 });
    expect(await restarted.firstTime('ev:2999')).toBe(false);
  });

  it('starts afresh on an unreadable file (the old JSON object format included)', async () => {
    const file = await tempFile();
    await writeFile(file, '{"ev:old":1}\n[1,2]\n');
    const seen = await createSeenStore({ file });
    expect(await seen.firstTime('ev:new')).toBe(true);
    expect(await seen.firstTime('ev:new')).toBe(false);
  });
});
