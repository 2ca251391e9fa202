import { describe, expect, it } from 'vitest';
import { createConversationMemory } from '../../src/core/memory.js';
import type { Turn } from '../../src/core/types.js';

const turn = (text: string): Turn => ({
  at: '2026-01-01T00:00:00Z',
  user: 'cli:t',
  text,
  reply: { action: 'answer', intent: null, confidence: 0, scheme: null, desk: null, text: '', entries: [] },
});

describe('conversation memory', () => {
  it('keeps the focus and the last turns of a conversation', () => {
    const m = createConversationMemory({ maxTurns: 2 });
    m.record('c', turn('1'), {
      scheme: 'jetro-chongqing',
      entry: 'jetro-chongqing/signing',
      desk: 'jetro-chongqing',
    });
    m.record('c', turn('2'), { scheme: null, entry: null, desk: null });
    m.record('c', turn('3'), { scheme: null, entry: null, desk: null });
    const ctx = m.get('c');
    expect(ctx?.scheme).toBe('jetro-chongqing');
    expect(ctx?.turns.map((t) => t.text)).toEqual(['2', '3']);
  });
  it('forgets a conversation after its time to live', () => {
    let now = 0;
    const m = createConversationMemory({ ttlMs: 1000, clock: { now: () => new Date(now) } });
    m.record('c', turn('1'), { scheme: 'jbic-aguascalientes', entry: null, desk: null });
    now = 1500;
    expect(m.get('c')).toBeUndefined();
  });
  it('evicts the least recently used conversation beyond its capacity', () => {
    const m = createConversationMemory({ maxConversations: 2 });
    m.record('a', turn('a'), { scheme: null, entry: null, desk: null });
    m.record('b', turn('b'), { scheme: null, entry: null, desk: null });
    m.get('a');
    m.record('a', turn('a2'), { scheme: null, entry: null, desk: null });
    m.record('c', turn('c'), { scheme: null, entry: null, desk: null });
    expect(m.size).toBe(2);
    expect(m.get('b')).toBeUndefined();
    expect(m.get('a')).toBeDefined();
  });
});
