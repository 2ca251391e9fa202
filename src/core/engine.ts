import type { Logger } from 'pino';
import type { Act, Content, KnowledgeEntry } from '../content/types.js';
import {
  answerText,
  choiceFor,
  clarifyText,
  deskOf,
  fallbackText,
  handoffText,
  smalltalkText,
} from './compose.js';
import { confidenceOf, PRIOR_CALIBRATION } from './confidence.js';
import type { Engine } from './engine-types.js';
import { buildIntentRules, type IntentRules, type RuleMatch } from './intent-rules.js';
import { type ConversationMemory, createConversationMemory } from './memory.js';
import { normalise } from './normalize.js';
import { routeRequest } from './route.js';
import { buildSearchIndex, type Hit, questionKey, type SearchIndex } from './search-index.js';
import { tokenize } from './tokenize.js';
import {
  type Candidate,
  type Clock,
  type ContentLang,
  type DeskId,
  type Explanation,
  type Inquiry,
  type Lang,
  type QuestionKind,
  type Reply,
  type SchemeId,
  type SmalltalkKindLike,
  systemClock,
} from './types.js';
import { buildReader, type ModelCache, type Reader, type Reading } from './understand.js';

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
  minExplained: 0.35,
  /** A runner-up from another programme within this ratio of the top score makes the question ambiguous. */
  clarifyRatio: 0.88,
  /** A question of a kind (who, when…) with no programme: runners-up this close are as likely. */
  clarifyKindRatio: 0.75,
  /** The same topic in another programme matching this share of the question's terms makes it ambiguous. */
  clarifyTopicCoverage: 0.35,
  /** A question in words every programme's entries use: a runner-up this close is as likely. */
  clarifyGenericRatio: 0.5,
  /** A desk needs this routing score, else the request goes to triage. */
  minDeskScore: 0.9,
  /** An answer less likely right than this is not given: the bot offers a person instead. */
  answerConfidence: 0.5,
  /** A sentence the act model reads as a request this surely makes a long message a request. */
  requestSentence: 0.7,
  /** A short message within this many terms can be an elliptical follow-up. */
  followUpTerms: 5,
  /**
   * An entry this close to the best that fits the question better (states the detail asked for, or
   * matches strongly where the best does not) is answered instead.
   */
  preferRatio: 0.8,
} as const;

/** A message this short is one question: a name in it that no entry mentions is what it is about. */
const SHORT_QUESTION = 160;
/**
 * Names as written: a capitalised Latin word of five letters or more, not opening a sentence. (Katakana
 * words are mostly loanwords for common nouns, リゾート, ケース: not names.)
 */
const NAME_LIKE = /(?<=[^.!?。！？\s]\s+)[A-Z][a-z]{4,}\b/gu;

/**
 * The first name-like word of `text` whose every term the knowledge search did not know (`unknown`,
 * after typo correction and synonyms), if any.
 */
function strangerIn(text: string, unknown: ReadonlySet<string>): string | undefined {
  if (unknown.size === 0) return undefined;
  for (const [word] of text.matchAll(NAME_LIKE)) {
    const terms = tokenize(normalise(word)).map((t) => t.term);
    if (terms.length > 0 && terms.every((t) => unknown.has(t))) return word;
  }
  return undefined;
}

/** Entries answered besides the best one when a message asks several questions. */
const MAX_ALSO = 2;

/** Kinds of question only an entry that declares the kind can answer. */
const PRECISE_KINDS = new Set<QuestionKind>(['how-much']);

