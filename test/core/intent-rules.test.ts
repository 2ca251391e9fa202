import { describe, expect, it } from 'vitest';
import type { IntentRule } from '../../src/content/types.js';
import { buildIntentRules } from '../../src/core/intent-rules.js';
import { normalise } from '../../src/core/normalize.js';

const rule = (id: string, en: string[], ja: string[] = [], patterns: string[] = []): IntentRule => ({
  id,
  action: 'handoff',
  desk: 'general',
  priority: 0,
  keywords: { en, ja },
  patterns,
  examples: { en: [], ja: [] },
  file: `intents/${id}.yml`,
});

const classifier = buildIntentRules([
  rule('fund', ['fund', 'co-investment', 'growth support fund'], ['ファンド']),
  rule('person', ['human', 'talk to someone'], ['担当者'], ['\\b(connect|put) me through\\b']),
]);
const match = (text: string) =>
  classifier.rules(normalise(text)).map((m) => [m.rule.id, m.keywords, m.patterns]);

describe('intent rules', () => {
  it('matches keywords as whole words and runs of words, each distinct keyword once', () => {
    expect(match('Tell me about the Growth Support Fund')).toEqual([['fund', 2, 0]]);
    expect(match('fund, fund and FUND')).toEqual([['fund', 1, 0]]);
    expect(match('funding for a fundamental refund')).toEqual([]);
    expect(match('Is co-investment possible?')).toEqual([['fund', 1, 0]]);
    expect(match('co investment')).toEqual([['fund', 1, 0]]);
  });

  it('matches Japanese keywords inside text and scores patterns twice, best rule first', () => {
    expect(match('ファンドについて担当者と話したい')).toEqual([
      ['fund', 1, 0],
      ['person', 1, 0],
    ]);
    expect(match('Please connect me through to a human')).toEqual([['person', 1, 1]]);
    expect(match('Ｈｕｍａｎ please')).toEqual([['person', 1, 0]]);
  });
});
