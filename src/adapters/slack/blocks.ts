import type { KnownBlock, RichTextElement } from '@slack/types';
import { encodePayload } from '../../present/payloads.js';
import { isUserText } from '../../present/text.js';
import {
  type ButtonView,
  type DigestView,
  type GapListView,
  type HandoffFormView,
  type NoticeView,
  type Part,
  type Renderers,
  type ReplyView,
  render,
  type StatusView,
  type TicketCardView,
  type TicketListView,
  type UpdateView,
  type View,
} from '../../present/views.js';
import { chunk, escapeMrkdwn, escapePreview, LIMITS, truncate } from './escape.js';

/** Block Kit for each view. Labels come from the view; this file only maps structure and escapes. */
export const ACTION = {
  /** Every button carries its payload in `value`; one listener parses it. */
  press: /^madoguchi_press/,
  reassign: 'madoguchi_reassign',
  resolve: 'madoguchi_resolve',
} as const;
export const VIEWS = { handoff: 'madoguchi_handoff', resolve: 'madoguchi_resolve_note' } as const;

export interface SlackMessage {
  text: string;
  blocks: KnownBlock[];
}

/** A button; `id` tells it from its neighbours (Slack refuses two elements with one action_id in a block). */
const button = (b: ButtonView, id: string) => ({
  type: 'button' as const,
  text: { type: 'plain_text' as const, text: truncate(b.label, LIMITS.buttonText), emoji: false },
  action_id: id.startsWith('madoguchi_') ? id : `madoguchi_press_${id}`,
  value: encodePayload(b.payload).slice(0, LIMITS.buttonValue),
  ...(b.style === 'primary'
    ? { style: 'primary' as const }
    : b.style === 'danger'
      ? { style: 'danger' as const }
      : {}),
});

const epoch = (iso: string) => Math.floor(Date.parse(iso) / 1000);

/** One part in mrkdwn: people as mentions (Slack users) or names, times in the reader's own time zone. */
function mrkdwn(part: Part): string {
  if (typeof part === 'string') return escapeMrkdwn(part);
  if (isUserText(part)) return escapePreview(part.user);
  if ('person' in part) {
    const [platform, id] = part.person.split(/:(.*)/s);
    if (platform === 'slack' && id && /^[UW][A-Z0-9]+$/.test(id)) return `<@${id}>`;
    // A display name is the person's own text: it must not style, mention or hide anything.
    return escapePreview(part.name ?? id ?? part.person);
  }
  return `<!date^${epoch(part.time)}^{date_short_pretty} {time}|${escapeMrkdwn(part.fallback)}>`;
}
const line = (parts: Part[]) => parts.map(mrkdwn).join('');

/** A person's text exactly as typed: rich_text shows it literally (no mrkdwn, no mention, no link markup). */
function literal(text: string, opts: { label?: string; quote?: boolean; blockId?: string } = {}): KnownBlock {
  const elements: RichTextElement[] = [];
  if (opts.label) elements.push({ type: 'text', text: `${opts.label}\n`, style: { bold: true } });
  elements.push({ type: 'text', text });
  return {
    type: 'rich_text',
    ...(opts.blockId ? { block_id: opts.blockId } : {}),
    elements: [opts.quote ? { type: 'rich_text_quote', elements } : { type: 'rich_text_section', elements }],
  } as KnownBlock;
}

function sourcesContext(view: ReplyView): KnownBlock | undefined {
  if (view.sources.length === 0) return undefined;
  const lines = view.sources.map((s) => {
    const title = s.url ? `<${s.url}|${escapeMrkdwn(s.title)}>` : escapeMrkdwn(s.title);
    return `${escapeMrkdwn(view.sourceLabel)}: ${title} — ${escapeMrkdwn(s.publisher)}, ${escapeMrkdwn(s.date)}${s.note ? ` (${escapeMrkdwn(s.note)})` : ''}`;
  });
  if (view.asOf) lines.push(escapeMrkdwn(view.asOf));
  return {
    type: 'context',
    elements: [{ type: 'mrkdwn', text: truncate(lines.join('\n'), LIMITS.contextText) }],
  };
}

