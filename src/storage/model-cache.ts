import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { ModelCache } from '../core/understand.js';

/**
 * Trained models as files in `dir`, one per key (`<format>-<content version>-<model>.bin`). Writing a
 * model removes those of other content versions. A cache that cannot be read or written only costs a
 * training: it is logged and never fails the caller.
 */
export function createFileModelCache(dir: string, logger?: Logger): ModelCache {
  const file = (key: string) => join(dir, `${key.replace(/[^a-z0-9-]/gi, '_')}.bin`);
  return {
    read(key) {
      try {
        return readFileSync(file(key));
      } catch {
        return undefined;
      }
    },
    write(key, bytes) {
      try {
        mkdirSync(dir, { recursive: true });
        const target = file(key);
        const tmp = `${target}.${process.pid}.tmp`;
        writeFileSync(tmp, bytes);
        renameSync(tmp, target);
        const version = key.split('-').slice(0, 2).join('-');
        for (const name of readdirSync(dir))
          if (name.endsWith('.bin') && !name.startsWith(`${version}-`))
            rmSync(join(dir, name), { force: true });
      } catch (error) {
        logger?.warn(
          { err: error, dir },
          'cannot keep the trained models; they will be trained again at the next start',
        );
      }
    },
  };
}
