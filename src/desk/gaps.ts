import type { Logger } from 'pino';
import {
  acceptGap,
  dismissGap,
  draftGap,
  GapError,
  type GapErrorCode,
  listGaps,
} from '../analytics/gap-actions.js';
import { gapDetails } from '../analytics/gaps.js';
import type { TurnStore } from '../analytics/types.js';
import { type ContentEditCode, ContentEditError, contentLangs } from '../content/edit.js';
import type { Content } from '../content/types.js';
import { inLang } from '../content/types.js';
import type { Clock, Lang } from '../core/types.js';
import { stringsFor } from '../present/strings.js';
import { type GapListView, gapListView, type NoticeView } from '../present/views.js';
import { DeskError } from './errors.js';
import type { DeskRequest, ReloadOutcome } from './types.js';

/** What the desk needs to show and act on knowledge gaps (absent: the `gaps` command says there are none). */
export interface GapAdminDeps {
  store: TurnStore;
  /** The content directory accepted questions and drafts are written to. */
  contentDir: string;
  /** An admin's id as a decision records it (pseudonymised, like every id in the turn store). */
  pseudonymise: (user: string) => string;
}

/** A refused gap action: the HTTP status a channel answers with, and the notice in the admin's language. */
export class GapDeskError extends Error {
  constructor(
    readonly status: number,
    readonly notice: NoticeView,
    options?: { cause?: unknown },
  ) {
    super(notice.text, options);
    this.name = 'GapDeskError';
  }
}

const REFUSAL: Record<GapErrorCode | ContentEditCode, { status: number; key: string }> = {
  NOT_FOUND: { status: 404, key: 'gapErrNotFound' },
  NO_REASON: { status: 400, key: 'gapErrReason' },
  NO_QUESTION: { status: 400, key: 'gapErrQuestion' },
  UNKNOWN_ENTRY: { status: 404, key: 'gapErrEntry' },
  UNKNOWN_LANG: { status: 400, key: 'gapErrLang' },
  EMPTY: { status: 400, key: 'gapErrQuestion' },
  TOO_LONG: { status: 400, key: 'gapErrQuestion' },
  MARKUP: { status: 400, key: 'gapErrQuestion' },
  MENTION: { status: 400, key: 'gapErrQuestion' },
  WRONG_SCRIPT: { status: 400, key: 'gapErrQuestion' },
  ALREADY_THERE: { status: 409, key: 'gapErrUsed' },
  USED_BY_OTHER: { status: 409, key: 'gapErrUsed' },
  CHECK_FAILED: { status: 409, key: 'gapErrCheck' },
  CONTENT_INVALID: { status: 503, key: 'gapErrContent' },
  LAYOUT: { status: 409, key: 'gapErrFile' },
  CHANGED: { status: 409, key: 'errTryAgain' },
  UNKNOWN_PROGRAMME: { status: 400, key: 'gapErrProgramme' },
  UNKNOWN_DESK: { status: 400, key: 'gapErrProgramme' },
};

/** One gap as the admin panel works on it: its questions (to pick the one to accept) and closest entry. */
export interface GapPanelItem {
  id: string;
  closest: string | null;
  questions: Array<{ text: string; lang: string; count: number }>;
}

/**
 * The desk's side of knowledge gaps: the `gaps` admin command's list, and for the local page's admin
 * panel the gaps with their questions, and accept / draft / dismiss. Only admins; every refusal is a
 * `GapDeskError` worded in the admin's language, and changes nothing.
 */
