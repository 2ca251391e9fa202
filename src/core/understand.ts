import type { Act, Content, Desk, KnowledgeEntry } from '../content/types.js';
import { ACTS } from '../content/types.js';
import { featureIds, textFeatures } from './features.js';
import { foldTraditional } from './han-variants.js';
import { detectLanguage } from './language.js';
import { decodeLinear, type Example, type LinearModel, trainLinear } from './linear.js';
import { lowerCasePattern } from './lower-case.js';
import { normalise } from './normalize.js';
import { buildPhraseMatcher, type PhraseMatcher, withoutPhrase } from './phrases.js';
import { type Token, tokenize } from './tokenize.js';
import type { Candidate, DeskId, Lang, QuestionKind, SchemeId } from './types.js';

/** What a message says, read once: its language, the question inside it, what the person wants to do. */
export interface Reading {
  norm: string;
  lang: Lang;
  tokens: Token[];
  /** The sentence(s) carrying the question or request; the whole message when it is short. */
  focus: string;
  focusTokens: Token[];
  /**
   * In a message of several sentences, each sentence that asks (a question mark or a question word):
   * the engine reads them one by one when the whole focus answers nothing well, so a sentence of
   * background before or after the question ("I need it for a report") cannot sink it.
   */
  questions: string[];
  /**
   * In a long message, the act model's request probability of its most request-like sentence: "does the
   * scheme help foreign companies? if so we'd like to be matched" asks a fact, then asks for a person.
   */
  requestSentence: number;
  /**
   * The focus asks to be told something it names with a question word ("could you tell me which state
   * it was?", "お名前を確認させていただけますでしょうか"), not for a person: a question however polite.
   */
  tellMe: boolean;
  /** The message wants its question put to a person ("can I ask someone at METI directly?", "应该找谁？"). */
  asksSomeone: boolean;
  kind: QuestionKind | null;
  /**
   * The particular details the focus asks for that only an entry stating them answers ("when is the
   * deadline?" asks for a deadline, not for any date): ids from the question-kinds file's `details`.
   */
  details: string[];
  /** Every kind of question the focus asks ("what does it do? who set it up?" asks two). */
  kinds: QuestionKind[];
  /** The message opens like an elliptical follow-up ("and the fund?"). */
  followUpCue: boolean;
  /**
   * The focus's tokens without its follow-up cue: of "同じ質問を重慶の方で", what the follow-up is about
   * (重慶), added to the last question's words when that question is asked again. Read when first asked for.
   */
  readonly subjectTokens: Token[];
  /** The message points back at the conversation's subject ("that fund", "そちらの窓口"); read when first asked for. */
  readonly refersBack: boolean;
  acts: Array<{ label: Act; p: number }>;
  /** Programmes named anywhere in the message. */
  programmes: Candidate[];
  /** The programme names found in the message, as written there (normalised). */
  programmeNames: string[];
  /** Desks whose organisation is named anywhere in the message. */
  deskNames: Candidate[];
  /** The desk router's probabilities for the whole message; worked out when first asked for. */
  readonly deskModel: Array<{ label: DeskId; p: number }>;
}

/**
 * Where trained models are kept between starts, keyed by content version: a restart on unchanged
 * content reads them instead of training again. Reads of a missing or broken entry return undefined.
 */
export interface ModelCache {
  read(key: string): Uint8Array | undefined;
  write(key: string, bytes: Uint8Array): void;
}

/** Part of every cache key: bump it when features or training change, so old models are not read. */
const MODEL_FORMAT = 'm2';

/** A model from the cache, else trained (and written to the cache). */
function cached<L extends string>(
  cache: ModelCache | undefined,
  key: string,
  train: () => LinearModel<L>,
): LinearModel<L> {
  const hit = cache?.read(key);
  const model = hit ? decodeLinear<L>(hit) : undefined;
  if (model) return model;
  const trained = train();
  cache?.write(key, trained.encode());
  return trained;
}

export interface Reader {
  read(text: string): Reading;
  actEvidence(reading: Reading, act: Act): string[];
  /** Whether an entry's text, in any language, states one of `details` (a deadline, fees…). */
  states(entry: KnowledgeEntry, details: readonly string[]): boolean;
  /**
   * The years a message asks about that come well after the entry's "as of" date and that the entry does
   * not mention: "2024年も重慶で展示会はありますか" asks what an announcement of 2013 cannot know. The
   * year after it does not count: "推進室は2016年に設置?" asks about the plan, which the entry answers.
   */
  laterYears(entry: KnowledgeEntry, reading: Reading): number[];
  /** A text with the names of a programme taken out: the rest of a question asked about it. */
  unnamed(text: string, scheme: SchemeId): string;
}

