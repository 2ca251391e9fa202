/** Longest text the engine reads; the rest of a very long message is ignored (it is kept in the ticket). */
export const MAX_PROCESSED_CHARS = 2000;

const SLACK_TOKEN = /<([@#!][^>|]*)(\|[^>]*)?>/g; // <@U123>, <#C123|general>, <!channel>, <!subteam^S1|@team>
const SLACK_LINK = /<((?:https?|mailto):[^>|]*)(?:\|([^>]*))?>/gi;
const TEAMS_AT = /<at>[^<]*<\/at>/gi;
const HTML_TAG = /<\/?[a-z][^>]*>/gi;
const URL = /\b(?:https?:\/\/|www\.)\S+/gi;
// C0/C1 controls except tab/newline, zero-width and bidi controls, BOM, variation selectors.
const INVISIBLE = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u206F\uFEFF\uFE00-\uFE0F]/g;

/**
 * The text the engine classifies: platform markup, links and invisible characters removed,
 * NFKC (full-width to half-width), lower case, whitespace collapsed, capped in length.
 */
export function normalise(input: string): string {
  const head = input.length > MAX_PROCESSED_CHARS * 4 ? input.slice(0, MAX_PROCESSED_CHARS * 4) : input;
  const text = head
    .replace(INVISIBLE, '')
    .replace(SLACK_LINK, (_m, _url: string, label?: string) => ` ${label && !/^(https?:|www\.)/i.test(label) ? label : ''} `)
    .replace(SLACK_TOKEN, ' ')
    .replace(TEAMS_AT, ' ')
    .replace(HTML_TAG, ' ')
    .replace(URL, ' ')
    .normalize('NFKC')
    .replace(/&(amp|lt|gt|quot|#39|nbsp);/g, ' ')
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .trim();
  return text.length > MAX_PROCESSED_CHARS ? text.slice(0, MAX_PROCESSED_CHARS) : text;
}

/** Latin letters without diacritics (López → lopez), so accents never decide a match. */
export function foldDiacritics(word: string): string {
  return /[\u00C0-\u024F]/.test(word) ? word.normalize('NFD').replace(/[\u0300-\u036f]/g, '') : word;
}
