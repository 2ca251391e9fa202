import { describe, expect, it } from 'vitest';
import type { DeskDirectory } from '../../src/content/types.js';
import { createLowdbTicketStore } from '../../src/tickets/lowdb-store.js';
import { createNotifierRegistry } from '../../src/tickets/notifiers.js';
import { createTicketService } from '../../src/tickets/service.js';
import type { Notifier } from '../../src/tickets/service-types.js';
import { tempDirs } from '../helpers.js';
import { DESKS, openInput, registryOf, stubNotifier } from './fixtures.js';

const tempDir = tempDirs('madoguchi-notifiers-');

const log: Notifier = { channel: 'log', handles: () => true, deliver: async () => ({ ok: true }) };
/** The local page's notifier: the staff view shows every desk; a requester who asked on the page. */
const web: Notifier = {
  channel: 'web',
  handles: (ticket, audience) => audience === 'desk' || ticket.origin.platform === 'web',
  deliver: async () => ({ ok: true }),
};

/** The JBIC desk watching in Slack and in Teams. */
const WATCHED_TWICE: DeskDirectory = {
  ...DESKS,
  desks: DESKS.desks.map((d) =>
    d.id === 'jbic' ? { ...d, notify: { slackChannel: 'C0JBIC', teamsConversation: '19:jbic@thread' } } : d,
  ),
};

describe('notifier registry', () => {
  it('reaches an audience on every channel whose notifier handles it, the log only when none does', async () => {
    const slack = stubNotifier('slack', WATCHED_TWICE);
    const teams = stubNotifier('teams', WATCHED_TWICE);
    const registry = registryOf(log, slack, teams);
    const store = createLowdbTicketStore({ dataDir: await tempDir() });
    await store.open();
    const tickets = createTicketService({
      store,
      desks: () => WATCHED_TWICE,
      clock: { now: () => new Date() },
      notifiers: registry,
    });
    const watched = await tickets.open(openInput('watched'));
    expect(registry.reaching(watched, 'desk')).toEqual(['slack', 'teams']);
    expect(registry.reaching(watched, 'requester')).toEqual(['slack']);
    const unwatched = await tickets.open(
      openInput('unwatched', { desk: 'sbic', origin: { platform: 'cli', conversation: 'cli' } }),
    );
    expect(registry.reaching(unwatched, 'desk')).toEqual(['log']);
    // The service queues exactly the deliveries `reaching` names.
    expect(watched.outbox.map((d) => `${d.audience}:${d.channel}`)).toEqual([
      'desk:slack',
      'desk:teams',
      'requester:slack',
    ]);
    expect(unwatched.outbox.map((d) => `${d.audience}:${d.channel}`)).toEqual(['desk:log', 'requester:log']);

    // A channel registered later (the Teams emulator mounts after start) is reached from then on.
    registry.register(web);
    const onThePage = await tickets.open(
      openInput('page', { desk: 'sbic', origin: { platform: 'web', conversation: 'session-1' } }),
    );
    expect(onThePage.outbox.map((d) => `${d.audience}:${d.channel}`)).toEqual(['desk:web', 'requester:web']);
    await store.close();
  });

  it('gives the notifier of a channel; registering a channel again replaces it', () => {
    const registry = createNotifierRegistry();
    expect(registry.get('slack')).toBeUndefined();
    const first = stubNotifier('slack');
    const second = stubNotifier('slack');
    registry.register(first);
    registry.register(second);
    expect(registry.get('slack')).toBe(second);
  });

  it('without a registry, the service queues every notification for the log', async () => {
    const store = createLowdbTicketStore({ dataDir: await tempDir() });
    await store.open();
    const tickets = createTicketService({ store, desks: () => DESKS, clock: { now: () => new Date() } });
    const t = await tickets.open(openInput('cli'));
    expect(t.outbox.map((d) => `${d.audience}:${d.channel}`)).toEqual(['desk:log', 'requester:log']);
    await store.close();
  });
});
