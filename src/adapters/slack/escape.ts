/** Slack's limits that rendering respects. */
export const LIMITS = {
  sectionText: 3000,
  blocks: 50,
  buttonText: 75,
  buttonValue: 2000,
  contextText: 2000,
  plainInput: 3000,
} as const;

/**
 * Escapes text for mrkdwn: `&`, `<`, `>` become entities, so `<!channel>`, `<@U…>` and `<http…|…>`
 * from a user's text are shown, never acted on. Slack's own auto-linking of bare URLs is disabled
 * per message with `unfurl_links: false` and by breaking `://` in user text.
 */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** User text shown to others: escaped, with links made inert (`https://x` → `https[:]//x`) and mass-mention words defused. */
export function escapeUserText(text: string): string {
  return escapeMrkdwn(text)
    .replace(/\b(https?|ftp|mailto):(\/\/)?/gi, '$1[:]$2')
    .replace(/@(channel|here|everyone)\b/gi, '@\u200b$1');
}

/** Cuts text to `max` characters, marking the cut. */
export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** Splits text into chunks of at most `max` characters, preferring paragraph and line breaks. */
export function chunk(text: string, max: number, limit: number): string[] {
  const out: string[] = [];
  let rest = text;
  while (rest.length > 0 && out.length < limit) {
    if (rest.length <= max) {
      out.push(rest);
      rest = '';
      break;
    }
    let cut = rest.lastIndexOf('\n', max);
    if (cut < max / 2) cut = max;
    out.push(rest.slice(0, cut));
    rest = rest.slice(cut).replace(/^\n/, '');
  }
  if (rest.length > 0 && out.length === limit) out[limit - 1] = truncate(out[limit - 1] as string, max);
  return out;
}
