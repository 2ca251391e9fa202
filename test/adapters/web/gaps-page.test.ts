import { existsSync } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import pino from 'pino';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningApp, startApp } from '../../../src/app.js';
import { loadConfig } from '../../../src/config.js';
import { copyContent, repoRoot } from '../../helpers.js';
import { localClient } from './client.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
const artifacts = join(repoRoot, 'test/artifacts');
const ENTRY = 'meti-global-alliance/how-to-participate';
const FILE = 'knowledge/meti-global-alliance/how-to-participate.md';
const HOSTILE =
  '<img src=x onerror="window.pwned=1"> Is a sole proprietorship eligible for the alliance scheme?';

// As the other browser test: in CI a missing browser is a failure, not a skip.
describe.runIf(available || process.env.CI)('the local page: the admins’ knowledge gaps', () => {
  let dir: string;
  let app: RunningApp;
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];

  beforeAll(async () => {
    if (!available) throw new Error(`Chromium not found at ${CHROMIUM}: install Debian's chromium package`);
    dir = await copyContent('madoguchi-gaps-page-');
    await mkdir(artifacts, { recursive: true });
    app = await startApp({
      config: loadConfig({
        PORT: '0',
        MADOGUCHI_CONTENT_DIR: dir,
        MADOGUCHI_DATA_DIR: join(dir, 'data'),
        MADOGUCHI_WATCH: 'false',
      }),
      logger: pino({ level: 'silent' }),
    });
    // The questions nobody could answer, asked as companies.
    const client = await localClient(app.url);
    for (const [i, text] of [
      HOSTILE,
      'is a sole proprietorship eligable for the alliance scheme',
      'Who won the 2014 World Cup?',
    ].entries()) {
      const r = await client.post('/local/api/ask', { session: `gapspage${i}0000`, text });
      expect((await r.json()).debug.action).toBe('fallback');
    }
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu'],
    });
    page = await (
      await browser.newContext({ viewport: { width: 1400, height: 1000 }, locale: 'en-US' })
    ).newPage();
    page.on('pageerror', (e) => problems.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(m.text());
    });
    await page.goto(`${app.url}/`);
    await page.waitForSelector('.msg.greeting');
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('shows an admin the gaps with their questions as text, and accepts, refuses and dismisses from the panel', async () => {
    // A desk's staff member sees no panel; an admin does.
    await page.selectOption('#desk-select', 'jbic');
    expect(await page.locator('#gaps-panel').isHidden()).toBe(true);
    await page.selectOption('#staff-select', 'web:admin');
    const gap = page.locator('#gaps-panel li.gap').filter({ hasText: 'questions: 2' });
    await gap.waitFor({ timeout: 15_000 });
    // The typed markup is shown as text: no element made from it, no script run.
    expect(await gap.locator('.gap-examples li').allInnerTexts()).toContain(HOSTILE);
    expect(await page.locator('#gaps-panel img').count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined();
    // Accept proposes the engine's closest entry; the question picker holds the gap's questions.
    expect(await gap.locator('select.gap-entry').inputValue()).toBe('meti-global-alliance/overview');
    await page.screenshot({ path: join(artifacts, '7-gaps-panel.png'), fullPage: true });

    // Dismissing without a reason is refused, in the page's language, and the gap stays.
    const other = page.locator('#gaps-panel li.gap').filter({ hasText: 'World Cup' });
    await other.locator('button.dismiss').click();
    await expect.poll(() => page.locator('#staff-notice').innerText()).toBe('Say why the gap is dismissed.');
    expect(await other.count()).toBe(1);
    await other.locator('input.gap-why').fill('Not about the programmes');
    await other.locator('button.dismiss').click();
    await expect.poll(() => other.count()).toBe(0);

    // The typed markup cannot become an alternate question: refused, nothing written.
    await gap.locator('select.gap-entry').selectOption(ENTRY);
    const before = await readFile(join(dir, FILE), 'utf8');
    expect(await gap.locator('select.gap-question option').allInnerTexts()).toEqual([
      `${HOSTILE} (en, 1)`,
      'is a sole proprietorship eligable for the alliance scheme (en, 1)',
    ]);
    await gap.locator('button.accept').click();
    await expect
      .poll(() => page.locator('#staff-notice').innerText())
      .toMatch(/^That question cannot be added as it is/);
    expect(await readFile(join(dir, FILE), 'utf8')).toBe(before);
    // The other question, accepted as a question of the entry picked.
    await gap.locator('select.gap-question').selectOption({ index: 1 });
    await gap.locator('button.accept').click();
    // Accepting validates, writes and reloads the content (the models retrained): seconds on a busy machine.
    await expect
      .poll(() => page.locator('#staff-notice').innerText(), { timeout: 20_000 })
      .toBe(`Added to ${ENTRY} as a question; the desk answers it from there.`);
    await expect.poll(() => page.locator('#gaps-panel li.gap').count(), { timeout: 10_000 }).toBe(0);
    expect(await page.locator('#gaps-panel').innerText()).toContain('No knowledge gaps');
    const file = await readFile(join(dir, FILE), 'utf8');
    expect(file).toContain('    - "is a sole proprietorship eligable for the alliance scheme"\n');

    // The company's next question is answered from that entry.
    await page.fill('#question', 'Does the alliance scheme accept sole proprietorships?');
    await page.click('#ask-form button');
    await expect.poll(() => page.locator('#debug-list').innerText(), { timeout: 10_000 }).toContain(ENTRY);
    // The two refusals above are 400s the browser notes; nothing else went wrong on the page.
    expect(problems.filter((p) => !/status of 400/.test(p))).toEqual([]);
    expect(problems).toHaveLength(2);
  });
});
