import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { inLang } from '../../content/types.js';
import { DeskError } from '../../desk/errors.js';
import { GapDeskError } from '../../desk/gaps.js';
import type { DeskRequest, DeskResult } from '../../desk/types.js';
import { stringsFor } from '../../present/strings.js';
import { ticketCardView } from '../../present/views.js';
import { HttpError, readJson, sendJson } from '../../server/http.js';
import { TicketStoreError } from '../../tickets/errors.js';
import type { Channel, ChannelDeps, Route } from '../types.js';
import { auditView } from './audit.js';
import { checkRequest } from './guard.js';
import { createInbox } from './inbox.js';
import { previewOf } from './preview.js';

const STATIC = join(import.meta.dirname, 'static');
const ADAPTIVECARDS = join(
  dirname(createRequire(import.meta.url).resolve('adaptivecards/package.json')),
  'dist',
);
/** What the page serves: its own files, and Microsoft's Adaptive Cards renderer from node_modules (no CDN). */
const FILES: Record<string, string> = {
  '/': join(STATIC, 'index.html'),
  '/static/app.js': join(STATIC, 'app.js'),
  '/static/views.js': join(STATIC, 'views.js'),
  '/static/cards.js': join(STATIC, 'cards.js'),
  '/static/app.css': join(STATIC, 'app.css'),
  '/static/vendor/adaptivecards.js': join(ADAPTIVECARDS, 'adaptivecards.min.js'),
  '/static/vendor/adaptivecards.css': join(ADAPTIVECARDS, 'adaptivecards.css'),
};
const TYPES: Record<string, string> = { html: 'text/html', js: 'text/javascript', css: 'text/css' };
const TOKEN_SLOT = '{{MADOGUCHI_TOKEN}}';
const escapeHtml = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );

/** The strings the page's own chrome shows (its headings, fields and dialogs), all from messages/*.yml. */
export const PAGE_STRINGS = [
  'welcome',
  'empty',
  'formSend',
  'formCancel',
  'cardCompany',
  'someone',
  'cardDesk',
  'cardLanguage',
  'actResolve',
  'actReply',
  'errTryAgain',
] as const;

const Session = z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, 'session must be 8-64 letters, digits, - or _');
/** The id the page gives each click: the same click sent twice is one event (audit trail, dedupe). */
const EventId = z.string().regex(/^[A-Za-z0-9-]{8,64}$/, 'eventId must be 8-64 letters, digits or -');
/** Who acts on the staff side: a local-page identity (`web:<name>`), as desks.yml lists staff. */
const Staff = z.string().regex(/^web:[A-Za-z0-9._-]{1,100}$/, 'as must be a web: identity');
const Lang = z.string().regex(/^[a-z]{2}(-[A-Za-z]{2,4})?$/);
const DeskId = z.string().regex(/^[a-z0-9][a-z0-9-]{0,99}$/);

const AskBody = z.strictObject({
  session: Session,
  text: z.string().max(100_000),
  eventId: EventId.optional(),
});
const PressBody = z.strictObject({
  session: Session,
  /** Staff clicks act as this identity; a company's clicks act as the session. */
  as: Staff.optional(),
  eventId: EventId,
  /** The language of the view the button sits on. */
  lang: Lang.optional(),
  payload: z.unknown(),
  fields: z
    .strictObject({
      company: z.string().max(500).optional(),
      contact: z.string().max(500).optional(),
      need: z.string().max(100_000).optional(),
      note: z.string().max(5_000).optional(),
      desk: DeskId.optional(),
    })
    .optional(),
});
const CommentBody = z.strictObject({
  as: Staff,
  eventId: EventId,
  ticket: z.string().regex(/^[A-Z]{2,10}-\d{1,12}$/),
  text: z.string().trim().min(1).max(5_000),
  lang: Lang.optional(),
});

const GapBody = z.strictObject({
  as: Staff,
  eventId: EventId,
  lang: Lang.optional(),
  action: z.enum(['accept', 'draft', 'dismiss']),
  gap: z.string().regex(/^gap-[0-9a-f]{6,16}(-\d{1,4})?$/, 'gap must be a gap id (gap-…)'),
  entry: z
    .string()
    .regex(/^[a-z0-9-]+\/[a-z0-9-]+$/, 'entry must be an entry id')
    .optional(),
  question: z.string().max(1_000).optional(),
  questionLang: Lang.optional(),
  why: z.string().max(2_000).optional(),
});

function parse<T>(schema: z.ZodType<T>, value: unknown): T {
  const r = schema.safeParse(value);
  if (!r.success)
    throw new HttpError(
      400,
      r.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '),
    );
  return r.data;
}

/** How a refusal is answered: its status, and the notice the page shows in the person's language. */
const STATUS: Record<DeskError['code'], number> = {
  BAD_PAYLOAD: 400,
  UNKNOWN_DESK: 400,
  INCOMPLETE: 400,
  NOT_FOUND: 404,
  FORBIDDEN: 403,
  NOT_NOW: 409,
  CLAIMED: 409,
  NOT_SAVED: 503,
  ADMIN_ONLY: 403,
};

