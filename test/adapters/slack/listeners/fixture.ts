import { join } from 'node:path';
import type { WebClient } from '@slack/web-api';
import { createSeenStore, type SeenStore } from '../../../../src/adapters/shared/seen-store.js';
import type { SlackDeps } from '../../../../src/adapters/slack/listeners/deps.js';
import type { Content } from '../../../../src/content/types.js';
import type { DeskRequest } from '../../../../src/desk/types.js';
import { stringsFor } from '../../../../src/present/strings.js';
import { TicketStoreError } from '../../../../src/tickets/errors.js';
import type { TicketStore } from '../../../../src/tickets/store.js';
import type { Ticket } from '../../../../src/tickets/types.js';
import { buildDesk } from '../../../desk/fixture.js';
import { realContent } from '../../../helpers.js';

/**
 * The real content with the test desks: `sme-support-japan` reads English (staff USTAFF, channel
 * C0FUND), `jbic` Japanese (staff UJBIC, channel C0JBIC); UADMIN is an admin.
 */
export async function testContent(): Promise<Content> {
  const base = await realContent();
  return {
    ...base,
    desks: {
      ...base.desks,
      admins: [...base.desks.admins, 'slack:UADMIN'],
      desks: base.desks.desks.map((d) =>
        d.id === 'sme-support-japan'
          ? {
              ...d,
              lang: 'en',
              staff: [...d.staff, 'slack:USTAFF'],
              notify: { ...d.notify, slackChannel: 'C0FUND' },
            }
          : d.id === 'jbic'
            ? { ...d, staff: [...d.staff, 'slack:UJBIC'], notify: { ...d.notify, slackChannel: 'C0JBIC' } }
            : d,
      ),
    },
  };
}

export interface Call {
  method: string;
  args: Record<string, unknown>;
}
export interface Held {
  channel: string;
  ts: string;
  thread_ts?: string;
  text?: string;
  blocks?: unknown;
  metadata?: unknown;
}

/** A Slack HTTP 500 as @slack/web-api reports it. */
export function http500(): Error {
  return Object.assign(new Error('An HTTP protocol error occurred: statusCode = 500'), {
    code: 'slack_webapi_http_error',
    statusCode: 500,
  });
}
/** A Slack platform error (`ok: false`) as @slack/web-api reports it. */
export function platformError(error: string): Error {
  return Object.assign(new Error(`An API error occurred: ${error}`), {
    code: 'slack_webapi_platform_error',
    data: { ok: false, error },
  });
}

/**
 * A fake Web API client: records each call, holds posted messages (conversations.replies and
 * history read them back, with their metadata), and fails the calls it is told to — after taking the
 * message (`accept`, Slack failing after the write) or not.
 */
export function fakeClient() {
  const calls: Call[] = [];
  const messages: Held[] = [];
  const failures: Array<{ method: string; error: unknown; accept: boolean }> = [];
  let n = 0;
  const call =
    (method: string, answer: (args: Record<string, unknown>) => Record<string, unknown>) =>
    async (args: Record<string, unknown>) => {
      calls.push({ method, args });
      const at = failures.findIndex((f) => f.method === method);
      const failure = at >= 0 ? failures.splice(at, 1)[0] : undefined;
      if (failure) {
        if (failure.accept) answer(args);
        throw failure.error;
      }
      return answer(args);
    };
  const client = {
    chat: {
      postMessage: call('chat.postMessage', (a) => {
        const ts = `1800000${String(++n).padStart(3, '0')}.000100`;
        messages.push({ ...(a as Omit<Held, 'ts'>), ts });
        return { ok: true, channel: a.channel, ts };
      }),
      postEphemeral: call('chat.postEphemeral', () => ({ ok: true, message_ts: '1800000999.000100' })),
      update: call('chat.update', (a) => ({ ok: true, channel: a.channel, ts: a.ts })),
    },
    views: { open: call('views.open', () => ({ ok: true, view: { id: `V${++n}` } })) },
    conversations: {
      replies: call('conversations.replies', (a) => ({
        ok: true,
        messages: messages.filter((m) => m.channel === a.channel && m.thread_ts === a.ts),
      })),
      history: call('conversations.history', (a) => ({
        ok: true,
        messages: messages.filter((m) => m.channel === a.channel),
      })),
    },
  };
  return {
    client: client as unknown as WebClient,
    calls,
    messages,
    of: (method: string) => calls.filter((c) => c.method === method),
    /** The next call of `method` throws `error`; with `accept`, Slack took the message first. */
    failNext(method: string, error: unknown, opts: { accept?: boolean } = {}) {
      failures.push({ method, error, accept: opts.accept ?? false });
    },
  };
}
export type FakeClient = ReturnType<typeof fakeClient>;

