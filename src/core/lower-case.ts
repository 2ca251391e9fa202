/**
 * Case-insensitive patterns (`iu`) run on lower-cased text as case-sensitive copies: V8 matches a
 * `/…/iu` alternation ten to twenty times slower than the same `/…/u`, and the question kinds and
 * intent rules are tested on every message.
 *
 * The copy matches exactly what the pattern matches when neither the text nor the pattern's literals
 * hold a character that folds (Unicode simple case folding, what `iu` compares) to another character
 * of its kind: every character is its own lower case (`normalise` lower-cases) and none is one of the
 * lower-case letters that fold together with another lower-case letter (ſ and s, ς and σ…). Two such
 * characters fold together only when they are the same, so folding changes no comparison. A pattern
 * with anything else (a property or code-point escape, a range outside a–z and 0–9, a capital) and a
 * text with anything else use the pattern itself.
 */
export interface Pattern {
  test(text: string): boolean;
}

/**
 * Lower-case letters whose simple case folding they share with another lower-case letter (U+00B5,
 * U+017F, U+0345, Greek symbol forms, Cyrillic small-letter variants U+1C80–1C88, U+1E9B, U+1FBE):
 * all in the Basic Multilingual Plane.
 */
const FOLDS_TOGETHER = new Set([
  0xb5, 0x17f, 0x345, 0x3c2, 0x3d0, 0x3d1, 0x3d5, 0x3d6, 0x3f0, 0x3f1, 0x3f5, 0x1c80, 0x1c81, 0x1c82, 0x1c83,
  0x1c84, 0x1c85, 0x1c86, 0x1c87, 0x1c88, 0x1e9b, 0x1fbe,
]);

function foldsTogether(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 0xb5 && FOLDS_TOGETHER.has(code)) return true;
  }
  return false;
}

let lastText: string | undefined;
let lastFolded = false;

/** Whether case folding cannot change how a pattern matches this text (memoised for the last text). */
function isFolded(text: string): boolean {
  if (text !== lastText) {
    lastText = text;
    lastFolded = text.toLowerCase() === text && !foldsTogether(text);
  }
  return lastFolded;
}

const isFoldedChar = (ch: string) => ch.toLowerCase() === ch && !foldsTogether(ch);
const inRange = (a: string, b: string) => (a >= 'a' && b <= 'z') || (a >= '0' && b <= '9');

/** Whether the pattern's source holds only literals and escapes that case folding leaves alone. */
function foldFree(source: string): boolean {
  const chars = [...source];
  let inClass = false;
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i] as string;
    if (ch === '\\') {
      const next = chars[++i];
      // \b \w \d \s and their negations, back-references, escaped punctuation, \n \t.
      if (next === undefined || (/[a-z]/i.test(next) && !/^[bBwWdDsSnrtfv]$/.test(next))) return false;
      continue;
    }
    if (inClass && ch === ']') inClass = false;
    else if (!inClass && ch === '[') inClass = true;
    else if (inClass && ch === '-' && chars[i - 1] !== '[' && chars[i + 1] !== ']') {
      const from = chars[i - 1] as string;
      const to = chars[i + 1] as string;
      if (chars[i - 2] === '\\' || !inRange(from, to)) return false;
    } else if (!isFoldedChar(ch)) return false;
  }
  return true;
}

/** A `iu` pattern, matched by its case-sensitive copy whenever that gives the same answer. */
export function lowerCasePattern(re: RegExp): Pattern {
  const flags = re.flags;
  if (!flags.includes('i') || !flags.includes('u') || /[gyv]/.test(flags) || !foldFree(re.source)) return re;
  const exact = new RegExp(re.source, flags.replace('i', ''));
  return { test: (text) => (isFolded(text) ? exact : re).test(text) };
}
