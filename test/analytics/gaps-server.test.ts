import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gap } from '../../src/analytics/types.js';
import { type RunningApp, startApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { kbCheckProblems } from '../../src/content/edit.js';
import { type LocalClient, localClient } from '../adapters/web/client.js';
import { runCli } from '../cli/run.js';
import { copyContent, until } from '../helpers.js';

const ENTRY = 'meti-global-alliance/how-to-participate';
const FILE = 'knowledge/meti-global-alliance/how-to-participate.md';
const COMMENT = '# Alternate questions reviewed with the JETRO desk.';
const logger = pino({ level: 'silent' });

/** The CLI in-process, on the server's content and data directories. */
const cli = (args: string[], env: Record<string, string>) => runCli(args, { env, contentDir: '/nowhere' });

interface Server {
  dir: string;
  env: Record<string, string>;
  app: RunningApp;
  client: LocalClient;
}

async function start(watch: boolean): Promise<Server> {
  const dir = await copyContent('madoguchi-gaps-');
  const path = join(dir, FILE);
  // The admin's own comments in the front matter: an accept keeps them.
  await writeFile(path, (await readFile(path, 'utf8')).replace('questions:\n', `${COMMENT}\nquestions:\n`));
  const env = { MADOGUCHI_CONTENT_DIR: dir, MADOGUCHI_DATA_DIR: join(dir, 'data') };
  const config = loadConfig({ PORT: '0', ...env, MADOGUCHI_WATCH: watch ? 'true' : 'false' });
  const app = await startApp({ config, logger });
  return { dir, env, app, client: await localClient(app.url) };
}

let n = 0;
/** Asks as a new company (a fresh conversation, so no context carries over). */
async function ask(s: Server, text: string) {
  const r = await s.client.post('/local/api/ask', { session: `gaps${String(n++).padStart(8, '0')}`, text });
  expect(r.status).toBe(200);
  const body = (await r.json()) as { debug: { action: string; entries: string[] }; view: { text: string } };
  return body.debug;
}

const gapsJson = async (s: Server, extra: string[] = []) => {
  const r = await cli(['kb', 'gaps', '--json', ...extra], s.env);
  expect(r.stderr).toBe('');
  return JSON.parse(r.stdout) as Gap[];
};

const UNANSWERED = [
  'Is a sole proprietorship eligible for the alliance scheme?',
  'is a sole proprietorship eligable for the alliance scheme',
  'Is a sole proprietorship eligible for the alliance scheme?',
  '個人事業主もアライアンス事業の対象になりますか',
];
const OTHERS = ['What will the weather be in Chongqing tomorrow?', 'Who won the 2014 World Cup?'];
const PARAPHRASE = 'Does the alliance scheme accept sole proprietorships?';

describe('knowledge gaps through a running server (local mode)', () => {
  let s: Server;
  beforeAll(async () => {
    s = await start(false);
  });
  afterAll(async () => {
    await s?.app.stop();
    if (s) await rm(s.dir, { recursive: true, force: true });
  });

  it('groups unanswered questions, accepts one into an entry, and answers it and a paraphrase from then on, without a restart', async () => {
    // Before: the questions, and the paraphrase, fall back.
    for (const q of [...UNANSWERED, ...OTHERS]) expect((await ask(s, q)).action).toBe('fallback');
    const original = await readFile(join(s.dir, FILE), 'utf8');

    // `kb gaps --json` reads the server's turn records (a read-only view of its journal).
    const gaps = await until(async () => {
      const g = await gapsJson(s);
      return g.length >= 3 && g.some((x) => x.count === 4) ? g : undefined;
    }, 'the questions to be recorded and grouped');
    const gap = gaps.find((g) => g.count === 4) as Gap;
    expect(gap).toMatchObject({ langs: ['en', 'ja'], reasons: { fallback: 4 } });
    expect(gap.examples).toEqual(
      expect.arrayContaining(['is a sole proprietorship eligable for the alliance scheme', UNANSWERED[3]]),
    );
    expect(gaps.filter((g) => g !== gap).map((g) => g.count)).toEqual([1, 1]);

    // The page's admin panel lists the same gaps; only admins may see them.
    const panel = await (await s.client.get('/local/api/gaps?as=web:admin&lang=en')).json();
    expect(panel.view.items.map((i: { id: string }) => i.id).sort()).toEqual(gaps.map((g) => g.id).sort());
    expect(panel.gaps.find((g: { id: string }) => g.id === gap.id).questions[0]).toMatchObject({
      text: UNANSWERED[0],
      lang: 'en',
      count: 2,
    });
    const staffOnly = await s.client.get('/local/api/gaps?as=web:jbic-staff');
    expect(staffOnly.status).toBe(403);

    // A bad accept is refused with a clear message and changes no file.
    const press = (body: Record<string, unknown>) =>
      s.client.post('/local/api/gaps', { as: 'web:admin', eventId: `ev-${n++}-gapsxx`, lang: 'en', ...body });
    const unknown = await press({
      action: 'accept',
      gap: gap.id,
      entry: 'meti-global-alliance/no-such-entry',
    });
    expect(unknown.status).toBe(404);
    expect((await unknown.json()).error).toBe('There is no entry meti-global-alliance/no-such-entry.');
    const taken = await press({
      action: 'accept',
      gap: gap.id,
      entry: ENTRY,
      question: 'How do I apply for the METI alliance scheme?',
      questionLang: 'en',
    });
    expect(taken.status).toBe(409);
    expect((await taken.json()).error).toBe(
      'That question already leads to meti-global-alliance/how-to-participate.',
    );
    const notAdmin = await s.client.post('/local/api/gaps', {
      as: 'web:jbic-staff',
      eventId: 'ev-notadmin-1',
      action: 'accept',
      gap: gap.id,
      entry: ENTRY,
    });
    expect(notAdmin.status).toBe(403);
    expect(await readFile(join(s.dir, FILE), 'utf8')).toBe(original);

    // Accepted (the gap's most asked question, the default), from the page.
    const accepted = await press({ action: 'accept', gap: gap.id, entry: ENTRY });
    expect(accepted.status).toBe(200);
    expect((await accepted.json()).view.text).toBe(
      'Added to meti-global-alliance/how-to-participate as a question; the desk answers it from there.',
    );

    // The same server now answers the question, its typo and a paraphrase from that entry.
    for (const q of [UNANSWERED[0] as string, UNANSWERED[1] as string, PARAPHRASE]) {
      const reply = await ask(s, q);
      expect(reply).toMatchObject({ action: 'answer', entries: [ENTRY] });
    }

    // The file: one line added, its comments and everything else as they were, and it passes kb check.
    const after = await readFile(join(s.dir, FILE), 'utf8');
    const a = original.split('\n');
    const b = after.split('\n');
    const at = b.findIndex((l, i) => l !== a[i]);
    expect(b[at]).toBe(`    - "${UNANSWERED[0]}"`);
    expect([...b.slice(0, at), ...b.slice(at + 1)]).toEqual(a);
    expect(after).toContain(COMMENT);
    expect(await kbCheckProblems(s.dir)).toEqual([]);
    expect((await cli(['kb', 'check'], s.env)).code).toBe(0);

    // The gap is decided: gone from the list, shown with --all.
    expect((await gapsJson(s)).map((g) => g.id)).not.toContain(gap.id);
    expect((await gapsJson(s, ['--all'])).find((g) => g.id === gap.id)?.decision).toMatchObject({
      decision: 'accepted',
      entry: ENTRY,
      by: expect.stringMatching(/^u_[0-9a-f]{20}$/),
    });

    // Draft one of the others from the page, dismiss the last from the CLI; the panel shows neither.
    const [weather, cup] = gaps.filter((g) => g !== gap) as [Gap, Gap];
    const drafted = await press({ action: 'draft', gap: weather.id });
    expect(drafted.status).toBe(200);
    const draftFile = /Drafted (\S+):/.exec((await drafted.json()).view.text)?.[1] ?? '';
    expect(draftFile).toMatch(/^drafts\/[a-z-]+\/[a-z0-9-]+\.md$/);
    expect(await readFile(join(s.dir, draftFile), 'utf8')).toContain(`"${weather.examples[0]}"`);
    const noReason = await cli(['kb', 'dismiss', cup.id, '--why', '   '], s.env);
    expect(noReason.code).toBe(2);
    const dismissed = await cli(['kb', 'dismiss', cup.id, '--why', 'Not about the programmes'], s.env);
    expect(dismissed).toMatchObject({ code: 0, stdout: `Dismissed ${cup.id}: Not about the programmes\n` });
    const left = await (await s.client.get('/local/api/gaps?as=web:admin')).json();
    expect(left.view.items).toEqual([]);
    expect(left.view.empty).toBe('No knowledge gaps: no question is waiting for review.');
    // The live content is untouched by the draft; kb check mentions it.
    const check = await cli(['kb', 'check'], s.env);
    expect(check.code).toBe(0);
    expect(check.stdout).toContain(`1 draft not loaded yet: ${draftFile}`);
  });
});

describe('a question accepted from the CLI beside a running server', () => {
  let s: Server;
  beforeAll(async () => {
    s = await start(true);
  });
  afterAll(async () => {
    await s?.app.stop();
    if (s) await rm(s.dir, { recursive: true, force: true });
  });

  it('is picked up by the content watcher: the server answers it without a restart', async () => {
    for (const q of UNANSWERED.slice(0, 2)) expect((await ask(s, q)).action).toBe('fallback');
    const [gap] = await until(async () => {
      const g = await gapsJson(s);
      return g[0]?.count === 2 ? g : undefined;
    }, 'the questions to be recorded');
    const bad = await cli(['kb', 'accept', gap?.id ?? '', '--entry', 'meti-global-alliance/nope'], s.env);
    expect(bad).toMatchObject({ code: 1 });
    expect(bad.stderr).toContain(
      'There is no knowledge entry "meti-global-alliance/nope".\nNothing was changed.',
    );
    const r = await cli(['kb', 'accept', gap?.id ?? '', '--entry', ENTRY], s.env);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Added "${UNANSWERED[0]}" (en) to ${ENTRY} (${FILE}); it passes kb check.`);
    expect(r.stdout).toContain('content watcher');
    await until(
      async () => (await ask(s, PARAPHRASE)).action === 'answer',
      'the watcher to reload the content',
    );
    expect(await ask(s, UNANSWERED[0] as string)).toMatchObject({ action: 'answer', entries: [ENTRY] });
  });
});
