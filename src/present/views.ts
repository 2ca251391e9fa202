import { type Digest, wallClock } from '../analytics/digest.js';
import type { Gap } from '../analytics/types.js';
import { overdueDays } from '../content/stale.js';
import type { Content, Desk } from '../content/types.js';
import { inLang } from '../content/types.js';
import { formatDate } from '../core/compose.js';
import type { Action, ContentLang, DeskId, Lang, Reply, UserRef } from '../core/types.js';
import type { Bulletin } from '../tickets/bulletins.js';
import type { Ticket, TicketEvent, TicketStatus } from '../tickets/types.js';
import type { ActPayload, HandoffPayload, Payload } from './payloads.js';
import { type Strings, stringsFor } from './strings.js';
import { excerpt, isUserText, oneLine, type UserText, userText } from './text.js';

/**
 * View models: what each kind of message says, in the reader's language, with no platform markup.
 * Slack maps them to Block Kit, Teams to Adaptive Cards, the local page to HTML; none of them writes a
 * label. Text a person typed is `UserText`; a person is a `PersonPart` (a mention where the platform
 * has one); a time is a `TimePart` (shown in the reader's time zone).
 */
export interface PersonPart {
  person: UserRef;
  name?: string;
}
export interface TimePart {
  /** ISO instant. */
  time: string;
  /** How to write it where the platform cannot localise it (UTC, in the view's language). */
  fallback: string;
}
export type Part = string | UserText | PersonPart | TimePart;

export interface ButtonView {
  label: string;
  payload: Payload;
  style?: 'primary' | 'danger';
}

export interface SourceView {
  title: string;
  publisher: string;
  date: string;
  url?: string;
  /** Why there is no link. */
  note?: string;
}

export interface ReplyView {
  kind: 'reply';
  action: Action;
  lang: ContentLang;
  /** The bot's text, paragraphs separated by blank lines. */
  text: string;
  /** A one-line preview for notifications. */
  summary: string;
  sourceLabel: string;
  sources: SourceView[];
  asOf?: string;
  /** Follow-ups or choices, shown as a vertical list. */
  choicesLabel?: string;
  choices: ButtonView[];
  /** Helpful / Not helpful, on answers. */
  feedback: ButtonView[];
  talk?: ButtonView;
}

export interface FieldView {
  label: string;
  required: boolean;
  error?: string;
  initial?: string;
  multiline?: boolean;
  maxLength: number;
}

export interface HandoffFormView {
  kind: 'form';
  lang: ContentLang;
  title: string;
  intro: string;
  desk: DeskId;
  fields: { company: FieldView; contact: FieldView; need: FieldView };
  submit: { label: string; payload: HandoffPayload };
  cancel: string;
  /** Said when a required field is empty. */
  missing: string;
}

export interface FactView {
  label: string;
  value: Part;
}

export interface TicketCardView {
  kind: 'ticket';
  lang: ContentLang;
  id: string;
  status: TicketStatus;
  statusLine: Part[];
  facts: FactView[];
  requestLabel: string;
  request: UserText;
  /** Set when the request shown is an excerpt. */
  cutNote?: string;
  answered?: { label: string; text: string };
  /** The resolution note the company was given. */
  note?: { label: string; text: UserText };
  /** The card of a desk the ticket left: says where it went; no actions. */
  moved?: Part[];
  /** When the ticket took its current status (claimed, resolved, closed, reopened); unset while open. */
  since?: TimePart;
  actions: {
    claim?: ButtonView;
    resolve?: ButtonView;
    reopen?: ButtonView;
    changeStatus?: string;
    reassign?: { label: string; placeholder: string; options: Array<{ label: string; payload: ActPayload }> };
    noteLabel: string;
    submitLabel: string;
  };
  /** Notification preview. */
  summary: Part[];
}

export interface UpdateView {
  kind: 'update';
  lang: ContentLang;
  ticket: string;
  text: string;
  note?: { label: string; text: UserText };
  close?: ButtonView;
}

export interface NoticeView {
  kind: 'notice';
  lang: ContentLang;
  text: string;
  /** Shown only to the person it is for (a Slack ephemeral message, a Teams personal reply). */
  private: boolean;
  /** Longer lines (an admin's list of problems). */
  lines?: string[];
}

export interface StatusView {
  kind: 'status';
  lang: ContentLang;
  title: string;
  facts: Array<{ label: string; value: string }>;
  problems: string[];
}

