import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { z } from 'zod';
import { detectLanguage } from '../core/language.js';
import { normalise } from '../core/normalize.js';
import { HttpError, readJson, sendJson } from '../server/http.js';
import type { AdapterDeps, ChannelAdapter, Route } from '../server/types.js';
import { TicketError } from '../tickets/errors.js';
import { openHandoff } from '../tickets/handoff.js';
import { requesterMessage } from '../tickets/messages.js';
import type { Notifier } from '../tickets/service-types.js';
import type { Ticket } from '../tickets/types.js';

const STATIC = join(import.meta.dirname, 'static');
const FILES: Record<string, string> = {
  '/': 'index.html',
  '/static/app.js': 'app.js',
  '/static/app.css': 'app.css',
};
const TYPES: Record<string, string> = { html: 'text/html', js: 'text/javascript', css: 'text/css' };
const MAX_MESSAGES = 200;

const Session = z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, 'session must be 8-64 letters, digits, - or _');
const AskBody = z.object({ session: Session, text: z.string().max(100_000) });
const HandoffBody = z.object({
  session: Session,
  desk: z
    .string()
    .regex(/^[a-z0-9-]+$/)
    .max(100),
  text: z.string().max(100_000),
  company: z.string().max(500).optional(),
  contact: z.string().max(500).optional(),
  need: z.string().max(5_000).optional(),
});
const ActionBody = z.object({
  as: z.string().min(1),
  note: z.string().max(5_000).optional(),
  desk: z
    .string()
    .regex(/^[a-z0-9-]+$/)
    .max(100)
    .optional(),
});
const FeedbackBody = z.object({
  session: Session,
  turn: z.string().max(100),
  rating: z.enum(['helpful', 'not_helpful']),
});

function isLoopback(req: IncomingMessage): boolean {
  const a = req.socket.remoteAddress ?? '';
  return a === '::1' || a.startsWith('127.') || a.startsWith('::ffff:127.');
}

function parse<T>(schema: z.ZodType<T>, value: unknown): T {
  const r = schema.safeParse(value);
  if (!r.success)
    throw new HttpError(
      400,
      r.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '),
    );
  return r.data;
}

/** What a requester's page may see of a ticket: no staff-only packet details. */
function publicTicket(t: Ticket) {
  return {
    id: t.id,
    desk: t.desk,
    status: t.status,
    createdAt: t.createdAt,
    updatedAt: t.updatedAt,
    responseTargetHours: t.responseTargetHours,
  };
}

/**
 * Local mode: a page on loopback where a person can ask as a company, open a handoff, and work the
 * desk's tickets as staff — the whole loop with no Slack or Teams account.
 */
