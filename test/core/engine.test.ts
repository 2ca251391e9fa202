import { beforeAll, describe, expect, it } from 'vitest';
import { createEngine } from '../../src/core/engine.js';
import type { Engine } from '../../src/core/engine-types.js';
import type { Inquiry } from '../../src/core/types.js';
import { realContent } from '../helpers.js';

let engine: Engine;
beforeAll(async () => {
  engine = createEngine({ content: await realContent() });
});
const ask = (text: string, conversation = `c-${Math.random()}`) => {
  const inquiry: Inquiry = { text, platform: 'cli', user: { id: 'cli:t' }, conversation };
  return engine.respond(inquiry);
};

describe('engine: answers', () => {
  it('answers from the knowledge entry, with its source, date and follow-ups', async () => {
    const content = await realContent();
    const r = ask('When did JBIC sign the MOU with Aguascalientes?');
    const entry = content.knowledge.find((e) => e.id === r.entries[0]);
    expect(r.action).toBe('answer');
    expect(entry?.scheme).toBe('jbic-aguascalientes');
    expect(r.text).toBe(entry?.body.en);
    expect(r.sources).toEqual([entry?.source]);
    expect(r.asOf).toBe(entry?.asOf);
    expect(r.suggestions.length).toBeGreaterThanOrEqual(2);
    expect(r.offerDesk).toBe(entry?.desk);
  });
  it('answers a Japanese question in Japanese', () => {
    const r = ask('日中温泉シンポジウムはいつ開催されましたか？');
    expect(r).toMatchObject({ action: 'answer', lang: 'ja', replyLang: 'ja', scheme: 'jetro-chongqing' });
    expect(r.text).toContain('2013年10月31日');
  });
  it('answers Spanish and Chinese questions in English, saying why', () => {
    const r = ask('¿Cuándo firmó JBIC el memorando con Aguascalientes?');
    expect(r).toMatchObject({ action: 'answer', lang: 'es', replyLang: 'en' });
    expect(r.text).toMatch(/English and Japanese/);
  });
  it('reads a follow-up in the context of the conversation', () => {
    ask('Tell me about the JETRO MOU with Chongqing', 'follow');
    const r = ask('who signed it?', 'follow');
    expect(r.scheme).toBe('jetro-chongqing');
    expect(r.text).toContain('Heping Chen');
    expect(engine.transcript('follow').map((t) => t.text)).toEqual([
      'Tell me about the JETRO MOU with Chongqing',
      'who signed it?',
    ]);
  });
  it('asks which programme when a question fits two', () => {
    const r = ask('When was the MOU signed?');
    expect(r.action).toBe('clarify');
    expect(r.suggestions.length).toBeGreaterThanOrEqual(2);
    expect(new Set(r.entries.map((id) => id.split('/')[0])).size).toBeGreaterThanOrEqual(2);
  });
});

describe('engine: handoffs, smalltalk, fallback', () => {
  it('routes a fund investment request to SME Support, JAPAN', () => {
    expect(ask('We would like the SME Growth Support Fund to invest in our company')).toMatchObject({
      action: 'handoff',
      desk: 'sme-support-japan',
    });
  });
  it('routes "connect me with them" to the desk of the last answer', () => {
    ask('What is the Japan desk in Aguascalientes?', 'h');
    expect(ask('connect me with them please', 'h')).toMatchObject({
      action: 'handoff',
      desk: 'aguascalientes-japan-desk',
    });
  });
  it('sends a request for a person with no desk to triage', () => {
    expect(ask('I want to talk to a person')).toMatchObject({ action: 'handoff', desk: 'general' });
  });
  it('lists what it can answer when asked for help', () => {
    const r = ask('help');
    expect(r.action).toBe('smalltalk');
    expect(r.text).toContain('Aguascalientes');
    expect(r.text).toContain('Chongqing');
  });
  it('never answers an out-of-scope question with a programme fact', () => {
    for (const q of [
      "What's the weather in Tokyo?",
      'What is the capital of France?',
      'stock price of Toyota',
    ]) {
      const r = ask(q);
      expect(r.action).toBe('fallback');
      expect(r.entries).toEqual([]);
      expect(r.sources).toEqual([]);
      expect(r.offerDesk).toBe('general');
    }
  });
});

describe('engine: bad input', () => {
  it.each([
    ['empty', ''],
    ['whitespace', ' \n\t '],
    ['emoji', '🎉🎉🎉'],
    ['control characters', '\u0000\u0001\u0002'],
    ['zero-width', '\u200b\u200c\u200d'],
  ])('%s: replies with help, no crash', (_name, text) => {
    const r = ask(text);
    expect(r.action).toBe('smalltalk');
    expect(r.text.length).toBeGreaterThan(0);
  });
  it('handles 100 KB of text', () => {
    const r = ask('What is the Japan desk? '.repeat(4500));
    expect(r.action).toBe('answer');
    expect(r.text.length).toBeLessThan(3000);
  });
  it('never echoes mass mentions, user mentions or links from the user', () => {
    for (const text of [
      '<!channel> <!here> <!everyone> What is SBIC? <http://evil.example|click>',
      '<@U0ABC> https://evil.example/x what is jetro',
      '<a href="http://evil.example">JBIC</a>',
    ]) {
      const r = ask(text);
      expect(r.text).not.toMatch(/<!|<@|evil\.example/);
      for (const s of r.suggestions) expect(`${s.label} ${s.query}`).not.toMatch(/<!|<@|evil\.example/);
    }
  });
});

describe('engine: confidence', () => {
  it('is in [0, 1] and higher for a direct question than for an ambiguous one', () => {
    const direct = ask('When did JBIC sign the MOU with Aguascalientes?');
    const vague = ask('When was the MOU signed?');
    for (const r of [direct, vague]) {
      expect(r.confidence).toBeGreaterThanOrEqual(0);
      expect(r.confidence).toBeLessThanOrEqual(1);
    }
    expect(direct.confidence).toBeGreaterThan(vague.confidence);
  });
});
