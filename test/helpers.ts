import { join } from 'node:path';
import { loadContent } from '../src/content/load.js';
import type { Content } from '../src/content/types.js';

export const repoRoot = join(import.meta.dirname, '..');

let cached: Promise<Content> | undefined;
/** The real intents/ and knowledge/ of the repository, loaded once per test file. */
export function realContent(): Promise<Content> {
  cached ??= loadContent(repoRoot);
  return cached;
}
