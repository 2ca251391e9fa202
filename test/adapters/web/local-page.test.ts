import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import pino from 'pino';
import { type Browser, type BrowserContext, chromium, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningApp, startApp } from '../../../src/app.js';
import { loadConfig } from '../../../src/config.js';
import type { Content } from '../../../src/content/types.js';
import { stringsFor } from '../../../src/present/strings.js';
import { copyContent, realContent, repoRoot } from '../../helpers.js';
import { localClient } from './client.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
const artifacts = join(repoRoot, 'test/artifacts');
if (!available && !process.env.CI) {
  console.warn(
    `local-page browser test not run: no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`,
  );
}

/** Every kind of card the page previews: each must render in Microsoft's renderer with no error. */
const CARD_KINDS = [
  'reply-answer',
  'reply-clarify',
  'reply-fallback',
  'form',
  'ticket-open',
  'ticket-claimed',
  'ticket-resolved',
  'update',
];

// In CI a missing browser is a failure, not a skip: .ci/run installs Debian's chromium.
describe.runIf(available || process.env.CI)('the local page in headless Chromium', () => {
  let dir: string;
  let app: RunningApp;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let content: Content;
  const problems: string[] = [];
  const en = () => stringsFor(content, 'en');
  const ja = () => stringsFor(content, 'ja');

  beforeAll(async () => {
    if (!available) throw new Error(`Chromium not found at ${CHROMIUM}: install Debian's chromium package`);
    dir = await copyContent('madoguchi-page-');
    content = await realContent();
    await mkdir(artifacts, { recursive: true });
    const config = loadConfig({
      PORT: '0',
      MADOGUCHI_CONTENT_DIR: dir,
      MADOGUCHI_DATA_DIR: join(dir, 'data'),
      MADOGUCHI_WATCH: 'false',
    });
    app = await startApp({ config, logger: pino({ level: 'silent' }) });
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
    // Staff in Japan: times on cards are shown in the browser's time zone.
    context = await browser.newContext({
      viewport: { width: 1400, height: 900 },
      timezoneId: 'Asia/Tokyo',
      locale: 'en-US',
    });
    page = await context.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(e.message));
    await page.goto(`${app.url}/`);
    await page.waitForSelector('.msg.greeting');
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const lastBot = () => page.locator('.msg.bot').last();
  const ask = async (text: string) => {
    const before = await page.locator('.msg.bot').count();
    await page.fill('#question', text);
    await page.click('#ask-form button');
    await page.waitForFunction((n) => document.querySelectorAll('.msg.bot').length > n, before);
  };
  /** Opens a message's Teams tab, checks the card rendered, and goes back to the page's own rendering. */
  const teamsCard = async (message: Locator) => {
    await message.locator('.tab-teams').first().click();
    const card = message.locator('.teams-card').first();
    await card.waitFor();
    expect(await card.getAttribute('data-errors')).toBe('0');
    expect(await card.locator('.ac-adaptiveCard').count()).toBe(1);
    return card;
  };
  const htmlTab = (message: Locator) => message.locator('.tab-html').first().click();
  const chatAtEnd = () =>
    page.evaluate(() => {
      const chat = document.getElementById('chat') as HTMLElement;
      return chat.scrollTop + chat.clientHeight >= chat.scrollHeight - 2;
    });

  it('asks which programme an ambiguous question means', async () => {
    await ask('When was the MOU signed?');
    expect(await lastBot().locator('.reply').getAttribute('data-action')).toBe('clarify');
    expect(await lastBot().locator('.choices button').count()).toBeGreaterThan(1);
    await teamsCard(lastBot());
    await htmlTab(lastBot());
  });

  it('answers an English question with its source, scrolled to the end of the reply', async () => {
    await ask('When did JBIC sign the MOU with Aguascalientes?');
    await expect.poll(() => lastBot().innerText()).toContain('October 26, 2015');
    expect(await lastBot().locator('.sources').innerText()).toContain(
      "JBIC's First MOU with Mexican Local Government",
    );
    expect(await lastBot().locator('button.rate').allInnerTexts()).toEqual([
      en().t('helpful'),
      en().t('notHelpful'),
    ]);
    expect(await page.locator('#debug-list').innerText()).toContain('jbic-aguascalientes/signing');
    expect(await chatAtEnd()).toBe(true);
    await page.screenshot({ path: join(artifacts, '1-english-answer.png') });
  });

  it('shows a reply as its Slack Block Kit and as the Teams Adaptive Card', async () => {
    const message = lastBot();
    await message.locator('.tab-slack').click();
    const blocks = JSON.parse(await message.locator('pre.json').first().innerText());
    expect(blocks.blocks[0]).toMatchObject({ type: 'section', text: { type: 'mrkdwn' } });
    expect(await message.locator('.reply').isVisible()).toBe(false);
    const card = await teamsCard(message);
    expect(await card.innerText()).toContain('October 26, 2015');
    expect(await chatAtEnd()).toBe(true);
    await page.screenshot({ path: join(artifacts, '6-teams-card.png') });
    await htmlTab(message);
    // Feedback: the thanks is the desk's, in the reply's language.
    await message.locator('button.rate').first().click();
    await expect.poll(() => lastBot().innerText()).toContain(en().t('feedbackThanks'));
  });

  it('answers a Japanese question in Japanese, and the page follows the reply language', async () => {
    await ask('日中温泉シンポジウムはいつ開催されましたか？');
    await expect.poll(() => lastBot().innerText()).toContain('10月31日');
    expect(await lastBot().locator('.sources').innerText()).toContain(ja().t('source'));
    expect(await lastBot().locator('button.rate').allInnerTexts()).toEqual([
      ja().t('helpful'),
      ja().t('notHelpful'),
    ]);
    expect(await page.getAttribute('html', 'lang')).toBe('ja');
    expect(await page.locator('#ask-form button').innerText()).toBe(ja().t('formSend'));
    expect(await page.getAttribute('#question', 'placeholder')).toBe(ja().t('empty'));
    await page.screenshot({ path: join(artifacts, '2-japanese-answer.png') });
  });

  it('shows a fallback with its choices', async () => {
    await ask("What's the weather in Tokyo?");
    expect(await lastBot().locator('.reply').getAttribute('data-action')).toBe('fallback');
    await teamsCard(lastBot());
    await htmlTab(lastBot());
    expect(await page.getAttribute('html', 'lang')).toBe('en');
  });

  it('never renders user text as markup', async () => {
    await ask('<img src=x onerror="window.pwned=1"> <b>bold</b> What is SBIC?');
    expect(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined();
    expect(await page.locator('.msg.user b').count()).toBe(0);
  });

  it('opens a handoff; staff claim, reply, cancel and then resolve it; the company is told and closes it', async () => {
    await ask('We would like the SME Growth Support Fund to invest in us');
    const form = page.locator('#handoff-form');
    await form.waitFor();
    const formMessage = page.locator('.msg', { has: form });
    expect(await form.locator('h3').innerText()).toContain(en().t('formTitle', { desk: '' }).trim());
    await teamsCard(formMessage);
    await htmlTab(formMessage);
    await page.fill('#handoff-company', 'Acme Parts K.K.');
    await page.fill('#handoff-contact', 'tanaka@example.com');
    await page.screenshot({ path: join(artifacts, '3-handoff-form.png') });
    await form.locator('button[type=submit]').click();
    await expect
      .poll(() => page.locator('#my-tickets').innerText(), { timeout: 10_000 })
      .toMatch(/MDG-\d{6}/);
    expect(await page.locator('#handoff-form').count()).toBe(0);
    const mine = await page.locator('#my-tickets').innerText();
    expect(mine).toContain(en().t('stateOpen'));
    const id = (/MDG-\d{6}/.exec(mine) ?? [''])[0];

    await page.selectOption('#desk-select', 'sme-support-japan');
    await page.selectOption('#staff-select', 'web:sme-support-japan-staff');
    const card = page.locator(`#desk-tickets li[data-id="${id}"]`);
    await expect.poll(() => card.innerText(), { timeout: 10_000 }).toContain('Acme Parts K.K.');
    // Received and due times are shown in the browser's time zone (Tokyo), not UTC.
    const received = card.locator('dl.facts time').first();
    const iso = (await received.getAttribute('datetime')) ?? '';
    // The Tokyo hour and minute, with or without a leading zero ("0:11" in Japanese, "00:11" in English).
    const part = (type: string) =>
      new Intl.DateTimeFormat('en-GB', {
        timeZone: 'Asia/Tokyo',
        hour: '2-digit',
        minute: '2-digit',
        hourCycle: 'h23',
      })
        .formatToParts(new Date(iso))
        .find((p) => p.type === type)?.value ?? '';
    const tokyo = new RegExp(`(^|\\D)0?${Number(part('hour'))}:${part('minute')}(\\D|$)`);
    expect(await received.innerText()).toMatch(tokyo);
    await teamsCard(card);
    await htmlTab(card);

    await card.getByRole('button', { name: ja().t('actClaim') }).click();
    await expect
      .poll(() => page.locator('#my-tickets').innerText(), { timeout: 10_000 })
      .toContain(en().t('stateClaimed'));
    await expect.poll(() => card.getAttribute('class')).toBeTruthy();
    await expect.poll(() => card.locator('.card').getAttribute('class')).toContain('status-claimed');
    await teamsCard(card);
    await htmlTab(card);
    await page.screenshot({ path: join(artifacts, '4-claimed.png') });

    // Cancel on the resolution note resolves nothing.
    await card.getByRole('button', { name: ja().t('actResolve') }).click();
    await page.locator('#resolve-dialog[open]').waitFor();
    await page.fill('#resolve-note', 'not this');
    await page.click('#resolve-cancel');
    await page.locator('#resolve-dialog:not([open])').waitFor({ state: 'attached' });
    // A staff reply to the company, then the trail shows it and no resolution before it.
    await card.locator('textarea.reply-text').fill('Could you send your latest financial statements?');
    await card.locator('form.comment button').click();
    await expect
      .poll(() => page.locator('#updates').innerText(), { timeout: 10_000 })
      .toContain('Could you send your latest financial statements?');
    await card.locator('details.audit summary').click();
    const trail = await card.locator('details.audit ol').innerText();
    expect(trail).toContain(ja().t('verbComment'));
    expect(trail).not.toContain(ja().t('stateResolved'));
    expect(trail).not.toContain('not this');

    await card.getByRole('button', { name: ja().t('actResolve') }).click();
    await page.locator('#resolve-dialog[open]').waitFor();
    await page.fill('#resolve-note', 'We will call you tomorrow');
    await page.click('#resolve-ok');
    await expect
      .poll(() => page.locator('#my-tickets').innerText(), { timeout: 10_000 })
      .toContain(en().t('stateResolved'));
    await expect
      .poll(() => page.locator('#updates').innerText(), { timeout: 10_000 })
      .toContain('We will call you tomorrow');
    expect(await page.locator('#updates').innerText()).not.toContain('tanaka@example.com');
    await expect.poll(() => card.locator('.card').getAttribute('class')).toContain('status-resolved');
    expect(await card.locator('details.audit').getAttribute('open')).not.toBeNull();
    await teamsCard(card);
    await htmlTab(card);
    const update = page.locator('#updates .update-message').last();
    await teamsCard(update);
    await htmlTab(update);
    await page.screenshot({ path: join(artifacts, '5-resolved.png') });

    // The company closes its request.
    await page.locator(`#my-tickets li[data-id="${id}"] button.close`).click();
    await expect
      .poll(() => page.locator(`#my-tickets li[data-id="${id}"]`).innerText(), { timeout: 10_000 })
      .toContain(en().t('stateClosed'));
  }, 90_000);

  it('reassigns a ticket from the staff view', async () => {
    const api = await localClient(app.url);
    const session = 'reassignpage01';
    const asked = await (
      await api.post('/local/api/ask', {
        session,
        text: 'We would like the SME Growth Support Fund to invest in us',
      })
    ).json();
    const form = await (await api.press({ session, payload: asked.view.talk.payload })).json();
    const sent = await (
      await api.press({
        session,
        payload: form.view.submit.payload,
        fields: { company: 'Beta', contact: 'b@example.com' },
      })
    ).json();
    const card = page.locator(`#desk-tickets li[data-id="${sent.ticket.id}"]`);
    await card.waitFor({ timeout: 10_000 });
    const jbic = content.desks.desks.find((d) => d.id === 'jbic');
    await card.locator('select.reassign').selectOption({ label: jbic?.name.ja ?? '' });
    await card.locator('button.apply-reassign').click();
    await card.waitFor({ state: 'detached', timeout: 10_000 });
    await page.selectOption('#desk-select', 'jbic');
    await page.locator(`#desk-tickets li[data-id="${sent.ticket.id}"]`).waitFor({ timeout: 10_000 });
  });

  it('rendered every kind of card with no renderer error, and logged no page error', async () => {
    const drawn = await page.evaluate(
      () =>
        (globalThis as unknown as { madoguchi: { cardErrors: Array<{ kind: string; errors: string[] }> } })
          .madoguchi.cardErrors,
    );
    expect(new Set(drawn.map((d) => d.kind))).toEqual(new Set(CARD_KINDS));
    expect(drawn.filter((d) => d.errors.length > 0)).toEqual([]);
    expect(problems).toEqual([]);
  });
});
