import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { png } from '../../../scripts/png.js';
import { validatePackage, zip } from '../../../scripts/teams-package.js';
import { repoRoot } from '../../helpers.js';

const dir = join(repoRoot, 'appPackage');

describe('Teams app package', async () => {
  const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8'));
  const icons = {
    'color.png': await readFile(join(dir, 'color.png')),
    'outline.png': await readFile(join(dir, 'outline.png')),
  };

  it('validates: current schema, personal/team/groupChat bot scopes, icon sizes', () => {
    expect(validatePackage(manifest, icons)).toEqual([]);
    expect(manifest.manifestVersion).toBe('1.17');
  });
  it('names every problem of a bad manifest and bad icons', () => {
    const bad = {
      ...manifest,
      id: 'not-a-guid',
      description: { short: 'x'.repeat(81), full: 'ok' },
      bots: [{ ...manifest.bots[0], scopes: ['personal'] }],
    };
    expect(
      validatePackage(bad, {
        'color.png': png(100, () => [0, 0, 0, 255]),
        'outline.png': icons['outline.png'],
      }),
    ).toEqual([
      'manifest.json: id: expected a GUID',
      'manifest.json: description.short: Too big: expected string to have <=80 characters',
      'color.png: must be 192×192, is 100×100',
      'manifest.json: bots.0.scopes: must include team',
      'manifest.json: bots.0.scopes: must include groupChat',
    ]);
  });
  it('writes a zip that a standard reader can open', () => {
    const archive = zip([{ name: 'manifest.json', data: Buffer.from('{"a":1}') }]);
    expect(archive.readUInt32LE(0)).toBe(0x04034b50);
    const nameLength = archive.readUInt16LE(26);
    expect(archive.toString('utf8', 30, 30 + nameLength)).toBe('manifest.json');
    expect(archive.toString('utf8', 30 + nameLength, 30 + nameLength + 7)).toBe('{"a":1}');
    expect(archive.readUInt32LE(archive.length - 22)).toBe(0x06054b50);
  });
});
