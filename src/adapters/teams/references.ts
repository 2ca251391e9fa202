import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { ConversationReference } from 'botbuilder';

/**
 * Conversation references by conversation id, captured whenever the bot hears from a conversation (or is
 * added to one) and kept in a JSON file, so the bot can post proactively to a desk's channel or a
 * requester's chat after a restart.
 */
export interface ReferenceStore {
  get(conversationId: string): Partial<ConversationReference> | undefined;
  remember(reference: Partial<ConversationReference>): Promise<void>;
}

export async function createReferenceStore(file: string): Promise<ReferenceStore> {
  const refs = new Map<string, Partial<ConversationReference>>();
  try {
    for (const [k, v] of Object.entries(
      JSON.parse(await readFile(file, 'utf8')) as Record<string, Partial<ConversationReference>>,
    ))
      refs.set(k, v);
  } catch {
    // first start
  }
  await mkdir(dirname(file), { recursive: true });
  let chain: Promise<void> = Promise.resolve();
  // A channel thread's id carries ";messageid=…": its channel is the part before.
  const base = (id: string) => id.split(';')[0] ?? id;
  return {
    get: (id) => refs.get(id) ?? refs.get(base(id)),
    remember(reference) {
      const id = reference.conversation?.id;
      if (!id) return Promise.resolve();
      const known = refs.get(id);
      if (known && known.serviceUrl === reference.serviceUrl) return Promise.resolve();
      refs.set(id, reference);
      if (base(id) !== id && !refs.has(base(id)))
        refs.set(base(id), {
          ...reference,
          conversation: { ...reference.conversation, id: base(id) } as ConversationReference['conversation'],
        });
      chain = chain
        .then(async () => {
          await writeFile(`${file}.tmp`, JSON.stringify(Object.fromEntries(refs)));
          await rename(`${file}.tmp`, file);
        })
        .catch(() => undefined);
      return chain;
    },
  };
}
