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

/**
 * Each content's strings, per language, made once (content is never changed in place; a reload brings
 * a new one). A label without placeholders is looked up once: every reply shows the same few.
 */
const made = new WeakMap<Content['messages'], Map<ContentLang, Strings>>();

export function stringsFor(content: Pick<Content, 'messages'>, lang: Lang | undefined): Strings {
  const l = uiLang(content, lang);
  let byLang = made.get(content.messages);
  if (!byLang) {
    byLang = new Map();
    made.set(content.messages, byLang);
  }
  let strings = byLang.get(l);
  if (!strings) {
    const labels = new Map<string, string>();
    strings = {
      lang: l,
      t(key, values) {
        if (values) return say(content, l, key, values);
        let text = labels.get(key);
        if (text === undefined) {
          text = say(content, l, key);
          labels.set(key, text);
        }
        return text;
      },
    };
    byLang.set(l, strings);
  }
  return strings;
}
