import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import pino from 'pino';
import { beforeAll, describe, expect, it } from 'vitest';
import { createJournalTurnStore } from '../../src/analytics/journal-store.js';
import {
  createPseudonymiser,
  LOW_CONFIDENCE,
  reviewReasons,
  scrub,
  type TurnInput,
  turnKey,
  turnOf,
} from '../../src/analytics/record.js';
import { createTurnRecorder, type RecorderEvent } from '../../src/analytics/recorder.js';
import { loadContent } from '../../src/content/load.js';
import type { Content } from '../../src/content/types.js';
import { createEngine, THRESHOLDS } from '../../src/core/engine.js';
import { repoRoot, tempDirs } from '../helpers.js';

const tempDir = tempDirs('madoguchi-recorder-');
let content: Content;
beforeAll(async () => {
  content = await loadContent(repoRoot);
});

const DAY = 86_400_000;

function setup() {
  let now = Date.parse('2026-05-01T00:00:00Z');
  const clock = { now: () => new Date(now) };
  const engine = createEngine({ content, clock });
  const logs: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => logs.push(JSON.parse(line)) });
  const ask = (text: string, conversation = 'slack:C1:1.0', user = 'slack:U0SECRET'): TurnInput => {
    now += 1_000;
    const reply = engine.respond({ text, platform: 'slack', user: { id: user }, conversation });
    const last = engine.transcript(conversation).at(-1);
    if (!last) throw new Error('no transcript');
    return {
      turn: turnKey(conversation, last),
      at: last.at,
      platform: 'slack',
      user,
      conversation,
      text,
      reply,
      ms: 0.4,
    };
  };
  return { engine, clock, logs, logger, ask, advance: (ms: number) => (now += ms) };
}

describe('pseudonyms, scrubbing and review reasons', () => {
  it('pseudonymises by key and kind: stable, unrelated across keys and kinds, never the id', () => {
    const a = createPseudonymiser('key-a');
    const b = createPseudonymiser('key-b');
    expect(a('slack:U1')).toBe(a('slack:U1'));
    expect(a('slack:U1')).toMatch(/^u_[0-9a-f]{20}$/);
    expect(a('slack:U1', 'c')).toMatch(/^c_/);
    expect(a('slack:U1', 'c').slice(2)).not.toBe(a('slack:U1').slice(2));
    expect(a('slack:U1')).not.toBe(b('slack:U1'));
    expect(a('slack:U1')).not.toBe(a('slack:U2'));
    expect(() => createPseudonymiser('')).toThrow(/empty/);
  });

  it.each([
    ['mail me at taro.yamada@example.co.jp please', 'mail me at [email] please'],
    ['call 03-1234-5678 or 090-1234-5678', 'call [phone] or [phone]'],
    ['電話は０３－１２３４－５６７８です', '電話は[phone]です'],
    ['携帯：090ー1234ー5678', '携帯：[phone]'],
    ['+81 3 1234 5678 / +1 (555) 123-4567', '[phone] / [phone]'],
    ['(03) 1234 5678', '[phone]'],
    ['メールはｔａｒｏ＠ｅｘａｍｐｌｅ．ｃｏｍまで', 'メールは[email]まで'],
    ['see https://example.com/a?b=c and www.jetro.go.jp/x.', 'see [link] and [link].'],
    [
      '<https://x.example/p|x.example> <mailto:a@b.co|a@b.co> <tel:+81312345678|call>',
      '[link] [email] [phone]',
    ],
    [
      '<@U0123ABC> <#C123|general> <!here> <!subteam^S1|@desk> hi',
      '[mention] [mention] [mention] [mention] hi',
    ],
    ['<at>Madoguchi</at> what is the fund?', '[mention] what is the fund?'],
    ['ask @alice.smith', 'ask [mention]'],
  ])('scrubs %j', (text, expected) => {
    expect(scrub(text)).toBe(expected);
  });

  it.each([
    'When was the MOU signed on 2025-06-01?',
    '予算は1,000,000円で、期間は2024-2025です',
    'JETROと重慶市の覚書について教えてください',
    'Article 12345678 of the law',
  ])('leaves a question with no contact details as it is: %j', (text) => {
    expect(scrub(text)).toBe(text);
  });

  it('keeps for review fallbacks, clarifies and answers near the answer threshold, nothing else', () => {
    expect(LOW_CONFIDENCE).toBeGreaterThan(THRESHOLDS.answerConfidence);
    expect(reviewReasons({ action: 'fallback', confidence: 0.99 })).toEqual(['fallback']);
    expect(reviewReasons({ action: 'clarify', confidence: 0.99 })).toEqual(['clarify']);
    expect(reviewReasons({ action: 'answer', confidence: LOW_CONFIDENCE - 0.001 })).toEqual([
      'low-confidence',
    ]);
    expect(reviewReasons({ action: 'answer', confidence: LOW_CONFIDENCE })).toEqual([]);
    expect(reviewReasons({ action: 'handoff', confidence: 0.2 })).toEqual([]);
    expect(reviewReasons({ action: 'smalltalk', confidence: 0.2 })).toEqual([]);
  });

  it('finds a turn by its key however many turns the transcript has dropped since', () => {
    const { engine, ask } = setup();
    const first = ask('When was the JBIC MOU with Aguascalientes signed?');
    const keys = [first.turn];
    for (let i = 0; i < 6; i++) keys.push(ask(`What is the SME Growth Support Fund? (${i})`).turn);
    expect(new Set(keys).size).toBe(7);
    const turns = engine.transcript('slack:C1:1.0');
    expect(turnOf('slack:C1:1.0', turns, first.turn)?.text).toBe(first.text);
    expect(turnOf('slack:C1:1.0', turns, keys[3] as string)?.text).toBe(
      'What is the SME Growth Support Fund? (2)',
    );
    for (let i = 0; i < 10; i++) ask('Who is JETRO?');
    expect(turnOf('slack:C1:1.0', engine.transcript('slack:C1:1.0'), first.turn)).toBeUndefined();
  });
});

