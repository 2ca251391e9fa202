import { neutralise } from '../../present/text.js';

/** Slack's documented limits that rendering respects. */
export const LIMITS = {
  sectionText: 3000,
  blocks: 50,
  buttonText: 75,
  buttonValue: 2000,
  contextText: 2000,
  plainInput: 3000,
  modalTitle: 24,
  optionText: 75,
  metadata: 3000,
  text: 3000,
} as const;

const MARKUP = /[&<>]/;

/**
 * Escapes text for mrkdwn: `&`, `<`, `>` become entities, so `<!channel>`, `<@U…>` and `<http…|…>`
 * are shown, never acted on. Used for the bot's own text; a person's text goes in rich_text elements,
 * which Slack shows literally.
 */
export function escapeMrkdwn(text: string): string {
  // Most of the bot's text has none of the three: one scan instead of three.
  if (!MARKUP.test(text)) return text;
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const FORMATTING: Record<string, string> = { '*': '∗', _: '＿', '~': '∼', '`': 'ˋ' };

/**
 * A person's text in a message's `text` (what notifications and screen readers show): escaped,
 * invisible characters removed, and mrkdwn's formatting marks replaced with look-alikes so a preview
 * cannot be styled by the sender. Only previews use this: cards show the exact text in rich_text.
 */
export function escapePreview(text: string): string {
  return escapeMrkdwn(neutralise(text)).replace(/[*_~`]/g, (c) => FORMATTING[c] ?? c);
}

/**
 * A person's message as Slack sends it (mentions, channels, `<!here>`, links in angle brackets; `&`,
 * `<`, `>` as entities) turned into the text the person sees: what the desk keeps, relays and shows
 * (every renderer then shows it literally). The bot's own mention addresses the bot; it is dropped.
 */
export function fromSlack(text: string, botUserId?: string): string {
  return text
    .replace(/<([^<>]*)>/g, (_m, inner: string) => {
      const bar = inner.indexOf('|');
      const target = bar >= 0 ? inner.slice(0, bar) : inner;
      const label = bar >= 0 ? inner.slice(bar + 1) : undefined;
      if (target.startsWith('@')) return target.slice(1) === botUserId ? '' : `@${label || target.slice(1)}`;
      if (target.startsWith('#')) return `#${label || target.slice(1)}`;
      if (target.startsWith('!')) {
        const [kind = '', arg = ''] = target.slice(1).split('^');
        if (label) return kind === 'date' || label.startsWith('@') ? label : `@${label}`;
        return kind === 'subteam' ? `@${arg}` : kind === 'date' ? '' : `@${kind}`;
      }
      const url = target.replace(/^mailto:/, '');
      return label && label !== target && label !== url ? `${label} (${url})` : url;
    })
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    .trim();
}

/** Cuts text to `max` characters, marking the cut, never inside an `&…;` entity. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = max - 1;
  const amp = text.lastIndexOf('&', cut);
  if (amp >= 0 && amp > cut - 6 && !text.slice(amp, cut).includes(';')) cut = amp;
  return `${text.slice(0, cut)}…`;
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
    const amp = rest.lastIndexOf('&', cut);
    if (amp >= 0 && amp > cut - 6 && !rest.slice(amp, cut).includes(';')) cut = amp;
    out.push(rest.slice(0, cut));
    rest = rest.slice(cut).replace(/^\n/, '');
  }
  if (rest.length > 0 && out.length === limit) out[limit - 1] = truncate(out[limit - 1] as string, max);
  return out;
}
