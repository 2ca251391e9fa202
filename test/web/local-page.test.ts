import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import pino from 'pino';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { type RunningServer, startServer } from '../../src/server/app.js';
import { copyContent, repoRoot } from '../helpers.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
const artifacts = join(repoRoot, 'test/artifacts');
if (!available && !process.env.CI) {
  console.warn(
    `local-page browser test not run: no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`,
  );
}

// In CI a missing browser is a failure, not a skip: .ci/run installs Debian's chromium.
describe.runIf(available || process.env.CI)('the local page in headless Chromium', () => {
  let dir: string;
  let server: RunningServer;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    if (!available) throw new Error(`Chromium not found at ${CHROMIUM}: install Debian's chromium package`);
    dir = await copyContent('madoguchi-page-');
    await mkdir(artifacts, { recursive: true });
    const config = loadConfig({
      PORT: '0',
      MADOGUCHI_CONTENT_DIR: dir,
      MADOGUCHI_DATA_DIR: join(dir, 'data'),
      MADOGUCHI_WATCH: 'false',
    });
    server = await startServer({ config, logger: pino({ level: 'silent' }) });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-quic',
        '--no-first-run',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(`${server.url}/`);
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const lastBot = () => page.locator('.msg.bot').last();
  const ask = async (text: string) => {
    const before = await page.locator('.msg.bot').count();
    await page.fill('#question', text);
    await page.click('#ask-form button');
    await page.waitForFunction((n) => document.querySelectorAll('.msg.bot').length > n, before);
  };

  it('answers an English question with its source', async () => {
    await ask('When did JBIC sign the MOU with Aguascalientes?');
    await expect.poll(() => lastBot().innerText()).toContain('October 26, 2015');
    expect(await lastBot().locator('.sources').innerText()).toContain(
      "JBIC's First MOU with Mexican Local Government",
    );
    expect(await page.locator('#debug-list').innerText()).toContain('jbic-aguascalientes/signing');
    await page.screenshot({ path: join(artifacts, '1-english-answer.png') });
  });

  it('answers a Japanese question in Japanese', async () => {
    await ask('日中温泉シンポジウムはいつ開催されましたか？');
    await expect.poll(() => lastBot().innerText()).toContain('10月31日');
    expect(await lastBot().locator('.sources').innerText()).toContain('出典');
    await page.screenshot({ path: join(artifacts, '2-japanese-answer.png') });
  });

  it('never renders user text as markup', async () => {
    await ask('<img src=x onerror="window.pwned=1"> <b>bold</b> What is SBIC?');
    expect(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined();
    expect(await page.locator('.msg.user b').count()).toBe(0);
  });

  it('opens a handoff, and the requester sees staff claim and resolve it', async () => {
    await ask('We would like the SME Growth Support Fund to invest in us');
    await page.waitForSelector('#handoff-form:not([hidden])');
    await page.fill('#handoff-company', 'Acme Parts K.K.');
    await page.fill('#handoff-contact', 'tanaka@example.com');
    await page.screenshot({ path: join(artifacts, '3-handoff-form.png') });
    await page.click('#handoff-form button[type=submit]');
    await expect
      .poll(() => page.locator('#my-tickets').innerText(), { timeout: 10_000 })
      .toMatch(/MDG-\d{6} · sme-support-japan\s*open/);
    const id = (/MDG-\d{6}/.exec(await page.locator('#my-tickets').innerText()) ?? [''])[0];

    await page.selectOption('#desk-select', 'sme-support-japan');
    await page.selectOption('#staff-select', 'web:sme-support-japan-staff');
    const card = page.locator(`#desk-tickets li[data-id="${id}"]`);
    await expect.poll(() => card.innerText(), { timeout: 10_000 }).toContain('Acme Parts K.K.');
    await card.getByRole('button', { name: 'Claim' }).click();
    await expect
      .poll(() => page.locator('#my-tickets').innerText(), { timeout: 10_000 })
      .toContain('claimed');
    await page.screenshot({ path: join(artifacts, '4-claimed.png') });
    page.once('dialog', (d) => d.accept('We will call you tomorrow'));
    await card.getByRole('button', { name: 'Resolve' }).click();
    await expect
      .poll(() => page.locator('#my-tickets').innerText(), { timeout: 10_000 })
      .toContain('resolved');
    await expect
      .poll(() => page.locator('#updates').innerText(), { timeout: 10_000 })
      .toContain('We will call you tomorrow');
    expect(await page.locator('#updates').innerText()).not.toContain('tanaka@example.com');
    await page.screenshot({ path: join(artifacts, '5-resolved.png') });
  }, 60_000);
});
