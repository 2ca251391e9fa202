import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { featureIds } from '../../src/core/features.js';
import { trainLinear } from '../../src/core/linear.js';
import { buildReader, type ModelCache } from '../../src/core/understand.js';
import { createFileModelCache } from '../../src/storage/model-cache.js';
import { realContent, tempDirs } from '../helpers.js';

const tempDir = tempDirs('madoguchi-models-');

/** A cache in memory that counts what it is asked. */
function memoryCache() {
  const entries = new Map<string, Uint8Array>();
  const calls = { reads: 0, hits: 0, writes: 0 };
  const cache: ModelCache = {
    read(key) {
      calls.reads++;
      const hit = entries.get(key);
      if (hit) calls.hits++;
      return hit;
    },
    write(key, bytes) {
      calls.writes++;
      entries.set(key, bytes);
    },
  };
  return { cache, calls, entries };
}

const SAMPLES = [
  'When was the JETRO Chongqing MOU signed?',
  '担当者につないでください',
  '我们想投资一家日本中小企业，请帮我们牵线',
  '¿Quién firmó el memorando con Aguascalientes?',
];

describe('trained models kept by content version', () => {
  it('a second reader over the same content reads both models from the cache and reads every message alike', async () => {
    const content = await realContent();
    const { cache, calls } = memoryCache();
    const first = buildReader(content, cache);
    expect(calls).toEqual({ reads: 2, hits: 0, writes: 2 });
    const second = buildReader(content, cache);
    expect(calls).toEqual({ reads: 4, hits: 2, writes: 2 });
    for (const text of SAMPLES) {
      const a = first.read(text);
      const b = second.read(text);
      expect(
        b.acts.map((x) => x.label),
        text,
      ).toEqual(a.acts.map((x) => x.label));
      expect(b.deskModel[0]?.label, text).toBe(a.deskModel[0]?.label);
      for (const [i, x] of a.acts.entries()) expect(b.acts[i]?.p ?? 0).toBeCloseTo(x.p, 4);
    }
  });

  it('other content is another key: a changed knowledge base trains again', async () => {
    const content = await realContent();
    const { cache, calls } = memoryCache();
    buildReader(content, cache);
    buildReader({ ...content, version: 'changed00000' }, cache);
    expect(calls.hits).toBe(0);
    expect(calls.writes).toBe(4);
  });

  it('the file cache round-trips a model, drops other versions, and a broken file only costs a training', async () => {
    const dir = await tempDir();
    const cache = createFileModelCache(dir);
    const model = trainLinear(['a', 'b'] as const, [
      { ids: featureIds('x y'), label: 'a' },
      { ids: featureIds('x z'), label: 'b' },
    ]);
    cache.write('m1-aaa-acts', model.encode());
    cache.write('m1-bbb-acts', model.encode());
    expect(await readdir(dir)).toEqual(['m1-bbb-acts.bin']);
    expect(cache.read('m1-aaa-acts')).toBeUndefined();
    const bytes = cache.read('m1-bbb-acts');
    expect(bytes).toBeDefined();

    const content = await realContent();
    const real = createFileModelCache(dir);
    buildReader(content, real);
    const files = (await readdir(dir)).sort();
    expect(files).toHaveLength(2);
    // Truncate one: the next reader trains it again (and rewrites it) instead of failing.
    const path = join(dir, files[0] as string);
    const whole = await readFile(path);
    await writeFile(path, whole.subarray(0, 100));
    const reader = buildReader(content, real);
    expect(reader.read(SAMPLES[1] as string).acts[0]?.label).toBe('request');
    expect((await readFile(path)).length).toBe(whole.length);
  });
});
