import type { ConversationReference } from 'botbuilder';
import { openJournalOrStartAfresh } from '../../storage/journal.js';

/**
 * Conversation references by conversation id, captured whenever the bot hears from a conversation (or is
 * added to one), so the bot can post proactively to a desk's channel or a requester's chat after a
 * restart (and, on PostgreSQL, from any replica: pg-references.ts). A channel thread's id
 * (`…;messageid=…`) also gives its channel, remembered too unless already known.
 */
export interface ReferenceStore {
  /** The reference for a conversation, or for its channel when it is a thread not seen itself. */
  get(conversationId: string): Promise<Partial<ConversationReference> | undefined>;
  remember(reference: Partial<ConversationReference>): Promise<void>;
}

/** A channel thread's id carries ";messageid=…": its channel is the part before. */
export const baseConversationId = (id: string): string => id.split(';')[0] ?? id;

/** `reference` re-addressed to conversation `id` (a thread's channel). */
export const referenceFor = (
  reference: Partial<ConversationReference>,
  id: string,
): Partial<ConversationReference> => ({
  ...reference,
  conversation: { ...reference.conversation, id } as ConversationReference['conversation'],
});

type Entry = [id: string, reference: Partial<ConversationReference>];

const parseEntry = (value: unknown): Entry | string =>
  Array.isArray(value) && typeof value[0] === 'string' && typeof value[1] === 'object' && value[1] !== null
    ? (value as Entry)
    : 'not an [id, reference] pair';

/**
 * The default (lowdb) mode's store: in memory, kept in a journal file (one line per new or moved
 * conversation; rewritten down to the live references when it holds twice as many lines).
 */
export async function createReferenceStore(file: string): Promise<ReferenceStore> {
  // Unreadable: start afresh; each conversation is captured again the next time the bot hears from it.
  const opened = await openJournalOrStartAfresh(file, { parse: parseEntry });
  const refs = new Map<string, Partial<ConversationReference>>(opened.records);
  const { journal } = opened;
  const base = baseConversationId;
  const keep = (id: string, reference: Partial<ConversationReference>): Promise<void> => {
    refs.set(id, reference);
    return journal.append([id, reference]);
  };
  return {
    get: async (id) => refs.get(id) ?? refs.get(base(id)),
    async remember(reference) {
      const id = reference.conversation?.id;
      if (!id) return;
      const known = refs.get(id);
      if (known && known.serviceUrl === reference.serviceUrl) return;
      const writes = [keep(id, reference)];
      if (base(id) !== id && !refs.has(base(id)))
        writes.push(keep(base(id), referenceFor(reference, base(id))));
      void journal.compact(refs.size, () => [...refs], 100);
      // A failed write loses only the restart copy: the reference is in memory and is captured again.
      await Promise.all(writes).catch(() => undefined);
    },
  };
}
