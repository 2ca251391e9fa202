import type { Engine } from '../core/engine-types.js';
import type { DeskId, Lang, Reply, Turn } from '../core/types.js';
import type { TicketService } from './service-types.js';
import type { HandoffPacket, Origin, Requester, Ticket } from './types.js';

const MAX_TEXT = 20_000;

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
    text: input.text.slice(0, MAX_TEXT),
    lang: input.lang,
    intent: reply?.intent ?? null,
    confidence: input.confidence ?? reply?.confidence ?? 0,
    scheme: reply?.scheme ?? lastAnswer?.reply.scheme ?? null,
    ...(lastAnswer
      ? { botAnswer: { text: lastAnswer.reply.text, sources: [], entries: lastAnswer.reply.entries } }
      : {}),
    transcript: input.transcript.flatMap((t) => [
      { at: t.at, who: 'user' as const, text: t.text.slice(0, 2000) },
      { at: t.at, who: 'bot' as const, text: t.reply.text.slice(0, 2000) },
    ]),
    details: Object.fromEntries(
      Object.entries(input.details)
        .map(([k, v]) => [k, typeof v === 'string' ? v.trim().slice(0, 2000) : v])
        .filter(([, v]) => typeof v === 'string' && v.length > 0),
    ),
  };
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