/**
 * The local page as a channel: a page on loopback where a person asks as a company, opens a handoff
 * and works the desks' tickets as staff, with no Slack or Teams account. Each route maps JSON to a
 * desk-service call and returns its view (with what Slack and Teams would be sent for it); the page
 * renders the views. Requester updates go to an in-memory inbox the page polls.
 */
export function createWebChannel(deps: ChannelDeps): Channel {
  const token = randomBytes(32).toString('base64url');
  const inbox = createInbox(deps.content);
  const cache = new Map<string, Buffer>();
  const content = () => deps.desk.content();

  const company = (session: string, extra: Partial<DeskRequest> = {}): DeskRequest => ({
    platform: 'web',
    user: `web:${session}`,
    where: { conversation: session },
    ...extra,
  });
  const staff = (as: string, extra: Partial<DeskRequest> = {}): DeskRequest => ({
    platform: 'web',
    user: as,
    where: { conversation: `staff:${as}` },
    ...extra,
  });

  /** The JSON of a desk result: its view and previews; of a ticket change, only what the company may see. */
  function out(result: DeskResult) {
    switch (result.kind) {
      case 'reply': {
        const r = result.reply;
        return {
          kind: result.kind,
          view: result.view,
          preview: previewOf(result.view),
          debug: {
            action: r.action,
            intent: r.intent,
            confidence: r.confidence,
            scheme: r.scheme,
            desk: r.desk,
            language: `${r.lang} → ${r.replyLang}`,
            entries: r.entries,
          },
        };
      }
      case 'ticket':
        return {
          kind: result.kind,
          ticket: { id: result.ticket.id, status: result.ticket.status },
          ...(result.view ? { view: result.view, preview: previewOf(result.view) } : {}),
        };
      default:
        return { kind: result.kind, view: result.view, preview: previewOf(result.view) };
    }
  }

  /** Runs a desk call; a refusal is answered with its status and the notice to show. */
  async function answer(res: ServerResponse, req: DeskRequest, call: () => Promise<DeskResult> | DeskResult) {
    try {
      sendJson(res, 200, out(await call()));
    } catch (error) {
      const notice = deps.desk.toUserMessage(error, req);
      const status =
        error instanceof DeskError ? STATUS[error.code] : error instanceof TicketStoreError ? 503 : 500;
      sendJson(res, status, { error: notice.text, notice });
    }
  }

  const api = (
    method: Route['method'],
    path: string,
    handle: (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void>,
  ): Route => ({
    method,
    path,
    handle: async (req, res) => {
      checkRequest(req, { token, json: method === 'POST' });
      await handle(req, res, new URL(req.url ?? '/', 'http://localhost'));
    },
  });

  async function file(path: string): Promise<Buffer> {
    const hit = cache.get(path);
    if (hit) return hit;
    const body = await readFile(path);
    cache.set(path, body);
    return body;
  }

  /** The page with its token, and its own words in the browser's language (the page follows replies after). */
  function page(template: Buffer, req: IncomingMessage): Buffer {
    const wanted = (req.headers['accept-language'] ?? '').split(',')[0]?.split(';')[0]?.trim().toLowerCase();
    const s = stringsFor(content(), wanted || undefined);
    return Buffer.from(
      template
        .toString('utf8')
        .replace(TOKEN_SLOT, token)
        .replace('<html lang="en">', `<html lang="${s.lang}">`)
        .replace(/\{\{t:(\w+)\}\}/g, (_m, key: string) => escapeHtml(s.t(key))),
    );
  }

  const routes: Route[] = [
    ...Object.entries(FILES).map(
      ([path, source]): Route => ({
        method: 'GET',
        path,
        handle: async (req, res) => {
          checkRequest(req);
          const body = path === '/' ? page(await file(source), req) : await file(source);
          res.writeHead(200, {
            'content-type': `${TYPES[source.split('.').pop() ?? ''] ?? 'text/plain'}; charset=utf-8`,
            'content-security-policy':
              "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'none'",
            'x-content-type-options': 'nosniff',
            'x-frame-options': 'DENY',
            'referrer-policy': 'no-referrer',
            'cache-control': path === '/' ? 'no-store' : 'no-cache',
          });
          res.end(body);
        },
      }),
    ),
    api('GET', '/local/api/config', async (_req, res) => {
      const c = content();
      const web = (users: string[]) => users.filter((u) => u.startsWith('web:'));
      sendJson(res, 200, {
        langs: Object.keys(c.messages),
        strings: Object.fromEntries(
          Object.keys(c.messages).map((lang) => {
            const s = stringsFor(c, lang);
            return [lang, Object.fromEntries(PAGE_STRINGS.map((k) => [k, s.t(k)]))];
          }),
        ),
        admins: web(c.desks.admins),
        desks: c.desks.desks.map((d) => ({ id: d.id, name: d.name, lang: d.lang, staff: web(d.staff) })),
      });
    }),
    api('POST', '/local/api/ask', async (req, res) => {
      const body = parse(AskBody, await readJson(req));
      const r = company(body.session, body.eventId ? { eventId: body.eventId } : {});
      await answer(res, r, () => deps.desk.ask(r, body.text));
    }),
    api('POST', '/local/api/press', async (req, res) => {
      const body = parse(PressBody, await readJson(req));
      const extra = { eventId: body.eventId, ...(body.lang ? { lang: body.lang } : {}) };
      const r = body.as ? staff(body.as, extra) : company(body.session, extra);
      // Fields left out stay out (the desk reads a missing one as empty).
      const fields = Object.fromEntries(Object.entries(body.fields ?? {}).filter(([, v]) => v !== undefined));
      await answer(res, r, () => deps.desk.press(r, body.payload, fields));
    }),
    api('POST', '/local/api/comment', async (req, res) => {
      const body = parse(CommentBody, await readJson(req));
      const r = staff(body.as, { eventId: body.eventId, ...(body.lang ? { lang: body.lang } : {}) });
      await answer(res, r, () => deps.desk.comment(r, body.ticket, body.text));
    }),
    api('GET', '/local/api/requester', async (_req, res, url) => {
      const session = parse(Session, url.searchParams.get('session'));
      const after = Number(url.searchParams.get('after') ?? 0) || 0;
      const result = await deps.desk.myTickets(company(session));
      sendJson(res, 200, {
        ...out(result),
        updates: inbox.since(session, after).map((m) => ({ ...m, preview: previewOf(m.view) })),
      });
    }),
    api('GET', '/local/api/desk', async (_req, res, url) => {
      const deskId = parse(DeskId, url.searchParams.get('desk'));
      const as = parse(Staff, url.searchParams.get('as'));
      const desk = content().desks.desks.find((d) => d.id === deskId);
      if (!desk) throw new HttpError(404, `no desk ${deskId}`);
      // Only the desk's staff and admins see its tickets (contact details included).
      if (!deps.desk.canWork(as, desk.id))
        throw new HttpError(
          403,
          stringsFor(content(), desk.lang).t('errForbidden', { desk: inLang(desk.name, desk.lang) }),
        );
      const tickets = await deps.tickets.list({ desk: deskId });
      sendJson(res, 200, {
        tickets: tickets
          .slice()
          .reverse()
          .map((t) => {
            const card = ticketCardView(content(), t, { nameOf: deps.desk.people.nameOf });
            return {
              card,
              audit: auditView(content(), t, deps.desk.people.nameOf),
              preview: previewOf(card, t.events.length),
            };
          }),
      });
    }),
    // The admins' knowledge gaps: the list with each gap's questions, and accept / draft / dismiss.
    api('GET', '/local/api/gaps', async (_req, res, url) => {
      const as = parse(Staff, url.searchParams.get('as'));
      const lang = url.searchParams.get('lang');
      const r = staff(as, lang && Lang.safeParse(lang).success ? { lang } : {});
      await gapAnswer(res, r, async () => {
        const panel = await deps.desk.gaps.panel(r, r.lang);
        return { ...panel, preview: previewOf(panel.view) };
      });
    }),
    api('POST', '/local/api/gaps', async (req, res) => {
      const body = parse(GapBody, await readJson(req));
      const r = staff(body.as, { eventId: body.eventId, ...(body.lang ? { lang: body.lang } : {}) });
      await gapAnswer(res, r, async () => {
        const g = deps.desk.gaps;
        const view =
          body.action === 'accept'
            ? await g.accept(r, r.lang, {
                gap: body.gap,
                entry: body.entry ?? '',
                ...(body.question ? { question: body.question } : {}),
                ...(body.questionLang ? { lang: body.questionLang } : {}),
              })
            : body.action === 'draft'
              ? await g.draft(r, r.lang, { gap: body.gap })
              : await g.dismiss(r, r.lang, { gap: body.gap, why: body.why ?? '' });
        return { kind: 'notice', view, preview: previewOf(view) };
      });
    }),
  ];

  /** A gap call: its JSON, or a refusal with its status and the notice in the admin's language. */
  async function gapAnswer(res: ServerResponse, req: DeskRequest, call: () => Promise<object>) {
    try {
      sendJson(res, 200, await call());
    } catch (error) {
      if (error instanceof GapDeskError) {
        sendJson(res, error.status, { error: error.notice.text, notice: error.notice });
        return;
      }
      const notice = deps.desk.toUserMessage(error, req);
      sendJson(res, error instanceof DeskError ? STATUS[error.code] : 500, { error: notice.text, notice });
    }
  }

  return { name: 'web', routes, notifier: inbox.notifier, stop: async () => undefined };
}
