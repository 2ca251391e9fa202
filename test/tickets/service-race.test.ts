import { describe, expect, it } from 'vitest';
import { TicketError } from '../../src/tickets/errors.js';
import { createLowdbTicketStore } from '../../src/tickets/lowdb-store.js';
import { createTicketService } from '../../src/tickets/service.js';
import { tempDirs } from '../helpers.js';
import { DESKS, openInput } from './fixtures.js';

const temp = tempDirs('madoguchi-race-');

describe('two clicks racing on one ticket', () => {
  it('the loser is refused like any late click: told who has it, and the refusal is recorded once', async () => {
    const store = createLowdbTicketStore({ dataDir: await temp(), sync: false });
    await store.open();
    const tickets = createTicketService({ store, desks: () => DESKS, clock: { now: () => new Date() } });
    const t = await tickets.open(openInput('race-1'));
    // Both pass the first check (the ticket is open), then their writes are serialised.
    const outcomes = await Promise.allSettled([
      tickets.claim(t.id, { user: 'cli:jbic-staff', sourceEventId: 'click-a' }),
      tickets.claim(t.id, { user: 'cli:admin', sourceEventId: 'click-b' }),
    ]);
    const won = outcomes.filter((o) => o.status === 'fulfilled');
    const lost = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason as unknown] : []));
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect(lost[0]).toBeInstanceOf(TicketError);
    expect((lost[0] as TicketError).message).toMatch(
      new RegExp(`^${t.id} is claimed by cli:(jbic-staff|admin); it cannot be claimed now\\.$`),
    );
    const events = (await tickets.get(t.id))?.events ?? [];
    expect(events.filter((e) => e.type === 'claimed')).toHaveLength(1);
    expect(events.filter((e) => e.type === 'refused').map((e) => e.sourceEventId)).toHaveLength(1);
    await store.close();
  });
});
