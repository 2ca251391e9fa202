import { describe, expect, it } from 'vitest';
import {
  onHandoffSubmit,
  onResolveSubmit,
  onViewClosed,
} from '../../../../src/adapters/slack/listeners/views.js';
import { fakeAck, fakeClient, listenerFixture } from './fixture.js';

const f = await listenerFixture();

let n = 0;
const handoffMeta = (p: { desk?: string; lang?: string; key?: string; thread?: string } = {}) =>
  JSON.stringify({
    k: 'handoff',
    desk: p.desk ?? 'sme-support-japan',
    lang: p.lang ?? 'en',
    key: p.key ?? `form-views-${++n}`,
    channel: 'C0SHARED',
    thread: p.thread ?? `1770000${++n}.000100`,
  });
const values = (fields: Record<string, string>) =>
  Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, { value: { value: v } }]));

async function submitHandoff(
  metadata: string,
  fields: Record<string, string>,
  user = 'UREQ',
  viewId = `V${++n}`,
) {
  const slack = fakeClient();
  const { ack, acks } = fakeAck();
  await onHandoffSubmit(f.deps)({
    ack,
    view: { id: viewId, private_metadata: metadata, state: { values: values(fields) } },
    body: { user: { id: user, name: 'tanaka' } },
    client: slack.client,
  });
  return { slack, acks };
}
const filled = { company: 'Acme Parts', contact: 'acme@example.com', need: 'Investment from the fund' };
const ticketsOf = (key: string) => f.tickets.list({ where: (t) => t.key === `slack:${key}` });

describe('onHandoffSubmit', () => {
  it('stores the ticket, then closes the modal; the same form sent twice is one ticket', async () => {
    const meta = handoffMeta({ key: 'form-views-once', thread: '1770000001.000100' });
    const first = await submitHandoff(meta, filled);
    const second = await submitHandoff(meta, filled);
    expect([...first.acks, ...second.acks]).toEqual([undefined, undefined]);
    const [ticket, ...more] = await ticketsOf('form-views-once');
    expect(more).toEqual([]);
    expect(ticket).toMatchObject({
      desk: 'sme-support-japan',
      requester: { platform: 'slack', userId: 'slack:UREQ', displayName: 'tanaka' },
      origin: { platform: 'slack', conversation: 'C0SHARED', thread: '1770000001.000100' },
      packet: {
        text: 'Investment from the fund',
        details: { company: 'Acme Parts', contact: 'acme@example.com' },
      },
    });
    // The company is told by the outbox, in its thread; nothing is posted from here.
    expect([...first.slack.calls, ...second.slack.calls]).toEqual([]);
  });

  it('keeps the modal open with the missing fields marked, in the form’s language', async () => {
    const { acks } = await submitHandoff(handoffMeta({ lang: 'ja', key: 'form-views-missing' }), {
      company: ' ',
      contact: '',
      need: '相談したい',
    });
    expect(acks).toEqual([
      {
        response_action: 'errors',
        errors: { company: f.ja.t('formRequired'), contact: f.ja.t('formRequired') },
      },
    ]);
    expect(await ticketsOf('form-views-missing')).toEqual([]);
  });

  it('says in the person’s language that the request was not saved when the store refuses the write', async () => {
    f.faults.refuseWrites = true;
    try {
      const { acks, slack } = await submitHandoff(
        handoffMeta({ desk: 'jbic', lang: 'ja', key: 'form-views-refused' }),
        filled,
      );
      expect(acks).toEqual([{ response_action: 'errors', errors: { need: f.ja.t('errNotSaved') } }]);
      expect(slack.calls).toEqual([]);
    } finally {
      f.faults.refuseWrites = false;
    }
    // Sent again once the store takes writes: saved.
    const again = await submitHandoff(
      handoffMeta({ desk: 'jbic', lang: 'ja', key: 'form-views-refused' }),
      filled,
    );
    expect(again.acks).toEqual([undefined]);
    expect(await ticketsOf('form-views-refused')).toHaveLength(1);
  });

  it('refuses damaged or forged metadata in the modal, privately, and stores nothing', async () => {
    const before = (await f.tickets.list()).length;
    const forged = [
      '',
      '{not json',
      JSON.stringify({
        k: 'handoff',
        desk: '../etc',
        lang: 'en',
        key: 'form-x',
        channel: 'C0SHARED',
        thread: '',
      }),
      handoffMeta().replace('"k":"handoff"', '"k":"handoff","admin":true'),
      handoffMeta({ lang: '<script>' }),
    ];
    for (const metadata of forged) {
      const { acks, slack } = await submitHandoff(metadata, filled);
      expect(acks).toEqual([{ response_action: 'errors', errors: { need: f.en.t('errBadPayload') } }]);
      expect(slack.calls).toEqual([]);
    }
    const unknown = await submitHandoff(handoffMeta({ desk: 'no-such-desk', lang: 'ja' }), filled);
    expect(unknown.acks).toEqual([{ response_action: 'errors', errors: { need: f.ja.t('errUnknownDesk') } }]);
    expect(await f.tickets.list()).toHaveLength(before);
  });
});