export interface TicketListView {
  kind: 'tickets';
  lang: ContentLang;
  title: string;
  empty?: string;
  items: Array<{ id: string; status: string; desk: string; created: TimePart; close?: ButtonView }>;
}

/** Knowledge gaps for an admin: each group's id, how often and how it was asked, and the closest entry. */
export interface GapListView {
  kind: 'gaps';
  lang: ContentLang;
  title: string;
  intro: string;
  empty?: string;
  items: Array<{
    id: string;
    /** "questions: 5 · en, ja · last asked February 20, 2026" */
    line: string;
    /** Why its questions were kept, with counts ("no answer 3 · Not helpful 1"). */
    reasons: string;
    closest?: string;
    /** The questions as people typed them, most recent first. */
    examples: UserText[];
  }>;
  /** How to act on a gap where the channel has no buttons for it (the CLI commands). */
  how: string;
}

export type View =
  | ReplyView
  | HandoffFormView
  | TicketCardView
  | UpdateView
  | NoticeView
  | StatusView
  | TicketListView
  | DigestView
  | GapListView;

/** How long a request may be on a card before it is cut (each platform's limits are well above it). */
export const CARD_REQUEST_CHARS = 1_500;
const MAX_CHOICES = 5;

/** The parts of the content views read. */
export type ViewContent = Pick<Content, 'messages' | 'desks' | 'programmes'>;
type Ctx = ViewContent;

const deskOf = (content: Ctx, id: DeskId): Desk | undefined => content.desks.desks.find((d) => d.id === id);
const deskName = (content: Ctx, id: DeskId, lang: ContentLang) => {
  const desk = deskOf(content, id);
  return desk ? inLang(desk.name, lang) : id;
};

export function timePart(iso: string, lang: ContentLang): TimePart {
  return { time: iso, fallback: `${formatDate(iso.slice(0, 10), lang)} ${iso.slice(11, 16)} UTC` };
}

/**
 * The reply to a company's message. `turn` identifies it for feedback. With `now`, an answer from an entry
 * past its programme's review period ends with a line saying so and naming who can confirm it today.
 */
export function replyView(content: Ctx, reply: Reply, turn: string, now?: Date): ReplyView {
  const s = stringsFor(content, reply.replyLang);
  const lang = s.lang;
  const stale = now && reply.action === 'answer' ? staleLine(content, reply, s, now) : undefined;
  const choices = reply.suggestions
    .slice(0, MAX_CHOICES)
    .map((c): ButtonView => ({ label: c.label, payload: { k: 'ask', q: c.query.slice(0, 500) } }));
  // A list the choices repeat is not written out twice.
  const text =
    choices.length > 0 && (reply.action === 'fallback' || reply.action === 'smalltalk')
      ? reply.text
          .split('\n')
          .filter((l) => !l.startsWith('• '))
          .join('\n')
          .replace(/\n{3,}/g, '\n\n')
      : reply.text;
  const feedback: ButtonView[] =
    reply.action === 'answer'
      ? (['helpful', 'not_helpful'] as const).map((r) => ({
          label: s.t(r === 'helpful' ? 'helpful' : 'notHelpful'),
          payload: {
            k: 'rate',
            r,
            turn,
            intent: reply.intent,
            entries: reply.entries.slice(0, 3),
            c: Math.round(reply.confidence * 1000) / 1000,
            scheme: reply.scheme,
          },
        }))
      : [];
  const deskId = reply.action === 'handoff' ? reply.desk : reply.offerDesk;
  const desk = deskId ? deskOf(content, deskId) : undefined;
  return {
    kind: 'reply',
    action: reply.action,
    lang,
    text: stale ? `${text}\n\n${stale}` : text,
    summary: oneLine(text, 200),
    sourceLabel: s.t('source'),
    sources: reply.sources.map((src) => ({
      title: src.title,
      publisher: src.publisher,
      date: formatDate(src.date, lang),
      ...(src.url ? { url: src.url } : src.urlNote ? { note: s.t('sourceNoLink') } : {}),
    })),
    // The stale line already gives the date.
    ...(reply.asOf && !stale ? { asOf: s.t('asOf', { date: formatDate(reply.asOf, lang) }) } : {}),
    ...(choices.length > 0 && reply.action === 'answer' ? { choicesLabel: s.t('related') } : {}),
    choices,
    feedback,
    ...(desk
      ? {
          talk: {
            label: s.t(reply.action === 'handoff' ? 'requestTo' : 'talkTo', {
              desk: inLang(desk.name, lang),
            }),
            payload: { k: 'talk', desk: desk.id },
            ...(reply.action === 'handoff' ? { style: 'primary' as const } : {}),
          },
        }
      : {}),
  };
}

