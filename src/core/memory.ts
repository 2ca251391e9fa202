import type { DeskId, QuestionKind, SchemeId, Turn } from './types.js';
import { type Clock, systemClock } from './types.js';

/** What a conversation was last about, so a follow-up can be read in its context. */
export interface ConversationContext {
  scheme: SchemeId | null;
  /** Knowledge entry id last answered. */
  entry: string | null;
  desk: DeskId | null;
  /** The last question asked (its focus), for elliptical follow-ups ("and the fund?"). */
  question: string | null;
  kind: QuestionKind | null;
  turns: Turn[];
  touchedAt: number;
}

/** Per-conversation context, bounded in count, age and turns, shared across engine swaps. */
export interface ConversationMemory {
  get(conversation: string): ConversationContext | undefined;
  record(
    conversation: string,
    turn: Turn,
    focus: Pick<ConversationContext, 'scheme' | 'entry' | 'desk'> &
      Partial<Pick<ConversationContext, 'question' | 'kind'>>,
  ): void;
  /** Takes a conversation's context read from elsewhere (another replica wrote it); undefined forgets it. */
  put(conversation: string, context: ConversationContext | undefined): void;
  readonly size: number;
}

export function createConversationMemory(
  opts: { maxConversations?: number; maxTurns?: number; ttlMs?: number; clock?: Clock } = {},
): ConversationMemory {
  const maxConversations = opts.maxConversations ?? 10_000;
  const maxTurns = opts.maxTurns ?? 8;
  const ttlMs = opts.ttlMs ?? 30 * 60_000;
  const clock = opts.clock ?? systemClock;
  // A Map iterates in insertion order: re-inserting on use makes the first key the least recently used.
  const conversations = new Map<string, ConversationContext>();

  return {
    get size() {
      return conversations.size;
    },
    get(conversation) {
      const ctx = conversations.get(conversation);
      if (!ctx) return undefined;
      if (clock.now().getTime() - ctx.touchedAt > ttlMs) {
        conversations.delete(conversation);
        return undefined;
      }
      return ctx;
    },
    put(conversation, context) {
      conversations.delete(conversation);
      if (context) conversations.set(conversation, { ...context, turns: context.turns.slice(-maxTurns) });
      while (conversations.size > maxConversations)
        conversations.delete(conversations.keys().next().value as string);
    },
    record(conversation, turn, focus) {
      const now = clock.now().getTime();
      const previous = this.get(conversation);
      const turns = previous ? [...previous.turns, turn].slice(-maxTurns) : [turn];
      conversations.delete(conversation);
      conversations.set(conversation, {
        scheme: focus.scheme ?? previous?.scheme ?? null,
        entry: focus.entry ?? previous?.entry ?? null,
        desk: focus.desk ?? previous?.desk ?? null,
        question: focus.question ?? previous?.question ?? null,
        kind: focus.question !== undefined ? (focus.kind ?? null) : (previous?.kind ?? null),
        turns,
        touchedAt: now,
      });
      while (conversations.size > maxConversations) {
        const oldest = conversations.keys().next().value as string;
        conversations.delete(oldest);
      }
    },
  };
}