/**
 * A text as the models read it: normalised, and a Chinese one in simplified characters (the Chinese
 * knowledge is simplified, so 簽署備忘錄 reads as 签署备忘录).
 */
function readable(text: string): { norm: string; lang: Lang } {
  const raw = normalise(text);
  const lang = detectLanguage(raw);
  return { norm: lang === 'zh' ? foldTraditional(raw) : raw, lang };
}

/** "the fund office" → "fund office", "la oficina del fondo" → "oficina del fondo". */
const withoutArticle = (phrase: string) => phrase.replace(/^(the|el|la|los|las)\s+/i, '');

const HIRAGANA = /[\u3041-\u3096]/;
const KATAKANA = /[\u30a1-\u30f6]/g;

/**
 * Japanese written with katakana where hiragana belongs, as old systems and half-width kana write it
 * (「ﾌｧﾝﾄﾞｶﾗ出資ｼﾃﾓﾗｴﾙｶ、担当ﾉ方ﾄ相談ｼﾀｲ」, made full-width by NFKC), in hiragana: how it asks
 * (…の方と相談したい) is then read as in any other message. Loanwords come out in hiragana too, so this
 * copy is only for reading what the person wants to do; names and the knowledge search read the text
 * as written. Other text is returned as it is.
 */
function asHiragana(norm: string, lang: Lang): string {
  if (lang !== 'ja' || HIRAGANA.test(norm)) return norm;
  return norm.replace(KATAKANA, (c) => String.fromCharCode(c.charCodeAt(0) - 0x60));
}

/** Long messages are split into sentences and read for the one that asks. */
const LONG_MESSAGE = 90;
/**
 * A sentence: up to its full stop, question or exclamation mark, with a closing quotation mark; a list
 * bullet (•, ●, ■, ▪, ◦, ‣) starts a new one, since a pasted checklist is one question a bullet.
 */
