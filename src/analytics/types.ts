/**
 * Turn records: what the desk did with every inquiry, kept so admins can see how the desk is doing
 * (the dashboard, the weekly digest, `/metrics`) and what it could not answer (knowledge gaps).
 *
 * Privacy by construction: user and conversation ids are pseudonymised (a keyed hash, `pseudonym`),
 * no contact details are ever written (the handoff form's contact field never reaches a record, and
 * kept texts are scrubbed of e-mail addresses, phone numbers and links), and a question's text is kept
 * only for a turn that needs review (`review` non-empty), for the retention period, then deleted.
 */
import type { Action, Lang, Platform } from '../core/types.js';
import type { Rating } from '../feedback/store.js';

/** Why a turn's text is kept for an admin to look at. */
export const REVIEW_REASONS = [
  'fallback',
  'clarify',
  'low-confidence',
  'not-helpful',
  'handoff-after-answer',
] as const;
export type ReviewReason = (typeof REVIEW_REASONS)[number];

/** One inquiry and what came of it. */
export interface TurnRecord {
  /** Pseudonymised turn key (the `turn` a reply's buttons carry): feedback and tickets find the record by it. */
  id: string;
  /** ISO timestamp of the inquiry. */
  at: string;
  platform: Platform;
  /** Language detected in the question. */
  lang: Lang;
  action: Action;
  intent: string | null;
  confidence: number;
  scheme: string | null;
  /** The entry answered from (first of the reply's entries), or null. */
  entry: string | null;
  /** The desk the reply handed off to or offered, or null. */
  desk: string | null;
  /** The entry the engine thought closest even when it did not answer from it (gap grouping), with its score. */
  closest: { entry: string; score: number } | null;
  /** Pseudonymised user id (never the platform id). */
  user: string;
  /** Pseudonymised conversation key. */
  conversation: string;
  /** Milliseconds the engine took for the turn. */
  ms: number;
  feedback?: Rating;
  /** Set when the turn led to a ticket: the desk it went to (never the ticket id or its contact details). */
  ticketDesk?: string;
  /** Why the text is kept; empty for a turn that needs no review. */
  review: ReviewReason[];
  /** The question, scrubbed of contact details; present only when `review` is non-empty. */
  text?: string;
}

/** What may change on a record after its turn: the rating it got, the ticket it led to, review and text. */
export type TurnPatch = Partial<Pick<TurnRecord, 'feedback' | 'ticketDesk' | 'review' | 'text'>>;

export interface TurnQuery {
  /** ISO timestamps, `from` inclusive, `to` exclusive. */
  from?: string;
  to?: string;
  /** Only records with a non-empty `review`. */
  needsReview?: boolean;
}

/** An admin's decision on a knowledge gap, so the group stops showing (or shows what was done). */
export interface GapDecision {
  gap: string;
  decision: 'accepted' | 'drafted' | 'dismissed';
  at: string;
  /** Pseudonymised admin id. */
  by: string;
  /** The entry the question was added to (accepted) or the file drafted (drafted). */
  entry?: string;
  /** Why it was dismissed. */
  why?: string;
}

/**
 * Where turn records and gap decisions live: a journal file in the data directory (one process) or
 * PostgreSQL (several replicas, the same figures whichever serves them). The contract suite in
 * `test/analytics/store-contract.ts` runs against both.
 */
export interface TurnStore {
  add(record: TurnRecord): Promise<void>;
  /** Applies `patch` to the record `id`; false when there is no such record (expired or never written). */
  update(id: string, patch: TurnPatch): Promise<boolean>;
  get(id: string): Promise<TurnRecord | undefined>;
  /** Records in `at` order, oldest first. */
  list(query?: TurnQuery): Promise<TurnRecord[]>;
  /** Deletes every record older than `before` (ISO); returns how many went. */
  prune(before: string): Promise<number>;
  decide(decision: GapDecision): Promise<void>;
  decisions(): Promise<GapDecision[]>;
  close(): Promise<void>;
}

/** A group of similar questions the bot could not answer, or answered badly. */
export interface Gap {
  /** Stable id of the group (it survives new questions joining it), e.g. `gap-3f9a1c`. */
  id: string;
  count: number;
  langs: Lang[];
  firstSeen: string;
  lastSeen: string;
  /** Up to five example texts, most recent first. */
  examples: string[];
  /** Why its turns were kept, with counts. */
  reasons: Partial<Record<ReviewReason, number>>;
  /** The entry the engine thinks is closest, when there is one. */
  closest: { entry: string; score: number } | null;
  /** Ranked by impact: count, weighted by Not helpful and recency. */
  score: number;
  decision?: GapDecision;
}
