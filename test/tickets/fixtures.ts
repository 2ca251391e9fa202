import type { DeskDirectory } from '../../src/content/types.js';
import { createNotifierRegistry, type NotifierRegistry } from '../../src/tickets/notifiers.js';
import type { DeliveryResult, Notifier, OpenTicketInput } from '../../src/tickets/service-types.js';
import type { Delivery } from '../../src/tickets/types.js';

export const DESKS: DeskDirectory = {
  admins: ['cli:admin'],
  triage: 'general',
  desks: (['jbic', 'sbic', 'general'] as const).map((id) => ({
    id,
    name: { en: id.toUpperCase(), ja: id },
    lang: 'en',
    takes: { en: id, ja: id },
    aliases: { en: [], ja: [] },
    descriptions: { en: [], ja: [] },
    examples: { en: [], ja: [] },
    schemes: [],
    responseTargetHours: 24,
    reminderIntervalHours: 4,
    notify: id === 'jbic' ? { slackChannel: 'C0JBIC' } : {},
    staff: [`cli:${id}-staff`],
  })),
};

export function openInput(key: string, overrides: Partial<OpenTicketInput> = {}): OpenTicketInput {
  return {
    key,
    desk: 'jbic',
    requester: { platform: 'slack', userId: 'slack:UREQ', displayName: 'Requester' },
    origin: { platform: 'slack', conversation: 'C0SHARED', thread: '1700000000.000100' },
    packet: {
      text: 'We would like financing advice for a plant in Aguascalientes',
      lang: 'en',
      intent: 'handoff.jbic',
      confidence: 0.9,
      scheme: 'jbic-aguascalientes',
      transcript: [],
      details: { company: 'Acme Parts', contact: 'acme@example.com', need: 'financing' },
    },
    ...overrides,
  };
}

/** A Slack or Teams notifier stand-in that records what it was asked. */
export interface StubNotifier extends Notifier {
  readonly calls: string[];
  /** How it answers; it delivers unless told otherwise. */
  respond: (delivery: Delivery) => DeliveryResult;
}

/** Reaches whom the real adapter would: the desk where it watches that platform, a requester who asked there. */
export function stubNotifier(channel: 'slack' | 'teams', desks: DeskDirectory = DESKS): StubNotifier {
  const watches = channel === 'slack' ? 'slackChannel' : 'teamsConversation';
  const stub: StubNotifier = {
    channel,
    calls: [],
    respond: () => ({ ok: true }),
    handles: (ticket, audience) =>
      audience === 'desk'
        ? Boolean(desks.desks.find((d) => d.id === ticket.desk)?.notify[watches])
        : ticket.origin.platform === channel,
    async deliver(_ticket, delivery) {
      stub.calls.push(delivery.id);
      return stub.respond(delivery);
    },
  };
  return stub;
}

/** Answers `results` in turn, then delivers. */
export const inTurn = (results: DeliveryResult[]) => (): DeliveryResult => results.shift() ?? { ok: true };

/** A registry holding `notifiers`, as the server builds it. */
export function registryOf(...notifiers: Notifier[]): NotifierRegistry {
  const registry = createNotifierRegistry();
  for (const n of notifiers) registry.register(n);
  return registry;
}
