import { detectLanguage } from '../core/language.js';
import { normalise } from '../core/normalize.js';
import type { ContentProblem } from './errors.js';
import type { Content, KnowledgeEntry } from './types.js';

/** The languages every entry is written in (the two required ones and the two the users write in). */
export const ENTRY_LANGS = ['en', 'ja', 'es', 'zh'] as const;

const CJK = /[\u3040-\u30FF\u3400-\u9FFF]/;

/**
 * Checks `kb check` adds to loading: every entry in every language of ENTRY_LANGS, and each title and
 * body written in the language it is filed under (a Japanese section that is English, a Chinese one
 * that is Japanese). Problems name the entry's file; the loader already placed each field.
 */
export function checkLanguages(content: Content): ContentProblem[] {
  const problems: ContentProblem[] = [];
  for (const e of content.knowledge) {
    for (const lang of ENTRY_LANGS) {
      const title = e.title[lang];
      const body = e.body[lang];
      if (title === undefined || body === undefined || e.questions[lang] === undefined) {
        const missing = [
          title === undefined && 'title',
          body === undefined && 'body',
          e.questions[lang] === undefined && 'questions',
        ]
          .filter(Boolean)
          .join(', ');
        problems.push({
          file: e.file,
          line: 1,
          field: lang,
          message: `no ${lang} ${missing} (every entry is written in ${ENTRY_LANGS.join(', ')})`,
        });
        continue;
      }
      const bodyLang = detectLanguage(normalise(body));
      if (bodyLang !== lang && !(lang === 'en' && bodyLang === 'es' && /\b(the|of|and)\b/i.test(body)))
        problems.push({
          file: e.file,
          line: 1,
          field: `body.${lang}`,
          message: `reads as ${bodyLang}, not ${lang}`,
        });
      const problem = titleProblem(title, lang, e);
      if (problem) problems.push({ file: e.file, line: 1, field: `title.${lang}`, message: problem });
    }
  }
  return problems;
}

const placeholders = (text: string) =>
  [...text.matchAll(/\{(\w+)\}/g)]
    .map((m) => m[1])
    .sort()
    .join(',');

/**
 * Checks of the strings table: every language of ENTRY_LANGS has every key of `messages/en.yml`
 * (people see these labels on every card and button), with the same `{placeholders}`.
 */
export function checkMessages(content: Content): ContentProblem[] {
  const problems: ContentProblem[] = [];
  const en = content.messages.en ?? {};
  for (const lang of ENTRY_LANGS) {
    const messages = content.messages[lang] ?? {};
    for (const [key, text] of Object.entries(en)) {
      const file = `messages/${lang}.yml`;
      const own = messages[key];
      if (own === undefined) problems.push({ file, line: 1, field: key, message: 'missing' });
      else if (placeholders(own) !== placeholders(text))
        problems.push({
          file,
          line: 1,
          field: key,
          message: `placeholders {${placeholders(own)}} differ from English {${placeholders(text)}}`,
        });
    }
  }
  return problems;
}

function titleProblem(title: string, lang: string, e: KnowledgeEntry): string | undefined {
  const detected = detectLanguage(normalise(title));
  if (lang === 'ja' && !CJK.test(title)) return 'is not Japanese';
  if (lang === 'ja' && detected === 'zh') return 'reads as Chinese, not Japanese';
  if (lang === 'zh' && !CJK.test(title)) return 'is not Chinese';
  if (lang === 'zh' && /[\u3040-\u30FF]/.test(title)) return 'has kana: reads as Japanese, not Chinese';
  if ((lang === 'en' || lang === 'es') && CJK.test(title.replace(/[（(][^)）]*[)）]/g, '')))
    return `is not ${lang}`;
  if (lang === 'es' && title === e.title.en) return 'is the English title';
  return undefined;
}
