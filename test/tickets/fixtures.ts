import type { DeskDirectory } from '../../src/content/types.js';
import type { OpenTicketInput } from '../../src/tickets/service-types.js';

export const DESKS: DeskDirectory = {
  admins: ['cli:admin'],
  triage: 'general',
  desks: (['jbic', 'sbic', 'general'] as const).map((id) => ({
    id,
    name: { en: id.toUpperCase(), ja: id },
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
