import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DeskDirectory } from '../src/content/types.js';
import { createLowdbTicketStore } from '../src/tickets/lowdb-store.js';
import { createTicketService } from '../src/tickets/service.js';
import type { Ticket } from '../src/tickets/types.js';
import { type Summary, summarise } from './stats.js';

export interface StoreResult {
  stored: number;
  create: Summary;
  transition: Summary;
  /** Baseline: JSON.stringify + writeFile of the same data, the least a whole-file store can cost. */
  rawWrite: Summary;
  /** Snapshot + journal, after the samples. */
  fileMb: number;
  /** Folding the journal into the snapshot (lowdb rewrite), as done at close. */
  foldMs: number;
}

export const desks: DeskDirectory = {
  admins: ['cli:admin'],
  triage: 'jbic',
  desks: [
    {
      id: 'jbic',
      name: { en: 'JBIC', ja: 'JBIC' },
      lang: 'en',
      takes: { en: '', ja: '' },
      aliases: { en: [], ja: [] },
      descriptions: { en: [], ja: [] },
      examples: { en: [], ja: [] },
      schemes: [],
      responseTargetHours: 24,
      reminderIntervalHours: 4,
      notify: {},
      staff: ['cli:staff'],
    },
  ],
};

/** A stored ticket like the bot writes, number `i`. */
export function ticket(i: number): Ticket {
  const at = new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString();
  return {
    id: `MDG-${String(i).padStart(6, '0')}`,
    key: `bench-${i}`,
    desk: 'jbic',
    status: 'open',
    assignee: null,
    requester: { platform: 'slack', userId: `slack:U${i}`, displayName: `Company ${i}` },
    origin: { platform: 'slack', conversation: 'C0SHARED', thread: `${1_700_000_000 + i}.000100` },
    packet: {
      text: 'We would like advice on financing a plant in Aguascalientes through our bank.',
      lang: 'en',
      intent: 'handoff.jbic',
      confidence: 0.9,
      scheme: 'jbic-aguascalientes',
      transcript: [
        { at, who: 'user', text: 'What does JBIC do in Aguascalientes?' },
        {
          at,
          who: 'bot',
          text: 'Under the MOU, JBIC acts as an intermediary between the State of Aguascalientes and Japanese financial institutions.',
        },
      ],
      details: { company: `Company ${i}`, contact: `c${i}@example.com`, need: 'Financing' },
    },
    createdAt: at,
    updatedAt: at,
    responseTargetHours: 24,
    dueAt: at,
    events: [{ seq: 1, type: 'created', at, actor: `slack:U${i}` }],
    outbox: [],
    refs: {},
  };
}

/** Create and claim latency with `stored` tickets already in the file. */
export async function benchStore(
  stored: number,
  samples: number,
  baselineSamples = 50,
): Promise<StoreResult> {
  const dir = await mkdtemp(join(tmpdir(), 'madoguchi-bench-store-'));
  const data = { format: 1, seq: stored, tickets: Array.from({ length: stored }, (_, i) => ticket(i + 1)) };
  await writeFile(join(dir, 'tickets.json'), JSON.stringify(data));
  const store = createLowdbTicketStore({ dataDir: dir });
  await store.open();
  const tickets = createTicketService({ store, desks: () => desks, clock: { now: () => new Date() } });
  const create: number[] = [];
  const transition: number[] = [];
  const rawWrite: number[] = [];
  for (let i = 0; i < samples; i++) {
    // The baseline is timed on a sample of the rounds: at 10,000 tickets each costs ~100 ms.
    const timeBaseline = i % Math.max(1, Math.floor(samples / baselineSamples)) === 0;
    let t0 = process.hrtime.bigint();
    const t = await tickets.open({
      key: `new-${i}`,
      desk: 'jbic',
      requester: { platform: 'slack', userId: 'slack:UNEW' },
      origin: { platform: 'slack', conversation: 'C0SHARED' },
      packet: ticket(0).packet,
    });
    create.push(Number(process.hrtime.bigint() - t0) / 1e6);
    t0 = process.hrtime.bigint();
    await tickets.claim(t.id, { user: 'cli:staff' });
    transition.push(Number(process.hrtime.bigint() - t0) / 1e6);
    if (timeBaseline) {
      t0 = process.hrtime.bigint();
      await writeFile(join(dir, 'raw.json'), JSON.stringify(data));
      rawWrite.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
  }
  const fileMb =
    ((await stat(join(dir, 'tickets.json'))).size + (await stat(join(dir, 'tickets.json.journal'))).size) /
    2 ** 20;
  const t0 = process.hrtime.bigint();
  await store.close();
  const foldMs = Number(process.hrtime.bigint() - t0) / 1e6;
  await rm(dir, { recursive: true, force: true });
  return {
    stored,
    create: summarise(create),
    transition: summarise(transition),
    rawWrite: summarise(rawWrite),
    fileMb,
    foldMs,
  };
}
