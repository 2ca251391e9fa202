import type { Content } from '../content/types.js';
import type { Inquiry, Reply, Turn } from './types.js';

/** The inquiry engine: pure and synchronous over one loaded `Content`. */
export interface Engine {
  readonly content: Content;
  /** Classifies and answers one inquiry, reading and updating the conversation's context. */
  respond(inquiry: Inquiry): Reply;
  /** Recent turns of a conversation, oldest first (the handoff packet's transcript). */
  transcript(conversation: string): Turn[];
}

/**
 * The engine currently serving. Live reload builds a new engine off the request path and swaps it in;
 * callers read `current()` per turn and never keep an engine across turns.
 */
export interface EngineRef {
  current(): Engine;
}
