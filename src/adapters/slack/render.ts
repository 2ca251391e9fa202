import type { KnownBlock } from '@slack/types';
import type { Desk } from '../../content/types.js';
import { formatDate } from '../../core/compose.js';
import type { Reply } from '../../core/types.js';
import type { Ticket } from '../../tickets/types.js';
import { chunk, escapeMrkdwn, escapeUserText, LIMITS, truncate } from './escape.js';

export const ACTIONS = {
  suggest: 'madoguchi_suggest',
  feedback: 'madoguchi_feedback',
  talk: 'madoguchi_talk',
  claim: 'madoguchi_claim',
  reassign: 'madoguchi_reassign',
  resolve: 'madoguchi_resolve',
} as const;
export const VIEWS = { handoff: 'madoguchi_handoff', resolve: 'madoguchi_resolve_note' } as const;

const button = (text: string, action: string, value: string, style?: 'primary' | 'danger') => ({
  type: 'button' as const,
  text: { type: 'plain_text' as const, text: truncate(text, LIMITS.buttonText), emoji: false },
  action_id: action,
  value: truncate(value, LIMITS.buttonValue),
  ...(style ? { style } : {}),
});

/** The reply to a company's question: answer, sources, follow-ups, feedback and "Talk to <desk>". */
export function replyBlocks(
  reply: Reply,
  opts: { desk?: Desk | undefined; turn: string },
): { text: string; blocks: KnownBlock[] } {
  const lang = reply.replyLang;
  const blocks: KnownBlock[] = chunk(escapeMrkdwn(reply.text), LIMITS.sectionText, 20).map((t) => ({
    type: 'section',
    text: { type: 'mrkdwn', text: t },
  }));
  if (reply.sources.length > 0) {
    const src = reply.sources
      .map(
        (s) =>
          `${lang === 'ja' ? '出典' : 'Source'}: ${s.url ? `<${s.url}|${escapeMrkdwn(s.title)}>` : escapeMrkdwn(s.title)} — ${escapeMrkdwn(s.publisher)}, ${formatDate(s.date, lang)}`,
      )
      .join('\n');
    const asOf = reply.asOf
      ? lang === 'ja'
        ? `\n${formatDate(reply.asOf, 'ja')}時点の情報`
        : `\nAs of ${formatDate(reply.asOf, 'en')}`
      : '';
    blocks.push({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: truncate(src + asOf, LIMITS.contextText) }],
    });
  }
  const buttons = reply.suggestions
    .slice(0, 3)
    .map((s, i) => button(s.label, `${ACTIONS.suggest}_${i}`, s.query));
  if (buttons.length > 0) blocks.push({ type: 'actions', block_id: 'suggestions', elements: buttons });
  const tail = [];
  if (reply.action === 'answer') {
    const rated = JSON.stringify({
      turn: opts.turn,
      intent: reply.intent,
      entries: reply.entries.slice(0, 3),
      confidence: reply.confidence,
      scheme: reply.scheme,
    });
    tail.push(button(lang === 'ja' ? '役に立った' : 'Helpful', `${ACTIONS.feedback}_helpful`, rated));
    tail.push(
      button(lang === 'ja' ? '役に立たなかった' : 'Not helpful', `${ACTIONS.feedback}_not_helpful`, rated),
    );
  }
  const desk = opts.desk;
  if (desk) {
    const label =
      reply.action === 'handoff'
        ? lang === 'ja'
          ? `${desk.name.ja}に依頼する`
          : `Open a request to ${desk.name.en}`
        : lang === 'ja'
          ? `${desk.name.ja}に相談`
          : `Talk to ${desk.name.en}`;
    tail.push(button(label, ACTIONS.talk, desk.id, reply.action === 'handoff' ? 'primary' : undefined));
  }
  if (tail.length > 0) blocks.push({ type: 'actions', block_id: 'turn', elements: tail });
  return { text: truncate(reply.text, 3000), blocks: blocks.slice(0, LIMITS.blocks) };
}

/** The handoff modal: company, contact and details, pre-filled with the question and the conversation. */
export function handoffModal(opts: { desk: Desk; lang: 'en' | 'ja'; prefill: string; metadata: string }) {
  const ja = opts.lang === 'ja';
  const input = (id: string, label: string, multiline: boolean, initial?: string) => ({
    type: 'input' as const,
    block_id: id,
    label: { type: 'plain_text' as const, text: label },
    element: {
      type: 'plain_text_input' as const,
      action_id: 'value',
      multiline,
      max_length: multiline ? LIMITS.plainInput : 200,
      ...(initial ? { initial_value: truncate(initial, LIMITS.plainInput) } : {}),
    },
  });
  return {
    type: 'modal' as const,
    callback_id: VIEWS.handoff,
    private_metadata: opts.metadata,
    title: { type: 'plain_text' as const, text: ja ? '担当窓口への依頼' : 'Request to a desk' },
    submit: { type: 'plain_text' as const, text: ja ? '送信' : 'Send' },
    close: { type: 'plain_text' as const, text: ja ? 'キャンセル' : 'Cancel' },
    blocks: [
      {
        type: 'section' as const,
        text: {
          type: 'mrkdwn' as const,
          text: escapeMrkdwn(
            ja
              ? `${opts.desk.name.ja}：${opts.desk.takes.ja}`
              : `${opts.desk.name.en}: ${opts.desk.takes.en}`,
          ),
        },
      },
      input('company', ja ? '会社名' : 'Company', false),
      input('contact', ja ? 'ご連絡先（担当者のみが見られます）' : 'Contact (only the desk sees it)', false),
      input('need', ja ? 'ご用件' : 'What you need', true, opts.prefill),
    ],
  };
}

