import { rng } from '../../bench/synthetic.js';
import type { TurnRecord } from '../../src/analytics/types.js';
import type { Content } from '../../src/content/types.js';
import type { Action } from '../../src/core/types.js';

/** Something admins must see as text, never as markup: it goes through every gap on the page. */
export const HOSTILE_QUESTION = 'Where is the <script>alert("x")</script> <b>desk</b> & its "hours"?';

/** Questions the knowledge cannot answer, per language, a few asked again and again (gaps). */
const UNANSWERED: Record<string, string[]> = {
  en: [
    'Can JBIC finance a solar plant in Aguascalientes?',
    'What are the office hours of the Japan desk?',
    'Is there a visa service for staff moving to Chongqing?',
    'How much does it cost to join the alliance?',
    HOSTILE_QUESTION,
  ],
  ja: [
    'アグアスカリエンテスの太陽光発電所にJBICは融資できますか？',
    '日本デスクの営業時間は何時ですか？',
    '重慶に赴任する社員のビザは支援してもらえますか？',
  ],
  es: [
    '¿Puede JBIC financiar una planta solar en Aguascalientes?',
    '¿Cuál es el horario de la oficina de Japón?',
  ],
  zh: ['JBIC可以为阿瓜斯卡连特斯的太阳能电站融资吗？', '派驻重庆的员工签证可以协助办理吗？'],
};

const LANGS = [
  ['en', 0.45],
  ['ja', 0.35],
  ['es', 0.1],
  ['zh', 0.1],
] as const;
const PLATFORMS = [
  ['slack', 0.5],
  ['teams', 0.35],
  ['web', 0.15],
] as const;
const ACTIONS: ReadonlyArray<readonly [Action, number]> = [
  ['answer', 0.6],
  ['clarify', 0.08],
  ['fallback', 0.12],
  ['handoff', 0.1],
  ['smalltalk', 0.1],
];

function weighted<T>(rand: () => number, table: ReadonlyArray<readonly [T, number]>): T {
  let x = rand();
  for (const [v, w] of table) {
    x -= w;
    if (x < 0) return v;
  }
  return (table[table.length - 1] as readonly [T, number])[0];
}

/**
 * `n` turn records spread over [from, to), oldest first, shaped like a desk's month: languages,
 * platforms and actions in realistic shares, answers from the real entries (a few far more often),
 * ratings on a quarter of the answers, fallbacks and clarifications kept for review with their
 * texts, handoffs that mostly led to a ticket.
 */
export function seedRecords(
  n: number,
  opts: { from: Date; to: Date; content: Pick<Content, 'knowledge' | 'desks'>; seed?: number },
): TurnRecord[] {
  const rand = rng(opts.seed ?? 13);
  const entries = opts.content.knowledge;
  const desks = opts.content.desks.desks.map((d) => d.id);
  const span = opts.to.getTime() - opts.from.getTime();
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)] as T;
  // Zipf-like: a few entries answer most questions.
  const entry = () => entries[Math.floor(entries.length * rand() ** 2.5)] as (typeof entries)[number];
  const out: TurnRecord[] = [];
  for (let i = 0; i < n; i++) {
    const at = new Date(opts.from.getTime() + Math.floor(rand() * span)).toISOString();
    const lang = weighted(rand, LANGS);
    const platform = weighted(rand, PLATFORMS);
    const action = weighted(rand, ACTIONS);
    const r: TurnRecord = {
      id: `t_${i.toString(36).padStart(6, '0')}`,
      at,
      platform,
      lang,
      action,
      intent: null,
      confidence: 0.5 + rand() * 0.5,
      scheme: null,
      entry: null,
      desk: null,
      closest: null,
      user: `u_${Math.floor(rand() * 400)
        .toString(16)
        .padStart(20, '0')}`,
      conversation: `c_${Math.floor(rand() * 900)
        .toString(16)
        .padStart(20, '0')}`,
      ms: 0.2 + rand() * 2,
      review: [],
    };
    if (action === 'answer') {
      const e = entry();
      r.entry = e.id;
      r.scheme = e.scheme;
      r.closest = { entry: e.id, score: 8 + rand() * 10 };
      const rating = rand();
      if (rating < 0.2) r.feedback = 'helpful';
      else if (rating < 0.27) {
        r.feedback = 'not_helpful';
        r.review = ['not-helpful'];
        r.text = pick(e.questions[lang] ?? e.questions.en);
      }
    } else if (action === 'fallback' || action === 'clarify') {
      const e = entry();
      r.review = [action];
      r.text = pick(UNANSWERED[lang] ?? UNANSWERED.en ?? []);
      r.closest = { entry: e.id, score: 1 + rand() * 3 };
      if (action === 'fallback' && rand() < 0.5) r.scheme = e.scheme;
    } else if (action === 'handoff') {
      r.desk = pick(desks);
      r.scheme = entry().scheme;
      if (rand() < 0.7) r.ticketDesk = r.desk;
    }
    out.push(r);
  }
  return out.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
}

/** The plan of one seeded ticket: when it was opened, and how many hours later it was claimed and resolved. */
export interface TicketPlan {
  desk: string;
  lang: string;
  platform: 'slack' | 'teams' | 'web';
  scheme: string | null;
  openedAt: Date;
  claimAfterHours?: number;
  resolveAfterHours?: number;
}

/** `n` tickets over [from, to) for the desks: most claimed within hours, some late, some never; most claimed ones resolved. */
export function planTickets(
  n: number,
  opts: {
    from: Date;
    to: Date;
    now: Date;
    desks: readonly string[];
    schemes: readonly string[];
    seed?: number;
  },
): TicketPlan[] {
  const rand = rng(opts.seed ?? 7);
  const span = opts.to.getTime() - opts.from.getTime();
  const plans: TicketPlan[] = [];
  for (let i = 0; i < n; i++) {
    const openedAt = new Date(opts.from.getTime() + Math.floor(rand() * span));
    const hoursLeft = (opts.now.getTime() - openedAt.getTime()) / 3_600_000;
    const plan: TicketPlan = {
      desk: opts.desks[Math.floor(rand() * rand() * opts.desks.length)] as string,
      lang: weighted(rand, LANGS),
      platform: weighted(rand, PLATFORMS),
      scheme: rand() < 0.8 ? (opts.schemes[Math.floor(rand() * opts.schemes.length)] as string) : null,
      openedAt,
    };
    if (rand() < 0.85) {
      // Minutes to a few days: most within a working day, a tail of late claims.
      const claim = Math.round((rand() < 0.8 ? rand() * 10 : 10 + rand() * 70) * 60) / 60;
      if (claim < hoursLeft) {
        plan.claimAfterHours = claim;
        const resolve = Math.round((claim + 0.5 + rand() * 96) * 60) / 60;
        if (rand() < 0.75 && resolve < hoursLeft) plan.resolveAfterHours = resolve;
      }
    }
    plans.push(plan);
  }
  return plans;
}
