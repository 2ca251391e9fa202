/**
 * Platform-neutral types shared by the engine, the ticket lifecycle and every adapter.
 * The core knows nothing of Slack or Teams: adapters map their events to an `Inquiry`
 * and render the engine's `Reply`.
 */

export const SCHEME_IDS = ['jbic-aguascalientes', 'meti-global-alliance', 'jetro-chongqing'] as const;
export type SchemeId = (typeof SCHEME_IDS)[number];

export const DESK_IDS = [
  'aguascalientes-japan-desk',
  'jbic',
  'jetro-global-alliance',
  'sme-support-japan',
  'shoko-chukin-bank',
  'sbic',
  'jetro-chongqing',
  'meti-trade-investment',
  'general',
] as const;
export type DeskId = (typeof DESK_IDS)[number];

export const ACTIONS = ['answer', 'handoff', 'clarify', 'fallback', 'smalltalk'] as const;
export type Action = (typeof ACTIONS)[number];

/** Languages the knowledge base is written in; replies are in one of these. */
export const CONTENT_LANGS = ['en', 'ja'] as const;
export type ContentLang = (typeof CONTENT_LANGS)[number];

/** Language detected in a question. Questions in other languages are answered in English. */
export type Lang = ContentLang | 'zh' | 'es' | 'other';

export const PLATFORMS = ['slack', 'teams', 'web', 'cli'] as const;
export type Platform = (typeof PLATFORMS)[number];

/** A user as `platform:id`, e.g. `slack:U0123`, `teams:29:1abc`, `web:alice`. */
export type UserRef = string;

/** One question from one user, as an adapter hands it to the engine. */
export interface Inquiry {
  text: string;
  platform: Platform;
  user: { id: UserRef; name?: string };
  /** Key of the conversation whose context follow-ups are read in (a Slack thread, a Teams conversation, a CLI session). */
  conversation: string;
}

/** A source an answer is taken from. */
export interface SourceRef {
  publisher: string;
  title: string;
  url: string;
  /** ISO date, YYYY-MM-DD. */
  date: string;
}

/** A button-like option: shown as `label`, sends `query` back as the next inquiry when chosen. */
export interface Choice {
  label: string;
  query: string;
}

/** What the engine decided for one inquiry. Plain text only: adapters escape and render it. */
export interface Reply {
  action: Action;
  /** Intent id that decided, or null when nothing matched. */
  intent: string | null;
  /** Calibrated confidence in [0, 1]. */
  confidence: number;
  scheme: SchemeId | null;
  /** Set for a handoff: the desk a ticket would go to. */
  desk: DeskId | null;
  /** Language detected in the question. */
  lang: Lang;
  /** Language the reply text is written in. */
  replyLang: ContentLang;
  /** The reply body, plain text with line breaks. Never contains the user's text verbatim. */
  text: string;
  sources: SourceRef[];
  /** "As of" date of the facts in the answer (YYYY-MM-DD), or null. */
  asOf: string | null;
  /** Follow-up questions to suggest (answer), or likely topics (clarify, fallback). */
  suggestions: Choice[];
  /** The desk a "Talk to <desk>" button would hand off to, when one fits. */
  offerDesk: DeskId | null;
  /** Knowledge entry ids used, best first (debug panels, the handoff packet). */
  entries: string[];
}

/** One turn of a conversation, kept for follow-ups and for the handoff packet's transcript. */
export interface Turn {
  at: string;
  user: UserRef;
  text: string;
  reply: Pick<Reply, 'action' | 'intent' | 'confidence' | 'scheme' | 'desk' | 'text' | 'entries'>;
}

/** Smalltalk replies, plus `empty` for a message with nothing to read. */
export type SmalltalkKindLike = 'greeting' | 'thanks' | 'bye' | 'help' | 'empty';

/** Injected clock: tests and benchmarks control time. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
