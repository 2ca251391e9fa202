// Draws appPackage/color.png (192×192) and outline.png (32×32, white on transparent): a counter window (窓口).
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { png } from './png.js';

const dir = join(import.meta.dirname, '..', 'appPackage');
const inWindow = (x: number, y: number, s: number) => {
  const m = s * 0.22;
  const inner = x > m && x < s - m && y > m && y < s - m;
  const frame = Math.abs(x - s / 2) < s * 0.035 || Math.abs(y - s / 2) < s * 0.035;
  return { inner, frame };
};
await writeFile(
  join(dir, 'color.png'),
  png(192, (x, y) => {
    const { inner, frame } = inWindow(x, y, 192);
    return inner && !frame ? [255, 255, 255, 255] : [179, 38, 46, 255];
  }),
);
await writeFile(
  join(dir, 'outline.png'),
  png(32, (x, y) => {
    const m = 5;
    const edge =
      (x >= m && x <= 31 - m && (y === m || y === m + 1 || y === 31 - m || y === 30 - m)) ||
      (y >= m && y <= 31 - m && (x === m || x === m + 1 || x === 31 - m || x === 30 - m));
    const cross =
      (x >= m && x <= 31 - m && (y === 15 || y === 16)) || (y >= m && y <= 31 - m && (x === 15 || x === 16));
    return edge || cross ? [255, 255, 255, 255] : [0, 0, 0, 0];
  }),
);
