/** Longest text the engine reads; the rest of a very long message is ignored (it is kept in the ticket). */
export const MAX_PROCESSED_CHARS = 2000;

const SLACK_TOKEN = /<([@#!][^>|]*)(\|[^>]*)?>/g; // <@U123>, <#C123|general>, <!channel>, <!subteam^S1|@team>
const SLACK_LINK = /<((?:https?|mailto):[^>|]*)(?:\|([^>]*))?>/gi;
const TEAMS_AT = /<at>[^<]*<\/at>/gi;
const HTML_TAG = /<\/?[a-z][^>]*>/gi;
/** Script and style elements, with what is inside them: code, not words of the question. */
const HTML_CODE = /<(script|style)\b[^>]*>[\s\S]*?<\/\1\s*>/gi;
const URL = /\b(?:https?:\/\/|www\.)\S+/gi;
/** C0/C1 controls except tab and newline, zero-width and bidi controls, BOM, variation selectors. */
function isInvisible(code: number): boolean {
  return (
    (code <= 0x1f && code !== 0x09 && code !== 0x0a && code !== 0x0d) ||
    (code >= 0x7f && code <= 0x9f) ||
    (code >= 0x200b && code <= 0x200f) ||
    (code >= 0x202a && code <= 0x202e) ||
    (code >= 0x2060 && code <= 0x206f) ||
    code === 0xfeff ||
    (code >= 0xfe00 && code <= 0xfe0f)
  );
}

function stripInvisible(text: string): string {
  // Most texts have none: no copy. (The invisible characters are all outside the surrogate range.)
  let found = false;
  for (let i = 0; i < text.length && !found; i++) {
    const code = text.charCodeAt(i);
    found = (code < 0x20 || code >= 0x7f) && isInvisible(code);
  }
  if (!found) return text;
  let out = '';
  for (const ch of text) if (!isInvisible(ch.codePointAt(0) ?? 0)) out += ch;
  return out;
}

/**
 * The text the engine classifies: platform markup, links and invisible characters removed,
 * NFKC (full-width to half-width), lower case, whitespace collapsed, capped in length.
 */
export function normalise(input: string): string {
  const head = input.length > MAX_PROCESSED_CHARS * 4 ? input.slice(0, MAX_PROCESSED_CHARS * 4) : input;
  const visible = stripInvisible(head);
  // Markup of every kind starts with "<": a text without one has none to remove.
  const text = (visible.includes('<') ? withoutMarkup(visible) : visible)
    .replace(URL, ' ')
    .normalize('NFKC')
    .replace(/&(amp|lt|gt|quot|#39|nbsp);/g, ' ')
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .trim();
  return text.length > MAX_PROCESSED_CHARS ? text.slice(0, MAX_PROCESSED_CHARS) : text;
}

function withoutMarkup(text: string): string {
  return text
    .replace(
      SLACK_LINK,
      (_m, _url: string, label?: string) => ` ${label && !/^(https?:|www\.)/i.test(label) ? label : ''} `,
    )
    .replace(SLACK_TOKEN, ' ')
    .replace(TEAMS_AT, ' ')
    .replace(HTML_CODE, ' ')
    .replace(HTML_TAG, ' ');
}

/** Latin letters without diacritics (López → lopez), so accents never decide a match. */
export function foldDiacritics(word: string): string {
  return /[\u00C0-\u024F]/.test(word) ? word.normalize('NFD').replace(/[\u0300-\u036f]/g, '') : word;
}
