import type { Engine } from '../core/engine-types.js';
import type { DeskId, Lang, Reply, Turn } from '../core/types.js';
import type { TicketService } from './service-types.js';
import type { HandoffPacket, Origin, Requester, Ticket } from './types.js';

/**
 * How much of a request the packet keeps. Staff act on the packet alone, so the request and what the
 * company needs are kept whole; the HTTP layer already bounds a message at 100 KB, and these caps only
 * guard the ticket file against an input that was not.
 */
const LIMITS = {
  text: 200_000,
  turn: 20_000,
  details: { company: 500, contact: 500, need: 200_000 },
} as const;

export interface HandoffDetails {
  company?: string;
  contact?: string;
  need?: string;
}

/** Builds the packet staff act on: the question, what the bot already answered and from where, the transcript. */
export function buildPacket(input: {
  text: string;
  lang: Lang;
  reply?: Reply | Turn['reply'];
  confidence?: number;
  transcript: Turn[];
  details: HandoffDetails;
}): HandoffPacket {
  const lastAnswer = [...input.transcript].reverse().find((t) => t.reply.action === 'answer');
  const reply = input.reply;
  return {
    text: input.text.slice(0, LIMITS.text),
    lang: input.lang,
    intent: reply?.intent ?? null,
    confidence: input.confidence ?? reply?.confidence ?? 0,
    scheme: reply?.scheme ?? lastAnswer?.reply.scheme ?? null,
    ...(lastAnswer
      ? { botAnswer: { text: lastAnswer.reply.text, sources: [], entries: lastAnswer.reply.entries } }
      : {}),
    transcript: input.transcript.flatMap((t) => [
      { at: t.at, who: 'user' as const, text: t.text.slice(0, LIMITS.turn) },
      { at: t.at, who: 'bot' as const, text: t.reply.text.slice(0, LIMITS.turn) },
    ]),
    details: boundedDetails(input.details),
  };
}

/** The details given, trimmed and each within its limit; empty ones left out. */
function boundedDetails(details: HandoffDetails): HandoffDetails {
  const kept: HandoffDetails = {};
  for (const key of Object.keys(LIMITS.details) as Array<keyof HandoffDetails>) {
    const value = details[key]?.trim().slice(0, LIMITS.details[key]);
    if (value) kept[key] = value;
  }
  return kept;
}

/** Opens (idempotently, by key) the ticket for a handoff, with the packet built from the conversation. */
export async function openHandoff(
  deps: { tickets: TicketService; engine: Engine },
  input: {
    key: string;
    desk: DeskId;
    requester: Requester;
    origin: Origin;
    conversation: string;
    text: string;
    lang: Lang;
    details: HandoffDetails;
    sourceEventId?: string;
  },
): Promise<Ticket> {
  const transcript = deps.engine.transcript(input.conversation);
  const last = transcript.at(-1);
  const packet = buildPacket({
    text: input.text,
    lang: input.lang,
    ...(last ? { reply: last.reply } : {}),
    transcript,
    details: input.details,
  });
  // Sources of the bot's answer, from the knowledge entries it used.
  if (packet.botAnswer) {
    const used = new Set(packet.botAnswer.entries);
    packet.botAnswer.sources = deps.engine.content.knowledge
      .filter((e) => used.has(e.id))
      .map((e) => e.source);
  }
  return deps.tickets.open({
    key: input.key,
    desk: input.desk,
    requester: input.requester,
    origin: input.origin,
    packet,
    ...(input.sourceEventId ? { sourceEventId: input.sourceEventId } : {}),
  });
}