/** "This is as of <date>; <desk> can confirm…" when the answer's entry is past review, naming the programme's first desk. */
function staleLine(content: Ctx, reply: Reply, s: Strings, now: Date): string | undefined {
  const programme = content.programmes.find((p) => p.id === reply.scheme);
  const desk = programme?.desks[0];
  if (!reply.asOf || !programme || !desk || overdueDays(reply.asOf, programme.reviewDays, now) === 0)
    return undefined;
  return s.t('staleAnswer', { date: formatDate(reply.asOf, s.lang), desk: deskName(content, desk, s.lang) });
}

/** The form a company fills to send its request to a desk, pre-filled with its question. */
export function handoffFormView(
  content: Ctx,
  desk: Desk,
  lang: Lang,
  opts: { question: string; key: string },
): HandoffFormView {
  const s = stringsFor(content, lang);
  const required = (label: string): FieldView => ({
    label,
    required: true,
    error: s.t('formRequired'),
    maxLength: 200,
  });
  return {
    kind: 'form',
    lang: s.lang,
    title: s.t('formTitle', { desk: inLang(desk.name, s.lang) }),
    intro: inLang(desk.takes, s.lang),
    desk: desk.id,
    fields: {
      company: required(s.t('formCompany')),
      contact: required(s.t('formContact')),
      need: {
        label: s.t('formNeed'),
        required: false,
        multiline: true,
        maxLength: 3_000,
        ...(opts.question ? { initial: opts.question.slice(0, 3_000) } : {}),
      },
    },
    submit: { label: s.t('formSend'), payload: { k: 'handoff', desk: desk.id, lang: s.lang, key: opts.key } },
    cancel: s.t('formCancel'),
    missing: s.t('formMissing'),
  };
}

const STATUS_KEY: Record<TicketStatus, string> = {
  open: 'statusOpen',
  claimed: 'statusClaimed',
  resolved: 'statusResolved',
  closed: 'statusClosed',
  reopened: 'statusReopened',
};

/** The status as one word (lists, refusals). */
export const STATE_KEY: Record<TicketStatus, string> = {
  open: 'stateOpen',
  claimed: 'stateClaimed',
  resolved: 'stateResolved',
  closed: 'stateClosed',
  reopened: 'stateReopened',
};

/** Who did the last event of `type`. */
const lastBy = (ticket: Ticket, type: TicketEvent['type']) =>
  [...ticket.events].reverse().find((e) => e.type === type);

/** A status label with its person spliced in where the string has `{who}`. */
function statusParts(template: string, who: PersonPart | undefined): Part[] {
  const [before, after] = template.split('{who}');
  if (after === undefined || !who) return [template.replace('{who}', '').trim()];
  return [before ?? '', who, after].filter((p) => p !== '');
}

/**
 * The card a desk's staff work from, in the desk's language: who asks (name, company), what, which
 * desk, due when, the status and who holds it. `forDesk` is the desk whose channel shows the card:
 * when the ticket has moved on, that card says where it went and offers nothing to click.
 */
