import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { conversationOfTurn, turnKey, turnOf } from '../analytics/record.js';
import type { TurnRecorder } from '../analytics/recorder.js';
import type { EngineRef } from '../core/engine-types.js';
import { detectLanguage } from '../core/language.js';
import type { ConversationMemory } from '../core/memory.js';
import { normalise } from '../core/normalize.js';
import type { Clock, Lang } from '../core/types.js';
import type { FeedbackStore } from '../feedback/store.js';
import {
  type ActPayload,
  type HandoffFields,
  type HandoffPayload,
  Payload,
  parsePayload,
  type RatePayload,
} from '../present/payloads.js';
import { stringsFor, uiLang } from '../present/strings.js';
import {
  handoffFormView,
  noticeView,
  replyView,
  type StatusView,
  ticketListView,
  type ViewContent,
} from '../present/views.js';
import type { ContextStore } from '../storage/pg/context-store.js';
import { TicketError, TicketStoreError } from '../tickets/errors.js';
import { openHandoff } from '../tickets/handoff.js';
import type { Actor, TicketService } from '../tickets/service-types.js';
import type { Ticket } from '../tickets/types.js';
import { DeskError, fromTicketError, toUserMessage } from './errors.js';
import { createGapDesk, type GapAdminDeps } from './gaps.js';
import { createPeople, type People } from './people.js';
import type { DeskRequest, DeskResult, ReloadOutcome, ServiceStatus } from './types.js';

export interface DeskServiceDeps {
  engine: EngineRef;
  tickets: TicketService;
  feedback: FeedbackStore;
  reload: () => Promise<ReloadOutcome>;
  status: () => ServiceStatus;
  clock: Clock;
  logger: Logger;
  people?: People;
  /**
   * Several replicas: the conversation context is read from the shared store before a turn and written
   * after it, so a follow-up is understood whichever replica receives it.
   */
  shared?: { memory: ConversationMemory; store: ContextStore };
  /** Turn records for the admins' views: every turn, rating and handoff is told to it (it never delays one). */
  recorder?: TurnRecorder;
  /** Knowledge gaps for the admins (the `gaps` command, the local page's panel). */
  gaps?: GapAdminDeps;
}

export const ADMIN_COMMANDS = ['reload', 'status', 'gaps'] as const;

/**
 * The desk every channel serves: asking, rating, the handoff form and its submission, ticket actions,
 * a requester's list, admin commands. Each call takes a platform-neutral `DeskRequest` and returns a
 * neutral result whose view the adapter renders; every refusal is a `DeskError` (or a store error)
 * that `toUserMessage` words in the person's language. Adapters hold no feature of their own.
 */
