import BayesClassifier from 'natural/lib/natural/classifiers/bayes_classifier.js';
import type { IntentRule, KnowledgeEntry } from '../content/types.js';
import { normalise } from './normalize.js';
import { buildPhraseMatcher } from './phrases.js';
import { type Token, tokenize } from './tokenize.js';

export interface RuleMatch {
  rule: IntentRule;
  /** Distinct keywords found. */
  keywords: number;
  /** Patterns that matched. */
  patterns: number;
  /** 2 per pattern + 1 per keyword. */
  score: number;
}

export interface Prediction {
  intent: string;
  /** Posterior probability over the trained intents. */
  probability: number;
}

/** Intent rules (keywords and patterns, which decide) backed by natural's Bayes classifier trained on examples. */
export interface IntentClassifier {
  /** Rules that matched, best first. */
  rules(text: string): RuleMatch[];
  /** The classifier's best guesses for the tokens, best first. */
  predict(tokens: Token[]): Prediction[];
  rule(id: string): IntentRule | undefined;
}

interface CompiledRule {
  rule: IntentRule;
  patterns: RegExp[];
}

function keywordsOf(rule: IntentRule): string[] {
  return [
    ...new Set(
      Object.values(rule.keywords)
        .flatMap((list) => list ?? [])
        .map(normalise)
        .filter(Boolean),
    ),
  ];
}

/**
 * Builds the classifier. Training data: each rule's examples, plus each knowledge entry's alternate
 * questions labelled with the answer intent of its programme (so the classifier knows every phrasing
 * the knowledge base knows).
 */
export function buildClassifier(intents: IntentRule[], knowledge: KnowledgeEntry[]): IntentClassifier {
  const compiled: CompiledRule[] = intents.map((rule) => ({
    rule,
    patterns: rule.patterns.map((p) => new RegExp(p, 'iu')),
  }));
  // Every rule's keywords in one matcher: the text is split into words once, whatever the number of rules.
  const keywords = buildPhraseMatcher(
    intents.flatMap((rule, i) => keywordsOf(rule).map((phrase) => ({ phrase, label: i }))),
  );
  const byId = new Map(intents.map((r) => [r.id, r]));
  const answerIntentOf = new Map<string, string>();
  for (const r of intents)
    if (r.action === 'answer' && r.scheme && !r.topic && !answerIntentOf.has(r.scheme))
      answerIntentOf.set(r.scheme, r.id);

  // natural's Bayes classifier, fed sparse observations (feature indices) directly: its text API turns
  // every training document into a dense vector over the whole vocabulary, which grows quadratically
  // with the knowledge base (minutes at 10,000 entries).
  const bayes = new BayesClassifier();
  const featureIndex = new Map<string, number>();
  let documents = 0;
  const add = (text: string, label: string) => {
    const terms = [...new Set(tokenize(normalise(text)).map((t) => t.term))];
    if (terms.length === 0) return;
    const observation: Record<number, number> = {};
    terms.forEach((term, i) => {
      let index = featureIndex.get(term);
      if (index === undefined) {
        index = featureIndex.size;
        featureIndex.set(term, index);
      }
      observation[i] = index;
    });
    bayes.classifier.addExample(observation, label);
    documents++;
  };
  for (const r of intents) for (const ex of Object.values(r.examples).flatMap((l) => l ?? [])) add(ex, r.id);
  for (const e of knowledge) {
    const label = answerIntentOf.get(e.scheme);
    if (label) for (const q of Object.values(e.questions).flatMap((l) => l ?? [])) add(q, label);
  }
  const model = multinomial(bayes, featureIndex);

  return {
    rule: (id) => byId.get(id),
    rules(text) {
      // Distinct keywords found, per rule.
      const found = new Map<number, Set<string>>();
      for (const hit of keywords.find(text))
        found.set(hit.label, (found.get(hit.label) ?? new Set()).add(hit.phrase));
      const out: RuleMatch[] = [];
      for (const [i, c] of compiled.entries()) {
        const keywordCount = found.get(i)?.size ?? 0;
        let patterns = 0;
        for (const p of c.patterns) if (p.test(text)) patterns++;
        if (keywordCount + patterns > 0)
          out.push({ rule: c.rule, keywords: keywordCount, patterns, score: keywordCount + 2 * patterns });
      }
      return out.sort((a, b) => b.score - a.score || b.rule.priority - a.rule.priority);
    },
    predict(tokens) {
      return documents === 0 ? [] : model(tokens.map((t) => t.term));
    },
  };
}

/**
 * Scores with the counts natural's Bayes classifier trained, as a multinomial naive Bayes with
 * Laplace smoothing over the vocabulary and a uniform prior (intents are not asked in proportion to
 * their examples). apparatus' own scoring divides by class size without vocabulary smoothing, which
 * makes the intents with the fewest examples win on any rare word; and it scores densely, costing
 * vocabulary x intents per question, where this costs question terms x intents.
 */
function multinomial(
  bayes: BayesClassifier,
  featureIndex: Map<string, number>,
): (terms: string[]) => Prediction[] {
  const trained = bayes.classifier as unknown as { classFeatures: Record<string, Record<number, number>> };
  const vocabulary = Math.max(1, featureIndex.size);
  const classes = Object.entries(trained.classFeatures ?? {}).map(([label, stored]) => {
    const counts = new Map<number, number>();
    let total = 0;
    for (const [key, value] of Object.entries(stored)) {
      const n = value - 1; // apparatus stores a first sighting as 1 + smoothing (2)
      counts.set(Number(key), n);
      total += n;
    }
    const denominator = Math.log(total + vocabulary);
    return { label, counts, denominator };
  });
  return (terms) => {
    const present = [...new Set(terms)]
      .map((t) => featureIndex.get(t))
      .filter((i): i is number => i !== undefined);
    if (present.length === 0) return [];
    const scored = classes.map((c) => {
      let score = 0;
      for (const i of present) score += Math.log((c.counts.get(i) ?? 0) + 1) - c.denominator;
      return { intent: c.label, score };
    });
    const max = Math.max(...scored.map((x) => x.score));
    const total = scored.reduce((sum, x) => sum + Math.exp(x.score - max), 0);
    return scored
      .map((x) => ({ intent: x.intent, probability: Math.exp(x.score - max) / total }))
      .sort((a, b) => b.probability - a.probability)
      .slice(0, 3);
  };
}