export function ticketCardView(
  content: Ctx,
  ticket: Ticket,
  opts: { forDesk?: DeskId; nameOf?: (user: UserRef) => string | undefined } = {},
): TicketCardView {
  const viewing = deskOf(content, opts.forDesk ?? ticket.desk) ?? deskOf(content, ticket.desk);
  const s = stringsFor(content, viewing?.lang ?? 'en');
  const lang = s.lang;
  const person = (user: UserRef | undefined | null): PersonPart | undefined => {
    if (!user) return undefined;
    const name =
      opts.nameOf?.(user) ?? (user === ticket.requester.userId ? ticket.requester.displayName : undefined);
    return { person: user, ...(name ? { name } : {}) };
  };
  const p = ticket.packet;
  const holder =
    ticket.status === 'claimed'
      ? person(ticket.assignee)
      : ticket.status === 'resolved'
        ? person(lastBy(ticket, 'resolved')?.actor)
        : undefined;
  const statusLine = statusParts(s.t(STATUS_KEY[ticket.status]), holder);
  const request = excerpt(p.text, CARD_REQUEST_CHARS);
  const none = s.t('cardNone');
  const requesterName = ticket.requester.displayName ?? p.details.company;
  const facts: FactView[] = [
    {
      label: s.t('cardRequester'),
      value: { person: ticket.requester.userId, ...(requesterName ? { name: requesterName } : {}) },
    },
    { label: s.t('cardCompany'), value: p.details.company ? userText(p.details.company) : none },
    { label: s.t('cardContact'), value: p.details.contact ? userText(p.details.contact) : none },
    { label: s.t('cardDesk'), value: deskName(content, ticket.desk, lang) },
    {
      label: s.t('cardProgramme'),
      value: p.scheme ? programmeName(content, p.scheme, lang) : none,
    },
    { label: s.t('cardLanguage'), value: p.lang },
    { label: s.t('cardCreated'), value: timePart(ticket.createdAt, lang) },
    { label: s.t('cardDue'), value: timePart(ticket.dueAt, lang) },
  ];
  const resolved = ticket.status === 'resolved' ? lastBy(ticket, 'resolved') : undefined;
  const since = ticket.status === 'open' ? undefined : lastBy(ticket, ticket.status);
  const moved = opts.forDesk && opts.forDesk !== ticket.desk;
  const reassignedBy = moved ? person(lastBy(ticket, 'reassigned')?.actor) : undefined;
  const open = ['open', 'claimed', 'reopened'].includes(ticket.status);
  const act = (a: ActPayload['a'], label: string, style?: 'primary' | 'danger'): ButtonView => ({
    label,
    payload: { k: 'act', a, ticket: ticket.id },
    ...(style ? { style } : {}),
  });
  return {
    kind: 'ticket',
    lang,
    id: ticket.id,
    status: ticket.status,
    statusLine,
    facts,
    requestLabel: s.t('cardRequest'),
    request: userText(request.text),
    ...(request.cut ? { cutNote: s.t('cardCut', { chars: p.text.length }) } : {}),
    ...(p.botAnswer
      ? { answered: { label: s.t('cardBotAnswered'), text: excerpt(p.botAnswer.text, 600).text } }
      : {}),
    ...(resolved?.note ? { note: { label: s.t('cardResolvedNote'), text: userText(resolved.note) } } : {}),
    ...(since ? { since: timePart(since.at, lang) } : {}),
    ...(moved
      ? {
          moved: statusParts(
            s.t('cardMoved', { desk: deskName(content, ticket.desk, lang) }),
            reassignedBy ?? { person: 'system', name: s.t('someone') },
          ),
        }
      : {}),
    actions: moved
      ? { noteLabel: s.t('actNote'), submitLabel: s.t('actSubmit') }
      : {
          ...(open && ticket.status !== 'claimed' ? { claim: act('claim', s.t('actClaim'), 'primary') } : {}),
          ...(open ? { resolve: act('resolve', s.t('actResolve')) } : {}),
          ...(!open ? { reopen: act('reopen', s.t('actReopen')) } : {}),
          ...(open ? { changeStatus: s.t('actChangeStatus') } : {}),
          ...(open
            ? {
                reassign: {
                  label: s.t('actReassign'),
                  placeholder: s.t('actReassignTo'),
                  options: content.desks.desks
                    .filter((d) => d.id !== ticket.desk)
                    .map((d) => ({
                      label: inLang(d.name, lang),
                      payload: { k: 'act' as const, a: 'reassign' as const, ticket: ticket.id, desk: d.id },
                    })),
                },
              }
            : {}),
          noteLabel: s.t('actNote'),
          submitLabel: s.t('actSubmit'),
        },
    summary: [
      `${ticket.id} · `,
      ...statusLine,
      ' · ',
      userText(excerpt(p.text.replace(/\s+/g, ' '), 140).text),
    ],
  };
}

function programmeName(content: Ctx, scheme: string, lang: ContentLang): string {
  const programme = content.programmes.find((p) => p.id === scheme);
  return programme ? inLang(programme.name, lang) : scheme;
}

const UPDATE_KEY: Partial<Record<TicketEvent['type'], string>> = {
  created: 'ticketCreated',
  claimed: 'ticketClaimed',
  reassigned: 'ticketReassigned',
  resolved: 'ticketResolved',
  reopened: 'ticketReopened',
  closed: 'ticketClosed',
  commented: 'ticketCommented',
};

/**
 * What the company is told about an event of its request, in the language it asked in. Never the
 * private details or staff identities: it may be posted in a shared channel.
 */
