import type { Activity } from 'botbuilder';
import { describe, expect, it } from 'vitest';
import type { Ticket } from '../../../src/tickets/types.js';
import {
  ADMIN,
  activity,
  BOT,
  botFixture,
  DESK_CHANNEL,
  inChannel,
  REQUESTER,
  SHARED_CHANNEL,
  STAFF,
  STRANGER,
  submit,
} from './bot-fixture.js';
import { actionsOf, buttonTitles, cardIn, ofType, textOf } from './card-helpers.js';

const f = await botFixture();
const { adapter } = f;

/** Sends one activity through the TestAdapter; resolves when its turn is over. Returns what it sent. */
async function turn(a: Activity): Promise<Array<Partial<Activity>>> {
  const before = adapter.sent.length;
  await adapter.processActivity(a);
  return adapter.sent.slice(before);
}
const messages = (sent: Array<Partial<Activity>>) => sent.filter((a) => a.type === 'message');
const invokeResponse = (sent: Array<Partial<Activity>>) =>
  sent.find((a) => a.type === 'invokeResponse')?.value as { status: number; body: Record<string, unknown> };

/** Opens a ticket the way a company does: Talk to JBIC, then the form's Send. */
async function openTicket(company = 'Acme Parts'): Promise<{ ticket: Ticket; formId: string }> {
  await turn(
    activity({ text: 'Is there anyone at JBIC who can advise us on financing a plant in Aguascalientes?' }),
  );
  const [form] = messages(await turn(submit({ madoguchi: { k: 'talk', desk: 'jbic' } })));
  const card = cardIn(form);
  const send = actionsOf(card).find((x) => x.type === 'Action.Submit');
  const before = new Set((await f.tickets.list()).map((t) => t.id));
  await turn(
    submit(
      { ...(send?.data as object), company, contact: 'acme@example.com', need: 'Financing advice' },
      { replyToId: form?.id },
    ),
  );
  const ticket = (await f.tickets.list()).find((t) => !before.has(t.id));
  if (!ticket) throw new Error('no ticket opened');
  return { ticket, formId: form?.id ?? '' };
}