/** Builds every index and model once; `respond` then only reads them. */
export function createEngine(deps: {
  content: Content;
  memory?: ConversationMemory;
  clock?: Clock;
  logger?: Logger;
  /** Where the trained act model and desk router are kept between starts (none: trained every time). */
  modelCache?: ModelCache;
}): Engine {
  const { content } = deps;
  const clock = deps.clock ?? systemClock;
  const memory = deps.memory ?? createConversationMemory({ clock });
  const index: SearchIndex = buildSearchIndex(content.knowledge, {
    synonyms: content.questionCues.synonyms,
    fillers: content.questionCues.fillers,
  });
  const classifier: IntentRules = buildIntentRules(content.intents);
  const reader: Reader = buildReader(content, deps.modelCache);
  const calibration = content.calibration ?? PRIOR_CALIBRATION;
  const entries = new Map(content.knowledge.map((e) => [e.id, e]));
  const triage = content.desks.triage;
  const programmeDesks = new Map(content.programmes.map((p) => [p.id, p.desks]));
  const answerIntent = new Map<SchemeId, string>();
  for (const r of content.intents) {
    if (r.action === 'answer' && r.scheme && !r.topic && !answerIntent.has(r.scheme))
      answerIntent.set(r.scheme, r.id);
  }
  const overviewEntries = content.knowledge.filter((e) => e.topic === 'overview').slice(0, 3);
  const stringsLang = (lang: Lang): ContentLang => (content.messages[lang] ? lang : 'en');

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
      replyLang: base.replyLang ?? stringsLang(lang),
      confidence: Math.round(base.confidence * 1000) / 1000,
    };
  }

  function decide(inquiry: Inquiry): Reply {
    const u = reader.read(inquiry.text);
    const { lang } = u;
    const rl = stringsLang(lang);
    const ctx = memory.get(inquiry.conversation);
    const why: Explanation = {
      act: { id: 'ask', score: 0, by: '' },
      acts: u.acts.map((a) => ({ id: a.label, score: round(a.p), by: 'act model' })),
      kind: u.kind,
      focus: u.focus.length > 200 ? `${u.focus.slice(0, 200)}…` : u.focus,
      programmes: [],
      desks: [],
      entries: [],
      decidedBy: '',
      evidence: {},
    };
    if (u.tokens.length === 0) {
      const rules = u.norm ? classifier.rules(u.norm) : [];
      const small = rules.find((m) => m.rule.action === 'smalltalk');
      return explained(
        why,
        small
          ? smalltalk(small.rule.smalltalk ?? 'help', small.rule.id, 0.9, lang, rl)
          : smalltalk('empty', null, 0.5, lang, rl),
        small ? `rule ${small.rule.id}` : 'nothing to read',
      );
    }

    const rules = classifier.rules(u.norm);
    const person = rules.find((m) => m.rule.action === 'handoff' && m.rule.desk === triage);
    const deskRules = rules.filter((m) => m.rule.action === 'handoff' && m.rule.desk !== triage);
    const small = rules.find((m) => m.rule.action === 'smalltalk');
    const outOfScope = rules.find((m) => m.rule.action === 'fallback');
    const schemeRule = rules.find((m) => m.rule.action === 'answer' && m.rule.scheme !== undefined);

    // What it is about: the programme named (a programme's names, an answer rule, a desk's only programme).
    const named = new Map<SchemeId, Candidate>();
    for (const c of u.programmes) named.set(c.id, c);
    if (schemeRule?.rule.scheme && !named.has(schemeRule.rule.scheme))
      named.set(schemeRule.rule.scheme, {
        id: schemeRule.rule.scheme,
        score: 1,
        by: `rule ${schemeRule.rule.id}`,
      });
    for (const d of u.deskNames) {
      const schemes = deskOf(content, d.id)?.schemes ?? [];
      if (schemes.length === 1 && schemes[0] && !named.has(schemes[0]))
        named.set(schemes[0], { id: schemes[0], score: 0.5, by: `desk ${d.id} ${d.by}` });
    }
    const programmes = [...named.values()].sort((a, b) => b.score - a.score);
    const tied = programmes.filter((c) => c.score === programmes[0]?.score).map((c) => c.id);
    // Names of two programmes equally ("JETRO" and "Chongqing"): the knowledge decides between them.
    const scheme: SchemeId | null =
      tied.length > 1
        ? (index.search(u.focusTokens, {}).hits.find((h) => tied.includes(h.entry.scheme))?.entry.scheme ??
          tied[0] ??
          null)
        : (programmes[0]?.id ?? null);
    why.programmes = [...programmes].sort((a, b) => Number(b.id === scheme) - Number(a.id === scheme));

    // An elliptical follow-up ("and the fund?", "same question for the Mexico one") reuses the last question.
    const terms = new Set(u.focusTokens.map((t) => t.term)).size;
    const elliptical =
      ctx?.question !== undefined &&
      ctx.question !== null &&
      terms <= THRESHOLDS.followUpTerms &&
      (u.followUpCue || (u.kind === null && scheme !== null && scheme !== ctx.scheme));
    const kind = u.kind ?? (elliptical ? (ctx?.kind ?? null) : null);
    const kinds = u.kinds.length > 0 ? u.kinds : kind ? [kind] : [];
    const followUp = !scheme && ctx?.scheme ? ctx.scheme : null;
    const boostScheme = scheme ?? followUp ?? undefined;
    // An alternate question decides only when the programme is known: "who signed it?" alone is ambiguous.
    const searchOptions = boostScheme
      ? { exactKey: questionKey(u.focus), kinds, boostScheme, boost: scheme ? 1.6 : 2.5 }
      : { kinds };
    const current = index.search(u.focusTokens, searchOptions);
    // An elliptical follow-up ("¿y el fondo?") is first read on its own words, in the conversation's
    // programme; only when they answer nothing well are the last question's words added.
    // "Same for the Chongqing one", where that programme has no entry on the last one's topic: the last
    // question is asked again of the programme now named, even though its name alone matches an entry.
    const lastEntry = ctx?.entry ? entries.get(ctx.entry) : undefined;
    const movedOn =
      elliptical &&
      scheme !== null &&
      lastEntry !== undefined &&
      lastEntry.scheme !== scheme &&
      !entries.has(`${scheme}/${lastEntry.topic}`);
    let search =
      elliptical && ctx?.question && (movedOn || !isStrong(current.hits[0]))
        ? index.search(
            [
              ...tokenize(movedOn ? reader.unnamed(ctx.question, lastEntry.scheme) : ctx.question),
              ...u.subjectTokens,
            ],
            searchOptions,
          )
        : current;
    // Background around the question ("…, I need it for a report") dilutes it: when the whole focus
    // answers nothing well, the sentence that asks (or the question after its colon) is read on its own,
    // with the programme the message names elsewhere ("弊社は…アグアスカリエンテス州との覚書について資料を
    // 作っております。…署名したのはどなたでしたか？").
    if (!isStrong(search.hits[0])) {
      const names = u.programmeNames.map((name) => tokenize(name));
      for (const sentence of u.questions.flatMap(withQuestionAfterColon)) {
        const own = tokenize(sentence);
        const terms = new Set(own.map((t) => t.term));
        const elsewhere = names.flatMap((name) => (name.some((t) => terms.has(t.term)) ? [] : name));
        const alone = index.search([...elsewhere, ...own], searchOptions);
        if (
          isStrong(alone.hits[0]) &&
          (!isStrong(search.hits[0]) || alone.hits[0].score > search.hits[0].score)
        )
          search = alone;
      }
    }
    // "Same question for the Mexico one": the entry on the same topic in the programme now named.
    const lastTopic = elliptical && scheme && ctx?.entry ? entries.get(ctx.entry)?.topic : undefined;
    // The answer to "which programme do you mean?": the choice offered for the programme now named.
    const lastReply = ctx?.turns.at(-1)?.reply;
    const chosen =
      elliptical && lastReply?.action === 'clarify' && scheme
        ? lastReply.entries.map((id) => entries.get(id)).find((e) => e?.scheme === scheme)
        : undefined;
    const sameTopic = chosen ?? (lastTopic ? entries.get(`${scheme}/${lastTopic}`) : undefined);
    const [h1, h2] = sameTopic
      ? [
          {
            entry: sameTopic,
            score: Math.max(search.hits[0]?.score ?? 0, THRESHOLDS.minScore),
            coverage: 1,
            explained: 1,
          },
          ...search.hits.filter((h) => h.entry !== sameTopic),
        ]
      : inNamedProgramme(preferred(search.hits, u.details), programmes.length === 1 ? scheme : null);
    why.entries = search.hits.map((h) => ({
      id: h.entry.id,
      score: round(h.score),
      coverage: round(h.coverage),
    }));
    // A question of a precise kind (how much, when…) is not answered by an entry that declares it answers
    // other kinds: "what is the interest rate?" must not get the entry about JBIC's role.
    // ("How many offices, and at which organisations?" is answered by the entry that says who; the generic
    // "what" that a Japanese "…なんですか" adds to any question does not count.)
    const wrongKind =
      kind !== null &&
      PRECISE_KINDS.has(kind) &&
      h1 !== undefined &&
      h1.entry.answers.length > 0 &&
      !kinds.some((k) => k !== 'what' && h1.entry.answers.includes(k));
    const strong = h1 !== undefined && !wrongKind && isStrong(h1);

    // What the person wants to do: the act model, with the rules' evidence added.
    const p = {} as Record<Act, number>;
    for (const a of u.acts) p[a.label] = a.p;
    const score = { ...p };
    const because: Partial<Record<Act, string>> = {};
    if (person)
      addEvidence(score, because, 'request', person.patterns > 0 ? 0.6 : 0.3, `rule ${person.rule.id}`);
    const deskPattern = deskRules.find((m) => m.patterns > 0);
    if (deskPattern) addEvidence(score, because, 'request', 0.5, `rule ${deskPattern.rule.id}`);
    // One sentence of a long message that plainly asks for a person is a request, whatever else it asks.
    if (u.requestSentence >= THRESHOLDS.requestSentence)
      addEvidence(
        score,
        because,
        'request',
        u.requestSentence - p.request,
        'a sentence that asks for a person',
      );
    // A greeting before a real question ("こんにちは。ジャパンデスクとは？") is the question.
    const greetingThenQuestion = strong && kind !== null && small?.rule.smalltalk === 'greeting';
    // A smalltalk keyword decides only in a short message: "help" in the last line of a long request does not.
    const messageTerms = new Set(u.tokens.map((t) => t.term)).size;
    if (small && (small.patterns > 0 || messageTerms <= 4) && !greetingThenQuestion)
      addEvidence(score, because, 'chat', 0.6, `rule ${small.rule.id}`);
    if (outOfScope)
      addEvidence(
        score,
        because,
        'out-of-scope',
        outOfScope.patterns > 0 ? 1 : 0.5,
        `rule ${outOfScope.rule.id}`,
      );
    if (search.exact) addEvidence(score, because, 'ask', 1, 'an alternate question of an entry');
    else if (strong) addEvidence(score, because, 'ask', followUp !== null ? 0.15 : 0.05, 'knowledge match');
    if (u.asksSomeone) addEvidence(score, because, 'request', 0.4, 'asks to put the question to a person');
    // "Could you tell me which state it was?": however polite, a question the bot can answer.
    if (strong && u.tellMe) addEvidence(score, because, 'ask', 0.5, 'asks to be told a fact');
    if (strong && kind && h1?.entry.answers.includes(kind))
      addEvidence(score, because, 'ask', 0.3, `a ${kind} question the entry answers`);
    // "Which division at METI is in charge of this?": a detail the entry states is a question it answers.
    if (strong && u.details.length > 0 && reader.states(h1.entry, u.details))
      addEvidence(score, because, 'ask', 0.2, `asks for ${u.details.join(', ')}, which the entry states`);
    if (elliptical) addEvidence(score, because, 'ask', 1, 'follow-up of the last question');
    // "What date was that?" inside a conversation: a question word about the conversation's subject.
    else if (followUp !== null && kind !== null && terms <= THRESHOLDS.followUpTerms)
      addEvidence(score, because, 'ask', 0.4, `a ${kind} question about the conversation's programme`);
    const act = (Object.keys(score) as Act[]).reduce((a, b) => (score[b] > score[a] ? b : a));
    const actBy = because[act] ?? 'act model';
    // The act model's strongest features are worked out only when the explanation is read.
    why.act = {
      id: act,
      score: round(p[act]),
      get by() {
        return because[act] ?? `act model (${reader.actEvidence(u, act).join(', ')})`;
      },
    };

    // What a handoff is routed from, when the message is one.
    const request = {
      u,
      why,
      lang,
      scheme,
      entry: strong && h1 ? h1.entry : undefined,
      conversationDesk: ctx?.desk ?? null,
      deskRules,
      rule: person ?? deskPattern,
      request: p.request,
    };
    if (act === 'request') return handoff(`request: ${actBy}`, request);

    if (act === 'chat') {
      const kindOfChat = small?.rule.smalltalk ?? 'help';
      if (!(strong && search.exact)) {
        const evidence = { act: p.chat, rule: small ? 1 : 0 };
        return explained(
          why,
          smalltalk(
            kindOfChat,
            small?.rule.id ?? null,
            confidenceOf(calibration, 'smalltalk', evidence),
            lang,
            rl,
          ),
          `chat: ${actBy}`,
          evidence,
        );
      }
    }

    // Out of scope unless the knowledge base knows every word of it (a rule that names another topic
    // or country needs the whole question matched to be overridden).
    const knownWhole =
      strong && h1 !== undefined && search.unknown.length === 0 && h1.coverage >= (outOfScope ? 0.9 : 0.75);
    if (act === 'out-of-scope' && !knownWhole) {
      const evidence = { act: p['out-of-scope'], score: h1 ? Math.log1p(h1.score) : 0 };
      return explained(
        why,
        fallback(outOfScope?.rule.id ?? null, confidenceOf(calibration, 'fallback', evidence), lang, rl),
        `out of scope: ${actBy}`,
        evidence,
      );
    }

    if (strong && h1) {
      const margin = h2 ? (h1.score - h2.score) / h1.score : 1;
      const context = scheme !== null || followUp !== null;
      const rivals = search.hits.filter((h) => h.entry.scheme !== h1.entry.scheme);
      const rival = rivals[0];
      // The same topic in another programme that matches most of the question: "who signed it?" is
      // about the signing of whichever MOU the person has in mind.
      const sameTopicRivals = rivals.filter(
        (h) => h.entry.topic === h1.entry.topic && h.coverage >= THRESHOLDS.clarifyTopicCoverage,
      );
      // "What is JETRO's role in this?" with nothing before it: one name in the message stands for two
      // programmes (JETRO has a desk in each), and "this" points at one of them the bot cannot see.
      const pointedAt =
        !ctx?.scheme && !search.exact && programmes.length > 1 && u.programmeNames.length <= 1 && u.refersBack
          ? programmes
              .slice(0, 3)
              .map((c) =>
                c.id === h1.entry.scheme
                  ? h1
                  : index
                      .search(u.focusTokens, { kinds, boostScheme: c.id, boost: 2.5, limit: 20 })
                      .hits.find((h) => h.entry.scheme === c.id),
              )
              .filter((h): h is Hit => h !== undefined)
          : [];
      const ambiguous =
        pointedAt.length > 1 ||
        (rival !== undefined &&
          !context &&
          !search.exact &&
          ((rival.score >= THRESHOLDS.clarifyRatio * h1.score && rival.coverage >= h1.coverage) ||
            sameTopicRivals.length > 0 ||
            // Nothing in it that only one programme's entries say: "what was the MOU for?"
            (!search.specific && rival.score >= THRESHOLDS.clarifyGenericRatio * h1.score) ||
            (kind !== null &&
              rival.entry.answers.includes(kind) &&
              h1.entry.answers.includes(kind) &&
              rival.score >= THRESHOLDS.clarifyKindRatio * h1.score)));
      if (ambiguous) {
        const candidates = (
          pointedAt.length > 1
            ? pointedAt
            : sameTopicRivals.length > 0
              ? [h1, ...sameTopicRivals]
              : [h1, ...rivals]
        )
          .filter((h, i, all) => all.findIndex((x) => x.entry.scheme === h.entry.scheme) === i)
          .slice(0, 3);
        const evidence = { act: p.ask, margin };
        return explained(
          why,
          reply(
            {
              action: 'clarify',
              intent: null,
              confidence: confidenceOf(calibration, 'clarify', evidence),
              text: clarifyText(content, rl),
              suggestions: candidates.map((h) => choiceFor(h.entry, rl)),
              entries: candidates.map((h) => h.entry.id),
            },
            lang,
          ),
          'ask: entries of several programmes match as well',
          evidence,
        );
      }
      // "When was it announced? Which division is in charge?": each question its own entry, answered together.
      const also = sameTopic
        ? []
        : u.questions
            .map((sentence) => index.search(tokenize(sentence), searchOptions).hits[0])
            .filter((h): h is Hit => isStrong(h) && h.entry.scheme === h1.entry.scheme)
            .map((h) => h.entry)
            .filter((e, i, all) => e !== h1.entry && all.indexOf(e) === i)
            .slice(0, MAX_ALSO);
      // Not answered from the nearest entry, with the desk of that entry offered instead:
      // "when is the application deadline?", a detail no entry of the answer states (the best one's date
      // is the announcement's); "does JETRO have an MOU with Guangdong too?", a short question naming a
      // place or body no entry mentions.
      const later = search.exact ? [] : reader.laterYears(h1.entry, u);
      const unstated =
        later.length > 0 ||
        (!search.exact &&
          u.details.length > 0 &&
          ![h1.entry, ...also].some((e) => reader.states(e, u.details)));
      const stranger =
        !unstated && !elliptical && inquiry.text.length <= SHORT_QUESTION
          ? strangerIn(inquiry.text, new Set(search.unknown))
          : undefined;
      if (unstated || stranger !== undefined) {
        const evidence = { act: p.ask, score: Math.log1p(h1.score) };
        return explained(
          why,
          {
            ...fallback(null, confidenceOf(calibration, 'fallback', evidence), lang, rl),
            offerDesk: h1.entry.desk,
            entries: [h1.entry.id],
          },
          later.length > 0
            ? `ask: it asks about ${later.join(', ')}, after the best entry's "as of" date`
            : unstated
              ? `ask: it asks for ${u.details.join(', ')}, which the best entry does not state`
              : `ask: it names something no entry mentions ("${stranger}")`,
          evidence,
        );
      }
      const agrees = scheme === null || scheme === h1.entry.scheme;
      const evidence = {
        score: Math.log1p(h1.score),
        coverage: h1.coverage,
        explained: h1.explained,
        margin,
        agrees: agrees ? 1 : -1,
        known: search.knownShare,
        kind: kind === null || h1.entry.answers.length === 0 ? 0 : h1.entry.answers.includes(kind) ? 1 : -1,
        act: p.ask,
        exact: search.exact ? 1 : 0,
        followUp: elliptical || followUp !== null ? 1 : 0,
        // How clearly the act model reads a question, and how much of the message is background.
        actMargin: p.ask - Math.max(p.request, p.chat, p['out-of-scope']),
        background: u.focus === u.norm ? 0 : 1,
        named: scheme === null ? 0 : 1,
        han: lang === 'zh' || lang === 'ja' ? 1 : 0,
      };
      const intent = schemeRule?.rule.scheme === h1.entry.scheme ? schemeRule.rule.id : null;
      const confidence = confidenceOf(calibration, 'answer', evidence);
      // Not sure enough to answer: say what is covered and offer the desk that owns the likeliest entry.
      if (confidenceOf(calibration, 'answer', evidence, true) < THRESHOLDS.answerConfidence)
        return explained(
          why,
          { ...fallback(null, 1 - confidence, lang, rl), offerDesk: h1.entry.desk, entries: [h1.entry.id] },
          `ask: the best entry is below the answer threshold (${confidence})`,
          evidence,
        );
      return explained(
        why,
        answer(h1, intent, confidence, lang, also),
        sameTopic
          ? 'ask: the last question, on the same topic of the programme now named'
          : search.exact
            ? 'ask: an alternate question of the entry'
            : 'ask: best knowledge match',
        evidence,
      );
    }

    // No entry answers it. A message that also reads as a request goes to the desk it names.
    if (p.request >= 0.3 && (u.deskNames.length > 0 || deskRules.length > 0))
      return handoff('request: no entry answers, a desk is named', request);

    const evidence = { act: p.ask, score: h1 ? Math.log1p(h1.score) : 0 };
    return explained(
      why,
      fallback(null, confidenceOf(calibration, 'fallback', evidence), lang, rl),
      'ask: no entry answers it well enough',
      evidence,
    );
  }

  /** Hands a request off to the desk it is routed to (see `routeRequest`). */
  function handoff(
    decidedBy: string,
    d: {
      u: Reading;
      why: Explanation;
      lang: Lang;
      scheme: SchemeId | null;
      /** The entry that answers the message well, if one does. */
      entry: KnowledgeEntry | undefined;
      conversationDesk: DeskId | null;
      deskRules: RuleMatch[];
      /** The rule that asked for a person or a desk, if one did. */
      rule: RuleMatch | undefined;
      /** The act model's probability of a request. */
      request: number;
    },
  ): Reply {
    const routed = routeRequest(
      { triage, programmeDesks, minScore: THRESHOLDS.minDeskScore },
      {
        reading: d.u,
        scheme: d.scheme,
        entry: d.entry,
        conversationDesk: d.conversationDesk,
        deskRules: d.deskRules,
      },
    );
    d.why.desks = routed.candidates;
    const desk = routed.desk;
    const to = deskOf(content, desk) ?? deskOf(content, triage);
    const evidence = {
      act: d.request,
      desk: routed.score,
      deskMargin: routed.margin,
      named: d.u.deskNames.length > 0 ? 1 : 0,
      rule: d.rule ? 1 : 0,
    };
    const s =
      to?.schemes.length === 1 ? (to.schemes[0] ?? null) : (d.scheme ?? (d.entry ? d.entry.scheme : null));
    return explained(
      d.why,
      reply(
        {
          action: 'handoff',
          intent: d.rule?.rule.id ?? 'handoff.request',
          confidence: confidenceOf(calibration, 'handoff', evidence),
          text: to ? handoffText(content, to, stringsLang(d.lang)) : '',
          scheme: s,
          desk: to?.id ?? desk,
          offerDesk: to?.id ?? desk,
          entries: d.entry ? [d.entry.id] : [],
        },
        d.lang,
      ),
      decidedBy,
      evidence,
    );
  }

  /** A hit good enough to answer from: score, coverage of the question's known terms, share explained. */
  function isStrong(h: Hit | undefined): h is Hit {
    return (
      h !== undefined &&
      h.score >= THRESHOLDS.minScore &&
      h.coverage >= THRESHOLDS.minCoverage &&
      h.explained >= THRESHOLDS.minExplained
    );
  }

  /**
   * The best entry unless one nearly as good fits the question better: it states the detail asked for
   * ("METI's phone number for the scheme": the contact entry, not the overview), or it is a strong match
   * where the best is not (a broad entry that shares many words but covers too little of the question).
   */
  function preferred(hits: Hit[], details: readonly string[]): Hit[] {
    const top = hits[0];
    const fits = (h: Hit) => isStrong(h) && (details.length === 0 || reader.states(h.entry, details));
    if (top === undefined || fits(top)) return hits;
    const better = hits.find((h) => h !== top && h.score >= THRESHOLDS.preferRatio * top.score && fits(h));
    return better ? [better, ...hits.filter((h) => h !== better)] : hits;
  }

  /**
   * A sentence, and the question after its last colon when there is one ("my client asks: under the
   * MOU, what is JBIC's role?"): the words before a colon often only say who asks.
   */
  function withQuestionAfterColon(sentence: string): string[] {
    const at = Math.max(sentence.lastIndexOf(':'), sentence.lastIndexOf('：'));
    const after = at < 0 ? '' : sentence.slice(at + 1).trim();
    return after.length > 1 && /[?？]/.test(after) ? [sentence, after] : [sentence];
  }

  /**
   * Hits with those of the one programme the message names first: "the Japan desk's phone number" must
   * not be answered with another programme's contact entry because its words match better.
   */
  function inNamedProgramme(hits: Hit[], named: SchemeId | null): Hit[] {
    if (!named) return hits;
    return [...hits.filter((h) => h.entry.scheme === named), ...hits.filter((h) => h.entry.scheme !== named)];
  }

  function answer(
    hit: Hit,
    intent: string | null,
    confidence: number,
    lang: Lang,
    also: KnowledgeEntry[] = [],
  ): Reply {
    const e = hit.entry;
    const rl: ContentLang = e.body[lang] ? lang : 'en';
    const answered = [e, ...also];
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
        text: answered.map((x) => answerText(content, x, lang, x.body[rl] ? rl : 'en')).join('\n\n'),
        scheme: e.scheme,
        sources: answered
          .map((x) => x.source)
          .filter((src, i, all) => all.findIndex((o) => o.title === src.title) === i),
        asOf: answered.map((x) => x.asOf).sort()[0] ?? e.asOf,
        suggestions: suggestions.filter((c) => !also.some((x) => choiceFor(x, rl).query === c.query)),
        offerDesk: e.desk,
        entries: answered.map((x) => x.id),
        replyLang: rl,
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
    return reply(
      {
        action: 'smalltalk',
        intent,
        confidence,
        text: smalltalkText(kind, content, rl),
        suggestions:
          kind === 'thanks' || kind === 'bye' || kind === 'bot'
            ? []
            : overviewEntries.map((e) => choiceFor(e, rl)),
      },
      lang,
    );
  }

  function fallback(intent: string | null, confidence: number, lang: Lang, rl: ContentLang): Reply {
    return reply(
      {
        action: 'fallback',
        intent,
        confidence,
        text: fallbackText(content, rl),
        suggestions: overviewEntries.map((e) => choiceFor(e, rl)),
        offerDesk: triage,
      },
      lang,
    );
  }

  return {
    content,
    respond(inquiry) {
      const before = memory.get(inquiry.conversation);
      const r = decide(inquiry);
      const focusEntry = r.action === 'answer' ? entries.get(r.entries[0] ?? '') : undefined;
      const asked = r.action === 'answer' || r.action === 'clarify';
      // An elliptical follow-up ("the Mexico one", "and the fund?") asked the conversation's question
      // again: that question stays the one a further "same for Chongqing" refers to.
      const question =
        r.why?.evidence.followUp === 1 && before?.question
          ? { question: before.question, kind: r.why.kind ?? before.kind ?? null }
          : r.why
            ? { question: r.why.focus, kind: r.why.kind }
            : undefined;
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
        {
          // A reply without a programme (a fallback) still leaves the conversation on the one programme
          // the message named: "y desde cuándo…?" after an unanswered question about Aguascalientes.
          scheme: r.scheme ?? (r.why?.programmes.length === 1 ? (r.why.programmes[0]?.id ?? null) : null),
          entry: focusEntry?.id ?? null,
          desk: focusEntry?.desk ?? r.desk,
          ...(asked && question ? question : {}),
        },
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

const round = (x: number) => Math.round(x * 1000) / 1000;

/** The reply with the explanation of how it was decided. */
function explained(
  why: Explanation,
  r: Reply,
  decidedBy: string,
  evidence: Record<string, number> = {},
): Reply {
  why.decidedBy = decidedBy;
  why.evidence = evidence;
  r.why = why; // every reply is a fresh object
  return r;
}

/** Adds a rule's or a match's evidence to an act's score; the first reason given is the one kept. */
function addEvidence(
  score: Record<Act, number>,
  because: Partial<Record<Act, string>>,
  act: Act,
  by: number,
  reason: string,
): void {
  score[act] += by;
  because[act] ??= reason;
}