export function replyMessage(view: ReplyView): SlackMessage {
  const blocks: KnownBlock[] = chunk(escapeMrkdwn(view.text), LIMITS.sectionText, 20).map((t) => ({
    type: 'section',
    text: { type: 'mrkdwn', text: t },
  }));
  const sources = sourcesContext(view);
  if (sources) blocks.push(sources);
  if (view.choices.length > 0) {
    if (view.choicesLabel)
      blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: escapeMrkdwn(view.choicesLabel) }] });
    blocks.push({ type: 'actions', elements: view.choices.map((c, i) => button(c, `choice_${i}`)) });
  }
  const tail = [
    ...view.feedback.map((b, i) => button(b, `rate_${i}`)),
    ...(view.talk ? [button(view.talk, 'talk')] : []),
  ];
  if (tail.length > 0) blocks.push({ type: 'actions', elements: tail });
  return { text: truncate(escapeMrkdwn(view.summary), LIMITS.text), blocks: blocks.slice(0, LIMITS.blocks) };
}

/** The handoff modal; `meta` is the JSON the submission brings back. */
export function handoffModal(view: HandoffFormView, meta: string) {
  const input = (id: 'company' | 'contact' | 'need') => {
    const f = view.fields[id];
    return {
      type: 'input' as const,
      block_id: id,
      optional: !f.required,
      label: { type: 'plain_text' as const, text: truncate(f.label, 2000) },
      element: {
        type: 'plain_text_input' as const,
        action_id: 'value',
        multiline: Boolean(f.multiline),
        max_length: Math.min(f.maxLength, LIMITS.plainInput),
        ...(f.initial ? { initial_value: f.initial.slice(0, LIMITS.plainInput) } : {}),
      },
    };
  };
  return {
    type: 'modal' as const,
    callback_id: VIEWS.handoff,
    private_metadata: meta.slice(0, LIMITS.metadata),
    title: { type: 'plain_text' as const, text: truncate(view.title, LIMITS.modalTitle) },
    submit: { type: 'plain_text' as const, text: truncate(view.submit.label, LIMITS.modalTitle) },
    close: { type: 'plain_text' as const, text: truncate(view.cancel, LIMITS.modalTitle) },
    blocks: [
      {
        type: 'section' as const,
        text: {
          type: 'mrkdwn' as const,
          text: truncate(escapeMrkdwn(`${view.title}\n${view.intro}`), LIMITS.sectionText),
        },
      },
      input('company'),
      input('contact'),
      input('need'),
    ],
  };
}

/** The resolution note modal (Cancel closes it and resolves nothing). */
export function resolveModal(view: TicketCardView, meta: string) {
  return {
    type: 'modal' as const,
    callback_id: VIEWS.resolve,
    private_metadata: meta.slice(0, LIMITS.metadata),
    title: {
      type: 'plain_text' as const,
      text: truncate(`${view.actions.resolve?.label ?? ''} ${view.id}`.trim(), LIMITS.modalTitle),
    },
    submit: {
      type: 'plain_text' as const,
      text: truncate(view.actions.resolve?.label ?? 'OK', LIMITS.modalTitle),
    },
    blocks: [
      {
        type: 'input' as const,
        block_id: 'note',
        optional: true,
        label: { type: 'plain_text' as const, text: truncate(view.actions.noteLabel, 2000) },
        element: { type: 'plain_text_input' as const, action_id: 'value', multiline: true, max_length: 2000 },
      },
    ],
  };
}

/**
 * The ticket card in a desk's channel. Every block id carries `version`, which the caller makes
 * different for each post and update of the card (Slack asks for new block ids when a message is
 * updated).
 */
