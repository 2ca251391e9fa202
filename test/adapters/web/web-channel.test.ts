import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningApp, startApp } from '../../../src/app.js';
import { loadConfig } from '../../../src/config.js';
import type { Content } from '../../../src/content/types.js';
import { stringsFor } from '../../../src/present/strings.js';
import { copyContent, realContent } from '../../helpers.js';
import { type LocalClient, localClient, raw } from './client.js';

let dir: string;
let app: RunningApp;
let web: LocalClient;
let content: Content;
let port: string;
const STAFF = 'web:sme-support-japan-staff';

beforeAll(async () => {
  dir = await copyContent('madoguchi-web-');
  content = await realContent();
  const config = loadConfig({
    PORT: '0',
    MADOGUCHI_CONTENT_DIR: dir,
    MADOGUCHI_DATA_DIR: join(dir, 'data'),
    MADOGUCHI_WATCH: 'false',
  });
  app = await startApp({ config, logger: pino({ level: 'silent' }) });
  web = await localClient(app.url);
  port = new URL(app.url).port;
}, 60_000);
afterAll(async () => {
  await app?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const json = async (res: Response | Promise<Response>) => {
  const r = await res;
  return { status: r.status, body: await r.json() };
};
const en = () => stringsFor(content, 'en');
const ja = () => stringsFor(content, 'ja');

/** Opens a ticket the way the page does: ask, the desk's form, Send. */
async function openTicket(
  session: string,
  text = 'We would like the SME Growth Support Fund to invest in us',
) {
  const asked = await json(web.post('/local/api/ask', { session, text }));
  expect(asked.body.view.action).toBe('handoff');
  const form = await json(
    web.press({ session, payload: asked.body.view.talk.payload, lang: asked.body.view.lang }),
  );
  expect(form.body.kind).toBe('form');
  const sent = await json(
    web.press({
      session,
      payload: form.body.view.submit.payload,
      lang: form.body.view.lang,
      fields: { company: 'Acme Parts K.K.', contact: 'tanaka@example.com', need: text },
    }),
  );
  expect(sent.status).toBe(200);
  return { id: sent.body.ticket.id as string, form: form.body.view, sent: sent.body };
}

const deskTickets = async (desk: string, as = STAFF) =>
  (await json(web.get(`/local/api/desk?desk=${desk}&as=${as}`))).body.tickets as Array<{
    card: {
      id: string;
      status: string;
      lang: string;
      actions: Record<string, { payload?: unknown } & Record<string, unknown>>;
    };
    audit: { items: Array<{ what: string; source?: string; note?: { user: string } }> };
    preview: { slack: { blocks: unknown[] }; teams: { type: string } };
  }>;
const cardOf = async (id: string, desk = 'sme-support-japan', as = STAFF) => {
  const card = (await deskTickets(desk, as)).find((t) => t.card.id === id);
  if (!card) throw new Error(`no card ${id} on ${desk}`);
  return card;
};

/** The company's updates, once `n` have arrived (the outbox delivers after the change is stored). */
async function updates(session: string, n: number) {
  for (let i = 0; i < 200; i++) {
    const { body } = await json(web.get(`/local/api/requester?session=${session}`));
    if (body.updates.length >= n) return body;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`fewer than ${n} updates for ${session}`);
}

describe('the local page as a channel', () => {
  it('answers a question with its view, its Slack Block Kit and its Teams card', async () => {
    const { status, body } = await json(
      web.post('/local/api/ask', {
        session: 'views0123456',
        text: 'When did JBIC sign the MOU with Aguascalientes?',
      }),
    );
    expect(status).toBe(200);
    expect(body.view).toMatchObject({
      kind: 'reply',
      action: 'answer',
      lang: 'en',
      sourceLabel: en().t('source'),
    });
    expect(body.view.feedback.map((b: { label: string }) => b.label)).toEqual([
      en().t('helpful'),
      en().t('notHelpful'),
    ]);
    expect(body.preview.slack.blocks.length).toBeGreaterThan(0);
    expect(body.preview.teams).toMatchObject({ type: 'AdaptiveCard' });
    expect(body.debug.entries).toContain('jbic-aguascalientes/signing');
    const rated = await json(
      web.press({ session: 'views0123456', payload: body.view.feedback[0].payload, lang: 'en' }),
    );
    expect(rated.body).toMatchObject({ kind: 'notice', view: { text: en().t('feedbackThanks') } });
  });

  it('words every label in the language of the reply', async () => {
    const { body } = await json(
      web.post('/local/api/ask', {
        session: 'japanese0123',
        text: '日中温泉シンポジウムはいつ開催されましたか？',
      }),
    );
    expect(body.view.lang).toBe('ja');
    expect(body.view.sourceLabel).toBe(ja().t('source'));
    expect(body.view.feedback.map((b: { label: string }) => b.label)).toEqual([
      ja().t('helpful'),
      ja().t('notHelpful'),
    ]);
    const bad = await json(
      web.press({ session: 'japanese0123', payload: { k: 'rate', r: 'maybe' }, lang: 'ja' }),
    );
    expect(bad).toMatchObject({ status: 400, body: { notice: { text: ja().t('errBadPayload') } } });
  });

  it('runs the loop: handoff, staff claim, resolve and reply, the company told and closing its request', async () => {
    const session = 'loop0123456789';
    const { id, form, sent } = await openTicket(session);
    expect(form.fields.company.label).toBe(en().t('formCompany'));
    expect(sent.view.text).toContain(id);
    // The same form sent twice is one ticket.
    const again = await json(
      web.press({
        session,
        payload: form.submit.payload,
        fields: { company: 'Acme Parts K.K.', contact: 'x@example.com' },
      }),
    );
    expect(again.body.ticket.id).toBe(id);
    expect(JSON.stringify(sent)).not.toContain('tanaka@example.com');

    const mine = await json(web.get(`/local/api/requester?session=${session}`));
    expect(mine.body.view.items).toEqual([expect.objectContaining({ id, status: en().t('stateOpen') })]);
    expect(JSON.stringify(mine.body)).not.toContain('tanaka@example.com');

    expect((await web.get(`/local/api/desk?desk=sme-support-japan&as=web:jbic-staff`)).status).toBe(403);
    const card = await cardOf(id);
    expect(card.card.lang).toBe('ja');
    expect(JSON.stringify(card.card.actions.claim)).toContain(ja().t('actClaim'));
    expect(card.preview.slack.blocks.length).toBeGreaterThan(0);
    expect(card.preview.teams.type).toBe('AdaptiveCard');
    expect(JSON.stringify(card.card)).toContain('tanaka@example.com');

    const stranger = await json(
      web.press({ session, as: 'web:jbic-staff', lang: 'ja', payload: card.card.actions.claim?.payload }),
    );
    expect(stranger.status).toBe(403);
    expect(stranger.body.notice.text).toContain('この操作は');

    const claimed = await json(
      web.press({ session, as: STAFF, lang: 'ja', payload: card.card.actions.claim?.payload }),
    );
    expect(claimed.body.ticket).toEqual({ id, status: 'claimed' });
    const resolve = (await cardOf(id)).card.actions.resolve?.payload;
    const resolved = await json(
      web.press({
        session,
        as: STAFF,
        lang: 'ja',
        payload: resolve,
        fields: { note: 'We will call you tomorrow' },
      }),
    );
    expect(resolved.body.ticket.status).toBe('resolved');
    const replied = await json(
      web.post('/local/api/comment', {
        as: STAFF,
        ticket: id,
        text: 'Please send the deck',
        eventId: 'comment-0001',
      }),
    );
    expect(replied.status).toBe(200);

    const told = await updates(session, 4);
    expect(told.updates.map((u: { view: { text: string } }) => u.view.text)).toEqual([
      expect.stringContaining(id),
      expect.stringContaining(id),
      expect.stringContaining(id),
      expect.stringContaining(id),
    ]);
    expect(told.updates[2].view.note.text.user).toBe('We will call you tomorrow');
    expect(told.updates[3].view.note.text.user).toBe('Please send the deck');
    expect(told.updates[0].preview.slack.blocks.length).toBeGreaterThan(0);
    expect(JSON.stringify(told)).not.toContain('tanaka@example.com');

    const close = told.updates[2].view.close.payload;
    expect((await json(web.press({ session, payload: close, lang: 'en' }))).body.ticket.status).toBe(
      'closed',
    );
    const trail = (await cardOf(id)).audit.items;
    expect(trail.map((i) => i.what)).toEqual([
      ja().t('cardCreated'),
      '✕', // the stranger's claim, refused
      ja().t('stateClaimed'),
      ja().t('stateResolved'),
      ja().t('verbComment'),
      ja().t('stateClosed'),
    ]);
    expect(trail[3]?.note?.user).toBe('We will call you tomorrow');
  });

  it('records each click once: a replayed event id adds no event', async () => {
    const session = 'replay01234567';
    const { id } = await openTicket(session);
    const card = await cardOf(id);
    const click = {
      session,
      as: STAFF,
      lang: 'ja',
      eventId: 'claim-click-0001',
      payload: card.card.actions.claim?.payload,
    };
    expect((await json(web.press(click))).body.ticket.status).toBe('claimed');
    const events = (await cardOf(id)).audit.items.length;
    expect((await json(web.press(click))).status).toBe(200);
    const after = (await cardOf(id)).audit.items;
    expect(after.length).toBe(events);
    expect(after.at(-1)?.source).toBe('web:claim-click-0001');
    const note = { session, as: STAFF, eventId: 'comment-click-01', ticket: id, text: 'hello' };
    await web.post('/local/api/comment', { ...note, session: undefined });
    await web.post('/local/api/comment', { ...note, session: undefined });
    expect((await cardOf(id)).audit.items.filter((i) => i.what === ja().t('verbComment'))).toHaveLength(1);
  });

  it('reassigns a ticket to another desk', async () => {
    const { id } = await openTicket('reassign012345');
    const card = await cardOf(id);
    const to = (
      card.card.actions.reassign as unknown as { options: Array<{ payload: { desk: string } }> }
    ).options.find((o) => o.payload.desk === 'jbic');
    const moved = await json(
      web.press({ session: 'reassign012345', as: STAFF, lang: 'ja', payload: to?.payload }),
    );
    expect(moved.status).toBe(200);
    expect((await deskTickets('sme-support-japan')).some((t) => t.card.id === id)).toBe(false);
    expect((await deskTickets('jbic', 'web:jbic-staff')).some((t) => t.card.id === id)).toBe(true);
  });

  it('lists the page strings of every language from messages/*.yml', async () => {
    const { body } = await json(web.get('/local/api/config'));
    expect(body.langs).toEqual(expect.arrayContaining(['en', 'ja']));
    expect(body.strings.ja.welcome).toBe(ja().t('welcome'));
    expect(body.strings.en.empty).toBe(en().t('empty'));
    expect(body.desks.find((d: { id: string }) => d.id === 'jbic').staff).toEqual(['web:jbic-staff']);
  });
});

describe('cross-site requests into the local page (hole 7)', () => {
  const evil = 'https://evil.example';
  const handoffBody = (session: string) =>
    JSON.stringify({
      session,
      eventId: 'evil-event-0001',
      payload: { k: 'handoff', desk: 'jbic', lang: 'en', key: 'evil-form-1' },
      fields: { company: 'Evil', contact: 'evil@example.com' },
    });
  const host = () => `127.0.0.1:${port}`;

  it('refuses a text/plain POST from another site, which opens or resolves nothing', async () => {
    const { id } = await openTicket('victim01234567');
    const card = await cardOf(id);
    const headers = { host: host(), 'content-type': 'text/plain', origin: evil };
    const opened = await raw(app.url, {
      method: 'POST',
      path: '/local/api/press',
      headers,
      body: handoffBody('evil01234567'),
    });
    expect(opened.status).toBe(403);
    const resolved = await raw(app.url, {
      method: 'POST',
      path: '/local/api/press',
      headers,
      body: JSON.stringify({
        session: 'evil01234567',
        as: STAFF,
        eventId: 'evil-event-0002',
        payload: card.card.actions.resolve?.payload,
      }),
    });
    expect(resolved.status).toBe(403);
    // Even from this origin, with the token, a body that is not JSON-typed is refused.
    const plain = await raw(app.url, {
      method: 'POST',
      path: '/local/api/press',
      headers: { host: host(), 'content-type': 'text/plain', 'x-madoguchi-token': web.token },
      body: handoffBody('evil01234567'),
    });
    expect(plain.status).toBe(415);
    expect((await json(web.get('/local/api/requester?session=evil01234567'))).body.view.items).toEqual([]);
    expect((await cardOf(id)).card.status).toBe('open');
  });

  it('refuses a JSON POST from another origin even with the token, and one without the token', async () => {
    const json = { host: host(), 'content-type': 'application/json' };
    const foreign = await raw(app.url, {
      method: 'POST',
      path: '/local/api/press',
      headers: { ...json, origin: evil, 'x-madoguchi-token': web.token },
      body: handoffBody('evil01234567'),
    });
    expect(foreign.status).toBe(403);
    for (const token of [undefined, 'not-the-token']) {
      const r = await raw(app.url, {
        method: 'POST',
        path: '/local/api/ask',
        headers: { ...json, ...(token ? { 'x-madoguchi-token': token } : {}) },
        body: JSON.stringify({ session: 'evil01234567', text: 'hello' }),
      });
      expect(r.status).toBe(403);
      expect(JSON.parse(r.body).error).toMatch(/token/);
    }
    expect((await raw(app.url, { path: '/local/api/config', headers: { host: host() } })).status).toBe(403);
  });

  it('refuses a foreign Host (DNS rebinding) on the page and the API', async () => {
    for (const h of [
      'evil.example',
      `evil.example:${port}`,
      `127.0.0.1:${Number(port) + 1}`,
      `192.168.1.2:${port}`,
    ]) {
      expect((await raw(app.url, { path: '/', headers: { host: h } })).status).toBe(403);
      const api = await raw(app.url, {
        path: '/local/api/config',
        headers: { host: h, 'x-madoguchi-token': web.token },
      });
      expect(api.status).toBe(403);
    }
    // No Host at all: Node's server answers 400 before any route runs.
    expect([400, 403]).toContain((await raw(app.url, { path: '/', headers: {} })).status);
  });

  it('still serves the page by its loopback names, and a same-origin POST works', async () => {
    for (const h of [host(), `localhost:${port}`, `LOCALHOST:${port}`]) {
      const page = await raw(app.url, { path: '/', headers: { host: h } });
      expect(page.status).toBe(200);
      expect(page.body).toContain(`content="${web.token}"`);
      expect(page.body).not.toContain('{{MADOGUCHI_TOKEN}}');
    }
    const ok = await raw(app.url, {
      method: 'POST',
      path: '/local/api/ask',
      headers: {
        host: `localhost:${port}`,
        origin: `http://localhost:${port}`,
        'content-type': 'application/json; charset=utf-8',
        'x-madoguchi-token': web.token,
      },
      body: JSON.stringify({ session: 'sameorigin01', text: 'What is SBIC?' }),
    });
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body).view.kind).toBe('reply');
  });

  it("serves Microsoft's Adaptive Cards renderer from node_modules", async () => {
    const js = await raw(app.url, { path: '/static/vendor/adaptivecards.js', headers: { host: host() } });
    expect(js.status).toBe(200);
    expect(js.body).toContain('AdaptiveCards');
  });
});
