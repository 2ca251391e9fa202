import { describe, expect, it } from 'vitest';
import { DeskError } from '../../src/desk/errors.js';
import type { DeskResult } from '../../src/desk/types.js';
import type { Ticket } from '../../src/tickets/types.js';
import { deskFixture, request } from './fixture.js';

const f = await deskFixture();
const { desk } = f;

async function refusal(run: () => unknown, req = request('UX')): Promise<string> {
  try {
    await run();
  } catch (error) {
    return desk.toUserMessage(error, req).text;
  }
  throw new Error('expected a refusal');
}

const ticketOf = (r: DeskResult): Ticket => {
  if (r.kind !== 'ticket') throw new Error(`expected a ticket, got ${r.kind}`);
  return r.ticket;
};

async function openTicket(user = 'UREQ', key = `form-${Math.random().toString(36).slice(2)}`) {
  const req = request(user);
  await desk.ask(req, 'Is there anyone at JBIC who can advise us on financing a plant in Aguascalientes?');
  return ticketOf(
    await desk.press(
      req,
      { k: 'handoff', desk: 'jbic', lang: 'en', key },
      {
        company: 'Acme Parts',
        contact: 'acme@example.com',
        need: 'Financing advice',
      },
    ),
  );
}

describe('the desk service', () => {
  it('answers in the language of the question, with every label in that language', async () => {
    const cases = [
      ['When did JBIC sign the MOU with Aguascalientes?', 'en', 'Helpful', 'Not helpful'],
      ['JBICとアグアスカリエンテス州の覚書はいつ締結されましたか', 'ja', '役に立った', '役に立たなかった'],
      ['¿Cuándo firmó JBIC el memorando con Aguascalientes?', 'es', 'Útil', 'No útil'],
      ['JETRO和重庆市什么时候签署的备忘录？', 'zh', '有帮助', '没有帮助'],
    ] as const;
    for (const [text, lang, helpful, notHelpful] of cases) {
      const r = await desk.ask(request('UREQ'), text);
      if (r.kind !== 'reply') throw new Error('expected a reply');
      expect(r.view.lang).toBe(lang);
      expect(r.view.action).toBe('answer');
      expect(r.view.feedback.map((b) => b.label)).toEqual([helpful, notHelpful]);
      expect(r.view.sources.length).toBeGreaterThan(0);
    }
  });

  it('refuses a damaged or forged payload with a clear message and changes nothing', async () => {
    const before = (await f.tickets.list()).length;
    for (const raw of ['{not json', { k: 'act', a: 'claim', ticket: '../etc' }, { k: 'nope' }, undefined, 42])
      expect(await refusal(() => desk.press(request('UJBIC'), raw))).toMatch(
        /out of date or damaged; nothing was changed/,
      );
    expect((await f.tickets.list()).length).toBe(before);
  });

  it('offers the handoff form pre-filled with the question, in its language, once per form key', async () => {
    const req = request('UREQ');
    await desk.ask(req, 'JBICの担当者に相談したいです');
    const form = await desk.press(req, { k: 'talk', desk: 'jbic' });
    if (form.kind !== 'form') throw new Error('expected a form');
    expect(form.view.lang).toBe('ja');
    expect(form.view.fields.company.label).toBe('会社名');
    expect(form.view.fields.need.initial).toBe('JBICの担当者に相談したいです');
    const fields = { company: '株式会社テスト', contact: 'test@example.jp', need: '融資の相談' };
    const first = ticketOf(await desk.press(req, form.view.submit.payload, fields));
    const again = ticketOf(await desk.press(req, form.view.submit.payload, fields));
    expect(again.id).toBe(first.id);
    expect(await refusal(() => desk.press(req, { k: 'talk', desk: 'no-such-desk' }))).toMatch(/no such desk/);
  });

  it('says which fields are missing and opens nothing', async () => {
    const req = request('UREQ');
    const before = (await f.tickets.list()).length;
    const error = await desk
      .press(
        req,
        { k: 'handoff', desk: 'jbic', lang: 'en', key: 'form-missing' },
        { company: ' ', contact: '' },
      )
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeskError);
    expect((error as DeskError).details.fields).toEqual(['company', 'contact']);
    expect(desk.toUserMessage(error, req).text).toBe('Please give a company name and a contact.');
    expect((await f.tickets.list()).length).toBe(before);
  });

  it('lets desk staff claim, tells a second claimer who has it, and refuses strangers, in the desk’s language', async () => {
    const t = await openTicket();
    const stranger = request('USTRANGER');
    expect(await refusal(() => desk.act(stranger, { k: 'act', a: 'claim', ticket: t.id }), stranger)).toBe(
      'この操作は国際協力銀行（JBIC）の担当者と管理者のみが行えます。',
    );
    const english = request('USTRANGER', { lang: 'en' });
    expect(await refusal(() => desk.act(english, { k: 'act', a: 'claim', ticket: t.id }), english)).toBe(
      'Only JBIC (Japan Bank for International Cooperation) staff and admins can do that.',
    );
    const claimed = ticketOf(
      await desk.act(request('UJBIC', { name: 'Aiko Sato' }), { k: 'act', a: 'claim', ticket: t.id }),
    );
    expect(claimed.assignee).toBe('slack:UJBIC');
    const second = request('UJBIC2');
    expect(await refusal(() => desk.act(second, { k: 'act', a: 'claim', ticket: t.id }), second)).toBe(
      `${t.id} はすでにAiko Satoが担当しています。`,
    );
  });

  it('refuses a reassignment with no desk chosen, in words, and keeps the ticket where it is', async () => {
    const t = await openTicket();
    const staff = request('UJBIC', { lang: 'en' });
    expect(await refusal(() => desk.press(staff, { k: 'act', a: 'reassign', ticket: t.id }), staff)).toBe(
      'There is no such desk; choose one from the list.',
    );
    expect((await f.tickets.get(t.id))?.desk).toBe('jbic');
    const moved = ticketOf(
      await desk.press(request('UJBIC'), { k: 'act', a: 'reassign', ticket: t.id }, { desk: 'sbic' }),
    );
    expect(moved.desk).toBe('sbic');
  });

  it('lets the requester close their own request, and nobody else who is not staff', async () => {
    const t = await openTicket('UOWNER');
    expect(await refusal(() => desk.act(request('UOTHER'), { k: 'act', a: 'close', ticket: t.id }))).toMatch(
      /担当者と管理者のみ/,
    );
    expect(ticketOf(await desk.act(request('UOWNER'), { k: 'act', a: 'close', ticket: t.id })).status).toBe(
      'closed',
    );
    const list = await desk.myTickets(request('UOWNER'));
    if (list.kind !== 'tickets') throw new Error('expected a list');
    expect(list.view.items.find((i) => i.id === t.id)?.status).toBe('Closed');
  });

  it('keeps admin commands to admins and reports status to them', async () => {
    expect(await refusal(() => desk.admin(request('UREQ'), 'reload', '/madoguchi reload'))).toBe(
      'Only admins can use /madoguchi reload.',
    );
    const status = await desk.admin(request('UADMIN'), 'status');
    if (status.kind !== 'status') throw new Error('expected a status');
    expect(status.view.facts.map((x) => x.label)).toEqual(
      expect.arrayContaining(['Content', 'Open requests', 'Channels']),
    );
  });

  it('tells the person their request was not saved when the store refuses it', async () => {
    const { desk: other, store } = await deskFixture();
    await store.close();
    const req = request('UREQ');
    const text = await other
      .press(
        req,
        { k: 'handoff', desk: 'jbic', lang: 'es', key: 'form-closed' },
        { company: 'Acme', contact: 'a@b.mx' },
      )
      .then(
        () => 'saved',
        (error: unknown) => other.toUserMessage(error, { ...req, lang: 'es' }).text,
      );
    expect(text).toBe('Lo sentimos, su solicitud no se guardó. Inténtelo de nuevo en un momento.');
  });
});
