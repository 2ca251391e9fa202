/**
 * What an admin does with a knowledge gap, over the turn store and the content directory: list the
 * gaps, accept one of a gap's questions as an alternate question of an entry, draft a new entry from a
 * gap, dismiss a gap. The CLI (`kb gaps|accept|draft|dismiss`) and the desk's admin views call these;
 * each decision is recorded in the store, so the gap stops showing wherever it is listed.
 */

import {
  type AcceptedQuestion,
  acceptQuestion,
  ContentEditError,
  type DraftedEntry,
  draftEntry,
  questionProblem,
} from '../content/edit.js';
import { detectLanguage } from '../core/language.js';
import { normalise } from '../core/normalize.js';
import { findGap, type GapDetail, groupGaps } from './gaps.js';
import type { Gap, GapDecision, TurnStore } from './types.js';

export type GapErrorCode = 'NOT_FOUND' | 'NO_REASON' | 'NO_QUESTION';

/** A gap action refused before anything changed. */
export class GapError extends Error {
  constructor(
    readonly code: GapErrorCode,
    message: string,
    readonly gap: string,
  ) {
    super(message);
    this.name = 'GapError';
  }
}

/** Longest reason a dismissal keeps. */
export const MAX_WHY = 500;

export interface GapActionDeps {
  store: TurnStore;
  /** The content directory whose knowledge/ an accept edits and whose drafts/ a draft goes to. */
  contentDir: string;
  now: () => Date;
}

/** The open gaps (decided ones with `includeDecided`), ranked by impact. */
export async function listGaps(
  store: TurnStore,
  opts: { now: Date; includeDecided?: boolean; limit?: number },
): Promise<Gap[]> {
  const [records, decisions] = await Promise.all([store.list({ needsReview: true }), store.decisions()]);
  return groupGaps(records, { decisions, ...opts });
}

/** The gap `id` with its questions, decided or not; NOT_FOUND when no kept record belongs to one. */
export async function gapById(store: TurnStore, id: string, now: Date): Promise<GapDetail> {
  const [records, decisions] = await Promise.all([store.list({ needsReview: true }), store.decisions()]);
  const gap = findGap(records, id, { decisions, now });
  if (!gap)
    throw new GapError(
      'NOT_FOUND',
      `There is no gap "${id}" (its questions may have passed the retention period).`,
      id,
    );
  return gap;
}

/**
 * The question an accept adds: `question` as given (its language `lang`, else the one it is written
 * in), else the gap's most asked question in `lang` (or at all) that can be an alternate question.
 */
export function questionToAccept(
  gap: GapDetail,
  opts: { question?: string | undefined; lang?: string | undefined },
): { question: string; lang: string } {
  if (opts.question?.trim())
    return { question: opts.question, lang: opts.lang ?? detectLanguage(normalise(opts.question)) };
  const q = gap.questions.find(
    (c) => (!opts.lang || c.lang === opts.lang) && !questionProblem(c.text, opts.lang ?? c.lang),
  );
  if (!q)
    throw new GapError(
      'NO_QUESTION',
      `Gap "${gap.id}" has no question${opts.lang ? ` in ${opts.lang}` : ''} that can be an alternate question as it was asked; give one with --question.`,
      gap.id,
    );
  return { question: q.text, lang: opts.lang ?? q.lang };
}

export async function acceptGap(
  deps: GapActionDeps,
  opts: { gap: string; entry: string; question?: string; lang?: string; by: string },
): Promise<{ accepted: AcceptedQuestion; decision: GapDecision }> {
  const gap = await gapById(deps.store, opts.gap, deps.now());
  const { question, lang } = questionToAccept(gap, opts);
  const accepted = await acceptQuestion({ contentDir: deps.contentDir, entryId: opts.entry, lang, question });
  const decision = await decide(deps, gap.id, 'accepted', opts.by, { entry: accepted.entry });
  return { accepted, decision };
}

export async function draftGap(
  deps: GapActionDeps,
  opts: { gap: string; programme?: string; desk?: string; by: string },
): Promise<{ drafted: DraftedEntry; decision: GapDecision }> {
  const gap = await gapById(deps.store, opts.gap, deps.now());
  const drafted = await draftEntry({
    contentDir: deps.contentDir,
    gap,
    ...(opts.programme ? { programme: opts.programme } : {}),
    ...(opts.desk ? { desk: opts.desk } : {}),
    today: deps.now().toISOString().slice(0, 10),
  });
  const decision = await decide(deps, gap.id, 'drafted', opts.by, { entry: drafted.file });
  return { drafted, decision };
}

export async function dismissGap(
  deps: Pick<GapActionDeps, 'store' | 'now'>,
  opts: { gap: string; why: string; by: string },
): Promise<GapDecision> {
  const why = opts.why.replace(/\s+/g, ' ').trim();
  if (!why) throw new GapError('NO_REASON', 'Say why the gap is dismissed (--why TEXT).', opts.gap);
  const gap = await gapById(deps.store, opts.gap, deps.now());
  return decide(deps, gap.id, 'dismissed', opts.by, { why: why.slice(0, MAX_WHY) });
}

/** Records what `by` decided about the gap, now: it stops showing as open wherever gaps are listed. */
async function decide(
  deps: Pick<GapActionDeps, 'store' | 'now'>,
  gap: string,
  decision: GapDecision['decision'],
  by: string,
  detail: Pick<GapDecision, 'entry' | 'why'>,
): Promise<GapDecision> {
  const d: GapDecision = { gap, decision, at: deps.now().toISOString(), by, ...detail };
  await deps.store.decide(d);
  return d;
}

/** Whether `error` is a refusal of a gap action (a person-facing message, not a failure). */
export const isGapRefusal = (error: unknown): error is GapError | ContentEditError =>
  error instanceof GapError || error instanceof ContentEditError;