export function ticketMessage(view: TicketCardView, version: string | number): SlackMessage {
  const v = `${view.id}:${version}`;
  const blocks: KnownBlock[] = [
    {
      type: 'section',
      block_id: `head:${v}`,
      text: {
        type: 'mrkdwn',
        text: truncate(`*${escapeMrkdwn(view.id)}* · ${line(view.statusLine)}`, LIMITS.sectionText),
      },
    },
  ];
  if (view.moved)
    blocks.push({
      type: 'section',
      block_id: `moved:${v}`,
      text: { type: 'mrkdwn', text: truncate(`:arrow_right: ${line(view.moved)}`, LIMITS.sectionText) },
    });
  blocks.push(
    literal(view.request.user, { label: view.requestLabel, quote: false, blockId: `request:${v}` }),
  );
  if (view.cutNote)
    blocks.push({
      type: 'context',
      block_id: `cut:${v}`,
      elements: [{ type: 'mrkdwn', text: truncate(escapeMrkdwn(view.cutNote), LIMITS.contextText) }],
    });
  const facts = view.facts.map((f) => {
    const value = isUserText(f.value) ? f.value.user : undefined;
    return value !== undefined
      ? { type: 'plain_text' as const, text: truncate(`${f.label}\n${value}`, 2000), emoji: false }
      : { type: 'mrkdwn' as const, text: truncate(`*${escapeMrkdwn(f.label)}*\n${mrkdwn(f.value)}`, 2000) };
  });
  for (let i = 0; i < facts.length; i += 10)
    blocks.push({ type: 'section', block_id: `facts${i}:${v}`, fields: facts.slice(i, i + 10) });
  if (view.note)
    blocks.push(literal(view.note.text.user, { label: view.note.label, quote: true, blockId: `note:${v}` }));
  if (view.answered)
    blocks.push({
      type: 'context',
      block_id: `answered:${v}`,
      elements: [
        {
          type: 'mrkdwn',
          text: truncate(
            `*${escapeMrkdwn(view.answered.label)}*: ${escapeMrkdwn(view.answered.text)}`,
            LIMITS.contextText,
          ),
        },
      ],
    });
  const a = view.actions;
  const elements = [
    ...(a.claim ? [button(a.claim, 'claim')] : []),
    ...(a.resolve ? [button(a.resolve, ACTION.resolve)] : []),
    ...(a.reopen ? [button(a.reopen, 'reopen')] : []),
    ...(a.reassign
      ? [
          {
            type: 'static_select' as const,
            action_id: ACTION.reassign,
            placeholder: { type: 'plain_text' as const, text: truncate(a.reassign.placeholder, 150) },
            options: a.reassign.options.slice(0, 100).map((o) => ({
              text: { type: 'plain_text' as const, text: truncate(o.label, LIMITS.optionText) },
              value: encodePayload(o.payload).slice(0, 150),
            })),
          },
        ]
      : []),
  ];
  if (elements.length > 0) blocks.push({ type: 'actions', block_id: `ticket:${v}`, elements } as KnownBlock);
  return { text: truncate(line(view.summary), LIMITS.text), blocks };
}

/** A status update in the company's thread. */
export function updateMessage(view: UpdateView): SlackMessage {
  const blocks: KnownBlock[] = [{ type: 'section', text: { type: 'mrkdwn', text: escapeMrkdwn(view.text) } }];
  if (view.note) blocks.push(literal(view.note.text.user, { label: view.note.label, quote: true }));
  if (view.close) blocks.push({ type: 'actions', elements: [button(view.close, 'close')] });
  const preview = view.note ? `${view.text} ${view.note.label} ${view.note.text.user}` : view.text;
  return { text: truncate(escapePreview(preview), LIMITS.text), blocks };
}

export function noticeMessage(view: NoticeView): SlackMessage {
  const text = [view.text, ...(view.lines ?? []).map((l) => `• ${l}`)].join('\n');
  return {
    text: truncate(escapeMrkdwn(text), LIMITS.text),
    blocks: chunk(escapeMrkdwn(text), LIMITS.sectionText, 5).map((t) => ({
      type: 'section',
      text: { type: 'mrkdwn', text: t },
    })),
  };
}

export function statusMessage(view: StatusView): SlackMessage {
  const text = [
    `*${escapeMrkdwn(view.title)}*`,
    ...view.facts.map((f) => `${escapeMrkdwn(f.label)}: ${escapeMrkdwn(f.value)}`),
    ...view.problems.map((p) => `:warning: ${escapeMrkdwn(p)}`),
  ].join('\n');
  return {
    text: truncate(text, LIMITS.text),
    blocks: [{ type: 'section', text: { type: 'mrkdwn', text: truncate(text, LIMITS.sectionText) } }],
  };
}

export function ticketListMessage(view: TicketListView): SlackMessage {
  if (view.empty)
    return {
      text: escapeMrkdwn(view.empty),
      blocks: [{ type: 'section', text: { type: 'mrkdwn', text: escapeMrkdwn(view.empty) } }],
    };
  const blocks: KnownBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: truncate(view.title, 150) } },
  ];
  for (const [i, item] of view.items.slice(0, 40).entries()) {
    blocks.push({
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: `*${escapeMrkdwn(item.id)}* · ${escapeMrkdwn(item.status)} · ${escapeMrkdwn(item.desk)} · ${mrkdwn(item.created)}`,
      },
      ...(item.close ? { accessory: button(item.close, `close_${i}`) } : {}),
    });
  }
  const summary = view.items.map((item) => `${item.id} · ${item.status} · ${item.desk}`);
  return {
    text: truncate(escapeMrkdwn([view.title, ...summary].join('\n')), LIMITS.text),
    blocks: blocks.slice(0, LIMITS.blocks),
  };
}

