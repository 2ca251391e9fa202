import type { IntentRule } from '../content/types.js';
import { lowerCasePattern, type Pattern } from './lower-case.js';
import { normalise } from './normalize.js';
import { buildPhraseMatcher } from './phrases.js';

export interface RuleMatch {
  rule: IntentRule;
  /** Distinct keywords found. */
  keywords: number;
  /** Patterns that matched. */
  patterns: number;
  /** 2 per pattern + 1 per keyword. */
  score: number;
}

/** The intent rules of `intents/*.yml`: keywords and patterns, whose matches add evidence to the act model's. */
export interface IntentRules {
  /** Rules that matched, best first. */
  rules(text: string): RuleMatch[];
  rule(id: string): IntentRule | undefined;
}

interface CompiledRule {
  rule: IntentRule;
  patterns: Pattern[];
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

/** Compiles every rule's patterns and keywords once. */
export function buildIntentRules(intents: IntentRule[]): IntentRules {
  const compiled: CompiledRule[] = intents.map((rule) => ({
    rule,
    patterns: rule.patterns.map((p) => lowerCasePattern(new RegExp(p, 'iu'))),
  }));
  // Every rule's keywords in one matcher: the text is split into words once, whatever the number of rules.
  const keywords = buildPhraseMatcher(
    intents.flatMap((rule, i) => keywordsOf(rule).map((phrase) => ({ phrase, label: i }))),
  );
  const byId = new Map(intents.map((r) => [r.id, r]));
  return {
    rule: (id) => byId.get(id),
    rules(text) {
      // Distinct keywords found, per rule.
      const found = new Map<number, Set<string>>();
      for (const hit of keywords.find(text))
        found.set(hit.label, (found.get(hit.label) ?? new Set()).add(hit.phrase));
      const out: RuleMatch[] = [];
      for (let i = 0; i < compiled.length; i++) {
        const c = compiled[i] as CompiledRule;
        const keywordCount = found.get(i)?.size ?? 0;
        let patterns = 0;
        for (const p of c.patterns) if (p.test(text)) patterns++;
        if (keywordCount + patterns > 0)
          out.push({ rule: c.rule, keywords: keywordCount, patterns, score: keywordCount + 2 * patterns });
      }
      return out.sort((a, b) => b.score - a.score || b.rule.priority - a.rule.priority);
    },
  };
}
