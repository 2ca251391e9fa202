import type { ContentLang, DeskId, SchemeId, SourceRef, UserRef } from '../core/types.js';

/** Text in each content language. */
export type Localized<T = string> = Record<ContentLang, T>;

/** One knowledge entry: `knowledge/<scheme>/<topic>.md`. */
export interface KnowledgeEntry {
  /** `<scheme>/<topic>`, the file path under `knowledge/` without `.md`. */
  id: string;
  scheme: SchemeId;
  topic: string;
  desk: DeskId;
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

/** Where a desk's staff are told about tickets. */
export interface DeskNotify {
  slackChannel?: string;
  teamsConversation?: string;
}

export interface Desk {
  id: DeskId;
  name: Localized;
  takes: Localized;
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
  /** Users who may run admin commands and act on any desk's tickets. */
  admins: UserRef[];
}

export type IntentAction = 'answer' | 'handoff' | 'smalltalk' | 'fallback';
export type SmalltalkKind = 'greeting' | 'thanks' | 'help' | 'bye';

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

/** Everything loaded from `intents/` and `knowledge/`, validated. */
export interface Content {
  intents: IntentRule[];
  knowledge: KnowledgeEntry[];
  desks: DeskDirectory;
  /** Hash of all files read: changes when any content changes. */
  version: string;
  loadedAt: string;
}
