import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import type { TurnRecord, TurnStore } from '../../src/analytics/types.js';
import type { Content } from '../../src/content/types.js';
import type { Action } from '../../src/core/types.js';
import type { Bulletin } from '../../src/tickets/bulletins.js';
import { createTicketService } from '../../src/tickets/service.js';
import type { TicketStore } from '../../src/tickets/store.js';

/**
 * A week of desk activity for the digest tests, with the numbers worked out here from the raw records
 * and tickets (not by the code under test). The schedule is Monday 09:00 Asia/Tokyo; the week is 2026-W11:
 * its digest is due at 2026-03-09 09:00 JST (00:00 UTC) and covers 2026-03-02 00:00 to 2026-03-09 00:00 UTC.
 */
export const WEEK = '2026-W11';
export const DUE = Date.parse('2026-03-09T00:00:00Z');
export const FROM = Date.parse('2026-03-02T00:00:00Z');
export const ADMIN_SLACK = 'C0ADMINS';
export const ADMIN_TEAMS = '19:admins@thread.tacv2';
/** A gap's question carrying Slack markup a person could type: it must never mention, broadcast or link. */
export const HOSTILE = '<!channel> <@U123> who can help with land permits? <https://evil.example|click here>';

/** The desk file's digest settings, written into a content copy (the YAML's data, as `editDesks` does). */
export async function configureDigest(
  dir: string,
  settings: { admin_channel?: Record<string, string>; digest?: Record<string, string | number> },
): Promise<void> {
  const file = join(dir, 'knowledge/desks.yml');
  const data = parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  Object.assign(data, settings);
  await writeFile(file, stringify(data));
}

let n = 0;
function turn(at: string, action: Action, over: Partial<TurnRecord> = {}): TurnRecord {
  n++;
  return {
    id: `t_digest_${String(n).padStart(6, '0')}`,
    at,
    platform: 'slack',
    lang: 'en',
    action,
    intent: null,
    confidence: 0.9,
    scheme: 'jbic-aguascalientes',
    entry: action === 'answer' ? 'jbic-aguascalientes/signing' : null,
    desk: null,
    closest: { entry: 'jbic-aguascalientes/signing', score: 3.2 },
    user: `u_${n}`,
    conversation: `c_${n}`,
    ms: 1,
    review: [],
    ...over,
  };
}
const day = (d: number, h = 3) => new Date(Date.UTC(2026, 2, d, h)).toISOString();
const fallback = (at: string, text: string): TurnRecord =>
  turn(at, 'fallback', { entry: null, review: ['fallback'], text });

/** The week's records and some outside it (before its start, after its end), which must not count. */
export function weekRecords(): TurnRecord[] {
  return [
    // Before the week: not counted, though its question is part of a gap.
    turn(day(1, 12), 'answer'),
    fallback(day(1, 13), 'When is the fund deadline?'),
    // The week.
    turn(day(2, 0), 'answer', { feedback: 'helpful' }),
    turn(day(2, 5), 'answer', { feedback: 'helpful', lang: 'ja', platform: 'teams' }),
    turn(day(3), 'answer', { feedback: 'not_helpful', review: ['not-helpful'], text: 'who signed it' }),
    turn(day(4), 'answer'),
    turn(day(5), 'answer', { lang: 'es' }),
    turn(day(6), 'answer'),
    turn(day(3, 8), 'clarify', { review: ['clarify'], text: 'when was it signed' }),
    turn(day(4, 8), 'clarify', { review: ['clarify'], text: 'when was it signed?' }),
    fallback(day(5, 9), HOSTILE),
    fallback(day(5, 10), HOSTILE),
    fallback(day(6, 9), 'When is the fund deadline?'),
    fallback(day(7, 9), 'how much does a JBIC loan cost'),
    turn(day(7, 10), 'handoff', { desk: 'jbic', ticketDesk: 'jbic' }),
    turn(day(8, 10), 'handoff', { desk: 'sbic' }),
    turn(day(8, 23), 'smalltalk', { entry: null }),
    // After the week's end (the digest is queued a few minutes after it): not counted.
    turn('2026-03-09T00:02:00.000Z', 'answer'),
  ];
}

/** What the digest must say about the records, counted here from the raw records. */
export function expectedTurns(records: TurnRecord[]) {
  const week = records.filter((r) => Date.parse(r.at) >= FROM && Date.parse(r.at) < DUE);
  const count = (action: Action) => week.filter((r) => r.action === action).length;
  return {
    inquiries: week.length,
    answer: count('answer'),
    clarify: count('clarify'),
    fallback: count('fallback'),
    handoff: count('handoff'),
    helpful: week.filter((r) => r.feedback === 'helpful').length,
    notHelpful: week.filter((r) => r.feedback === 'not_helpful').length,
  };
}

