import { z } from 'zod';

/**
 * What a button, a menu, a modal's metadata or an Adaptive Card submit carries back. Every one is
 * parsed with these schemas before anything acts on it: a stale, forged or damaged value is refused
 * with a clear message and changes nothing.
 */
const id = z.string().regex(/^[a-z0-9][a-z0-9-]{0,99}$/, 'expected an id');
const ticketId = z.string().regex(/^[A-Z]{2,10}-\d{1,12}$/, 'expected a ticket id');
const lang = z.string().regex(/^[a-z]{2}(-[A-Za-z]{2,4})?$/, 'expected a language code');

export const TICKET_ACTIONS = ['claim', 'resolve', 'reopen', 'close', 'reassign'] as const;
export type TicketAction = (typeof TICKET_ACTIONS)[number];

export const AskPayload = z.strictObject({ k: z.literal('ask'), q: z.string().min(1).max(500) });
export const RatePayload = z.strictObject({
  k: z.literal('rate'),
  r: z.enum(['helpful', 'not_helpful']),
  turn: z.string().min(1).max(200),
  intent: z.string().max(100).nullable(),
  entries: z.array(z.string().max(200)).max(3),
  c: z.number().min(0).max(1),
  scheme: z.string().max(100).nullable(),
});
export const TalkPayload = z.strictObject({ k: z.literal('talk'), desk: id });
/** The handoff form's submit: the form's own key makes a second click the same request, not a second ticket. */
export const HandoffPayload = z.strictObject({
  k: z.literal('handoff'),
  desk: id,
  lang,
  key: z.string().regex(/^[A-Za-z0-9:._-]{1,120}$/, 'expected a form key'),
});
export const ActPayload = z.strictObject({
  k: z.literal('act'),
  a: z.enum(TICKET_ACTIONS),
  ticket: ticketId,
  desk: id.optional(),
});

export const Payload = z.discriminatedUnion('k', [
  AskPayload,
  RatePayload,
  TalkPayload,
  HandoffPayload,
  ActPayload,
]);
export type Payload = z.infer<typeof Payload>;
export type RatePayload = z.infer<typeof RatePayload>;
export type ActPayload = z.infer<typeof ActPayload>;
export type HandoffPayload = z.infer<typeof HandoffPayload>;

/** What the handoff form's fields hold once submitted (Slack modal inputs, Adaptive Card inputs, the page's form). */
export const HandoffFields = z.object({
  company: z.string().max(500).default(''),
  contact: z.string().max(500).default(''),
  need: z.string().max(100_000).default(''),
});
export type HandoffFields = z.infer<typeof HandoffFields>;

/** Slack modal metadata. */
export const HandoffModalMeta = HandoffPayload.extend({
  channel: z.string().max(50),
  thread: z.string().max(50),
});
export const ResolveModalMeta = z.strictObject({ ticket: ticketId, channel: z.string().max(50).optional() });

/** Parses `value` (an object, or JSON text of one) with `schema`; undefined when it does not fit. */
export function parsePayload<T>(schema: z.ZodType<T>, value: unknown): T | undefined {
  let raw = value;
  if (typeof value === 'string') {
    try {
      raw = JSON.parse(value);
    } catch {
      return undefined;
    }
  }
  const r = schema.safeParse(raw);
  return r.success ? r.data : undefined;
}

/** A payload as the compact JSON a Slack button value (≤ 2,000 characters) carries. */
export const encodePayload = (payload: Payload): string => JSON.stringify(payload);
