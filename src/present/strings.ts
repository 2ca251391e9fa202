import type { Content } from '../content/types.js';
import { say } from '../core/compose.js';
import type { ContentLang, Lang } from '../core/types.js';

/** The strings of one language, from `messages/<lang>.yml`. Every label any channel shows comes from here. */
export interface Strings {
  readonly lang: ContentLang;
  t(key: string, values?: Record<string, string | number>): string;
}

/** The language strings are shown in: the asked one when the strings table has it, else English. */
export function uiLang(content: Pick<Content, 'messages'>, lang: Lang | undefined): ContentLang {
  if (lang && content.messages[lang]) return lang;
  const base = lang?.split('-')[0];
  return base && content.messages[base] ? base : 'en';
}

export function stringsFor(content: Pick<Content, 'messages'>, lang: Lang | undefined): Strings {
  const l = uiLang(content, lang);
  return { lang: l, t: (key, values) => say(content, l, key, values) };
}