describe('the Teams bot (turns through botbuilder TestAdapter)', () => {
  it('answers a question with the card alone: a summary for the preview, no duplicate text', async () => {
    const [reply, ...more] = messages(await turn(activity({ text: 'What is the SME Growth Support Fund?' })));
    expect(more).toEqual([]);
    expect(reply?.text).toBeUndefined();
    expect(reply?.summary).toMatch(/SME Growth Support Fund/);
    const card = cardIn(reply);
    expect(card.version).toBe('1.5');
    expect(textOf(card)).toContain('SME Growth Support Fund');
    expect(buttonTitles(card)).toEqual(
      expect.arrayContaining(['Helpful', 'Not helpful', expect.stringMatching(/^Talk to /)]),
    );
    // No row holds more than three buttons; feedback is its own row of two.
    for (const set of ofType(card, 'ActionSet'))
      expect((set.actions as unknown[]).length).toBeLessThanOrEqual(3);
    const feedback = ofType(card, 'ActionSet').find((s) => JSON.stringify(s).includes('"k":"rate"'));
    expect(feedback?.actions).toHaveLength(2);
  });

  it('answers a Japanese question in Japanese, buttons included', async () => {
    const [reply] = messages(await turn(activity({ text: '日中温泉シンポジウムはいつですか' })));
    const card = cardIn(reply);
    expect(textOf(card)).toContain('2013年10月31日');
    expect(buttonTitles(card)).toEqual(expect.arrayContaining(['役に立った', '役に立たなかった']));
  });

  it('shows follow-ups and choices as a vertical list of full-width rows that wrap', async () => {
    const [reply] = messages(await turn(activity({ text: 'What can you help with?' })));
    const card = cardIn(reply);
    const rows = ofType(card, 'Container').filter((c) => c.selectAction);
    expect(rows.length).toBeGreaterThan(1);
    for (const row of rows) {
      expect(ofType(row, 'TextBlock')[0]?.wrap).toBe(true);
      expect((row.selectAction as { data: { madoguchi: { k: string } } }).data.madoguchi.k).toBe('ask');
    }
  });

  it('answers once when Teams redelivers the same activity', async () => {
    const a = activity({ text: 'What is SBIC?' });
    const first = await turn(a);
    const again = await turn({ ...a });
    expect(messages(first)).toHaveLength(1);
    expect(again).toEqual([]);
  });

  it('ignores activities from its own id', async () => {
    expect(await turn(activity({ from: BOT, text: 'What is SBIC?' }))).toEqual([]);
    expect(
      await turn(
        activity({
          from: { id: BOT.id, name: 'Madoguchi' },
          value: { madoguchi: { k: 'talk', desk: 'jbic' } },
        }),
      ),
    ).toEqual([]);
  });

  it('opens one ticket however often the form is sent, and replaces the form with its confirmation', async () => {
    const { ticket, formId } = await openTicket('Twice Co');
    const confirmation = adapter.updates.find((u) => u.id === formId);
    expect(textOf(cardIn(confirmation))).toContain(ticket.id);
    expect(actionsOf(cardIn(confirmation))).toEqual([]);
    // A second click on the same form (a new activity, the form's own key) is the same request.
    const count = (await f.tickets.list()).length;
    const form = adapter.sent.find((a) => a.id === formId);
    const send = actionsOf(cardIn(form)).find((x) => x.type === 'Action.Submit');
    const again = await turn(
      submit(
        { ...(send?.data as object), company: 'Twice Co', contact: 'x@example.com', need: 'x' },
        { replyToId: formId },
      ),
    );
    expect((await f.tickets.list()).length).toBe(count);
    expect(messages(again)).toEqual([]);
    expect(textOf(cardIn(adapter.updates.at(-1)))).toContain(ticket.id);
    expect(ticket.requester.displayName).toBe(REQUESTER.name);
    expect(ticket.packet.details.contact).toBe('acme@example.com');
  });

  it('says a missing field in the person’s language, changing nothing', async () => {
    const before = (await f.tickets.list()).length;
    const sent = await turn(
      submit({
        madoguchi: { k: 'handoff', desk: 'jbic', lang: 'ja', key: 'form-missing' },
        company: '',
        contact: '',
      }),
    );
    expect(textOf(cardIn(messages(sent)[0]))).toBe('会社名とご連絡先をご記入ください。');
    expect((await f.tickets.list()).length).toBe(before);
  });

  it('says a refusal only to the person who clicked: a 1:1 chat, nothing in the desk channel', async () => {
    const { ticket } = await openTicket('Refused Co');
    const sent = await turn(
      submit(
        { madoguchi: { k: 'act', a: 'claim', ticket: ticket.id } },
        { from: STRANGER, conversation: inChannel(DESK_CHANNEL) },
      ),
    );
    expect(sent.filter((a) => a.conversation?.id?.startsWith(DESK_CHANNEL))).toEqual([]);
    const [notice] = messages(sent);
    expect(notice?.conversation?.id).toBe(`a:1on1-${STRANGER.id}`);
    expect(textOf(cardIn(notice))).toMatch(/^Only .+ staff and admins can do that\.$/);
    expect(adapter.opened.at(-1)).toMatchObject({
      isGroup: false,
      members: [STRANGER],
      tenantId: 'tenant-1',
    });
    expect((await f.tickets.get(ticket.id))?.status).toBe('open');
  });

  it('gives Reassign with nothing chosen the localised notice, privately, and changes nothing', async () => {
    const { ticket } = await openTicket('Reassign Co');
    const sent = await turn(
      submit(
        { madoguchi: { k: 'act', a: 'reassign', ticket: ticket.id }, desk: '', note: '' },
        { from: STAFF, conversation: inChannel(DESK_CHANNEL) },
      ),
    );
    const [notice] = messages(sent);
    expect(notice?.conversation?.id).toBe(`a:1on1-${STAFF.id}`);
    expect(textOf(cardIn(notice))).toBe('There is no such desk; choose one from the list.');
    expect(JSON.stringify(sent)).not.toContain('undefined');
    expect((await f.tickets.get(ticket.id))?.desk).toBe('jbic');
    // With a desk chosen it moves, and the card is left to the outbox (nothing posted here).
    const moved = await turn(
      submit(
        { madoguchi: { k: 'act', a: 'reassign', ticket: ticket.id }, desk: 'sbic' },
        { from: STAFF, conversation: inChannel(DESK_CHANNEL) },
      ),
    );
    expect(messages(moved)).toEqual([]);
    expect((await f.tickets.get(ticket.id))?.desk).toBe('sbic');
  });

  it('claims and resolves with a note from the card’s inputs', async () => {
    const { ticket } = await openTicket('Resolve Co');
    const where = { from: STAFF, conversation: inChannel(DESK_CHANNEL) };
    await turn(submit({ madoguchi: { k: 'act', a: 'claim', ticket: ticket.id } }, where));
    expect((await f.tickets.get(ticket.id))?.assignee).toBe(`teams:${STAFF.aadObjectId}`);
    await turn(
      submit(
        { madoguchi: { k: 'act', a: 'resolve', ticket: ticket.id }, note: 'Meeting booked', desk: '' },
        where,
      ),
    );
    const resolved = await f.tickets.get(ticket.id);
    expect(resolved?.status).toBe('resolved');
    expect(resolved?.events.at(-1)?.note).toBe('Meeting booked');
  });

  it('refuses a damaged or out-of-date button (an old card’s string value) with a clear message', async () => {
    const sent = await turn(submit({ madoguchi: 'claim', ticket: 'MDG-000001' }));
    expect(textOf(cardIn(messages(sent)[0]))).toMatch(/out of date or damaged; nothing was changed/);
  });

  it('answers every invoke with 200 and a body, never 501', async () => {
    const fetchTask = invokeResponse(await turn(activity({ type: 'invoke', name: 'task/fetch', value: {} })));
    expect(fetchTask.status).toBe(200);
    expect(fetchTask.body).toMatchObject({
      task: { type: 'message', value: expect.stringMatching(/out of date/) },
    });
    const unknown = invokeResponse(
      await turn(activity({ type: 'invoke', name: 'composeExtension/query', value: {} })),
    );
    expect(unknown).toEqual({ status: 200, body: {} });
    const own = invokeResponse(
      await turn(activity({ type: 'invoke', name: 'task/fetch', from: BOT, value: {} })),
    );
    expect(own.status).toBe(200);
  });

  it('runs Action.Execute (adaptiveCard/action): refusals in the invoke response, the form replaced by a card', async () => {
    const { ticket } = await openTicket('Execute Co');
    const execute = (data: Record<string, unknown>, fields: Record<string, unknown> = {}) =>
      activity({
        type: 'invoke',
        name: 'adaptiveCard/action',
        value: { action: { type: 'Action.Execute', verb: 'madoguchi', data }, trigger: 'manual' },
        ...fields,
      });
    const refused = await turn(
      execute(
        { madoguchi: { k: 'act', a: 'claim', ticket: ticket.id } },
        { from: STRANGER, conversation: inChannel(DESK_CHANNEL) },
      ),
    );
    expect(messages(refused)).toEqual([]);
    expect(invokeResponse(refused)).toEqual({
      status: 200,
      body: {
        statusCode: 200,
        type: 'application/vnd.microsoft.activity.message',
        value: expect.stringMatching(/^Only .+ staff and admins/),
      },
    });
    const sent = await turn(
      execute({
        madoguchi: { k: 'handoff', desk: 'jbic', lang: 'en', key: 'form-execute-1' },
        company: 'Exec Co',
        contact: 'e@example.com',
        need: 'x',
      }),
    );
    const body = invokeResponse(sent).body as { type: string; value: unknown };
    expect(body.type).toBe('application/vnd.microsoft.card.adaptive');
    expect(textOf(body.value)).toMatch(/as MDG-\d+/);
    const bad = invokeResponse(
      await turn(
        activity({
          type: 'invoke',
          name: 'adaptiveCard/action',
          value: { action: { type: 'Action.Submit' } },
        }),
      ),
    );
    expect(bad.body).toMatchObject({
      type: 'application/vnd.microsoft.activity.message',
      value: expect.stringMatching(/out of date/),
    });
  });

  it('answers admin commands and the requester’s list privately, refusing non-admins', async () => {
    const channel = { conversation: inChannel(SHARED_CHANNEL) };
    const refused = messages(
      await turn(
        activity({
          text: '<at>Madoguchi</at> status',
          ...channel,
          entities: [{ type: 'mention', mentioned: BOT, text: '<at>Madoguchi</at>' }],
        }),
      ),
    );
    expect(refused.map((a) => a.conversation?.id)).toEqual([`a:1on1-${REQUESTER.id}`]);
    expect(textOf(cardIn(refused[0]))).toBe('Only admins can use status.');
    const status = messages(await turn(activity({ text: 'status', from: ADMIN })));
    expect(textOf(cardIn(status[0]))).toContain('Madoguchi status');
    const list = messages(await turn(activity({ text: 'tickets' })));
    expect(textOf(cardIn(list[0]))).toMatch(/Your requests[\s\S]*MDG-\d+/);
    expect(buttonTitles(cardIn(list[0]))).toContain('Close this request');
    const help = messages(await turn(activity({ text: 'help' })));
    expect(textOf(cardIn(help[0]))).toContain('Commands: tickets · help');
    expect(textOf(cardIn(help[0]))).not.toContain('reload');
  });

  it('welcomes once when installed in a personal chat or added to a team, not in a desk channel', async () => {
    const chat = { id: 'a:chat-new', conversationType: 'personal' };
    const added = messages(
      await turn(activity({ type: 'conversationUpdate', conversation: chat, membersAdded: [BOT] })),
    );
    expect(textOf(cardIn(added[0]))).toMatch(/^Hello, I'm Madoguchi/);
    // Teams also sends installationUpdate for the same installation: no second welcome.
    expect(await turn(activity({ type: 'installationUpdate', action: 'add', conversation: chat }))).toEqual(
      [],
    );
    const team = { id: '19:general@thread.tacv2', conversationType: 'channel', isGroup: true };
    const installed = messages(
      await turn(
        activity({ type: 'installationUpdate', action: 'add', conversation: team, locale: 'ja-JP' }),
      ),
    );
    expect(textOf(cardIn(installed[0]))).toMatch(/^こんにちは/);
    // A person joining is not the bot being added; the desk's own channel gets cards, not a welcome.
    expect(
      await turn(
        activity({ type: 'conversationUpdate', conversation: { id: 'a:x' }, membersAdded: [STAFF] }),
      ),
    ).toEqual([]);
    expect(
      await turn(
        activity({
          type: 'conversationUpdate',
          conversation: { id: DESK_CHANNEL, conversationType: 'channel' },
          membersAdded: [BOT],
        }),
      ),
    ).toEqual([]);
    expect(f.remembered).toContain(DESK_CHANNEL);
  });
});