describe('the turn recorder', () => {
  it('records turns with pseudonyms and the engine’s closest entry, text only where review needs it', async () => {
    const { clock, logger, ask } = setup();
    const store = await createJournalTurnStore({ dataDir: await tempDir() });
    const pseudonymise = createPseudonymiser('k');
    const recorder = createTurnRecorder({ store, pseudonymise, clock, logger, retentionDays: 90 });
    const answer = ask('When was the JBIC MOU with Aguascalientes signed?');
    const fallback = ask('What is the weather in Tokyo? mail me: a@b.example', 'slack:C2:1.0');
    recorder.turn(answer);
    recorder.turn(fallback);
    await recorder.flush();
    const [a, f] = await store.list();
    expect(a).toEqual({
      id: pseudonymise(answer.turn, 't'),
      at: answer.at,
      platform: 'slack',
      lang: 'en',
      action: 'answer',
      intent: answer.reply.intent,
      confidence: answer.reply.confidence,
      scheme: 'jbic-aguascalientes',
      entry: 'jbic-aguascalientes/signing',
      desk: answer.reply.offerDesk,
      closest: { entry: 'jbic-aguascalientes/signing', score: answer.reply.why?.entries[0]?.score },
      user: pseudonymise('slack:U0SECRET'),
      conversation: pseudonymise('slack:C1:1.0', 'c'),
      ms: 0.4,
      review: [],
    });
    expect(f).toMatchObject({
      action: 'fallback',
      entry: null,
      review: ['fallback'],
      text: 'What is the weather in Tokyo? mail me: [email]',
    });
    expect(f?.closest?.entry).toBe(fallback.reply.why?.entries[0]?.id);
    await recorder.close();
    await store.close();
  });

  it('marks ratings and tickets on the turn they belong to, and tells subscribers as it happens', async () => {
    const { clock, logger, ask } = setup();
    const store = await createJournalTurnStore({ dataDir: await tempDir() });
    const recorder = createTurnRecorder({
      store,
      pseudonymise: createPseudonymiser('k'),
      clock,
      logger,
      retentionDays: 90,
    });
    const events: RecorderEvent[] = [];
    const unsubscribe = recorder.subscribe((e) => events.push(e));
    const answer = ask('When was the JBIC MOU with Aguascalientes signed?');
    const other = ask('What is the SME Growth Support Fund?', 'slack:C3:1.0');
    const clarify = ask('When was the MOU signed?', 'slack:C4:1.0');
    recorder.turn(answer);
    expect(events.map((e) => e.type)).toEqual(['turn']); // synchronously, before any write
    recorder.turn(other);
    recorder.turn(clarify);
    // Rated at once, before the record's own write finished: the patch waits for it.
    recorder.rated(answer.turn, 'not_helpful', answer.text);
    recorder.rated(other.turn, 'helpful', other.text);
    recorder.ticketOpened(answer.turn, 'jbic', 'answer', answer.text);
    recorder.ticketOpened(clarify.turn, 'general', 'clarify', clarify.text);
    recorder.rated('slack:C9:gone', 'helpful');
    expect(events.map((e) => e.type)).toEqual([
      'turn',
      'turn',
      'turn',
      'feedback',
      'feedback',
      'ticket',
      'ticket',
      'feedback',
    ]);
    expect(events[3]).toMatchObject({
      type: 'feedback',
      rating: 'not_helpful',
      record: { action: 'answer' },
    });
    expect(events[7]).toEqual({ type: 'feedback', rating: 'helpful' });
    expect(events[5]).toEqual({ type: 'ticket', desk: 'jbic' });
    await recorder.flush();
    const [a, o, c] = await store.list();
    expect(a).toMatchObject({
      feedback: 'not_helpful',
      ticketDesk: 'jbic',
      review: ['not-helpful', 'handoff-after-answer'],
      text: 'When was the JBIC MOU with Aguascalientes signed?',
    });
    expect(o).toMatchObject({ feedback: 'helpful', review: [] });
    expect(o?.text).toBeUndefined();
    expect(c).toMatchObject({ ticketDesk: 'general', review: ['clarify'], text: 'When was the MOU signed?' });
    // A change of mind: the rating is the last one, and the turn stays in review.
    recorder.rated(answer.turn, 'helpful');
    await recorder.flush();
    expect(await store.get(a?.id as string)).toMatchObject({
      feedback: 'helpful',
      review: ['not-helpful', 'handoff-after-answer'],
    });
    unsubscribe();
    recorder.turn(ask('Who is JETRO?'));
    expect(events).toHaveLength(9);
    await recorder.close();
    await store.close();
  });

  it('deletes records past the retention period, by the clock it is given', async () => {
    const { clock, logger, ask, advance } = setup();
    const store = await createJournalTurnStore({ dataDir: await tempDir() });
    const recorder = createTurnRecorder({
      store,
      pseudonymise: createPseudonymiser('k'),
      clock,
      logger,
      retentionDays: 30,
    });
    recorder.turn(ask('What is the weather in Tokyo?'));
    advance(20 * DAY);
    recorder.turn(ask('When was the MOU signed?', 'slack:C5:1.0'));
    await recorder.flush();
    expect(await recorder.prune()).toBe(0);
    advance(11 * DAY);
    expect(await recorder.prune()).toBe(1);
    expect((await store.list()).map((r) => r.text)).toEqual(['When was the MOU signed?']);
    advance(20 * DAY);
    expect(await recorder.prune()).toBe(1);
    expect(await store.list()).toEqual([]);
    await recorder.close();
    await store.close();
  });

  it('a write that fails never reaches the turn: logged at warn, without the text or any id', async () => {
    const { clock, logs, logger, ask } = setup();
    const dataDir = await tempDir();
    const store = await createJournalTurnStore({ dataDir });
    // The disk refuses: the journal's file is now a directory, so every append fails (EISDIR).
    await rm(join(dataDir, 'turns.jsonl'), { force: true });
    await mkdir(join(dataDir, 'turns.jsonl'));
    const recorder = createTurnRecorder({
      store,
      pseudonymise: createPseudonymiser('k'),
      clock,
      logger,
      retentionDays: 90,
    });
    const secret = 'What is the weather? I am reachable at hidden.person@example.org';
    const input = ask(secret);
    expect(() => recorder.turn(input)).not.toThrow();
    recorder.rated(input.turn, 'not_helpful', secret);
    await recorder.flush();
    const warnings = logs.filter((l) => l.level === 40);
    expect(warnings.length).toBeGreaterThanOrEqual(1);
    expect(warnings[0]?.msg).toMatch(/turn record not written \(add\)/);
    const all = JSON.stringify(logs);
    for (const s of ['hidden.person', 'weather', 'U0SECRET', 'slack:C1', '[email]'])
      expect(all).not.toContain(s);
    await recorder.close();
  });
});
