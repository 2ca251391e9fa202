import { createHmac, createSecretKey } from 'node:crypto';
import { THRESHOLDS } from '../core/engine.js';
import type { Platform, Reply, Turn } from '../core/types.js';
import type { ReviewReason, TurnRecord } from './types.js';

/** What a pseudonym stands for: its prefix says so (`u_…` a user, `c_…` a conversation, `t_…` a turn). */
export type PseudonymKind = 'u' | 'c' | 't';

/** A keyed hash of a platform id: the same id always gives the same pseudonym, which reveals nothing without the key. */
export type Pseudonymise = (id: string, kind?: PseudonymKind) => string;

/** Hex characters of the HMAC kept: 80 bits, so two ids of the same kind practically never collide. */
const PSEUDONYM_HEX = 20;

/** People and conversations come back turn after turn: their pseudonyms are kept, up to this many. */
const CACHED = 10_000;

/**
 * Pseudonyms by HMAC-SHA256 under `key`. The kind is hashed in too, so a user id and a conversation
 * key that happen to be the same string get unrelated pseudonyms. Users default to kind `u`.
 */
export function createPseudonymiser(key: string): Pseudonymise {
  if (key.length === 0) throw new Error('a pseudonym key cannot be empty');
  const secret = createSecretKey(Buffer.from(key, 'utf8')); // a KeyObject: the HMAC takes a third less time
  const cache = new Map<string, string>();
  const hash = (kind: PseudonymKind, id: string) =>
    `${kind}_${createHmac('sha256', secret).update(`${kind}:${id}`).digest('hex').slice(0, PSEUDONYM_HEX)}`;
  return (id, kind = 'u') => {
    if (kind === 't') return hash(kind, id); // every turn is new
    const at = `${kind}:${id}`;
    let p = cache.get(at);
    if (p === undefined) {
      p = hash(kind, id);
      if (cache.size >= CACHED) cache.delete(cache.keys().next().value as string);
      cache.set(at, p);
    }
    return p;
  };
}

/**
 * The key a reply's buttons carry (`RatePayload.turn`) and a turn record is found by. It is derived
 * from the engine's transcript entry for the turn (its time and text), so the desk can rebuild it later
 * for any turn of the conversation (the last one, when a handoff is submitted), on any replica, however
 * many turns the bounded transcript has dropped since.
 */
export function turnKey(conversation: string, turn: Pick<Turn, 'at' | 'text'>): string {
  let h = 0x811c9dc5; // FNV-1a: only tells apart two turns of one conversation in the same millisecond
  for (let i = 0; i < turn.text.length; i++) h = Math.imul(h ^ turn.text.charCodeAt(i), 0x01000193);
  return `${conversation}:${Date.parse(turn.at).toString(36)}${(h >>> 0).toString(36).padStart(7, '0')}`;
}

/** The conversation a `turnKey` belongs to. */
export const conversationOfTurn = (key: string): string => key.slice(0, Math.max(0, key.lastIndexOf(':')));

/** Finds the transcript turn a `turnKey` was made from, or undefined when it has left the transcript. */
export function turnOf<T extends Pick<Turn, 'at' | 'text'>>(
  conversation: string,
  turns: readonly T[],
  key: string,
): T | undefined {
  for (let i = turns.length - 1; i >= 0; i--) {
    const t = turns[i] as T;
    if (turnKey(conversation, t) === key) return t;
  }
  return undefined;
}

/**
 * An answer this close to the engine's answer threshold (`THRESHOLDS.answerConfidence`, below which it
 * does not answer at all) is kept for review: it was nearly a fallback.
 */
export const LOW_CONFIDENCE = Math.round((THRESHOLDS.answerConfidence + 0.15) * 1000) / 1000;

/** Why a reply's turn needs an admin's look when it is made (Not helpful and handoffs come later). */
export function reviewReasons(reply: Pick<Reply, 'action' | 'confidence'>): ReviewReason[] {
  if (reply.action === 'fallback') return ['fallback'];
  if (reply.action === 'clarify') return ['clarify'];
  if (reply.action === 'answer' && reply.confidence < LOW_CONFIDENCE) return ['low-confidence'];
  return [];
}

/** Longest kept text: the review views show a question, not a letter. */
export const MAX_TEXT = 1_000;

/**
 * Map of look-alikes to ASCII, one UTF-16 unit for one, so a match in the mapped copy is at the same
 * offsets in the original: full-width forms (`０３－１２３４`, `＠`), the ideographic space, and the dashes
 * Japanese text writes phone numbers with.
 */
function asciiCopy(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xff01 && c <= 0xff5e) out += String.fromCharCode(c - 0xfee0);
    else if (c === 0x3000) out += ' ';
    else if (
      c === 0x30fc ||
      c === 0x2010 ||
      c === 0x2011 ||
      c === 0x2012 ||
      c === 0x2013 ||
      c === 0x2014 ||
      c === 0x2015 ||
      c === 0x2212
    )
      out += '-';
    else out += text[i];
  }
  return out;
}

