import type { ContentLang, DeskId, QuestionKind, SchemeId, SourceRef, UserRef } from '../core/types.js';

/** Text per language: `en` and `ja` always, any other language code where the content has it. */
export type Localized<T = string> = { en: T; ja: T } & Partial<Record<ContentLang, T>>;

/** The text in `lang`, else in English. */
export function inLang<T>(text: Localized<T>, lang: ContentLang): T {
  return text[lang] ?? text.en;
}

/** One knowledge entry: `knowledge/<scheme>/<topic>.md`. */
export interface KnowledgeEntry {
  /** `<scheme>/<topic>`, the file path under `knowledge/` without `.md`. */
  id: string;
  scheme: SchemeId;
  topic: string;
  desk: DeskId;
  /** The kinds of question this entry answers directly. */
  answers: QuestionKind[];
  title: Localized;
  body: Localized;
  /** Alternate phrasings of the question this entry answers. */
  questions: Localized<string[]>;
  /** Synonyms and keywords. */
  tags: Localized<string[]>;
  source: SourceRef;
  /** YYYY-MM-DD */
  asOf: string;
  /** Entry ids suggested as follow-ups. */
  related: string[];
  /** Where the entry came from, for error messages. */
  file: string;
}

/** A programme: `knowledge/<id>/programme.yml` and the entries beside it. */
export interface Programme {
  id: SchemeId;
  name: Localized;
  /** Ways people name the programme (short names, places, partners), per language. */
  aliases: Localized<string[]>;
  source: { publisher: string; title: string; date: string; file: string; url?: string; url_note?: string };
  /** The announcement's text (the programme folder's source file), for the faithfulness check. */
  sourceText: string;
  /** Desks that take this programme's requests; the first is the default. */
  desks: DeskId[];
  /** Days after which an entry's `as_of` is due for review. */
  reviewDays: number;
  /** Other renderings of the source's dates, names and figures, keyed by the source's form. */
  renderings: Record<string, string[]>;
  file: string;
}

/** Where a desk's staff are told about tickets. */
export interface DeskNotify {
  slackChannel?: string;
  teamsConversation?: string;
}

export interface Desk {
  id: DeskId;
  name: Localized;
  /** The language the desk's staff read (their ticket cards). */
  lang: ContentLang;
  takes: Localized;
  /** Names of the organisation behind the desk: official, short, abbreviations, in every language. */
  aliases: Localized<string[]>;
  /** Descriptive ways people refer to it without naming it. */
  descriptions: Localized<string[]>;
  /** Example requests the desk takes (train the desk router). */
  examples: Localized<string[]>;
  schemes: SchemeId[];
  /** Hours within which a ticket should be claimed. */
  responseTargetHours: number;
  /** Hours between reminders for a ticket left unclaimed past its target. */
  reminderIntervalHours: number;
  notify: DeskNotify;
  staff: UserRef[];
}

export interface DeskDirectory {
  desks: Desk[];
  /** The desk that takes a request for a person that fits no other desk. */
  triage: DeskId;
  /** Users who may run admin commands and act on any desk's tickets. */
  admins: UserRef[];
  /** Where notices for admins (the weekly digest) are posted; unset: nowhere. */
  adminChannel?: AdminChannel;
  /** When the weekly digest is posted to `adminChannel`; unset: no digest. */
  digest?: DigestSchedule;
}

/**
 * The admins' channel: a Slack channel and/or a Teams channel. With neither (or where that platform is
 * not configured) its notices are written to the log.
 */
export interface AdminChannel {
  slackChannel?: string;
  teamsConversation?: string;
  /** The language its notices are written in. */
  lang: ContentLang;
}

export const WEEKDAYS = [
  'monday',
  'tuesday',
  'wednesday',
  'thursday',
  'friday',
  'saturday',
  'sunday',
] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** The time of the week the digest is posted, in `timeZone`'s local time. */
export interface DigestSchedule {
  weekday: Weekday;
  /** 0–23. */
  hour: number;
  /** An IANA time zone: `Asia/Tokyo`. */
  timeZone: string;
}

export type IntentAction = 'answer' | 'handoff' | 'smalltalk' | 'fallback';
export type SmalltalkKind = 'greeting' | 'thanks' | 'help' | 'bye' | 'bot';

/** One intent rule from `intents/*.yml`. */
export interface IntentRule {
  id: string;
  action: IntentAction;
  scheme?: SchemeId;
  /** For answers: the knowledge topic within `scheme` this intent asks about. */
  topic?: string;
  /** For handoffs: the desk a ticket goes to. */
  desk?: DeskId;
  smalltalk?: SmalltalkKind;
  /** Higher wins a tie between rules. */
  priority: number;
  keywords: Localized<string[]>;
  /** Regular expression sources, matched case-insensitively against the normalised text. */
  patterns: string[];
  /** Training utterances for the statistical classifier. */
  examples: Localized<string[]>;
  file: string;
}

/** What a person wants to do with a message, whatever it is about. */
export const ACTS = ['ask', 'request', 'chat', 'out-of-scope'] as const;
export type Act = (typeof ACTS)[number];

/** Examples per act and language (`intents/acts.yml`): the act classifier's training data. */
export type ActExamples = Record<Act, Localized<string[]>>;

/** Cues of a kind of question (`intents/question-kinds.yml`): regular expressions per language. */
export interface QuestionCues {
  kinds: Array<{ kind: QuestionKind; patterns: RegExp[] }>;
  /** Openings of an elliptical follow-up that reuses the previous question ("and the fund?"). */
  followUps: RegExp[];
  /** Words pointing back at the conversation's subject ("that fund", "そちら"). */
  backReferences: RegExp[];
  /** Asking to be told a fact ("could you tell me…"): with a question word, a question however polite. */
  tellMe: RegExp[];
  /** Asking to put a question to a person rather than to the bot ("can I ask someone at METI directly?"). */
  askSomeone: RegExp[];
  /**
   * Details a question can ask for that an entry answers only when its text states them (an application
   * deadline, fees, loan terms…): each with one expression that finds it in a question or an entry.
   */
  details: Array<{ detail: string; pattern: RegExp }>;
  /** Groups of words that mean the same in a question (every language's groups together). */
  synonyms: string[][];
  /** Words the knowledge search skips (every language's together). */
  fillers: string[];
}

/** The reply strings of one language (`messages/<lang>.yml`). */
export type Messages = Record<string, string>;

/** Everything loaded from `intents/`, `knowledge/` and `messages/`, validated. */
export interface Content {
  intents: IntentRule[];
  knowledge: KnowledgeEntry[];
  programmes: Programme[];
  desks: DeskDirectory;
  acts: ActExamples;
  questionCues: QuestionCues;
  /** Reply strings per language; `en` is complete, others fall back to it key by key. */
  messages: Record<ContentLang, Messages>;
  /** Fitted mapping from evidence to confidence (`models/calibration.json`), when present. */
  calibration: Calibration | null;
  /** Hash of all files read: changes when any content changes. */
  version: string;
  loadedAt: string;
}

/**
 * Logistic models per action: p = sigmoid(bias + Σ weight × evidence), the engine's decision. The
 * confidence reported is `map`(p) where a model has one: knots [p, confidence] of a non-decreasing
 * piecewise-linear function, fitted on held-out replies so that a reported confidence is a lower bound
 * of how often replies like it were right.
 */
export interface Calibration {
  fittedOn: string;
  models: Record<
    string,
    { bias: number; weights: Record<string, number>; map?: Array<[number, number]> | undefined }
  >;
}