/** `count (percent%)` as the digest writes a share of the inquiries. */
export const share = (count: number, of: number) => `${count} (${Math.round((100 * count) / of)}%)`;

export async function seedTurns(store: TurnStore, records: TurnRecord[]): Promise<void> {
  for (const r of records) await store.add(r);
}

/**
 * Tickets opened at known times and claimed (or not) at known times: jbic claimed after 2 h and after
 * 30 h (a breach of its 24 h target), sbic never claimed (a breach by the time the digest is queued),
 * and one jbic ticket before the week that must not count.
 */
export async function seedTickets(store: TicketStore, desks: () => Content['desks']) {
  let at = 0;
  const service = createTicketService({ store, desks, clock: { now: () => new Date(at) } });
  const open = async (key: string, desk: string, opened: string) => {
    at = Date.parse(opened);
    return service.open({
      key,
      desk,
      requester: { platform: 'slack', userId: 'slack:UREQ' },
      origin: { platform: 'slack', conversation: 'C0SHARED' },
      packet: {
        text: 'A request',
        lang: 'en',
        intent: null,
        confidence: 0.9,
        scheme: null,
        transcript: [],
        details: {},
      },
    });
  };
  const claim = async (id: string, user: string, when: string) => {
    at = Date.parse(when);
    await service.claim(id, { user });
  };
  const before = await open('d-before', 'jbic', '2026-02-27T00:00:00Z');
  await claim(before.id, 'cli:jbic-staff', '2026-02-27T01:00:00Z');
  const fast = await open('d-fast', 'jbic', '2026-03-03T01:00:00Z');
  await claim(fast.id, 'cli:jbic-staff', '2026-03-03T03:00:00Z');
  const slow = await open('d-slow', 'jbic', '2026-03-04T00:00:00Z');
  await claim(slow.id, 'cli:jbic-staff', '2026-03-05T06:00:00Z');
  await open('d-waiting', 'sbic', '2026-03-06T00:00:00Z');
  return {
    opened: 3,
    breaches: 2,
    /** Median (nearest rank) of jbic's claim times, 2 h and 30 h: the first. */
    jbic: { opened: 2, median: '2 h', breaches: 1 },
    sbic: { opened: 1, median: 'none claimed yet', breaches: 1 },
  };
}

/** The bulletins `<dataDir>/bulletins.journal` holds now (the last line of each id wins). */
export async function journalBulletins(dataDir: string): Promise<Map<string, Bulletin>> {
  const text = await readFile(join(dataDir, 'bulletins.journal'), 'utf8').catch(() => '');
  const out = new Map<string, Bulletin>();
  // The server may be appending while this reads: only lines with their newline are complete.
  const complete = text.slice(0, text.lastIndexOf('\n') + 1);
  for (const line of complete.split('\n')) {
    if (!line.trim()) continue;
    const value = JSON.parse(line) as Bulletin | { pruned: string[] };
    if ('pruned' in value) for (const id of value.pruned) out.delete(id);
    else out.set(value.id, value);
  }
  return out;
}

interface Block {
  type: string;
  text?: { type: string; text: string };
  fields?: Array<{ type: string; text: string }>;
  elements?: Array<{ type: string; text?: string; elements?: Array<{ type: string; text?: string }> }>;
}

/** Every text of a Block Kit message Slack reads as mrkdwn or plain text (not rich_text), with `text`. */
export function markupTexts(message: { text?: unknown; blocks?: unknown }): string[] {
  const out = [String(message.text ?? '')];
  for (const b of (message.blocks ?? []) as Block[]) {
    if (b.text) out.push(b.text.text);
    for (const f of b.fields ?? []) out.push(f.text);
    if (b.type !== 'rich_text') for (const e of b.elements ?? []) if (e.text) out.push(e.text);
  }
  return out;
}

/** The texts of a message's rich_text elements, which Slack shows literally. */
export function literalTexts(message: { blocks?: unknown }): string[] {
  return ((message.blocks ?? []) as Block[])
    .filter((b) => b.type === 'rich_text')
    .flatMap((b) => (b.elements ?? []).flatMap((s) => (s.elements ?? []).map((e) => e.text ?? '')));
}
