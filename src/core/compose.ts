import type { Content, Desk, KnowledgeEntry } from '../content/types.js';
import type { Choice, ContentLang, DeskId, Lang, SmalltalkKindLike } from './types.js';

/** The short texts the bot says around the knowledge: greetings, prompts, handoff offers. */
const WORDS = {
  en: {
    greeting:
      "Hello, I'm Madoguchi, the inquiry desk for public programmes that support Japanese companies' overseas business.",
    thanks: "You're welcome. Ask me anything else about the programmes, or ask for a person at any time.",
    bye: 'Thank you for your questions. You can come back here at any time.',
    helpIntro: 'I answer questions about these programmes, with the source of each answer:',
    helpExamples: 'For example:',
    helpPerson: 'Ask for a person at any time and I will pass your question to the right desk.',
    clarify: 'Your question could be about more than one topic. Which one do you mean?',
    fallback: "I couldn't find that in the programmes I cover:",
    fallbackPerson:
      'Try asking in other words, or ask for a person and I will pass your question to our triage desk.',
    empty: 'Please type your question about the programmes below.',
    otherLanguage: 'The knowledge base is in English and Japanese; here is the answer in English.',
    handoff: (desk: string, takes: string, hours: number) =>
      `I can pass this to ${desk}, who handle: ${takes}\nShare your company name, a contact and what you need, and their staff will reply here (they aim to respond within ${hours} hours).`,
  },
  ja: {
    greeting:
      'こんにちは。Madoguchi（窓口）です。日本企業の海外事業を支援する公的プログラムについてのご質問にお答えします。',
    thanks:
      'どういたしまして。プログラムについて他にもご質問があればどうぞ。担当者との相談もいつでもお申し付けください。',
    bye: 'ご質問ありがとうございました。いつでもこちらでお尋ねください。',
    helpIntro: '次のプログラムについて、出典とともにお答えします。',
    helpExamples: '質問の例：',
    helpPerson: '担当者との相談をご希望の場合は、いつでもお申し付けください。適切な窓口におつなぎします。',
    clarify: 'ご質問は複数のトピックに当てはまる可能性があります。どちらについてお知りになりたいですか？',
    fallback: '対応しているプログラムの中に、該当する情報が見つかりませんでした。対応しているプログラム：',
    fallbackPerson:
      '言い換えてお試しいただくか、担当者との相談をお申し付けください。総合窓口におつなぎします。',
    empty: 'プログラムについてのご質問を入力してください。',
    otherLanguage: '',
    handoff: (desk: string, takes: string, hours: number) =>
      `${desk}におつなぎできます。担当：${takes}\n会社名、ご連絡先、ご用件をお知らせいただければ、担当者がこちらでご返信します（目安：${hours}時間以内）。`,
  },
} as const;

export type Words = typeof WORDS;

/** One line per programme: the overview entries' titles, which the knowledge files own. */
export function programmeList(content: Content, lang: ContentLang): string[] {
  const seen = new Set<string>();
  const lines: string[] = [];
  for (const e of content.knowledge) {
    if (seen.has(e.scheme)) continue;
    const overview = content.knowledge.find((x) => x.scheme === e.scheme && x.topic === 'overview') ?? e;
    seen.add(e.scheme);
    lines.push(`• ${overview.title[lang]} (${formatDate(overview.source.date, lang)})`);
  }
  return lines;
}

// A fixed list, not toLocaleString: that builds an Intl.DateTimeFormat per call (~0.1 ms each, on every reply).
const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

export function formatDate(iso: string, lang: ContentLang): string {
  const [y, m, d] = iso.split('-').map(Number);
  const month = MONTHS[(m ?? 0) - 1];
  if (!y || !month || !d) return iso;
  return lang === 'ja' ? `${y}年${m}月${d}日` : `${month} ${d}, ${y}`;
}

export function choiceFor(entry: KnowledgeEntry, lang: ContentLang): Choice {
  return { label: entry.title[lang], query: entry.questions[lang][0] ?? entry.title[lang] };
}

export function answerText(entry: KnowledgeEntry, lang: Lang, replyLang: ContentLang): string {
  const note = lang === 'zh' || lang === 'es' ? `${WORDS.en.otherLanguage}\n\n` : '';
  return `${note}${entry.body[replyLang]}`;
}

export function smalltalkText(kind: SmalltalkKindLike, content: Content, lang: ContentLang): string {
  const w = WORDS[lang];
  if (kind === 'thanks') return w.thanks;
  if (kind === 'bye') return w.bye;
  const help = [w.helpIntro, ...programmeList(content, lang), '', w.helpPerson].join('\n');
  if (kind === 'greeting') return `${w.greeting}\n\n${help}`;
  if (kind === 'empty') return `${w.empty}\n\n${help}`;
  return help;
}

export function clarifyText(lang: ContentLang): string {
  return WORDS[lang].clarify;
}

export function fallbackText(content: Content, lang: ContentLang): string {
  const w = WORDS[lang];
  return [w.fallback, ...programmeList(content, lang), '', w.fallbackPerson].join('\n');
}

export function handoffText(desk: Desk, lang: ContentLang): string {
  return WORDS[lang].handoff(desk.name[lang], desk.takes[lang], desk.responseTargetHours);
}

export function deskOf(content: Content, id: DeskId): Desk | undefined {
  return content.desks.desks.find((d) => d.id === id);
}
