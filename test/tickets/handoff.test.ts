import { describe, expect, it } from 'vitest';
import type { Turn } from '../../src/core/types.js';
import { buildPacket } from '../../src/tickets/handoff.js';
import { createLowdbTicketStore } from '../../src/tickets/lowdb-store.js';
import { createTicketService } from '../../src/tickets/service.js';
import { tempDirs } from '../helpers.js';
import { DESKS, openInput } from './fixtures.js';

const tempDir = tempDirs('madoguchi-handoff-');

/** `n` characters of a request, each line different so a cut anywhere shows. */
const request = (n: number) =>
  Array.from({ length: Math.ceil(n / 50) }, (_, i) =>
    `Line ${i}: our plant needs financing. `.padEnd(50, '.'),
  )
    .join('')
    .slice(0, n);

const turn = (text: string, answer: string): Turn => ({
  at: '2026-01-05T00:00:00.000Z',
  user: 'web:session-1',
  text,
  reply: {
    action: 'answer',
    intent: 'programme.jbic',
    confidence: 0.8,
    scheme: null,
    desk: null,
    text: answer,
    entries: [],
  },
});

describe('handoff packet', () => {
  it('keeps the whole request and need, and each turn up to 20,000 characters', () => {
    const text = request(100_000);
    const need = request(100_000);
    const packet = buildPacket({
      text,
      lang: 'en',
      transcript: [turn(request(20_000), request(25_000))],
      details: { company: `  ${'C'.repeat(600)}  `, contact: 'a@example.com', need },
    });
    expect(packet.text).toBe(text);
    expect(packet.details.need).toBe(need);
    expect(packet.details.company).toBe('C'.repeat(500));
    expect(packet.details.contact).toBe('a@example.com');
    expect(packet.transcript.map((t) => t.text.length)).toEqual([20_000, 20_000]);
  });

  it('guards the ticket file against an unbounded input, and leaves out empty details', () => {
    const packet = buildPacket({
      text: request(300_000),
      lang: 'en',
      transcript: [],
      details: { company: '   ', need: request(300_000) },
    });
    expect(packet.text).toHaveLength(200_000);
    expect(packet.details).toEqual({ need: request(200_000) });
  });

  it('a 100 KB request survives the ticket store whole', async () => {
    const dataDir = await tempDir();
    const text = request(100_000);
    const packet = buildPacket({ text, lang: 'en', transcript: [], details: { need: text } });
    const first = createLowdbTicketStore({ dataDir });
    await first.open();
    const tickets = createTicketService({
      store: first,
      desks: () => DESKS,
      clock: { now: () => new Date() },
    });
    const t = await tickets.open({ ...openInput('big'), packet });
    await first.close();
    const second = createLowdbTicketStore({ dataDir });
    await second.open();
    expect((await second.get(t.id))?.packet.text).toBe(text);
    expect((await second.get(t.id))?.packet.details.need).toBe(text);
    await second.close();
  });
});
