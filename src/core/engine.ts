import type { Logger } from 'pino';
import type { Content, KnowledgeEntry } from '../content/types.js';
import { buildClassifier, type IntentClassifier, type RuleMatch } from './classifier.js';
import {
  answerText,
  choiceFor,
  clarifyText,
  deskOf,
  fallbackText,
  handoffText,
  smalltalkText,
} from './compose.js';
import type { Engine } from './engine-types.js';
import { detectLanguage, replyLanguage } from './language.js';
import { type ConversationMemory, createConversationMemory } from './memory.js';
import { normalise } from './normalize.js';
import { buildSearchIndex, type Hit, questionKey, type SearchIndex } from './search-index.js';
import { tokenize } from './tokenize.js';
import {
  type Clock,
  type ContentLang,
  type DeskId,
  type Inquiry,
  type Lang,
  type Reply,
  type SchemeId,
  type SmalltalkKindLike,
  systemClock,
} from './types.js';

/**
 * Thresholds of the decision. Scores are BM25F sums (see search-index.ts); coverage is the share of
 * the question's known terms an entry matched.
 */
export const THRESHOLDS = {
  /** Below this top score nothing is answered. */
  minScore: 4,
  /** An answer needs at least this coverage of the question's known terms... */
  minCoverage: 0.5,
  /** ...and must explain at least this IDF-weighted share of the whole question, unknown words included. */
  minExplained: 0.4,
  /** A runner-up from another topic within this ratio of the top score makes the question ambiguous. */
  clarifyRatio: 0.88,
  /** A classifier guess alone decides smalltalk or a handoff only above this probability. */
  classifierAlone: 0.85,
} as const;

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/** Builds every index once; `respond` then only reads them. */
export function createEngine(deps: {
  content: Content;
  memory?: ConversationMemory;
  clock?: Clock;
  logger?: Logger;
}): Engine {
  const { content } = deps;
  const clock = deps.clock ?? systemClock;
  const memory = deps.memory ?? createConversationMemory({ clock });
  const index: SearchIndex = buildSearchIndex(content.knowledge);
  const classifier: IntentClassifier = buildClassifier(content.intents, content.knowledge);
  const entries = new Map(content.knowledge.map((e) => [e.id, e]));
  const answerIntent = new Map<SchemeId, string>();
  for (const r of content.intents) {
    if (r.action === 'answer' && r.scheme && !r.topic && !answerIntent.has(r.scheme))
      answerIntent.set(r.scheme, r.id);
  }

  function reply(
    base: Pick<Reply, 'action' | 'intent' | 'confidence' | 'text'> & Partial<Reply>,
    lang: Lang,
  ): Reply {
    return {
      scheme: null,
      desk: null,
      sources: [],
      asOf: null,
      suggestions: [],
      offerDesk: null,
      entries: [],
      ...base,
      lang,
      replyLang: base.replyLang ?? replyLanguage(lang),
      confidence: Math.round(base.confidence * 1000) / 1000,
    };
  }

  function answer(hit: Hit, intent: string | null, confidence: number, lang: Lang, rl: ContentLang): Reply {
    const e = hit.entry;
    const suggestions = e.related
      .map((id) => entries.get(id))
      .filter((x): x is KnowledgeEntry => x !== undefined)
      .slice(0, 3)
      .map((x) => choiceFor(x, rl));
    return reply(
      {
        action: 'answer',
        intent: intent ?? answerIntent.get(e.scheme) ?? null,
        confidence,
        text: answerText(e, lang, rl),
        scheme: e.scheme,
        sources: [e.source],
        asOf: e.asOf,
        suggestions,
        offerDesk: e.desk,
        entries: [e.id],
      },
      lang,
    );
  }

  function handoff(
    desk: DeskId,
    intent: string,
    confidence: number,
    scheme: SchemeId | null,
    lang: Lang,
    rl: ContentLang,
    used: string[],
  ): Reply {
    const d = deskOf(content, desk) ?? deskOf(content, 'general');
    return reply(
      {
        action: 'handoff',
        intent,
        confidence,
        text: d ? handoffText(d, rl) : '',
        scheme,
        desk: d?.id ?? desk,
        offerDesk: d?.id ?? desk,
        entries: used,
      },
      lang,
    );
  }

  function smalltalk(
    kind: SmalltalkKindLike,
    intent: string | null,
    confidence: number,
    lang: Lang,
    rl: ContentLang,
  ): Reply {
    const overviews = content.knowledge.filter((e) => e.topic === 'overview').slice(0, 3);
    return reply(
      {
        action: 'smalltalk',
        intent,
        confidence,
        text: smalltalkText(kind, content, rl),
        suggestions: kind === 'thanks' || kind === 'bye' ? [] : overviews.map((e) => choiceFor(e, rl)),
      },
      lang,
    );
  }

  function fallback(intent: string | null, confidence: number, lang: Lang, rl: ContentLang): Reply {
    const overviews = content.knowledge.filter((e) => e.topic === 'overview').slice(0, 3);
    return reply(
      {
        action: 'fallback',
        intent,
        confidence,
        text: fallbackText(content, rl),
        suggestions: overviews.map((e) => choiceFor(e, rl)),
        offerDesk: 'general',
      },
      lang,
    );
  }

  function decide(inquiry: Inquiry): Reply {
    const norm = normalise(inquiry.text);
    const lang = detectLanguage(norm);
    const rl = replyLanguage(lang);
    const tokens = tokenize(norm);
    const ctx = memory.get(inquiry.conversation);
    if (tokens.length === 0) {
      const rules = norm ? classifier.rules(norm) : [];
      const small = rules.find((m) => m.rule.action === 'smalltalk');
      return small
        ? smalltalk(small.rule.smalltalk ?? 'help', small.rule.id, 0.9, lang, rl)
        : smalltalk('empty', null, 0.5, lang, rl);
    }

    const rules = classifier.rules(norm);
    const best = (pred: (m: RuleMatch) => boolean) => rules.find(pred);
    const person = best((m) => m.rule.action === 'handoff' && m.rule.desk === 'general');
    const deskRule = best((m) => m.rule.action === 'handoff' && m.rule.desk !== 'general');
    const deskRequest = best(
      (m) => m.rule.action === 'handoff' && m.rule.desk !== 'general' && m.patterns > 0,
    );
    const small = best((m) => m.rule.action === 'smalltalk');
    const outOfScope = best((m) => m.rule.action === 'fallback');
    const schemeRule = best((m) => m.rule.action === 'answer' && m.rule.scheme !== undefined);
    const predictions = classifier.predict(tokens);
    const top = predictions[0];
    const topRule = top ? classifier.rule(top.intent) : undefined;

    // The programme the question names, else the one the classifier is sure of.
    let scheme: SchemeId | null = schemeRule?.rule.scheme ?? null;
    if (!scheme && topRule?.action === 'answer' && topRule.scheme && (top?.probability ?? 0) > 0.7)
      scheme = topRule.scheme;
    const followUp = !scheme && ctx?.scheme ? ctx.scheme : null;
    const boostScheme = scheme ?? followUp ?? undefined;
    const search = index.search(tokens, {
      exactKey: questionKey(norm),
      ...(boostScheme ? { boostScheme, boost: scheme ? 1.6 : 2.5 } : {}),
    });
    const [h1, h2] = search.hits;
    const knownShare = search.knownShare;
    const strong =
      h1 !== undefined &&
      h1.score >= THRESHOLDS.minScore &&
      h1.coverage >= THRESHOLDS.minCoverage &&
      h1.explained >= THRESHOLDS.minExplained;

    // 1. A request for a person, or a desk-specific request.
    const classifierHandoff =
      !person &&
      !deskRequest &&
      !strong &&
      topRule?.action === 'handoff' &&
      (top?.probability ?? 0) >= THRESHOLDS.classifierAlone;
    if (person || deskRequest || classifierHandoff) {
      const used = strong && h1 ? [h1.entry.id] : [];
      const to = (desk: DeskId, intent: string, confidence: number, s: SchemeId | null, entries = used) =>
        handoff(desk, intent, confidence, s, lang, rl, entries);
      const personIntent = person?.rule.id ?? 'handoff.person';
      if (deskRequest?.rule.desk)
        return to(deskRequest.rule.desk, deskRequest.rule.id, 0.92, deskRequest.rule.scheme ?? scheme);
      if (deskRule?.rule.desk)
        return to(deskRule.rule.desk, deskRule.rule.id, 0.88, deskRule.rule.scheme ?? scheme);
      if (strong && h1 && scheme === h1.entry.scheme)
        return to(h1.entry.desk, personIntent, 0.8, h1.entry.scheme);
      if (ctx?.desk) return to(ctx.desk, personIntent, 0.75, ctx.scheme, ctx.entry ? [ctx.entry] : []);
      if (classifierHandoff && topRule?.desk)
        return to(topRule.desk, topRule.id, top?.probability ?? 0.5, topRule.scheme ?? null);
      return to('general', personIntent, 0.65, scheme);
    }

    // 2. Greetings, thanks, help: only when the message is not also a real question.
    if (small && (!strong || small.patterns > 0)) {
      return smalltalk(small.rule.smalltalk ?? 'help', small.rule.id, 0.9, lang, rl);
    }
    if (
      !small &&
      !strong &&
      topRule?.action === 'smalltalk' &&
      (top?.probability ?? 0) >= THRESHOLDS.classifierAlone &&
      tokens.length <= 4
    ) {
      return smalltalk(topRule.smalltalk ?? 'help', topRule.id, top?.probability ?? 0.5, lang, rl);
    }

    // 3. Out of scope, unless the knowledge base knows every word of the question.
    if (outOfScope && !(strong && h1 && search.unknown.length === 0 && h1.coverage >= 0.75)) {
      return fallback(outOfScope.rule.id, 0.85, lang, rl);
    }

    // 4. An answer from the knowledge base, or a choice between close candidates.
    if (strong && h1) {
      const margin = h2 ? (h1.score - h2.score) / h1.score : 1;
      // Ambiguous: a runner-up from another programme that matches as much of the question.
      const ambiguous =
        h2 !== undefined &&
        !scheme &&
        !followUp &&
        !search.exact &&
        h2.score >= THRESHOLDS.clarifyRatio * h1.score &&
        h2.coverage >= h1.coverage &&
        h2.entry.scheme !== h1.entry.scheme;
      if (ambiguous) {
        const candidates = search.hits
          .filter((h) => h.score >= THRESHOLDS.clarifyRatio * h1.score * 0.9)
          .filter(
            (h, i, all) =>
              all.findIndex((x) => x.entry.scheme === h.entry.scheme && x.entry.topic === h.entry.topic) ===
              i,
          )
          .slice(0, 3);
        return reply(
          {
            action: 'clarify',
            intent: null,
            confidence: sigmoid(-1 + 2 * margin),
            text: clarifyText(rl),
            suggestions: candidates.map((h) => ({
              ...choiceFor(h.entry, rl),
              label: `${h.entry.title[rl]}`,
            })),
            entries: candidates.map((h) => h.entry.id),
          },
          lang,
        );
      }
      const agrees = scheme === null || scheme === h1.entry.scheme;
      const confidence = sigmoid(
        -3.2 +
          0.9 * Math.log1p(h1.score) +
          2.2 * h1.coverage +
          1.6 * margin +
          (agrees ? 0.6 : -0.8) +
          (knownShare - 0.5),
      );
      const intent = schemeRule?.rule.scheme === h1.entry.scheme ? schemeRule.rule.id : null;
      return answer(h1, intent, confidence, lang, rl);
    }

    // 5. Nothing fits well enough: say what is covered, and offer a person.
    const confidence = h1 ? 0.75 - Math.min(0.35, h1.score / 40) : 0.8;
    return fallback(null, confidence, lang, rl);
  }

  return {
    content,
    respond(inquiry) {
      const r = decide(inquiry);
      const focusEntry = r.action === 'answer' ? entries.get(r.entries[0] ?? '') : undefined;
      memory.record(
        inquiry.conversation,
        {
          at: clock.now().toISOString(),
          user: inquiry.user.id,
          text: inquiry.text.length > 2000 ? `${inquiry.text.slice(0, 2000)}…` : inquiry.text,
          reply: {
            action: r.action,
            intent: r.intent,
            confidence: r.confidence,
            scheme: r.scheme,
            desk: r.desk,
            text: r.text,
            entries: r.entries,
          },
        },
        { scheme: r.scheme, entry: focusEntry?.id ?? null, desk: focusEntry?.desk ?? r.desk },
      );
      deps.logger?.debug(
        { action: r.action, intent: r.intent, confidence: r.confidence, entries: r.entries },
        'inquiry decided',
      );
      return r;
    },
    transcript(conversation) {
      return memory.get(conversation)?.turns ?? [];
    },
  };
}
