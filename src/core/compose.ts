import { type Content, type Desk, inLang, type KnowledgeEntry } from '../content/types.js';
import type { Choice, ContentLang, DeskId, Lang, SmalltalkKindLike } from './types.js';

/** A reply string from `messages/<lang>.yml`, English where the language lacks it, placeholders filled. */
export function say(
  content: Pick<Content, 'messages'>,
  lang: ContentLang,
  key: string,
  values: Record<string, string | number> = {},
): string {
  const template = content.messages[lang]?.[key] ?? content.messages.en?.[key] ?? key;
  return template.replace(/\{(\w+)\}/g, (m, name: string) =>
    values[name] === undefined ? m : String(values[name]),
  );
}

/**
 * One line per programme, from the programme files; `dated` adds its announcement's date. A reply that
 * could not answer lists the names only: under "when is the next trade show?" a date reads as the answer.
 */
export function programmeList(content: Content, lang: ContentLang, dated = true): string[] {
  return content.programmes.map((p) =>
    dated ? `• ${inLang(p.name, lang)} (${formatDate(p.source.date, lang)})` : `• ${inLang(p.name, lang)}`,
  );
}

// Fixed lists, not toLocaleString: that builds an Intl.DateTimeFormat per call (~0.1 ms each, on every reply).
const MONTHS = {
  en: 'January February March April May June July August September October November December'.split(' '),
  es: 'enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre'.split(' '),
};

/** A date as the language writes it: October 26, 2015 · 2015年10月26日 · 26 de octubre de 2015. */
export function formatDate(iso: string, lang: ContentLang): string {
  const [y, m, d] = iso.split('-').map(Number);
  if (!y || !m || !d || m > 12) return iso;
  if (lang === 'ja' || lang === 'zh' || lang.startsWith('zh-')) return `${y}年${m}月${d}日`;
  if (lang === 'es') return `${d} de ${MONTHS.es[m - 1]} de ${y}`;
  return `${MONTHS.en[m - 1]} ${d}, ${y}`;
}

export function choiceFor(entry: KnowledgeEntry, lang: ContentLang): Choice {
  const questions = entry.questions[lang] ?? entry.questions.en;
  return { label: inLang(entry.title, lang), query: questions[0] ?? inLang(entry.title, lang) };
}

export function answerText(
  content: Content,
  entry: KnowledgeEntry,
  lang: Lang,
  replyLang: ContentLang,
): string {
  const note = replyLang !== lang && lang !== 'other' ? `${say(content, lang, 'otherLanguage')}\n\n` : '';
  return `${note}${inLang(entry.body, replyLang)}`;
}

export function smalltalkText(kind: SmalltalkKindLike, content: Content, lang: ContentLang): string {
  if (kind === 'thanks' || kind === 'bye' || kind === 'bot') return say(content, lang, kind);
  const help = [
    say(content, lang, 'helpIntro'),
    ...programmeList(content, lang),
    '',
    say(content, lang, 'helpPerson'),
  ].join('\n');
  if (kind === 'greeting') return `${say(content, lang, 'greeting')}\n\n${help}`;
  if (kind === 'empty') return `${say(content, lang, 'empty')}\n\n${help}`;
  return help;
}

export function clarifyText(content: Content, lang: ContentLang): string {
  return say(content, lang, 'clarify');
}

export function fallbackText(content: Content, lang: ContentLang): string {
  return [
    say(content, lang, 'fallback'),
    ...programmeList(content, lang, false),
    '',
    say(content, lang, 'fallbackPerson'),
  ].join('\n');
}

export function handoffText(content: Content, desk: Desk, lang: ContentLang): string {
  return say(content, lang, 'handoff', {
    desk: inLang(desk.name, lang),
    takes: inLang(desk.takes, lang),
    hours: desk.responseTargetHours,
  });
}

export function deskOf(content: Content, id: DeskId): Desk | undefined {
  return content.desks.desks.find((d) => d.id === id);
}