/** An `ack` that records what it was called with (`undefined` for a plain ack). */
export function fakeAck() {
  const acks: unknown[] = [];
  const ack = async (response?: unknown) => {
    acks.push(response);
  };
  return { ack, acks };
}

/**
 * The Slack listeners' dependencies, real: the desk service over the real content and engine, the
 * ticket service on a lowdb store in a temporary folder, the seen store on disk. `refuseWrites`
 * makes the ticket store refuse every write (a full or read-only disk).
 */
export async function listenerFixture(opts: { listen?: 'mentions' | 'all' } = {}) {
  const faults = { refuseWrites: false };
  const {
    desk,
    tickets,
    store: lowdb,
    content,
    dir,
    logger,
  } = await buildDesk(await testContent(), {
    wrapStore: (store, dir): TicketStore => {
      const refused = () =>
        Promise.reject(
          new TicketStoreError('STORE_WRITE_FAILED', `${dir}/tickets.json.journal: could not write (ENOSPC)`),
        );
      return {
        ...store,
        createIfAbsent: (key, build) => (faults.refuseWrites ? refused() : store.createIfAbsent(key, build)),
        update: (id, mutate) => (faults.refuseWrites ? refused() : store.update(id, mutate)),
      };
    },
  });
  const seenFile = join(dir, 'slack-seen.journal');
  const seen = await createSeenStore({ file: seenFile });
  const deps: SlackDeps = {
    desk,
    tickets,
    seen,
    listen: opts.listen ?? 'mentions',
    deskChannels: () =>
      new Set(content.desks.desks.flatMap((d) => (d.notify.slackChannel ? [d.notify.slackChannel] : []))),
    logger,
  };
  let n = 0;
  return {
    deps,
    desk,
    tickets,
    store: lowdb,
    content,
    dir,
    faults,
    en: stringsFor(content, 'en'),
    ja: stringsFor(content, 'ja'),
    /** The seen store as a restarted process reads it from disk. */
    reopenSeen: (): Promise<SeenStore> => createSeenStore({ file: seenFile }),
    /** A ticket opened through the handoff form, its card posted in the desk's channel at `cardTs`. */
    async openTicket(
      p: {
        desk?: string;
        user?: string;
        lang?: string;
        cardTs?: string;
        channel?: string;
        thread?: string;
      } = {},
    ): Promise<Ticket> {
      const desk = p.desk ?? 'sme-support-japan';
      const req: DeskRequest = {
        platform: 'slack',
        user: `slack:${p.user ?? 'UREQ'}`,
        where: { conversation: p.channel ?? 'C0SHARED', thread: p.thread ?? `17000${++n}.000100` },
      };
      const result = await deps.desk.submitHandoff(
        req,
        { k: 'handoff', desk, lang: p.lang ?? 'en', key: `form-unit-${++n}` },
        { company: 'Acme Parts', contact: 'acme@example.com', need: 'Investment from the fund' },
      );
      if (result.kind !== 'ticket') throw new Error('expected a ticket');
      const channel = content.desks.desks.find((d) => d.id === desk)?.notify.slackChannel;
      if (!p.cardTs || !channel) return result.ticket;
      return lowdb.update(result.ticket.id, (t) => {
        t.refs.slackCard = { channel, ts: p.cardTs };
      });
    },
    ticket: async (id: string): Promise<Ticket> => {
      const t = await lowdb.get(id);
      if (!t) throw new Error(`no ticket ${id}`);
      return t;
    },
  };
}
export type ListenerFixture = Awaited<ReturnType<typeof listenerFixture>>;