export function updateView(content: Ctx, ticket: Ticket, event: TicketEvent): UpdateView | undefined {
  const key = UPDATE_KEY[event.type];
  if (!key) return undefined;
  const s = stringsFor(content, ticket.packet.lang);
  const values = {
    ticket: ticket.id,
    desk: deskName(content, ticket.desk, s.lang),
    hours: ticket.responseTargetHours,
  };
  const closable = ['open', 'claimed', 'reopened', 'resolved'].includes(ticket.status);
  return {
    kind: 'update',
    lang: s.lang,
    ticket: ticket.id,
    text: s.t(key, values),
    ...(event.note ? { note: { label: s.t('fromDesk'), text: userText(event.note) } } : {}),
    ...(closable && event.type !== 'commented'
      ? { close: { label: s.t('closeTicket'), payload: { k: 'act', a: 'close', ticket: ticket.id } } }
      : {}),
  };
}

/** The desk-channel line for a reminder or a reopening (posted in the card's thread). */
export function deskEventLine(content: Ctx, ticket: Ticket, event: TicketEvent): string | undefined {
  const s = stringsFor(content, deskOf(content, ticket.desk)?.lang ?? 'en');
  if (event.type === 'reminded')
    return s.t('cardReminder', { ticket: ticket.id, hours: ticket.responseTargetHours });
  if (event.type === 'reopened') return s.t('cardReopenedLine', { ticket: ticket.id });
  return undefined;
}

export function noticeView(
  content: Ctx,
  lang: Lang | undefined,
  key: string,
  values: Record<string, string | number> = {},
  isPrivate = true,
): NoticeView {
  const s = stringsFor(content, lang);
  return { kind: 'notice', lang: s.lang, text: s.t(key, values), private: isPrivate };
}

export function ticketListView(content: Ctx, lang: Lang | undefined, tickets: Ticket[]): TicketListView {
  const s = stringsFor(content, lang);
  return {
    kind: 'tickets',
    lang: s.lang,
    title: s.t('myTicketsTitle'),
    ...(tickets.length === 0 ? { empty: s.t('myTicketsNone') } : {}),
    items: tickets.map((t) => ({
      id: t.id,
      status: s.t(STATE_KEY[t.status]),
      desk: deskName(content, t.desk, s.lang),
      created: timePart(t.createdAt, s.lang),
      ...(t.status !== 'closed'
        ? { close: { label: s.t('closeTicket'), payload: { k: 'act', a: 'close', ticket: t.id } } }
        : {}),
    })),
  };
}

/** The weekly digest in the admins' channel: the week's numbers and the gaps to look at. */
export interface DigestView {
  kind: 'digest';
  lang: ContentLang;
  title: string;
  /** The week it covers, in the schedule's time zone. */
  period: string;
  facts: Array<{ label: string; value: string }>;
  /** Tickets per desk (opened, median time to first claim, breaches); empty when none were opened. */
  desksLabel: string;
  desks: string[];
  gapsLabel: string;
  /** Each gap's line (id, count, languages, closest entry) and example questions, as people typed them. */
  gaps: Array<{ line: string; examples: UserText[] }>;
  /** Said instead of the gaps when there are none; else how to act on them. */
  gapsNote: string;
  /** Notification preview. */
  summary: string;
}

/** A gap's example question as it is shown: one line, cut. */
const DIGEST_EXAMPLE_CHARS = 200;