export function createLocalAdapter(deps: AdapterDeps): ChannelAdapter {
  const inbox = new Map<string, Array<{ seq: number; ticket: string; text: string; at: string }>>();
  let seq = 0;
  let turnCounter = 0;
  const lastReply = new Map<
    string,
    { turn: string; reply: ReturnType<ReturnType<AdapterDeps['engine']['current']>['respond']> }
  >();

  const notifier: Notifier = {
    channel: 'web',
    handles: (ticket, audience) => audience === 'desk' || ticket.origin.platform === 'web',
    async deliver(ticket, delivery) {
      if (delivery.audience === 'desk') return { ok: true }; // the staff view reads tickets directly
      const event = ticket.events.find((e) => e.seq === delivery.eventSeq);
      if (!event) return { ok: false, permanent: true, error: `no event ${delivery.eventSeq}` };
      const desk = deps.desks().desks.find((d) => d.id === ticket.desk);
      const list = inbox.get(ticket.origin.conversation) ?? [];
      list.push({ seq: ++seq, ticket: ticket.id, text: requesterMessage(ticket, event, desk), at: event.at });
      inbox.set(ticket.origin.conversation, list.slice(-MAX_MESSAGES));
      if (inbox.size > 10_000) inbox.delete(inbox.keys().next().value as string);
      return { ok: true };
    },
  };

  const guard =
    (handler: (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void>) =>
    async (req: IncomingMessage, res: ServerResponse) => {
      if (!isLoopback(req)) throw new HttpError(403, 'the local page is served on loopback only');
      try {
        await handler(req, res, new URL(req.url ?? '/', 'http://localhost'));
      } catch (error) {
        if (error instanceof TicketError) {
          sendJson(res, error.code === 'NOT_FOUND' ? 404 : error.code === 'FORBIDDEN' ? 403 : 409, {
            error: error.message,
          });
          return;
        }
        throw error;
      }
    };

  const webUsers = () => {
    const d = deps.desks();
    return {
      admins: d.admins.filter((u) => u.startsWith('web:')),
      desks: d.desks.map((desk) => ({
        id: desk.id,
        name: desk.name,
        staff: desk.staff.filter((u) => u.startsWith('web:')),
      })),
    };
  };

  const routes: Route[] = [
    ...Object.entries(FILES).map(
      ([path, file]): Route => ({
        method: 'GET',
        path,
        handle: guard(async (_req, res) => {
          const body = await readFile(join(STATIC, file));
          res.writeHead(200, {
            'content-type': `${TYPES[file.split('.').pop() ?? ''] ?? 'text/plain'}; charset=utf-8`,
            'content-security-policy':
              "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'",
            'x-content-type-options': 'nosniff',
          });
          res.end(body);
        }),
      }),
    ),
    {
      method: 'GET',
      path: '/local/api/config',
      handle: guard(async (_req, res) => sendJson(res, 200, webUsers())),
    },
    {
      method: 'POST',
      path: '/local/api/ask',
      handle: guard(async (req, res) => {
        const { session, text } = parse(AskBody, await readJson(req));
        const reply = deps.engine
          .current()
          .respond({ text, platform: 'web', user: { id: `web:${session}` }, conversation: `web:${session}` });
        const turn = `t${++turnCounter}`;
        lastReply.set(session, { turn, reply });
        if (lastReply.size > 10_000) lastReply.delete(lastReply.keys().next().value as string);
        const deskName = reply.offerDesk
          ? deps.desks().desks.find((d) => d.id === reply.offerDesk)?.name[
              reply.replyLang === 'ja' ? 'ja' : 'en'
            ]
          : undefined;
        sendJson(res, 200, { turn, reply, deskName: deskName ?? null });
      }),
    },
    {
      method: 'POST',
      path: '/local/api/feedback',
      handle: guard(async (req, res) => {
        const { session, turn, rating } = parse(FeedbackBody, await readJson(req));
        const last = lastReply.get(session);
        if (!last || last.turn !== turn) throw new HttpError(404, 'that answer is no longer known');
        const { action, intent, confidence, scheme, entries } = last.reply;
        await deps.feedback.record({
          at: deps.clock.now().toISOString(),
          platform: 'web',
          user: `web:${session}`,
          conversation: `web:${session}`,
          turn,
          rating,
          reply: { action, intent, confidence, scheme, entries },
        });
        sendJson(res, 200, { ok: true });
      }),
    },
    {
      method: 'POST',
      path: '/local/api/handoff',
      handle: guard(async (req, res) => {
        const body = parse(HandoffBody, await readJson(req));
        const ticket = await openHandoff(
          { tickets: deps.tickets, engine: deps.engine.current() },
          {
            key: `web:${body.session}:${deps.engine.current().transcript(`web:${body.session}`).length}:${body.desk}`,
            desk: body.desk,
            requester: {
              platform: 'web',
              userId: `web:${body.session}`,
              ...(body.company ? { displayName: body.company } : {}),
            },
            origin: { platform: 'web', conversation: `web:${body.session}` },
            conversation: `web:${body.session}`,
            text: body.text || body.need || '',
            lang: detectLanguage(normalise(body.text || body.need || '')),
            details: {
              ...(body.company ? { company: body.company } : {}),
              ...(body.contact ? { contact: body.contact } : {}),
              ...(body.need ? { need: body.need } : {}),
            },
          },
        );
        deps.kickOutbox();
        sendJson(res, 201, { ticket: publicTicket(ticket) });
      }),
    },
    {
      method: 'GET',
      path: '/local/api/requester',
      handle: guard(async (_req, res, url) => {
        const session = parse(Session, url.searchParams.get('session'));
        const after = Number(url.searchParams.get('after') ?? 0);
        const tickets = await deps.tickets.list({ requester: `web:${session}` });
        const messages = (inbox.get(`web:${session}`) ?? []).filter((m) => m.seq > after);
        sendJson(res, 200, { tickets: tickets.map(publicTicket), messages });
      }),
    },
    {
      method: 'GET',
      path: '/local/api/desk',
      handle: guard(async (_req, res, url) => {
        const desk = parse(
          z
            .string()
            .regex(/^[a-z0-9-]+$/)
            .max(100),
          url.searchParams.get('desk'),
        );
        const as = parse(z.string().min(1), url.searchParams.get('as'));
        if (!deps.tickets.canWork(as, desk)) throw new HttpError(403, `${as} is not staff of ${desk}`);
        sendJson(res, 200, { tickets: await deps.tickets.list({ desk }) });
      }),
    },
    {
      method: 'POST',
      path: '/local/api/tickets/*',
      handle: guard(async (req, res, url) => {
        const [, , , , id, action] = url.pathname.split('/');
        const body = parse(ActionBody, await readJson(req));
        const actor = { user: body.as };
        const t = deps.tickets;
        let ticket: Ticket;
        if (!id) throw new HttpError(404, 'no ticket id');
        if (action === 'claim') ticket = await t.claim(id, actor);
        else if (action === 'resolve') ticket = await t.resolve(id, actor, body.note);
        else if (action === 'reopen') ticket = await t.reopen(id, actor, body.note);
        else if (action === 'comment') ticket = await t.comment(id, actor, body.note ?? '');
        else if (action === 'reassign' && body.desk) ticket = await t.reassign(id, body.desk, actor);
        else throw new HttpError(404, `unknown action ${action ?? ''}`);
        deps.kickOutbox();
        sendJson(res, 200, { ticket });
      }),
    },
  ];

  return { name: 'local', routes, notifier, stop: async () => undefined };
}