/** Slack's own markup first: `<mailto:…>`, `<tel:…>`, `<https://…|label>`, `<@U…>`, `<#C…|name>`, `<!here>`. */
const SLACK_TOKEN = /<(mailto:|tel:|https?:\/\/|@|#|!)[^<>\n]*>/gi;
const TEAMS_MENTION = /<at\b[^>]*>[\s\S]*?<\/at>/gi;
const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g;
/** A link, without the punctuation that ends the sentence it is in. */
const URL = /\b(?:(?:https?|ftp):\/\/|www\.)[^\s<>"'`、。「」（）()]*[^\s<>"'`、。「」（）().,;:!?]/gi;
/** A run of digits with the separators phone numbers are written with; counted below. */
const DIGITS = /\+?\(?\d[\d \t().-]*\d/g;
const MENTION = /(?<![\w.@])@[A-Za-z0-9._-]{2,}/g;

/** A run of digits is a phone number when it has 10 or more digits (Japanese and most national forms), or 8 or more after a `+`. */
function isPhone(run: string): boolean {
  const digits = run.replace(/\D/g, '').length;
  return digits >= 10 || (run.startsWith('+') && digits >= 8);
}

/**
 * Replaces contact details in a person's text with placeholders: e-mail addresses `[email]`, phone
 * numbers `[phone]` (international, Japanese, full-width digits), links `[link]`, and Slack or Teams
 * mentions `[mention]`. Generous on purpose: a long reference number is taken for a phone number
 * rather than a phone number kept.
 */
export function scrub(text: string): string {
  const spans: Array<{ start: number; end: number; as: string }> = [];
  let copy = asciiCopy(text);
  const take = (re: RegExp, as: string | ((m: string) => string | undefined)) => {
    const found: Array<{ start: number; end: number }> = [];
    for (const m of copy.matchAll(re)) {
      const label = typeof as === 'string' ? as : as(m[0]);
      if (!label) continue;
      found.push({ start: m.index, end: m.index + m[0].length });
      spans.push({ start: m.index, end: m.index + m[0].length, as: label });
    }
    if (found.length === 0) return;
    // Blanks the matches out of the copy, so a later pattern does not see their parts.
    let next = '';
    let at = 0;
    for (const f of found) {
      next += copy.slice(at, f.start) + '\0'.repeat(f.end - f.start);
      at = f.end;
    }
    copy = next + copy.slice(at);
  };
  take(SLACK_TOKEN, (m) => {
    const k = m.slice(1).toLowerCase();
    if (k.startsWith('mailto:')) return '[email]';
    if (k.startsWith('tel:')) return '[phone]';
    if (k.startsWith('http')) return '[link]';
    return '[mention]';
  });
  take(TEAMS_MENTION, '[mention]');
  take(EMAIL, '[email]');
  take(URL, '[link]');
  take(DIGITS, (m) => (isPhone(m) ? '[phone]' : undefined));
  take(MENTION, '[mention]');
  if (spans.length === 0) return text;
  spans.sort((a, b) => a.start - b.start);
  let out = '';
  let at = 0;
  for (const s of spans) {
    out += text.slice(at, s.start) + s.as;
    at = s.end;
  }
  return out + text.slice(at);
}

/** What the desk knows about one turn when the engine has replied. */
export interface TurnInput {
  /** The turn key (`turnKey`), as the reply's buttons carry it. */
  turn: string;
  at: string;
  platform: Platform;
  /** The platform user id (`slack:U…`): pseudonymised here, never stored. */
  user: string;
  /** The conversation key: pseudonymised here, never stored. */
  conversation: string;
  /** What the person wrote. Kept, scrubbed, only when the turn needs review. */
  text: string;
  reply: Reply;
  ms: number;
}

/** Keeps what a review needs of a question: scrubbed, trimmed, at most `MAX_TEXT` characters. */
export function keptText(text: string): string {
  // Very long text is cut before scrubbing, at a space not followed by a digit (never inside a number).
  let head = text;
  if (text.length > 4 * MAX_TEXT) {
    let cut = 4 * MAX_TEXT;
    while (cut > MAX_TEXT && !(/\s/.test(text[cut - 1] ?? '') && !/[\d+(０-９＋（]/.test(text[cut] ?? '')))
      cut--;
    head = text.slice(0, cut);
  }
  const clean = scrub(head).replace(/\s+/g, ' ').trim();
  return clean.length > MAX_TEXT ? `${clean.slice(0, MAX_TEXT)}…` : clean;
}

/**
 * The record of a turn. `entry` is set only for an answer (a clarify's or fallback's entries are
 * candidates, not what was said); `closest` is the engine's top search hit, whatever it did with it.
 */
export function buildTurnRecord(input: TurnInput, pseudonymise: Pseudonymise): TurnRecord {
  const { reply } = input;
  const review = reviewReasons(reply);
  const top = reply.why?.entries[0];
  return {
    id: pseudonymise(input.turn, 't'),
    at: input.at,
    platform: input.platform,
    lang: reply.lang,
    action: reply.action,
    intent: reply.intent,
    confidence: reply.confidence,
    scheme: reply.scheme,
    entry: reply.action === 'answer' ? (reply.entries[0] ?? null) : null,
    desk: reply.desk ?? reply.offerDesk,
    closest: top ? { entry: top.id, score: top.score } : null,
    user: pseudonymise(input.user, 'u'),
    conversation: pseudonymise(input.conversation, 'c'),
    ms: Math.round(input.ms * 100) / 100,
    review,
    ...(review.length > 0 ? { text: keptText(input.text) } : {}),
  };
}