export function createGapDesk(deps: {
  gaps?: GapAdminDeps;
  content: () => Content;
  isAdmin: (user: string) => boolean;
  reload: () => Promise<ReloadOutcome>;
  clock: Clock;
  logger: Logger;
}) {
  const now = () => deps.clock.now();
  const only = (req: DeskRequest, command: string) => {
    if (deps.isAdmin(req.user)) return;
    deps.logger.warn({ user: req.user, command }, 'admin command refused');
    throw new DeskError('ADMIN_ONLY', { command });
  };
  const notice = (lang: Lang | undefined, key: string, values: Record<string, string | number> = {}) => {
    const s = stringsFor(deps.content(), lang);
    return { kind: 'notice' as const, lang: s.lang, text: s.t(key, values), private: true };
  };
  const refused = (error: unknown, lang: Lang | undefined, gap: string): never => {
    if (!(error instanceof GapError) && !(error instanceof ContentEditError)) throw error;
    const { status, key } = REFUSAL[error.code];
    deps.logger.info({ code: error.code, gap }, 'gap action refused');
    const entry = error instanceof ContentEditError ? (error.details.entry ?? '') : '';
    const problems = error instanceof ContentEditError ? (error.details.problems ?? []) : [];
    throw new GapDeskError(
      status,
      {
        ...notice(lang, key, { gap, entry }),
        ...(problems.length > 0 ? { lines: problems.slice(0, 20) } : {}),
      },
      { cause: error },
    );
  };
  const store = () => deps.gaps?.store;
  const actionDeps = () => {
    const g = deps.gaps;
    if (!g) throw new GapDeskError(503, notice(undefined, 'errTryAgain'));
    return { store: g.store, contentDir: g.contentDir, now };
  };

  return {
    /** The `gaps` command: the open gaps, most impact first. */
    async list(req: DeskRequest, lang: Lang | undefined, label = 'gaps'): Promise<GapListView> {
      only(req, label);
      const s = store();
      const gaps = s ? await listGaps(s, { now: now(), limit: 10 }) : [];
      return gapListView(deps.content(), lang, gaps);
    },

    /** The page's admin panel: the list, each gap's questions, the entries a question can be added to. */
    async panel(req: DeskRequest, lang: Lang | undefined) {
      only(req, 'gaps');
      const s = store();
      const [records, decisions] = s
        ? await Promise.all([s.list({ needsReview: true }), s.decisions()])
        : [[], []];
      const gaps = gapDetails(records, { decisions, now: now() })
        .filter((g) => !g.decision)
        .slice(0, 20);
      const content = deps.content();
      const items: GapPanelItem[] = gaps.map((g) => ({
        id: g.id,
        closest: g.closest?.entry ?? null,
        questions: g.questions.slice(0, 10).map((q) => ({ text: q.text, lang: q.lang, count: q.count })),
      }));
      const ui = stringsFor(content, lang).lang;
      return {
        view: gapListView(content, lang, gaps, 20),
        gaps: items,
        entries: content.knowledge.map((e) => ({ id: e.id, title: inLang(e.title, ui) })),
        langs: contentLangs(content),
        labels: Object.fromEntries(
          ['gapsAccept', 'gapsAcceptAs', 'gapsQuestion', 'gapsDraft', 'gapsDismiss', 'gapsWhy'].map((k) => [
            k,
            stringsFor(content, lang).t(k),
          ]),
        ),
      };
    },

    /** Adds one of the gap's questions (or `question`) to `entry`, then reloads so the desk answers it at once. */
    async accept(
      req: DeskRequest,
      lang: Lang | undefined,
      p: { gap: string; entry: string; question?: string; lang?: string },
    ): Promise<NoticeView> {
      only(req, 'gaps');
      const by = deps.gaps?.pseudonymise(req.user) ?? '';
      const done = await acceptGap(actionDeps(), { ...p, by }).catch((e: unknown) => refused(e, lang, p.gap));
      const reloaded = await deps.reload();
      if (!reloaded.ok) deps.logger.warn({ gap: p.gap }, 'question accepted but the reload was refused');
      return notice(lang, 'gapsAccepted', { entry: done.accepted.entry });
    },

    async draft(req: DeskRequest, lang: Lang | undefined, p: { gap: string }): Promise<NoticeView> {
      only(req, 'gaps');
      const by = deps.gaps?.pseudonymise(req.user) ?? '';
      const done = await draftGap(actionDeps(), { gap: p.gap, by }).catch((e: unknown) =>
        refused(e, lang, p.gap),
      );
      return notice(lang, 'gapsDrafted', { file: done.drafted.file });
    },

    async dismiss(
      req: DeskRequest,
      lang: Lang | undefined,
      p: { gap: string; why: string },
    ): Promise<NoticeView> {
      only(req, 'gaps');
      const by = deps.gaps?.pseudonymise(req.user) ?? '';
      const d = await dismissGap(actionDeps(), { ...p, by }).catch((e: unknown) => refused(e, lang, p.gap));
      return notice(lang, 'gapsDismissed', { gap: d.gap });
    },
  };
}

export type GapDesk = ReturnType<typeof createGapDesk>;
