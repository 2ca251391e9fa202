/**
 * Platform-neutral types shared by the engine, the ticket lifecycle and every adapter.
 * The core knows nothing of Slack or Teams: adapters map their events to an `Inquiry`
 * and render the engine's `Reply`.
 */

/** A programme id: the name of its folder under `knowledge/` (e.g. `jetro-chongqing`). Programmes are content. */
export type SchemeId = string;

/** A desk id from `knowledge/desks.yml`. Desks are content. */
export type DeskId = string;

export const ACTIONS = ['answer', 'handoff', 'clarify', 'fallback', 'smalltalk'] as const;
export type Action = (typeof ACTIONS)[number];

/**
 * A language code (`en`, `ja`, `es`, `zh`, …). Languages are content: any entry may carry any language;
 * `en` and `ja` are required, and replies fall back to English where a language is missing.
 */
export type ContentLang = string;

/** The languages every piece of content must have. */
export const REQUIRED_LANGS = ['en', 'ja'] as const;

/** Language detected in a question (`other` when nothing can be told). */
export type Lang = string;

/** The kinds of question an entry can declare it answers (`answers:` in its front matter). */
export const QUESTION_KINDS = ['what', 'who', 'when', 'where', 'why', 'how', 'how-much'] as const;
export type QuestionKind = (typeof QUESTION_KINDS)[number];

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
  /** The exact page of the announcement, or '' where it is not known (then `urlNote` says so). */
  url: string;
  /** ISO date, YYYY-MM-DD. */
  date: string;
  /** Why there is no link, e.g. "the exact page of this announcement is not known". */
  urlNote?: string;
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
  /** How the decision was reached (`chat --debug`, `ask --json`'s `why`). */
  why?: Explanation;
}

/** A candidate the engine weighed, with its score and what put it there. */
export interface Candidate {
  id: string;
  score: number;
  /** What decided: `alias "…"`, `example`, `entry <id>`, `conversation`, `rule <id>`, … */
  by: string;
}

/** What the engine read in a message and why it chose what it did. */
export interface Explanation {
  /** What the person wants to do: ask, request, chat, out-of-scope. */
  act: Candidate;
  acts: Candidate[];
  /** The kind of question (who, when, …), when one was recognised. */
  kind: QuestionKind | null;
  /** The part of the message read as the question or request. */
  focus: string;
  programmes: Candidate[];
  desks: Candidate[];
  entries: Array<{ id: string; score: number; coverage: number }>;
  /** The step of the decision that produced the reply. */
  decidedBy: string;
  /** The evidence the confidence was computed from. */
  evidence: Record<string, number>;
}

/** One turn of a conversation, kept for follow-ups and for the handoff packet's transcript. */
export interface Turn {
  at: string;
  user: UserRef;
  text: string;
  reply: Pick<Reply, 'action' | 'intent' | 'confidence' | 'scheme' | 'desk' | 'text' | 'entries'>;
}

/** Smalltalk replies, plus `empty` for a message with nothing to read. */
export type SmalltalkKindLike = 'greeting' | 'thanks' | 'bye' | 'help' | 'bot' | 'empty';

/** Injected clock: tests and benchmarks control time. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
