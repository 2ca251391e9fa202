import type { Engine } from '../core/engine-types.js';
import type { Action, Reply } from '../core/types.js';
import type { Alternative, EvalCase } from './cases.js';

/** What happened to one case. */
export interface CaseResult {
  case: EvalCase;
  reply: Reply;
  pass: boolean;
  /** The action was one an alternative accepts. */
  actionOk: boolean;
  /** For a case that expects a handoff to a desk: the reply handed off to one of the expected desks. */
  routed: boolean | null;
  /** Why it failed, against the closest alternative. */
  problems: string[];
}

const LIVE_MARKUP = /<!(channel|here|everyone)>|<@[UW][A-Z0-9]+>|<(https?|mailto):/i;

function check(alt: Alternative, r: Reply): string[] {
  const problems: string[] = [];
  if (!alt.action.includes(r.action)) problems.push(`action ${r.action}, expected ${alt.action.join('|')}`);
  if (alt.scheme !== undefined && r.scheme !== alt.scheme)
    problems.push(`programme ${r.scheme}, expected ${alt.scheme}`);
  if (alt.desk !== undefined && r.desk !== alt.desk) problems.push(`desk ${r.desk}, expected ${alt.desk}`);
  if (alt.lang !== undefined && r.replyLang !== alt.lang)
    problems.push(`reply language ${r.replyLang}, expected ${alt.lang}`);
  if (alt.entry !== undefined && r.entries[0] !== alt.entry)
    problems.push(`entry ${r.entries[0] ?? '-'}, expected ${alt.entry}`);
  const haystack = [r.text, ...r.sources.map((s) => s.title)].join('\n');
  for (const f of alt.facts ?? [])
    if (!new RegExp(f, 'iu').test(haystack)) problems.push(`missing fact /${f}/`);
  for (const f of alt.forbid ?? [])
    if (new RegExp(f, 'iu').test(haystack)) problems.push(`says forbidden /${f}/`);
  return problems;
}

/** Runs the cases in order; lines sharing a `session` are one conversation. */
export function runCases(engine: Engine, cases: EvalCase[], namespace = 'eval'): CaseResult[] {
  return cases.map((c) => {
    const conversation = `${namespace}:${c.session === undefined ? `case:${c.id}` : `session:${c.session}`}`;
    const reply = engine.respond({ text: c.text, platform: 'cli', user: { id: 'cli:eval' }, conversation });
    const checks = c.expect.map((alt) => check(alt, reply));
    const universal = LIVE_MARKUP.test(reply.text) ? ['the reply contains live markup'] : [];
    const best = checks.reduce((a, b) => (b.length < a.length ? b : a));
    const pass = universal.length === 0 && checks.some((p) => p.length === 0);
    const handoffDesks = c.expect.filter((a) => a.action.includes('handoff') && a.desk).map((a) => a.desk);
    return {
      case: c,
      reply,
      pass,
      actionOk: c.expect.some((a) => a.action.includes(reply.action)),
      routed:
        handoffDesks.length > 0 && c.expect.every((a) => a.action.includes('handoff'))
          ? reply.action === 'handoff' && handoffDesks.includes(reply.desk)
          : null,
      problems: pass ? [] : [...universal, ...best],
    };
  });
}

/** Confidence bands of the calibration table, lowest first. */
export const BANDS = [0, 0.5, 0.6, 0.7, 0.8, 0.9] as const;

export interface Summary {
  cases: number;
  pass: number;
  actionOk: number;
  routing: { right: number; of: number };
  /** Cases that expect only fallback or smalltalk but got an answer. */
  outOfScopeAnswered: number;
  /** Answers at ≥ 0.8 confidence, and how many of them failed. */
  confidentAnswers: { of: number; wrong: number };
  perLang: Record<string, { cases: number; pass: number }>;
  /** expected action → action given → count (expected: the first alternative's first action). */
  actions: Record<string, Record<string, number>>;
  /** expected desk → desk given (or the action, when no handoff) → count. */
  desks: Record<string, Record<string, number>>;
  /** Per confidence band, per action given: replies and how many were right. */
  calibration: Array<{
    from: number;
    to: number;
    replies: number;
    right: number;
    answers: number;
    answersRight: number;
  }>;
}

const bump = (m: Record<string, Record<string, number>>, a: string, b: string) => {
  const row = m[a] ?? {};
  row[b] = (row[b] ?? 0) + 1;
  m[a] = row;
};

