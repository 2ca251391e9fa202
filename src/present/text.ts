/**
 * User text as every channel shows it. Text a company or a staff member typed is wrapped as
 * `UserText`, so each renderer knows to show it literally (never as markup, a mention or a link);
 * the bot's own text (labels, knowledge) is a plain string.
 */
export interface UserText {
  readonly user: string;
}

/**
 * Bidirectional overrides and isolates (U+202A–202E, U+2066–2069), zero-width characters
 * (U+200B–200F, U+2060–2064) and the BOM: invisible, they can reorder or hide what a reader sees
 * (a file name, an address, an amount).
 */
const INVISIBLE = /[\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]/g;

/** Removes the characters that can make displayed text read differently from what it is. */
export function neutralise(text: string): string {
  return text.replace(INVISIBLE, '');
}

/** Wraps text a person typed, neutralised. */
export function userText(text: string): UserText {
  return { user: neutralise(text) };
}

export const isUserText = (value: unknown): value is UserText =>
  typeof value === 'object' && value !== null && typeof (value as UserText).user === 'string';

/** The first `max` characters of `text`, cut at a word or line where one is near, and whether it was cut. */
export function excerpt(text: string, max: number): { text: string; cut: boolean } {
  if (text.length <= max) return { text, cut: false };
  const head = text.slice(0, max - 1);
  const soft = Math.max(head.lastIndexOf('\n'), head.lastIndexOf(' '), head.lastIndexOf('。'));
  return { text: `${soft > max * 0.8 ? head.slice(0, soft) : head}…`, cut: true };
}

/** Text on one line, whitespace runs collapsed (previews, notifications). */
export function oneLine(text: string, max = 140): string {
  // Only the first `max` characters are kept, so only a head of the text is collapsed: a head's collapsed
  // form is the start of the whole one's, and once it is longer than `max` + 1 the cut is the same.
  let end = Math.min(text.length, 2 * max + 2);
  let line = text.slice(0, end).replace(/\s+/g, ' ').trimStart();
  while (end < text.length && line.length < max + 2) {
    end = Math.min(text.length, 2 * end);
    line = text.slice(0, end).replace(/\s+/g, ' ').trimStart();
  }
  return excerpt(line.trimEnd(), max).text;
}
