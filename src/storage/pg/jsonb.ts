/**
 * JSON text for a JSONB column. JSONB cannot hold U+0000, which a person's message may contain; it is
 * stored as U+FFFD (an escaped backslash before `u0000` is left alone).
 */
export function toJsonb(value: unknown): string {
  return JSON.stringify(value).replace(/(?<!\\)((?:\\\\)*)\\u0000/g, '$1\uFFFD');
}