export function summarise(results: CaseResult[]): Summary {
  const s: Summary = {
    cases: results.length,
    pass: 0,
    actionOk: 0,
    routing: { right: 0, of: 0 },
    outOfScopeAnswered: 0,
    confidentAnswers: { of: 0, wrong: 0 },
    perLang: {},
    actions: {},
    desks: {},
    calibration: BANDS.map((from, i) => ({
      from,
      to: BANDS[i + 1] ?? 1,
      replies: 0,
      right: 0,
      answers: 0,
      answersRight: 0,
    })),
  };
  for (const r of results) {
    if (r.pass) s.pass++;
    if (r.actionOk) s.actionOk++;
    if (r.routed !== null) {
      s.routing.of++;
      if (r.routed) s.routing.right++;
    }
    const expected = r.case.expect[0]?.action[0] as Action;
    bump(s.actions, expected, r.reply.action);
    const expectedDesk = r.case.expect.find((a) => a.action.includes('handoff') && a.desk)?.desk;
    if (expectedDesk)
      bump(s.desks, expectedDesk, r.reply.action === 'handoff' ? (r.reply.desk ?? '-') : r.reply.action);
    const onlyChat = r.case.expect.every((a) => a.action.every((x) => x === 'fallback' || x === 'smalltalk'));
    if (onlyChat && r.reply.action === 'answer') s.outOfScopeAnswered++;
    if (r.reply.action === 'answer' && r.reply.confidence >= 0.8) {
      s.confidentAnswers.of++;
      if (!r.pass) s.confidentAnswers.wrong++;
    }
    const lang = r.case.lang ?? r.reply.lang;
    const l = s.perLang[lang] ?? { cases: 0, pass: 0 };
    l.cases++;
    if (r.pass) l.pass++;
    s.perLang[lang] = l;
    const band = [...s.calibration].reverse().find((b) => r.reply.confidence >= b.from);
    if (band) {
      band.replies++;
      if (r.pass) band.right++;
      if (r.reply.action === 'answer') {
        band.answers++;
        if (r.pass) band.answersRight++;
      }
    }
  }
  return s;
}

const pct = (n: number, of: number) => (of === 0 ? '—' : `${((100 * n) / of).toFixed(1)}%`);

/** The report `eval` prints: headline figures, per language, calibration, confusion, failures. */
export function formatReport(name: string, results: CaseResult[], s = summarise(results)): string {
  const out: string[] = [];
  out.push(`${name}: ${s.cases} cases`);
  out.push(`  pass            ${s.pass}/${s.cases} (${pct(s.pass, s.cases)})`);
  out.push(`  action right    ${s.actionOk}/${s.cases} (${pct(s.actionOk, s.cases)})`);
  out.push(`  routing         ${s.routing.right}/${s.routing.of} (${pct(s.routing.right, s.routing.of)})`);
  out.push(`  out-of-scope answered with a programme fact: ${s.outOfScopeAnswered}`);
  out.push(`  answers at ≥ 0.8 confidence: ${s.confidentAnswers.of}, wrong ${s.confidentAnswers.wrong}`);
  out.push('', 'Per language:');
  for (const [lang, l] of Object.entries(s.perLang).sort())
    out.push(`  ${lang.padEnd(6)} ${`${l.pass}/${l.cases}`.padStart(8)}  ${pct(l.pass, l.cases)}`);
  out.push('', 'Calibration (confidence band: replies right / given; answers right / given):');
  for (const b of s.calibration)
    out.push(
      `  ${b.from.toFixed(1)}–${b.to.toFixed(1)}  all ${`${b.right}/${b.replies}`.padStart(8)} ${pct(b.right, b.replies).padStart(6)}   answers ${`${b.answersRight}/${b.answers}`.padStart(8)} ${pct(b.answersRight, b.answers).padStart(6)}`,
    );
  out.push('', 'Actions (expected → given):');
  for (const [a, row] of Object.entries(s.actions))
    out.push(
      `  ${a.padEnd(10)} ${Object.entries(row)
        .map(([b, n]) => `${b} ${n}`)
        .join(', ')}`,
    );
  out.push('', 'Desks (expected → given):');
  for (const [d, row] of Object.entries(s.desks).sort())
    out.push(
      `  ${d.padEnd(26)} ${Object.entries(row)
        .map(([b, n]) => `${b} ${n}`)
        .join(', ')}`,
    );
  const failed = results.filter((r) => !r.pass);
  if (failed.length > 0) out.push('', `Failing cases (${failed.length}):`);
  for (const r of failed) {
    const t = r.case.text.replace(/\s+/g, ' ');
    out.push(
      `  ✗ ${r.case.id}${r.case.known ? ` (known: ${r.case.known})` : ''}: ${t.length > 110 ? `${t.slice(0, 110)}…` : t}`,
    );
    out.push(
      `      got ${r.reply.action} ${r.reply.scheme ?? '-'} ${r.reply.desk ?? '-'} [${r.reply.entries.slice(0, 2).join(',')}] ${r.reply.confidence}: ${r.problems.join('; ')}`,
    );
  }
  out.push(
    '',
    `${name}: pass ${pct(s.pass, s.cases)} · routing ${pct(s.routing.right, s.routing.of)} · wrong answers at ≥ 0.8: ${s.confidentAnswers.wrong}/${s.confidentAnswers.of} · out-of-scope answered: ${s.outOfScopeAnswered}`,
  );
  return out.join('\n');
}