export function createDeskService(deps: DeskServiceDeps) {
  const people = deps.people ?? createPeople();
  const gaps = createGapDesk({
    ...(deps.gaps ? { gaps: deps.gaps } : {}),
    content: () => deps.engine.current().content,
    isAdmin: (user) => deps.tickets.isAdmin(user),
    reload: deps.reload,
    clock: deps.clock,
    logger: deps.logger,
  });
  const content = (): ViewContent => deps.engine.current().content;
  const keyOf = (req: DeskRequest) =>
    `${req.platform}:${req.where.conversation}${req.where.thread ? `:${req.where.thread}` : ''}`;
  const actor = (req: DeskRequest): Actor => ({
    user: req.user,
    ...(req.eventId ? { sourceEventId: `${req.platform}:${req.eventId}` } : {}),
  });
  const seen = (req: DeskRequest) => people.note(req.user, req.name);

  /** The language the person is using: what they look at, else what they last wrote in this conversation. */
  function langOf(req: DeskRequest): Lang {
    if (req.lang) return uiLang(content(), req.lang);
    const turns = deps.engine.current().transcript(keyOf(req));
    const last = [...turns].reverse().find((t) => t.reply.action !== 'smalltalk') ?? turns.at(-1);
    return uiLang(content(), last ? detectLanguage(normalise(last.text)) : undefined);
  }

  /** Staff clicking on a ticket card read the desk's language (their channel has no conversation to go by). */
  function staffLang(error: unknown, req: DeskRequest): Lang | undefined {
    if (req.lang || !(error instanceof DeskError)) return undefined;
    const ticket = error.details.ticket;
    if (typeof ticket !== 'object' || ticket.requester.userId === req.user) return undefined;
    return content().desks.desks.find((d) => d.id === ticket.desk)?.lang;
  }

  /** Takes the conversation's shared context into this replica's memory (if the store fails, the local copy serves). */
  async function pull(conversation: string): Promise<void> {
    if (!deps.shared) return;
    try {
      deps.shared.memory.put(conversation, await deps.shared.store.load(conversation));
    } catch (error) {
      deps.logger.warn(
        { err: error },
        "conversation context not read from the shared store; using this replica's",
      );
    }
  }

  async function push(conversation: string): Promise<void> {
    const context = deps.shared?.memory.get(conversation);
    if (!deps.shared || !context) return;
    await deps.shared.store.save(conversation, context).catch((error: unknown) => {
      deps.logger.warn({ err: error }, 'conversation context not written to the shared store');
    });
  }

  async function ask(req: DeskRequest, text: string): Promise<DeskResult> {
    seen(req);
    const conversation = keyOf(req);
    await pull(conversation);
    const engine = deps.engine.current();
    const started = performance.now();
    const reply = engine.respond({
      text,
      platform: req.platform,
      user: { id: req.user, ...(req.name ? { name: req.name } : {}) },
      conversation,
    });
    const ms = performance.now() - started;
    const last = engine.transcript(conversation).at(-1);
    const turn = last ? turnKey(conversation, last) : `${conversation}:0`;
    deps.recorder?.turn({
      turn,
      at: last?.at ?? deps.clock.now().toISOString(),
      platform: req.platform,
      user: req.user,
      conversation,
      text,
      reply,
      ms,
    });
    await push(conversation);
    return { kind: 'reply', reply, view: replyView(engine.content, reply, turn, deps.clock.now()) };
  }

  async function rate(req: DeskRequest, p: RatePayload): Promise<DeskResult> {
    await deps.feedback.record({
      at: deps.clock.now().toISOString(),
      platform: req.platform,
      user: req.user,
      conversation: keyOf(req),
      turn: p.turn,
      rating: p.r,
      reply: { action: 'answer', intent: p.intent, confidence: p.c, scheme: p.scheme, entries: p.entries },
    });
    // A Not helpful keeps the question for review: the rated turn's, from the conversation's transcript.
    const where = conversationOfTurn(p.turn);
    const rated = turnOf(where, deps.engine.current().transcript(where), p.turn);
    deps.recorder?.rated(p.turn, p.r, rated?.text);
    return {
      kind: 'notice',
      view: noticeView(content(), langOf(req), p.r === 'helpful' ? 'feedbackThanks' : 'feedbackSorry'),
    };
  }

  function offerHandoff(req: DeskRequest, deskId: string): DeskResult {
    seen(req);
    const desk = content().desks.desks.find((d) => d.id === deskId);
    if (!desk) throw new DeskError('UNKNOWN_DESK');
    const turns = deps.engine.current().transcript(keyOf(req));
    const question = [...turns].reverse().find((t) => t.reply.action !== 'smalltalk')?.text ?? '';
    return {
      kind: 'form',
      view: handoffFormView(content(), desk, langOf(req), { question, key: `form-${randomUUID()}` }),
    };
  }

  async function submitHandoff(
    req: DeskRequest,
    p: HandoffPayload,
    fields: HandoffFields,
  ): Promise<DeskResult> {
    seen(req);
    const company = fields.company.trim();
    const contact = fields.contact.trim();
    const missing = [!company && 'company', !contact && 'contact'].filter((f): f is string => Boolean(f));
    if (missing.length > 0) throw new DeskError('INCOMPLETE', { fields: missing });
    const desk = content().desks.desks.find((d) => d.id === p.desk);
    if (!desk) throw new DeskError('UNKNOWN_DESK');
    let ticket: Ticket;
    const asked = deps.clock.now().toISOString();
    try {
      ticket = await openHandoff(
        { tickets: deps.tickets, engine: deps.engine.current() },
        {
          key: `${req.platform}:${p.key}`,
          desk: desk.id,
          requester: {
            platform: req.platform,
            userId: req.user,
            ...(req.name ? { displayName: req.name } : {}),
          },
          origin: {
            platform: req.platform,
            conversation: req.where.conversation,
            ...(req.where.thread ? { thread: req.where.thread } : {}),
            ...(req.where.reference ? { reference: req.where.reference } : {}),
          },
          conversation: keyOf(req),
          text: fields.need.trim() || company,
          lang: p.lang,
          details: { company, contact, ...(fields.need.trim() ? { need: fields.need.trim() } : {}) },
          ...(req.eventId ? { sourceEventId: `${req.platform}:${req.eventId}` } : {}),
        },
      );
    } catch (error) {
      if (error instanceof TicketStoreError) {
        deps.logger.error({ err: error, desk: desk.id }, 'handoff not saved');
        throw new DeskError('NOT_SAVED', {}, { cause: error });
      }
      throw error;
    }
    // The record of the turn that led here (the last question asked); a repeated submit of the same
    // form returns the ticket opened before, which is not counted again.
    if (deps.recorder && ticket.createdAt >= asked) {
      const turns = deps.engine.current().transcript(keyOf(req));
      const last = [...turns].reverse().find((t) => t.reply.action !== 'smalltalk');
      deps.recorder.ticketOpened(
        last ? turnKey(keyOf(req), last) : undefined,
        ticket.desk,
        last?.reply.action,
        last?.text,
      );
    }
    const s = stringsFor(content(), p.lang);
    return {
      kind: 'ticket',
      ticket,
      view: {
        kind: 'notice',
        lang: s.lang,
        text: s.t('formSent', { desk: desk.name[s.lang] ?? desk.name.en ?? desk.id, ticket: ticket.id }),
        private: false,
      },
    };
  }

  /** Refuses, before anything runs, an action the person may not take (e.g. before opening the note modal). */
  async function mayAct(req: DeskRequest, p: ActPayload): Promise<Ticket> {
    const ticket = await deps.tickets.get(p.ticket);
    if (!ticket) throw new DeskError('NOT_FOUND', { ticket: p.ticket });
    const own = p.a === 'close' && ticket.requester.userId === req.user;
    // A refusal goes through the ticket service, so it is recorded (once) with its source event.
    if (!own && !deps.tickets.canWork(req.user, ticket.desk)) await act(req, p);
    return ticket;
  }

  async function act(req: DeskRequest, p: ActPayload, note?: string): Promise<DeskResult> {
    seen(req);
    const who = actor(req);
    const cleanNote = note?.trim() ? note.trim() : undefined;
    try {
      let ticket: Ticket;
      switch (p.a) {
        case 'claim':
          ticket = await deps.tickets.claim(p.ticket, who);
          break;
        case 'resolve':
          ticket = await deps.tickets.resolve(p.ticket, who, cleanNote);
          break;
        case 'reopen':
          ticket = await deps.tickets.reopen(p.ticket, who, cleanNote);
          break;
        case 'close':
          ticket = await deps.tickets.close(p.ticket, who);
          break;
        case 'reassign':
          if (!p.desk || !content().desks.desks.some((d) => d.id === p.desk))
            throw new DeskError('UNKNOWN_DESK');
          ticket = await deps.tickets.reassign(p.ticket, p.desk, who);
          break;
      }
      return { kind: 'ticket', ticket };
    } catch (error) {
      throw await explain(error, p.ticket, p.a);
    }
  }

  /** A reply in a ticket's thread, relayed to the company (or, from the company, to the desk). */
  async function comment(req: DeskRequest, ticketId: string, text: string): Promise<DeskResult> {
    seen(req);
    try {
      return { kind: 'ticket', ticket: await deps.tickets.comment(ticketId, actor(req), text) };
    } catch (error) {
      throw await explain(error, ticketId, 'comment');
    }
  }

  async function explain(error: unknown, id: string, action: string): Promise<unknown> {
    if (error instanceof TicketStoreError) return new DeskError('NOT_SAVED', {}, { cause: error });
    if (!(error instanceof TicketError)) return error;
    const ticket = (await deps.tickets.get(id).catch(() => undefined)) ?? id;
    if (
      typeof ticket === 'object' &&
      error.code === 'ILLEGAL_TRANSITION' &&
      action === 'claim' &&
      ticket.status === 'claimed' &&
      ticket.assignee
    )
      return new DeskError(
        'CLAIMED',
        { ticket, action, who: people.nameOf(ticket.assignee) ?? ticket.assignee.replace(/^\w+:/, '') },
        { cause: error },
      );
    return fromTicketError(error, ticket, action);
  }

  async function myTickets(req: DeskRequest): Promise<DeskResult> {
    const tickets = await deps.tickets.list({ requester: req.user });
    return { kind: 'tickets', view: ticketListView(content(), langOf(req), tickets) };
  }

  /** `label` is the command as the person typed it on their platform (`/madoguchi reload`, `reload`). */
  async function admin(
    req: DeskRequest,
    command: (typeof ADMIN_COMMANDS)[number],
    label: string = command,
  ): Promise<DeskResult> {
    const lang = langOf(req);
    if (!deps.tickets.isAdmin(req.user)) {
      deps.logger.warn({ user: req.user, command }, 'admin command refused');
      throw new DeskError('ADMIN_ONLY', { command: label });
    }
    const s = stringsFor(content(), lang);
    if (command === 'gaps') return { kind: 'gaps', view: await gaps.list(req, lang, label) };
    if (command === 'reload') {
      const o = await deps.reload();
      const view = o.ok
        ? noticeView(content(), lang, o.changed ? 'reloaded' : 'reloadUnchanged', { version: o.version })
        : { ...noticeView(content(), lang, 'reloadRejected', { version: o.keptVersion }), lines: o.problems };
      return { kind: 'notice', view };
    }
    const st = deps.status();
    const view: StatusView = {
      kind: 'status',
      lang: s.lang,
      title: s.t('statusTitle'),
      facts: [
        { label: s.t('statusContent'), value: st.contentVersion },
        { label: s.t('statusEntries'), value: `${st.knowledgeEntries} · ${st.intents}` },
        { label: s.t('statusOpenTickets'), value: String(st.tickets.open) },
        { label: s.t('statusPending'), value: String(st.tickets.pendingDeliveries) },
        { label: s.t('statusChannels'), value: st.channels.join(', ') },
      ],
      problems: [
        ...st.reasons.map((r) => `${s.t('statusProblems')}: ${r}`),
        ...(st.rejected ? st.rejected.problems.map((p) => `${s.t('statusRejected')}: ${p}`) : []),
      ],
    };
    return { kind: 'status', view };
  }

  /**
   * Any button, menu choice or card submit, parsed and validated: one entry point for every channel.
   * `fields` are the form inputs that came with it (handoff form, note, reassign choice).
   */
  async function press(
    req: DeskRequest,
    raw: unknown,
    fields: { company?: string; contact?: string; need?: string; note?: string; desk?: string } = {},
  ): Promise<DeskResult> {
    const p = parsePayload(Payload, raw);
    if (!p) throw new DeskError('BAD_PAYLOAD');
    // A form or a button may reach a replica that has not seen the conversation yet.
    if (p.k !== 'ask') await pull(keyOf(req));
    switch (p.k) {
      case 'ask':
        return ask(req, p.q);
      case 'rate':
        return rate(req, p);
      case 'talk':
        return offerHandoff(req, p.desk);
      case 'handoff':
        return submitHandoff(req, p, {
          company: fields.company ?? '',
          contact: fields.contact ?? '',
          need: fields.need ?? '',
        });
      case 'act':
        return act(
          req,
          p.a === 'reassign' && !p.desk && fields.desk ? { ...p, desk: fields.desk } : p,
          fields.note,
        );
    }
  }

  return {
    ask,
    rate,
    offerHandoff,
    submitHandoff,
    mayAct,
    act,
    comment,
    myTickets,
    admin,
    press,
    people,
    isAdmin: (user: string) => deps.tickets.isAdmin(user),
    /** Knowledge gaps: the admin panel's list and accept / draft / dismiss (refusals are `GapDeskError`s). */
    gaps,
    /** Whether `user` works `desk`'s tickets (its staff, or an admin). */
    canWork: (user: string, desk: string) => deps.tickets.canWork(user, desk),
    /** The content views are built from (the engine currently serving). */
    content,
    conversationKey: keyOf,
    langOf,
    /** The person-facing notice for an error, in the language of the request. */
    toUserMessage: (error: unknown, req?: DeskRequest) => {
      if (!(error instanceof DeskError) && !(error instanceof TicketStoreError))
        deps.logger.error({ err: error }, 'desk request failed');
      return toUserMessage(content(), error, req ? (staffLang(error, req) ?? langOf(req)) : undefined);
    },
  };
}

export type DeskService = ReturnType<typeof createDeskService>;
