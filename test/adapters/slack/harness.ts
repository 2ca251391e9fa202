import { createHmac } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import pino from 'pino';
import { type RunningApp, startApp } from '../../../src/app.js';
import { loadConfig } from '../../../src/config.js';
import type { Ticket } from '../../../src/tickets/types.js';
import { copyContent, editDesks, until } from '../../helpers.js';
import { type ApiCall, startFakeSlack } from './fake-slack.js';

export const SECRET = 'test-signing-secret';
export const FORM = 'application/x-www-form-urlencoded';
export const JSON_TYPE = 'application/json';

/** One log line of the app, as pino wrote it. */
export type LogLine = Record<string, unknown> & { msg?: string };

let n = 0;

/**
 * The real app (real Bolt HTTPReceiver, real desk and ticket services, a lowdb store in a temporary
 * folder) against a loopback fake Slack Web API, with the test desks: `sme-support-japan` (English,
 * staff USTAFF, channel C0FUND) and `jbic` (Japanese, channel C0JBIC); UADMIN is an admin. Its log
 * is kept (`logs`) so a test can wait for a turn to end instead of sleeping.
 */
export async function startHarness(opts: { env?: Record<string, string> } = {}) {
  const dir = await copyContent('madoguchi-slack-');
  await editDesks(dir, (d) => {
    d.admins.push('slack:UADMIN');
    const fund = d.desks.find((x) => x.id === 'sme-support-japan');
    const jbic = d.desks.find((x) => x.id === 'jbic');
    if (!fund || !jbic) throw new Error('test desks missing');
    fund.staff.push('slack:USTAFF');
    fund.notify = { slack_channel: 'C0FUND' };
    fund.lang = 'en';
    jbic.staff.push('slack:UJBIC');
    jbic.notify = { slack_channel: 'C0JBIC' };
  });
  const slack = await startFakeSlack();
  const logs: LogLine[] = [];
  const logger = pino(
    { level: 'debug' },
    { write: (line: string) => void logs.push(JSON.parse(line) as LogLine) },
  );
  const boot = () =>
    startApp({
      config: loadConfig({
        PORT: '0',
        SLACK_BOT_TOKEN: 'xoxb-test',
        SLACK_SIGNING_SECRET: SECRET,
        SLACK_API_URL: slack.url,
        MADOGUCHI_CONTENT_DIR: dir,
        MADOGUCHI_DATA_DIR: join(dir, 'data'),
        MADOGUCHI_WATCH: 'false',
        ...opts.env,
      }),
      logger,
    });
  let server: RunningApp = await boot();

  const h = {
    dir,
    dataDir: join(dir, 'data'),
    slack,
    logs,
    get server() {
      return server;
    },
    /** Stops the app (its listeners still running are left as they are, as after a crash) and starts it again on the same data. */
    async restart() {
      await server.stop();
      server = await boot();
    },
    async close() {
      await server.stop().catch(() => undefined);
      await slack.close();
      await rm(dir, { recursive: true, force: true });
    },
    post(body: string, type: string, headers: Record<string, string> = {}): Promise<Response> {
      return fetch(`${server.url}/slack/events`, {
        method: 'POST',
        headers: { 'content-type': type, ...sign(body), ...headers },
        body,
      });
    },
    /** Posts an Events API callback; returns its event id. */
    async event(
      ev: Record<string, unknown>,
      eventId = `Ev${++n}`,
      headers: Record<string, string> = {},
    ): Promise<string> {
      const res = await h.post(eventBody(ev, eventId), JSON_TYPE, headers);
      if (res.status !== 200) throw new Error(`event ${eventId}: HTTP ${res.status}`);
      return eventId;
    },
    interact: (payload: Record<string, unknown>): Promise<Response> => h.post(interaction(payload), FORM),
    /** How the turn of an event ended (`answered`, `relayed`, `duplicate`, `ignored:…`), once it has. */
    async turnEnd(eventId: string, nth = 1): Promise<string> {
      const line = await until(
        () => logs.filter((l) => l.msg === 'slack message' && l.event === eventId)[nth - 1],
        `the end of the turn of ${eventId}`,
      );
      return String(line.outcome);
    },
    /** Messages the bot posted in a thread (the recorded calls, including those Slack failed). */
    postsIn: (channel: string, thread: string): ApiCall[] =>
      slack
        .of('chat.postMessage')
        .filter((c) => c.params.channel === channel && c.params.thread_ts === thread),
    /** Messages a thread holds in the fake Slack. */
    heldIn: (channel: string, thread: string) =>
      slack.messages.filter((m) => m.channel === channel && m.thread_ts === thread),
    /** Submits the handoff modal; resolves with Slack's HTTP response. */
    submitHandoff(p: HandoffForm): Promise<Response> {
      const metadata =
        p.metadata ??
        JSON.stringify({
          k: 'handoff',
          desk: p.desk ?? 'sme-support-japan',
          lang: p.lang ?? 'en',
          key: p.key ?? `form-${++n}`,
          channel: p.channel ?? 'C0SHARED',
          thread: p.thread,
        });
      return h.interact({
        type: 'view_submission',
        user: { id: p.user ?? 'UREQ', name: 'tanaka' },
        view: {
          id: p.viewId ?? `VH${++n}`,
          callback_id: 'madoguchi_handoff',
          private_metadata: metadata,
          state: {
            values: {
              company: { value: { value: p.company ?? 'Acme Parts' } },
              contact: { value: { value: p.contact ?? 'acme@example.com' } },
              need: { value: { value: p.need ?? 'Investment from the fund' } },
            },
          },
        },
      });
    },
    /** The stored ticket, read as an admin. */
    ticket: (id: string): Promise<Ticket> =>
      server.desk.mayAct(
        { platform: 'slack', user: 'slack:UADMIN', where: { conversation: 'test' } },
        { k: 'act', a: 'claim', ticket: id },
      ),
    /** Waits until no delivery of the ticket is pending (the outbox has done all it will). */
    async drained(id: string): Promise<Ticket> {
      const end = Date.now() + 15_000;
      for (;;) {
        const t = await h.ticket(id);
        if (t.outbox.every((d) => d.status !== 'pending')) return t;
        if (Date.now() > end) throw new Error(`timed out waiting for the outbox of ${id} to drain`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    /** Opens a ticket through the modal and waits for its card; returns the ticket id, the card's ts and its post. */
    async openTicket(
      p: HandoffForm & { deskChannel?: string },
    ): Promise<{ ticket: string; cardTs: string; card: ApiCall }> {
      const channel = p.deskChannel ?? 'C0FUND';
      const before = new Set(slack.messages.map((m) => m.ts));
      const res = await h.submitHandoff(p);
      if (res.status !== 200) throw new Error(`handoff: HTTP ${res.status}`);
      const held = await until(
        () => slack.messages.find((m) => m.channel === channel && !m.thread_ts && !before.has(m.ts)),
        'the desk card',
      );
      const ticket = String((held.metadata as Meta)?.event_payload?.ticket ?? '');
      const card = slack
        .of('chat.postMessage')
        .filter((c) => c.params.channel === channel && !c.params.thread_ts)
        .findLast((c) => (c.params.metadata as Meta)?.event_payload?.ticket === ticket);
      if (!ticket || !card) throw new Error('the card names no ticket');
      return { ticket, cardTs: held.ts, card };
    },
  };
  return h;
}
export type Harness = Awaited<ReturnType<typeof startHarness>>;

/** The handoff modal as a person fills it (`metadata` replaces the one the bot wrote). */
export interface HandoffForm {
  thread: string;
  user?: string;
  desk?: string;
  lang?: string;
  key?: string;
  channel?: string;
  company?: string;
  contact?: string;
  need?: string;
  viewId?: string;
  metadata?: string;
}
type Meta = { event_payload?: { ticket?: string } } | undefined;

export function sign(body: string, timestamp = Math.floor(Date.now() / 1000), secret = SECRET) {
  return {
    'x-slack-request-timestamp': String(timestamp),
    'x-slack-signature': `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`,
  };
}

export function eventBody(ev: Record<string, unknown>, eventId: string) {
  return JSON.stringify({
    type: 'event_callback',
    team_id: 'T1',
    api_app_id: 'A1',
    event_id: eventId,
    event_time: Math.floor(Date.now() / 1000),
    event: ev,
  });
}

export const interaction = (payload: Record<string, unknown>) =>
  `payload=${encodeURIComponent(JSON.stringify(payload))}`;

export const mention = (text: string, ts: string, extra: Record<string, unknown> = {}) => ({
  type: 'app_mention',
  user: 'UREQ',
  text: `<@UBOT> ${text}`,
  ts,
  channel: 'C0SHARED',
  event_ts: ts,
  ...extra,
});

/** A unique message ts. */
export const nextTs = () => `17100${String(++n).padStart(5, '0')}.000100`;