/** The ticket card in a desk's private channel: everything staff need, and the actions. */
export function ticketCard(ticket: Ticket, desks: Desk[]): { text: string; blocks: KnownBlock[] } {
  const p = ticket.packet;
  const desk = desks.find((d) => d.id === ticket.desk);
  const status = `*${ticket.id}* · ${ticket.status}${ticket.assignee ? ` · ${escapeMrkdwn(ticket.assignee)}` : ''} · ${escapeMrkdwn(desk?.name.en ?? ticket.desk)}`;
  const fields = [
    `*Requester*\n${escapeUserText(ticket.requester.displayName ?? '')} \`${escapeMrkdwn(ticket.requester.userId)}\``,
    `*Language / intent*\n${p.lang} · ${escapeMrkdwn(p.intent ?? '—')} (${p.confidence})`,
    `*Programme*\n${p.scheme ?? '—'}`,
    `*Due*\n${ticket.dueAt.slice(0, 16).replace('T', ' ')} UTC`,
  ];
  const details = [
    p.details.company ? `*Company:* ${escapeUserText(p.details.company)}` : '',
    p.details.contact ? `*Contact:* ${escapeUserText(p.details.contact)}` : '',
    p.details.need ? `*Need:* ${escapeUserText(truncate(p.details.need, 1500))}` : '',
  ].filter(Boolean);
  const transcript = p.transcript
    .slice(-6)
    .map(
      (t) => `${t.who === 'user' ? '›' : '‹'} ${escapeUserText(truncate(t.text.replace(/\s+/g, ' '), 200))}`,
    )
    .join('\n');
  const blocks: KnownBlock[] = [
    { type: 'section', text: { type: 'mrkdwn', text: status } },
    {
      type: 'section',
      text: { type: 'mrkdwn', text: `*Question*\n${escapeUserText(truncate(p.text, 2500))}` },
    },
    { type: 'section', fields: fields.map((text) => ({ type: 'mrkdwn' as const, text })) },
  ];
  if (details.length > 0)
    blocks.push({
      type: 'section',
      text: { type: 'mrkdwn', text: truncate(details.join('\n'), LIMITS.sectionText) },
    });
  if (p.botAnswer) {
    const src = p.botAnswer.sources.map((s) => `${escapeMrkdwn(s.title)} (${s.date})`).join('; ');
    blocks.push({
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: truncate(
          `*The bot answered*\n${escapeMrkdwn(p.botAnswer.text)}${src ? `\n_Source: ${src}_` : ''}`,
          LIMITS.sectionText,
        ),
      },
    });
  }
  if (transcript)
    blocks.push({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: truncate(transcript, LIMITS.contextText) }],
    });
  const open = ['open', 'claimed', 'reopened'].includes(ticket.status);
  if (open) {
    blocks.push({
      type: 'actions',
      block_id: `ticket:${ticket.id}`,
      elements: [
        ...(ticket.status !== 'claimed' ? [button('Claim', ACTIONS.claim, ticket.id, 'primary')] : []),
        {
          type: 'static_select',
          action_id: ACTIONS.reassign,
          placeholder: { type: 'plain_text', text: 'Reassign to…' },
          options: desks
            .map((d) => d.id)
            .filter((id) => id !== ticket.desk)
            .map((id) => ({
              text: {
                type: 'plain_text' as const,
                text: truncate(desks.find((d) => d.id === id)?.name.en ?? id, 75),
              },
              value: `${ticket.id}|${id}`,
            })),
        },
        button('Resolve', ACTIONS.resolve, ticket.id),
      ],
    });
  }
  return { text: `${ticket.id} (${ticket.status}): ${truncate(p.text, 200)}`, blocks };
}

/** The note staff give when resolving; the requester sees it. */
export function resolveModal(ticketId: string, metadata: string) {
  return {
    type: 'modal' as const,
    callback_id: VIEWS.resolve,
    private_metadata: metadata,
    title: { type: 'plain_text' as const, text: truncate(`Resolve ${ticketId}`, 24) },
    submit: { type: 'plain_text' as const, text: 'Resolve' },
    blocks: [
      {
        type: 'input' as const,
        block_id: 'note',
        optional: true,
        label: { type: 'plain_text' as const, text: 'Note for the requester' },
        element: { type: 'plain_text_input' as const, action_id: 'value', multiline: true, max_length: 2000 },
      },
    ],
  };
}