const SENTENCE = /[^.!?。！？\n•●■▪◦‣]+[.!?。！？]*[」』”"]?/gu;
/** Years after an announcement that a question may ask of its plans ("the offices, in 2016?"). */
const NEAR_TERM_YEARS = 1;
/** A year of the Gregorian calendar written in figures (NFKC has made full-width digits ASCII). */
const YEAR = /(?<!\d)(?:19[5-9]\d|20\d\d)(?!\d)/g;
/** Where one sentence goes on to ask a second question: ", and which…", ", y ¿cuándo…", "、あと…", "，还有…". */
const SECOND_QUESTION =
  /,\s*(?:and (?:also )?)(?=(?:what|which|who|when|where|how|why)\b)|,\s*y\s+(?=¿?(?:qu[eé]|cu[aá]l|qui[eé]n|cu[aá]ndo|d[oó]nde|c[oó]mo)\b)|[、，,]\s*(?=(?:あと|それと|それから|还有|還有|另外|以及))/u;
/** A quotation in a message: 「…」, 『…』, “…” or "…". */
const QUOTATION = /[「『“"]([^「」『』“”"]{6,})[」』”"]/gu;
/** Cap on knowledge questions used to train the act model (a 10,000-entry base needs no more). */
const MAX_ASK_EXAMPLES = 4000;

/** Every language's texts of a localized field. */
function every(m: Partial<Record<string, string | string[]>>): string[] {
  return Object.values(m).flatMap((v) => (v === undefined ? [] : v));
}

/** The sentences of a text (of more than one character). */
function sentencesOf(text: string): string[] {
  return (text.match(SENTENCE) ?? []).map((s) => s.trim()).filter((s) => s.length > 1);
}

/**
 * The names found in a message as candidates. Each distinct name counts once, shared between the labels
 * it names ("JETRO" names two desks), and a name inside a longer one found ("jetro" in "jetro chongqing",
 * whichever label that one has) not at all: the longer name says which it is.
 */
function named<L extends string>(hits: Array<{ label: L; phrase: string }>): Candidate[] {
  if (hits.length === 0) return [];
  const labelsOf = new Map<string, Set<L>>();
  for (const h of hits) labelsOf.set(h.phrase, (labelsOf.get(h.phrase) ?? new Set()).add(h.label));
  const out = new Map<L, Candidate>();
  const seen = new Set<string>();
  for (const h of hits) {
    const key = `${h.label}\0${h.phrase}`;
    if (seen.has(key)) continue;
    seen.add(key);
    if (hits.some((o) => o.phrase !== h.phrase && o.phrase.includes(h.phrase))) continue;
    const share = 1 / (labelsOf.get(h.phrase)?.size ?? 1);
    const c = out.get(h.label);
    if (c) c.score = Math.round((c.score + share) * 1000) / 1000;
    else
      out.set(h.label, {
        id: h.label,
        score: Math.round(share * 1000) / 1000,
        by: `name "${h.phrase}"`,
      });
  }
  return [...out.values()].sort((a, b) => b.score - a.score);
}

/** Trains the act classifier and desk router from content; cheap enough to run at every (re)load. */
export function buildReader(content: Content, cache?: ModelCache): Reader {
  const key = (name: string) => `${MODEL_FORMAT}-${content.version}-${name}`;
  const acts = cached(cache, key('acts'), () => trainActModel(content));
  const desks = content.desks.desks;
  const deskModel = cached(cache, key('desks'), () => trainDeskModel(desks, content));
  // A desk is named by its names and aliases, and by a description written out in full ("the
  // government-affiliated bank for co-operatives"), without its leading article.
  const deskNames: PhraseMatcher<DeskId> = buildPhraseMatcher(
    desks.flatMap((d) =>
      [...every(d.aliases), ...every(d.name), ...every(d.descriptions).map(withoutArticle)].map((phrase) => ({
        phrase,
        label: d.id,
      })),
    ),
  );
  const programmeNames: PhraseMatcher<SchemeId> = buildPhraseMatcher(
    content.programmes.flatMap((p) => every(p.aliases).map((phrase) => ({ phrase, label: p.id }))),
  );
  const kinds = content.questionCues.kinds.map((k) => ({
    kind: k.kind,
    patterns: k.patterns.map(lowerCasePattern),
  }));
  const followUps = content.questionCues.followUps.map(lowerCasePattern);
  const followUpCues = content.questionCues.followUps.map((p) => new RegExp(p.source, `${p.flags}g`));
  const tellMe = content.questionCues.tellMe.map(lowerCasePattern);
  const askSomeone = content.questionCues.askSomeone.map(lowerCasePattern);
  const backReferences = content.questionCues.backReferences.map(lowerCasePattern);
  const details = content.questionCues.details.map((d) => ({
    detail: d.detail,
    pattern: lowerCasePattern(d.pattern),
  }));
  // The details each entry states, worked out the first time a question asks for one.
  /** What each entry's text (every language: title, body, questions, tags) states: details and years. */
  const entryFacts = new WeakMap<
    KnowledgeEntry,
    { details: ReadonlySet<string>; years: ReadonlySet<number> }
  >();
  const factsOf = (entry: KnowledgeEntry) => {
    let facts = entryFacts.get(entry);
    if (!facts) {
      const text = normalise(
        [entry.title, entry.body, entry.questions, entry.tags].flatMap((m) => every(m)).join('\n'),
      );
      facts = {
        details: new Set(details.filter((d) => d.pattern.test(text)).map((d) => d.detail)),
        years: new Set([...text.matchAll(YEAR)].map((m) => Number(m[0]))),
      };
      entryFacts.set(entry, facts);
    }
    return facts;
  };

  /** The kinds of question a text asks, most specific first (the order of the question-kinds file). */
  const kindsOf = (text: string): QuestionKind[] =>
    kinds.filter((k) => k.patterns.some((p) => p.test(text))).map((k) => k.kind);
  // The first kind of each sentence of the message being read (the focus and the questions ask again).
  const sentenceKinds = new Map<string, QuestionKind | null>();
  const kindOf = (text: string): QuestionKind | null => {
    let kind = sentenceKinds.get(text);
    if (kind === undefined) {
      kind = kinds.find((k) => k.patterns.some((p) => p.test(text)))?.kind ?? null;
      sentenceKinds.set(text, kind);
    }
    return kind;
  };

  /** "Please tell me…", not "please let me ask the desk…". */
  const tellsMe = (text: string) => tellMe.some((p) => p.test(text)) && !askSomeone.some((p) => p.test(text));
  /**
   * A text that asks the bot to tell it something of a kind (who, which…) or whether something is so
   * ("想确认一下：…是不是有这一条？"): a question, not a request.
   */
  const asksToBeTold = (text: string) => (kindOf(text) !== null || /[?？]/.test(text)) && tellsMe(text);

  function focusOf(norm: string): { focus: string; request: number } {
    if (norm.length < LONG_MESSAGE) return { focus: norm, request: 0 };
    const sentences = sentencesOf(norm);
    if (sentences.length < 2) return { focus: norm, request: 0 };
    const asking = sentences.map((s) => /[?？]/.test(s) || kindOf(s) !== null);
    const anyAsks = asking.includes(true);
    const scored = sentences.map((s, i) => {
      const p = acts.predict(featureIds(s));
      // "I'd like to ask about the MOU: which state was it?" is the question, not a request; so is
      // "A client asked me what JETRO's role is. I'd be grateful if you could tell me": the "tell me"
      // sentence asks the bot to answer the other one.
      const request = asksToBeTold(s) ? 0 : (p.find((x) => x.label === 'request')?.p ?? 0);
      const want = (p.find((x) => x.label === 'ask')?.p ?? 0) + request;
      const asks = asking[i] as boolean;
      const late = i === sentences.length - 1 ? 0.15 : 0;
      const forPerson = anyAsks && tellsMe(s) ? 0 : request;
      return { s, asks, request: forPerson, score: want + (asks ? 0.4 : 0) + late };
    });
    const best = Math.max(...scored.map((x) => x.score));
    // Every sentence that asks is part of the question ("who gives the advice? only JBIC?"); of the
    // rest, only those that read as much like a question or request as the best one.
    return {
      focus: scored
        .filter((x) => (x.asks && x.score >= best * 0.6) || x.score >= best * 0.9)
        .map((x) => x.s)
        .join(' '),
      request: Math.max(...scored.map((x) => x.request)),
    };
  }

  /**
   * The question a message quotes, when it quotes one: "a client asked us 「what is JETRO's role in the
   * scheme?」, could you tell me?" asks what the quotation asks; the words around it only say who asked.
   */
  function quotedQuestion(text: string): string | undefined {
    const asked = [...text.matchAll(QUOTATION)]
      .map((m) => (m[1] as string).trim())
      .filter((q) => /[?？]/.test(q) || kindOf(q) !== null);
    return asked.length > 0 ? asked.join(' ') : undefined;
  }

  /**
   * The sentences that ask, when the message has more than one; a single sentence that goes on to a
   * second question ("…the release date, and which division is in charge?") counts as two.
   */
  function questionsOf(norm: string): string[] {
    let sentences = sentencesOf(norm);
    if (sentences.length === 1)
      sentences = (sentences[0] as string)
        .split(SECOND_QUESTION)
        .map((s) => s.trim())
        .filter((s) => s.length > 1);
    if (sentences.length < 2) return [];
    return sentences.filter((s) => /[?？]/.test(s) || kindOf(s) !== null);
  }

  return {
    read(text) {
      sentenceKinds.clear();
      const { norm, lang } = readable(text);
      const tokens = tokenize(norm);
      const { focus: sentence, request: requestSentence } = focusOf(norm);
      const focus = quotedQuestion(sentence) ?? sentence;
      const focusTokens = focus === norm ? tokens : tokenize(focus);
      const features = featureIds(focus, focusTokens);
      // How it asks, read in hiragana when it is written in katakana (asHiragana).
      const howAsked = asHiragana(focus, lang);
      const actFeatures = howAsked === focus ? features : featureIds(howAsked);
      const kinds = kindsOf(howAsked);
      const namesFound = programmeNames.find(norm);
      let refersBack: boolean | undefined;
      let subjectTokens: Token[] | undefined;
      let desks: Array<{ label: DeskId; p: number }> | undefined;
      return {
        norm,
        lang,
        tokens,
        focus,
        focusTokens,
        questions: questionsOf(focus),
        requestSentence,
        tellMe: asksToBeTold(howAsked),
        asksSomeone: askSomeone.some((p) => p.test(asHiragana(norm, lang))),
        kind: kinds[0] ?? null,
        details: [...new Set(details.filter((d) => d.pattern.test(howAsked)).map((d) => d.detail))],
        kinds,
        followUpCue: followUps.some((p) => p.test(focus)),
        acts: acts.predict(actFeatures),
        programmes: named(namesFound),
        programmeNames: [...new Set(namesFound.map((h) => h.phrase))],
        deskNames: named(deskNames.find(norm)),
        // Only a follow-up is read again without its cue: read when first asked for.
        get subjectTokens() {
          subjectTokens ??= tokenize(followUpCues.reduce((text, cue) => text.replace(cue, ' '), focus));
          return subjectTokens;
        },
        // Read when first asked for: the desk model to route a request, the back reference also for a
        // question whose one name stands for two programmes ("JETRO's role in this?").
        get refersBack() {
          refersBack ??= backReferences.some((p) => p.test(norm));
          return refersBack;
        },
        // The desk is read from the whole message: the background says who is asking and for what.
        get deskModel() {
          desks ??= deskModel.predict(focus === norm ? features : featureIds(norm, tokens));
          return desks;
        },
      };
    },
    actEvidence(reading, act) {
      return acts.evidence(textFeatures(reading.focus), act);
    },
    unnamed(text, scheme) {
      let rest = normalise(text);
      for (const hit of programmeNames.find(rest))
        if (hit.label === scheme) rest = withoutPhrase(rest, hit.phrase);
      return rest;
    },
    laterYears(entry, reading) {
      const asOf = Number(entry.asOf?.slice(0, 4));
      if (!Number.isFinite(asOf)) return [];
      const asking = reading.questions.length > 0 ? reading.questions.join(' ') : reading.focus;
      const years = [...asking.matchAll(YEAR)]
        .map((m) => Number(m[0]))
        .filter((y) => y > asOf + NEAR_TERM_YEARS);
      if (years.length === 0) return [];
      const mentioned = factsOf(entry).years;
      return [...new Set(years)].filter((y) => !mentioned.has(y));
    },
    states(entry, asked) {
      const stated = factsOf(entry).details;
      return asked.some((d) => stated.has(d));
    },
  };
}

/** Act model: the acts file, the intent rules' examples, the desks' requests and the entries' questions. */
function trainActModel(content: Content): LinearModel<Act> {
  const actExamples: Array<Example<Act>> = [];
  const add = (text: string, label: Act, weight = 1) => {
    const ids = featureIds(readable(text).norm);
    if (ids.length > 0) actExamples.push({ ids, label, weight });
  };
  for (const act of ACTS) for (const text of every(content.acts[act])) add(text, act);
  const ruleAct: Record<string, Act> = {
    answer: 'ask',
    handoff: 'request',
    smalltalk: 'chat',
    fallback: 'out-of-scope',
  };
  for (const rule of content.intents)
    for (const text of every(rule.examples)) add(text, ruleAct[rule.action] as Act, 0.7);
  for (const desk of content.desks.desks) for (const text of every(desk.examples)) add(text, 'request', 0.7);
  const questions = content.knowledge.flatMap((e) => every(e.questions));
  const stride = Math.max(1, Math.ceil(questions.length / MAX_ASK_EXAMPLES));
  for (let i = 0; i < questions.length; i += stride) add(questions[i] as string, 'ask', 0.5);
  return trainLinear(ACTS, actExamples);
}

/** Desk router: each desk's example requests, descriptions, aliases and what it takes, in every language. */
function trainDeskModel(desks: Desk[], content: Content): LinearModel<DeskId> {
  const examples: Array<Example<DeskId>> = [];
  const add = (text: string, label: DeskId, weight = 1) => {
    const ids = featureIds(readable(text).norm);
    if (ids.length > 0) examples.push({ ids, label, weight });
  };
  for (const d of desks) {
    for (const t of every(d.examples)) add(t, d.id);
    for (const t of every(d.descriptions)) add(t, d.id, 0.8);
    for (const t of [...every(d.aliases), ...every(d.name)]) add(t, d.id, 0.5);
    for (const t of every(d.takes)) add(t, d.id, 0.8);
  }
  const known = new Set(desks.map((d) => d.id));
  for (const e of content.knowledge.slice(0, 2000))
    if (known.has(e.desk)) for (const t of every(e.title)) add(t, e.desk, 0.3);
  return trainLinear(
    desks.map((d) => d.id),
    examples,
  );
}