async function submitNote(metadata: string, note: string, user = 'USTAFF') {
  const slack = fakeClient();
  const { ack, acks } = fakeAck();
  await onResolveSubmit(f.deps)({
    ack,
    view: { id: `VR${++n}`, private_metadata: metadata, state: { values: values({ note }) } },
    body: { user: { id: user } },
    client: slack.client,
  });
  return { slack, acks };
}

describe('onResolveSubmit', () => {
  it('resolves with the note, then closes the modal', async () => {
    const ticket = await f.openTicket();
    const { acks, slack } = await submitNote(
      JSON.stringify({ ticket: ticket.id, channel: 'C0FUND' }),
      ' We will call you. ',
    );
    expect(acks).toEqual([undefined]);
    expect(slack.calls).toEqual([]);
    const after = await f.ticket(ticket.id);
    expect(after.status).toBe('resolved');
    expect(after.events.at(-1)).toMatchObject({
      type: 'resolved',
      actor: 'slack:USTAFF',
      note: 'We will call you.',
    });
  });

  it('keeps the modal open saying why, in the card’s language, when the resolution is refused', async () => {
    const ticket = await f.openTicket({ desk: 'jbic' });
    const meta = JSON.stringify({ ticket: ticket.id, channel: 'C0JBIC' });
    const stranger = await submitNote(meta, 'done', 'USTRANGER');
    const desk = f.content.desks.desks.find((d) => d.id === 'jbic');
    expect(stranger.acks).toEqual([
      { response_action: 'errors', errors: { note: f.ja.t('errForbidden', { desk: desk?.name.ja ?? '' }) } },
    ]);
    f.faults.refuseWrites = true;
    try {
      const refused = await submitNote(meta, 'done', 'UJBIC');
      expect(refused.acks).toEqual([{ response_action: 'errors', errors: { note: f.ja.t('errNotSaved') } }]);
    } finally {
      f.faults.refuseWrites = false;
    }
    expect((await f.ticket(ticket.id)).status).toBe('open');
  });

  it('refuses damaged or forged metadata in the modal and changes nothing', async () => {
    const ticket = await f.openTicket();
    const before = await f.ticket(ticket.id);
    for (const metadata of [
      '',
      '{',
      JSON.stringify({ ticket: '../x' }),
      JSON.stringify({ ticket: ticket.id, channel: 'C0FUND', as: 'UADMIN' }),
    ]) {
      const { acks, slack } = await submitNote(metadata, 'done');
      expect(acks).toEqual([{ response_action: 'errors', errors: { note: f.en.t('errBadPayload') } }]);
      expect(slack.calls).toEqual([]);
    }
    expect(await f.ticket(ticket.id)).toEqual(before);
  });
});

describe('onViewClosed', () => {
  it('acknowledges a closed modal and changes nothing', async () => {
    const { ack, acks } = fakeAck();
    await onViewClosed()({ ack });
    expect(acks).toEqual([undefined]);
  });
});
