import { createInterface } from 'node:readline';
import { createEngine } from '../core/engine.js';
import type { Engine } from '../core/engine-types.js';
import type { Candidate, Explanation, Inquiry, Reply } from '../core/types.js';
import { replyView, type ViewContent } from '../present/views.js';
import { loadForCli } from './content.js';
import type { CliCommand, CliIO } from './io.js';

const inquiry = (text: string, conversation: string): Inquiry => ({
  text,
  platform: 'cli',
  user: { id: 'cli:user' },
  conversation,
});

/**
 * A reply as a person reads it in a terminal: the same view every channel renders (labels from
 * `messages/<lang>.yml`), as plain text; choices are numbered so `chat` can take a digit.
 */
export function formatReply(content: ViewContent, r: Reply, debug = false): string {
  const lines: string[] = [];
  if (debug) {
    lines.push(
      `[${r.action}] intent=${r.intent ?? '-'} confidence=${r.confidence} scheme=${r.scheme ?? '-'} desk=${r.desk ?? '-'} lang=${r.lang} entries=${r.entries.join(',') || '-'}`,
    );
    if (r.why) lines.push(...explain(r.why));
  }
  const view = replyView(content, r, 'cli', new Date());
  lines.push(view.text);
  for (const s of view.sources)
    lines.push(
      `${view.sourceLabel}: ${s.publisher}, "${s.title}" (${s.date})${s.url ? ` ${s.url}` : s.note ? ` — ${s.note}` : ''}`,
    );
  if (view.asOf) lines.push(`(${view.asOf})`);
  if (view.choices.length > 0) {
    lines.push(view.choicesLabel ?? '');
    for (const [i, c] of view.choices.entries()) lines.push(`  ${i + 1}. ${c.label}`);
  }
  return lines.join('\n');
}

/** `chat --debug`: what the engine read and why it decided as it did. */
function explain(why: Explanation): string[] {
  const list = (cs: Candidate[]) => cs.map((c) => `${c.id} ${c.score} (${c.by})`).join('; ') || '-';
  return [
    `  decided by: ${why.decidedBy}`,
    `  act: ${why.act.id} (${why.act.by}) · ${why.acts.map((a) => `${a.id} ${a.score}`).join(', ')}`,
    `  kind: ${why.kind ?? '-'} · focus: "${why.focus}"`,
    `  programmes: ${list(why.programmes)}`,
    `  desks: ${list(why.desks)}`,
    `  entries: ${why.entries.map((e) => `${e.id} ${e.score} (coverage ${e.coverage})`).join('; ') || '-'}`,
    `  evidence: ${
      Object.entries(why.evidence)
        .map(([k, v]) => `${k}=${Math.round(v * 100) / 100}`)
        .join(' ') || '-'
    }`,
  ];
}

/** One line of `ask --json` output: DESIGN.md's contract plus a few extra fields. */
export function toJsonLine(id: unknown, r: Reply): string {
  return JSON.stringify({
    id,
    action: r.action,
    intent: r.intent,
    confidence: r.confidence,
    scheme: r.scheme,
    desk: r.desk,
    answer: r.text,
    sources: r.sources.map((s) => ({ title: s.title, url: s.url, date: s.date, publisher: s.publisher })),
    lang: r.lang,
    reply_lang: r.replyLang,
    as_of: r.asOf,
    suggestions: r.suggestions.map((s) => s.label),
    entries: r.entries,
    ...(r.why ? { why: r.why } : {}),
  });
}

/** `ask --json`: JSON lines in, one JSON line out per input line, in order; bad lines get an error. */
async function askJson(engine: Engine, io: CliIO): Promise<number> {
  const lines = createInterface({ input: io.stdin, crlfDelay: Number.POSITIVE_INFINITY });
  let n = 0;
  for await (const line of lines) {
    n++;
    if (line.trim() === '') continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      io.stdout.write(`${JSON.stringify({ id: null, error: `line ${n}: not valid JSON` })}\n`);
      continue;
    }
    const obj =
      parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)
        ? (parsed as Record<string, unknown>)
        : undefined;
    const id = obj?.id ?? null;
    if (!obj || typeof obj.text !== 'string') {
      io.stdout.write(
        `${JSON.stringify({ id, error: `line ${n}: expected an object with a "text" string` })}\n`,
      );
      continue;
    }
    const session =
      typeof obj.session === 'string' || typeof obj.session === 'number' ? String(obj.session) : `line-${n}`;
    io.stdout.write(`${toJsonLine(id, engine.respond(inquiry(obj.text, `ask:${session}`)))}\n`);
  }
  return 0;
}

export const runAsk: CliCommand = async (args, io) => {
  const json = args.includes('--json');
  const debug = args.includes('--debug');
  const text = args.filter((a) => !a.startsWith('--')).join(' ');
  if (!json && !text.trim()) {
    io.stderr.write('Usage: ask "question" [--debug]  |  ask --json < questions.jsonl\n');
    return 2;
  }
  const content = await loadForCli(io);
  if (!content) return 1;
  const engine = createEngine({ content });
  if (json) return askJson(engine, io);
  io.stdout.write(`${formatReply(content, engine.respond(inquiry(text, 'ask')), debug)}\n`);
  return 0;
};

/** A terminal conversation: one context for the whole session, so follow-ups work. */
export const runChat: CliCommand = async (args, io) => {
  const debug = args.includes('--debug');
  const content = await loadForCli(io);
  if (!content) return 1;
  const engine = createEngine({ content });
  const rl = createInterface({
    input: io.stdin,
    output: io.stdout,
    terminal: Boolean((io.stdin as { isTTY?: boolean }).isTTY),
  });
  io.stdout.write('Madoguchi 窓口 — ask about the programmes (English or 日本語). Ctrl-D to quit.\n');
  let last: ReturnType<Engine['respond']> | undefined;
  rl.setPrompt('> ');
  rl.prompt();
  for await (const line of rl) {
    let text = line.trim();
    const pick = /^\d$/.test(text) ? last?.suggestions[Number(text) - 1] : undefined;
    if (pick) text = pick.query;
    if (text) {
      last = engine.respond(inquiry(text, 'chat'));
      io.stdout.write(`\n${formatReply(content, last, debug)}\n\n`);
    }
    rl.prompt();
  }
  return 0;
};
