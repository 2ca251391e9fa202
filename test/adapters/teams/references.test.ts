import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createReferenceStore } from '../../../src/adapters/teams/references.js';
import { tempDirs } from '../../helpers.js';

const tempDir = tempDirs('madoguchi-refs-');
const ref = (id: string, serviceUrl = 'https://smba.example/') => ({
  conversation: { id, isGroup: true, conversationType: 'channel', name: '' },
  serviceUrl,
});
const lines = async (file: string) => (await readFile(file, 'utf8')).split('\n').filter(Boolean).length;

describe('Teams conversation references', () => {
  it('keeps a thread and its channel, writes only what changed, and survives a restart', async () => {
    const file = join(await tempDir(), 'refs.journal');
    const refs = await createReferenceStore(file);
    await refs.remember(ref('19:desk@thread.tacv2;messageid=111'));
    expect((await refs.get('19:desk@thread.tacv2'))?.conversation?.id).toBe('19:desk@thread.tacv2');
    expect((await refs.get('19:desk@thread.tacv2;messageid=222'))?.serviceUrl).toBe('https://smba.example/');
    await refs.remember(ref('19:desk@thread.tacv2;messageid=111'));
    expect(await lines(file)).toBe(2);
    await refs.remember(ref('19:desk@thread.tacv2', 'https://smba.moved.example/'));
    const restarted = await createReferenceStore(file);
    expect((await restarted.get('19:desk@thread.tacv2'))?.serviceUrl).toBe('https://smba.moved.example/');
    expect((await restarted.get('19:desk@thread.tacv2;messageid=111'))?.serviceUrl).toBe(
      'https://smba.example/',
    );
  });

  it('rewrites its file down to the live references as it grows', async () => {
    const file = join(await tempDir(), 'refs.journal');
    const refs = await createReferenceStore(file);
    for (let round = 0; round < 3; round++)
      for (let i = 0; i < 100; i++) await refs.remember(ref(`a:${i}`, `https://smba.example/${round}/`));
    expect(await lines(file)).toBeLessThanOrEqual(200);
    const restarted = await createReferenceStore(file);
    expect((await restarted.get('a:99'))?.serviceUrl).toBe('https://smba.example/2/');
  });
});