/** The digest in `lang` (the admins' channel's). Numbers only; a gap's examples are user text. */
export function digestView(content: Ctx, digest: Digest, lang: Lang): DigestView {
  const s = stringsFor(content, lang);
  const two = (n: number) => String(n).padStart(2, '0');
  const when = (iso: string) => {
    const w = wallClock(Date.parse(iso), digest.timeZone);
    return `${formatDate(`${w.y}-${two(w.m)}-${two(w.d)}`, s.lang)} ${two(w.h)}:${two(w.mi)}`;
  };
  const share = (count: number) =>
    s.t('digestShare', {
      count,
      percent: digest.inquiries > 0 ? Math.round((100 * count) / digest.inquiries) : 0,
    });
  const hours = (h: number | null) =>
    h === null ? s.t('digestNoClaim') : s.t('digestHours', { hours: Math.round(h * 10) / 10 });
  const a = digest.actions;
  return {
    kind: 'digest',
    lang: s.lang,
    title: s.t('digestTitle'),
    period: s.t('digestPeriod', { from: when(digest.from), to: when(digest.to), zone: digest.timeZone }),
    facts: [
      { label: s.t('digestInquiries'), value: String(digest.inquiries) },
      { label: s.t('digestAnswered'), value: share(a.answer) },
      { label: s.t('digestClarified'), value: share(a.clarify) },
      { label: s.t('digestFellBack'), value: share(a.fallback) },
      { label: s.t('digestHandedOff'), value: share(a.handoff) },
      {
        label: s.t('digestFeedback'),
        value: s.t('digestFeedbackValue', digest.feedback),
      },
      { label: s.t('digestTicketsOpened'), value: String(digest.tickets.opened) },
      { label: s.t('digestBreaches'), value: String(digest.tickets.breaches) },
    ],
    desksLabel: s.t('digestDesks'),
    desks: digest.desks.map((d) =>
      s.t('digestDeskLine', {
        desk: deskName(content, d.desk, s.lang),
        opened: d.opened,
        claim: hours(d.medianFirstClaimHours),
        breaches: d.breaches,
      }),
    ),
    gapsLabel: s.t('digestGaps'),
    gaps: digest.gaps.map((g) => ({
      line: [
        s.t('digestGapLine', { gap: g.id, count: g.count, langs: g.langs.join(', ') }),
        ...(g.closest ? [s.t('digestGapClosest', { entry: g.closest })] : []),
      ].join(' · '),
      examples: g.examples.map((e) => userText(oneLine(e, DIGEST_EXAMPLE_CHARS))),
    })),
    gapsNote: s.t(digest.gaps.length > 0 ? 'digestGapsHint' : 'digestNoGaps'),
    summary: s.t('digestSummary', {
      inquiries: digest.inquiries,
      answered: a.answer,
      tickets: digest.tickets.opened,
    }),
  };
}

/** The view of a bulletin, by its kind; undefined for a kind this version does not know. */
export function bulletinView(content: Ctx, bulletin: Bulletin): DigestView | undefined {
  if (bulletin.kind === 'digest') return digestView(content, bulletin.body as Digest, bulletin.to.lang);
  return undefined;
}

const GAP_REASON_KEY: Record<string, string> = {
  fallback: 'gapReasonFallback',
  clarify: 'gapReasonClarify',
  'low-confidence': 'gapReasonLowConfidence',
  'not-helpful': 'gapReasonNotHelpful',
  'handoff-after-answer': 'gapReasonHandoff',
};

/** The knowledge gaps an admin asked for (`gaps`), at most `max` of them. */
export function gapListView(content: Ctx, lang: Lang | undefined, gaps: Gap[], max = 10): GapListView {
  const s = stringsFor(content, lang);
  return {
    kind: 'gaps',
    lang: s.lang,
    title: s.t('gapsTitle'),
    intro: s.t('gapsIntro'),
    ...(gaps.length === 0 ? { empty: s.t('gapsNone') } : {}),
    items: gaps.slice(0, max).map((g) => ({
      id: g.id,
      line: s.t('gapsLine', {
        count: g.count,
        langs: g.langs.join(', '),
        date: formatDate(g.lastSeen.slice(0, 10), s.lang),
      }),
      reasons: Object.entries(g.reasons)
        .map(([why, n]) => `${s.t(GAP_REASON_KEY[why] ?? 'gapReasonFallback')} ${n}`)
        .join(' · '),
      ...(g.closest ? { closest: s.t('gapsClosest', { entry: g.closest.entry }) } : {}),
      examples: g.examples.map((e) => userText(oneLine(e, 200))),
    })),
    how: s.t('gapsHow', {
      commands: 'kb accept GAP --entry ID · kb draft GAP · kb dismiss GAP --why TEXT',
    }),
  };
}

/** Parts as plain text (logs, terminals): people by name, times in UTC. */
export function plainText(parts: Part[]): string {
  return parts
    .map((p) =>
      typeof p === 'string' ? p : isUserText(p) ? p.user : 'person' in p ? (p.name ?? p.person) : p.fallback,
    )
    .join('');
}

/** One renderer per kind of view: a channel fills this table, and `render` picks from it. */
export type Renderers<T, K extends View['kind'] = View['kind']> = {
  [P in K]: (view: Extract<View, { kind: P }>) => T;
};

/** Renders `view` with the channel's renderer for its kind. */
export function render<T, K extends View['kind']>(
  renderers: Renderers<T, K>,
  view: Extract<View, { kind: K }>,
): T {
  return (renderers[view.kind as K] as (v: Extract<View, { kind: K }>) => T)(view);
}