/**
 * The weekly digest in the admins' channel. The bot's text (labels, numbers, desk names, gap ids) in
 * escaped mrkdwn; a gap's example questions are what people typed, so they go in rich_text quotes,
 * which Slack shows literally: a `<!channel>` or `<@U…>` in one is text, never a mention or a link.
 */
export function digestMessage(view: DigestView): SlackMessage {
  const blocks: KnownBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: truncate(view.title, 150), emoji: false } },
    {
      type: 'context',
      elements: [{ type: 'mrkdwn', text: truncate(escapeMrkdwn(view.period), LIMITS.contextText) }],
    },
    {
      type: 'section',
      fields: view.facts.slice(0, 10).map((f) => ({
        type: 'mrkdwn' as const,
        text: truncate(`*${escapeMrkdwn(f.label)}*\n${escapeMrkdwn(f.value)}`, 2000),
      })),
    },
  ];
  if (view.desks.length > 0)
    blocks.push({
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: truncate(
          [`*${escapeMrkdwn(view.desksLabel)}*`, ...view.desks.map((d) => `• ${escapeMrkdwn(d)}`)].join('\n'),
          LIMITS.sectionText,
        ),
      },
    });
  blocks.push({
    type: 'section',
    text: { type: 'mrkdwn', text: truncate(`*${escapeMrkdwn(view.gapsLabel)}*`, LIMITS.sectionText) },
  });
  for (const gap of view.gaps.slice(0, 10)) {
    blocks.push({
      type: 'section',
      text: { type: 'mrkdwn', text: truncate(escapeMrkdwn(gap.line), LIMITS.sectionText) },
    });
    if (gap.examples.length > 0)
      blocks.push(
        literal(truncate(gap.examples.map((e) => e.user).join('\n'), LIMITS.sectionText), { quote: true }),
      );
  }
  blocks.push({
    type: 'context',
    elements: [{ type: 'mrkdwn', text: truncate(escapeMrkdwn(view.gapsNote), LIMITS.contextText) }],
  });
  return { text: truncate(escapeMrkdwn(view.summary), LIMITS.text), blocks: blocks.slice(0, LIMITS.blocks) };
}

/**
 * The knowledge gaps an admin asked for (privately). Ids, counts and labels in escaped mrkdwn; the
 * questions are what people typed, in rich_text quotes that Slack shows literally.
 */
export function gapListMessage(view: GapListView): SlackMessage {
  if (view.empty)
    return {
      text: escapeMrkdwn(view.empty),
      blocks: [{ type: 'section', text: { type: 'mrkdwn', text: escapeMrkdwn(view.empty) } }],
    };
  const blocks: KnownBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: truncate(view.title, 150), emoji: false } },
    {
      type: 'context',
      elements: [{ type: 'mrkdwn', text: truncate(escapeMrkdwn(view.intro), LIMITS.contextText) }],
    },
  ];
  for (const item of view.items) {
    const facts = [item.line, item.reasons, item.closest]
      .filter(Boolean)
      .map((t) => escapeMrkdwn(t as string));
    blocks.push({
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: truncate(`*\`${escapeMrkdwn(item.id)}\`*\n${facts.join('\n')}`, LIMITS.sectionText),
      },
    });
    if (item.examples.length > 0)
      blocks.push(
        literal(truncate(item.examples.map((e) => e.user).join('\n'), LIMITS.sectionText), { quote: true }),
      );
  }
  blocks.push({
    type: 'context',
    elements: [{ type: 'mrkdwn', text: truncate(escapeMrkdwn(view.how), LIMITS.contextText) }],
  });
  const summary = [view.title, ...view.items.map((i) => `${i.id} · ${i.line}`)].join('\n');
  return { text: truncate(escapeMrkdwn(summary), LIMITS.text), blocks: blocks.slice(0, LIMITS.blocks) };
}

type Posted = 'reply' | 'notice' | 'status' | 'tickets' | 'update' | 'digest' | 'gaps';
const MESSAGES: Renderers<SlackMessage, Posted> = {
  reply: replyMessage,
  notice: noticeMessage,
  status: statusMessage,
  tickets: ticketListMessage,
  update: updateMessage,
  digest: digestMessage,
  gaps: gapListMessage,
};

/** Any message view as a Slack message (forms and modals are opened, not posted). */
export function messageFor(view: Extract<View, { kind: Posted }>): SlackMessage {
  return render(MESSAGES, view);
}
