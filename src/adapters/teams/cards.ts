import type { Desk } from '../../content/types.js';
import { formatDate } from '../../core/compose.js';
import type { Reply } from '../../core/types.js';
import type { Ticket } from '../../tickets/types.js';

/** Teams refuses messages over about 28 KB; cards are kept well under it. */
export const MAX_CARD_TEXT = 6_000;

const LOOKALIKE: Record<string, string> = {
  '*': '＊',
  _: '＿',
  '[': '［',
  ']': '］',
  '<': '＜',
  '>': '＞',
  '#': '＃',
  '`': '｀',
  '~': '～',
};

/**
 * TextBlocks render a subset of Markdown, so text from users is shown with look-alike characters for
 * the Markdown and HTML ones: it never becomes emphasis, a link, a heading or an `<at>` mention, and
 * URLs are broken so they are not linked. The bot's own text (from the knowledge base) is left as is.
 */
export function escapeCardText(text: string): string {
  return text
    .replace(/[*_[\]<>#`~]/g, (c) => LOOKALIKE[c] ?? c)
    .replace(/\b(https?|ftp|mailto):/gi, '$1\u200b:');
}

const cut = (text: string, max: number) => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);
const block = (text: string, extra: Record<string, unknown> = {}) => ({
  type: 'TextBlock',
  text,
  wrap: true,
  ...extra,
});
const submit = (title: string, data: Record<string, unknown>, style?: 'positive' | 'destructive') => ({
  type: 'Action.Submit',
  title: cut(title, 60),
  data,
  ...(style ? { style } : {}),
});

export interface CardAttachment {
  contentType: 'application/vnd.microsoft.card.adaptive';
  content: Record<string, unknown>;
}

const card = (body: unknown[], actions: unknown[] = []): CardAttachment => ({
  contentType: 'application/vnd.microsoft.card.adaptive',
  content: {
    type: 'AdaptiveCard',
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    version: '1.5',
    body,
    actions,
  },
});

/** The reply to a question: answer, sources with dates, follow-ups, feedback and "Talk to <desk>". */
export function answerCard(reply: Reply, desk: Desk | undefined, turn: string): CardAttachment {
  const lang = reply.replyLang;
  const body: unknown[] = [block(cut(reply.text, MAX_CARD_TEXT))];
  for (const s of reply.sources) {
    body.push(
      block(
        `${lang === 'ja' ? '出典' : 'Source'}: ${s.url ? `[${s.title}](${s.url})` : s.title} — ${s.publisher}, ${formatDate(s.date, lang)}`,
        { isSubtle: true, size: 'Small' },
      ),
    );
  }
  if (reply.asOf)
    body.push(
      block(
        lang === 'ja' ? `${formatDate(reply.asOf, 'ja')}時点の情報` : `As of ${formatDate(reply.asOf, 'en')}`,
        { isSubtle: true, size: 'Small' },
      ),
    );
  const actions: unknown[] = reply.suggestions
    .slice(0, 3)
    .map((s) => submit(s.label, { madoguchi: 'ask', query: s.query }));
  if (reply.action === 'answer') {
    const rated = {
      turn,
      intent: reply.intent,
      entries: reply.entries.slice(0, 3),
      confidence: reply.confidence,
      scheme: reply.scheme,
    };
    actions.push(
      submit(lang === 'ja' ? '役に立った' : 'Helpful', {
        madoguchi: 'feedback',
        rating: 'helpful',
        ...rated,
      }),
    );
    actions.push(
      submit(lang === 'ja' ? '役に立たなかった' : 'Not helpful', {
        madoguchi: 'feedback',
        rating: 'not_helpful',
        ...rated,
      }),
    );
  }
  if (desk)
    actions.push(
      submit(
        lang === 'ja' ? `${desk.name.ja}に相談` : `Talk to ${desk.name.en}`,
        { madoguchi: 'talk', desk: desk.id },
        reply.action === 'handoff' ? 'positive' : undefined,
      ),
    );
  return card(body, actions);
}

/** The handoff form: company, contact, details pre-filled with the question. */
export function handoffForm(desk: Desk, lang: 'en' | 'ja', prefill: string): CardAttachment {
  const ja = lang === 'ja';
  return card(
    [
      block(ja ? `${desk.name.ja}への依頼` : `Request to ${desk.name.en}`, { weight: 'Bolder' }),
      block(desk.takes[lang], { isSubtle: true }),
      {
        type: 'Input.Text',
        id: 'company',
        label: ja ? '会社名' : 'Company',
        isRequired: true,
        maxLength: 200,
        errorMessage: ja ? '必須です' : 'Required',
      },
      {
        type: 'Input.Text',
        id: 'contact',
        label: ja ? 'ご連絡先（担当者のみが見られます）' : 'Contact (only the desk sees it)',
        isRequired: true,
        maxLength: 200,
        errorMessage: ja ? '必須です' : 'Required',
      },
      {
        type: 'Input.Text',
        id: 'need',
        label: ja ? 'ご用件' : 'What you need',
        isMultiline: true,
        maxLength: 3000,
        value: cut(prefill, 3000),
      },
    ],
    [submit(ja ? '送信' : 'Send request', { madoguchi: 'handoff', desk: desk.id, lang }, 'positive')],
  );
}

/** The ticket card for a desk's channel, with Claim / Reassign / Resolve. */
export function ticketCard(ticket: Ticket, desks: Desk[]): CardAttachment {
  const p = ticket.packet;
  const desk = desks.find((d) => d.id === ticket.desk);
  const facts = [
    { title: 'Status', value: `${ticket.status}${ticket.assignee ? ` (${ticket.assignee})` : ''}` },
    { title: 'Desk', value: desk?.name.en ?? ticket.desk },
    {
      title: 'Requester',
      value: `${escapeCardText(ticket.requester.displayName ?? '')} ${ticket.requester.userId}`,
    },
    { title: 'Language / intent', value: `${p.lang} · ${p.intent ?? '—'} (${p.confidence})` },
    { title: 'Programme', value: p.scheme ?? '—' },
    { title: 'Company', value: escapeCardText(p.details.company ?? '—') },
    { title: 'Contact', value: escapeCardText(p.details.contact ?? '—') },
  ];
  const body: unknown[] = [
    block(`${ticket.id} · ${ticket.status}`, { weight: 'Bolder', size: 'Medium' }),
    block(escapeCardText(cut(p.text, 2000))),
    { type: 'FactSet', facts },
  ];
  if (p.details.need) body.push(block(escapeCardText(cut(p.details.need, 1500)), { isSubtle: true }));
  if (p.botAnswer)
    body.push(block(`The bot answered: ${cut(p.botAnswer.text, 800)}`, { isSubtle: true, size: 'Small' }));
  const actions: unknown[] = [];
  if (['open', 'claimed', 'reopened'].includes(ticket.status)) {
    if (ticket.status !== 'claimed')
      actions.push(submit('Claim', { madoguchi: 'claim', ticket: ticket.id }, 'positive'));
    body.push(
      {
        type: 'Input.ChoiceSet',
        id: 'desk',
        label: 'Reassign to',
        choices: desks
          .map((x) => x.id)
          .filter((d) => d !== ticket.desk)
          .map((d) => ({
            title: desks.find((x) => x.id === d)?.name.en ?? d,
            value: d,
          })),
      },
      {
        type: 'Input.Text',
        id: 'note',
        label: 'Resolution note for the requester',
        isMultiline: true,
        maxLength: 2000,
      },
    );
    actions.push(
      submit('Reassign', { madoguchi: 'reassign', ticket: ticket.id }),
      submit('Resolve', { madoguchi: 'resolve', ticket: ticket.id }),
    );
  }
  return card(body, actions);
}
