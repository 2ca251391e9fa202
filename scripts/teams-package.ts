// npm run teams:package [-- --app-id <GUID>]: validates appPackage/ and writes appPackage/build/madoguchi.zip
// (manifest.json, color.png, outline.png) to upload in Teams ("Apps → Manage your apps → Upload an app").
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { crc32, pngInfo } from './png.js';

const guid = z
  .string()
  .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'expected a GUID');
const url = z.url({ protocol: /^https$/, error: 'expected an https URL' });

/** The fields of the Teams app manifest (schema v1.17) this app uses, with the schema's limits. */
export const TeamsManifest = z.object({
  $schema: z.string().startsWith('https://developer.microsoft.com/en-us/json-schemas/teams/'),
  manifestVersion: z.string().regex(/^1\.(1[7-9]|2\d)$/, 'expected manifest version 1.17 or later'),
  version: z.string().regex(/^\d+\.\d+\.\d+$/, 'expected a semantic version'),
  id: guid,
  developer: z.object({
    name: z.string().min(1).max(32),
    websiteUrl: url,
    privacyUrl: url,
    termsOfUseUrl: url,
  }),
  name: z.object({ short: z.string().min(1).max(30), full: z.string().max(100).optional() }),
  description: z.object({ short: z.string().min(1).max(80), full: z.string().min(1).max(4000) }),
  icons: z.object({ color: z.string(), outline: z.string() }),
  accentColor: z.string().regex(/^#[0-9a-f]{6}$/i),
  bots: z
    .array(
      z.object({
        botId: guid,
        scopes: z.array(z.enum(['personal', 'team', 'groupChat'])).min(1),
        commandLists: z
          .array(
            z.object({
              scopes: z.array(z.string()),
              commands: z
                .array(z.object({ title: z.string().max(32), description: z.string().max(128) }))
                .max(10),
            }),
          )
          .optional(),
      }),
    )
    .length(1),
});

/** Every problem with the manifest and its icons (color 192×192, outline 32×32 with transparency). */
export function validatePackage(manifest: unknown, icons: Record<string, Buffer>): string[] {
  const problems: string[] = [];
  const parsed = TeamsManifest.safeParse(manifest);
  if (!parsed.success)
    for (const i of parsed.error.issues) problems.push(`manifest.json: ${i.path.join('.')}: ${i.message}`);
  const sizes = { color: 192, outline: 32 } as const;
  for (const [kind, size] of Object.entries(sizes)) {
    const name = (manifest as { icons?: Record<string, string> })?.icons?.[kind] ?? `${kind}.png`;
    const info = icons[name] ? pngInfo(icons[name]) : undefined;
    if (!info) problems.push(`${name}: missing or not a PNG`);
    else if (info.width !== size || info.height !== size)
      problems.push(`${name}: must be ${size}×${size}, is ${info.width}×${info.height}`);
    else if (kind === 'outline' && !info.rgba)
      problems.push(`${name}: must have a transparent background (RGBA)`);
  }
  const scopes = (manifest as { bots?: Array<{ scopes?: string[] }> })?.bots?.[0]?.scopes ?? [];
  for (const s of ['personal', 'team', 'groupChat'])
    if (!scopes.includes(s)) problems.push(`manifest.json: bots.0.scopes: must include ${s}`);
  return problems;
}

/** A ZIP archive (stored, no compression) of the given files. */
export function zip(files: Array<{ name: string; data: Buffer }>): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const f of files) {
    const name = Buffer.from(f.name, 'utf8');
    const crc = crc32(f.data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(f.data.length, 18);
    local.writeUInt32LE(f.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(f.data.length, 20);
    central.writeUInt32LE(f.data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, f.data);
    centrals.push(central, name);
    offset += local.length + name.length + f.data.length;
  }
  const dir = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(files.length, 8);
  end.writeUInt16LE(files.length, 10);
  end.writeUInt32LE(dir.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, dir, end]);
}

async function main() {
  const { values } = parseArgs({ options: { 'app-id': { type: 'string' } } });
  const dir = join(import.meta.dirname, '..', 'appPackage');
  const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8'));
  if (values['app-id']) {
    manifest.id = values['app-id'];
    manifest.bots[0].botId = values['app-id'];
  }
  const icons: Record<string, Buffer> = {};
  for (const name of [manifest.icons?.color, manifest.icons?.outline].filter(Boolean)) {
    icons[name] = await readFile(join(dir, name)).catch(() => Buffer.alloc(0));
  }
  const problems = validatePackage(manifest, icons);
  if (problems.length > 0) {
    process.stderr.write(`${problems.join('\n')}\n`);
    process.exit(1);
  }
  if (/^0{8}-/.test(manifest.id))
    process.stderr.write('Note: the app id is a placeholder; pass --app-id <your MicrosoftAppId>.\n');
  await mkdir(join(dir, 'build'), { recursive: true });
  const out = join(dir, 'build', 'madoguchi.zip');
  await writeFile(
    out,
    zip([
      { name: 'manifest.json', data: Buffer.from(JSON.stringify(manifest, null, 2)) },
      ...Object.entries(icons).map(([name, data]) => ({ name, data })),
    ]),
  );
  process.stdout.write(`wrote ${out}\n`);
}

if (process.argv[1]?.endsWith('teams-package.ts')) await main();
