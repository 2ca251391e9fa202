import { join } from 'node:path';
import pino from 'pino';
import { afterAll } from 'vitest';
import type { Content } from '../../src/content/types.js';
import { createEngine } from '../../src/core/engine.js';
import { createDeskService } from '../../src/desk/service.js';
import type { DeskRequest } from '../../src/desk/types.js';
import { createFeedbackStore } from '../../src/feedback/store.js';
import { createLowdbTicketStore } from '../../src/tickets/lowdb-store.js';
import { createTicketService } from '../../src/tickets/service.js';
import type { TicketStore } from '../../src/tickets/store.js';
import { realContent, tempDirs } from '../helpers.js';

const temp = tempDirs('madoguchi-desk-');

/** Real content with test people: a JBIC officer, an admin. */
export async function testContent(): Promise<Content> {
  const base = await realContent();
  return {
    ...base,
    desks: {
      ...base.desks,
      admins: [...base.desks.admins, 'slack:UADMIN'],
      desks: base.desks.desks.map((d) =>
        d.id === 'jbic' ? { ...d, staff: [...d.staff, 'slack:UJBIC', 'slack:UJBIC2'] } : d,
      ),
    },
  };
}

/**
 * A desk service over `content`, the real engine, a real lowdb store in a temporary directory (optionally
 * wrapped, e.g. to refuse writes) and real feedback: what every channel's handler tests run against.
 */
export async function buildDesk(
  content: Content,
  opts: { wrapStore?: (store: TicketStore, dir: string) => TicketStore; channel?: string } = {},
) {
  const dir = await temp();
  const engine = createEngine({ content });
  const lowdb = createLowdbTicketStore({ dataDir: dir, sync: false });
  await lowdb.open();
  afterAll(() => lowdb.close().catch(() => undefined));
  const store = opts.wrapStore ? opts.wrapStore(lowdb, dir) : lowdb;
  const clock = { now: () => new Date() };
  const tickets = createTicketService({ store, desks: () => content.desks, clock });
  const logger = pino({ level: 'silent' });
  const desk = createDeskService({
    engine: { current: () => engine },
    tickets,
    feedback: createFeedbackStore(join(dir, 'feedback.jsonl')),
    reload: async () => ({ ok: true, version: content.version, changed: false }),
    status: () => ({
      ready: true,
      reasons: [],
      contentVersion: content.version,
      contentLoadedAt: content.loadedAt,
      knowledgeEntries: content.knowledge.length,
      intents: content.intents.length,
      tickets: { open: 0, pendingDeliveries: 0 },
      channels: [opts.channel ?? 'slack'],
      uptimeSeconds: 1,
    }),
    clock,
    logger,
  });
  return { desk, tickets, store: lowdb, content, dir, engine, logger };
}

export async function deskFixture() {
  return buildDesk(await testContent());
}

let n = 0;
export function request(user: string, overrides: Partial<DeskRequest> = {}): DeskRequest {
  return {
    platform: 'slack',
    user: `slack:${user}`,
    where: { conversation: 'C0SHARED', thread: `17000000${++n}.0001` },
    eventId: `ev-${n}`,
    ...overrides,
  };
}
