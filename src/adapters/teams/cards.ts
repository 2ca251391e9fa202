import { isUserText, type UserText, userText } from '../../present/text.js';
import {
  type ButtonView,
  type DigestView,
  type FactView,
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
  type TimePart,
  type UpdateView,
  type View,
} from '../../present/views.js';

/**
 * Adaptive Cards (1.5) for each view. Labels come from the view; this file only maps structure.
 *
 * - The bot's own text goes in TextBlocks, one per line: Teams' markdown joins single line breaks.
 * - Text a person typed, and people's names, go in RichTextBlock TextRuns, which show text literally
 *   (no markdown, no `<at>` mention, no link markup); nothing is swapped for a look-alike character
 *   and nothing is inserted into it, so an address copied from a card is the address typed.
 * - Times use the card's DATE/TIME functions: each reader sees them in their own time zone.
 * - Choices are a vertical list of full-width rows; buttons in a row are at most two or three short ones.
 * - Every button is an `Action.Submit` whose `data` is `{ madoguchi: <payload> }`; the card's inputs
 *   (company, contact, need, note, desk) arrive beside it at the top level.
 */

export const CARD_CONTENT_TYPE = 'application/vnd.microsoft.card.adaptive';

/** Teams refuses messages over about 28 KB; cards stay well under it. */
export const LIMITS = {
  /** Characters of the bot's text on one card. */
  text: 6_000,
  /** Lines of a person's text shown one per block; the rest are joined into the last one. */
  userLines: 40,
  buttonTitle: 60,
  choices: 5,
  sources: 5,
  listItems: 40,
  summary: 200,
} as const;

type El = Record<string, unknown>;

export interface CardAttachment {
  contentType: typeof CARD_CONTENT_TYPE;
  content: El;
}

/** A card and the one line Teams shows for it in notifications and the chat list. */
export interface TeamsCard {
  summary: string;
  attachment: CardAttachment;
}

const cut = (text: string, max: number) => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);
const oneLine = (text: string, max: number = LIMITS.summary) => cut(text.replace(/\s+/g, ' ').trim(), max);

const card = (body: El[], actions: El[] = [], extra: El = {}): El => ({
  type: 'AdaptiveCard',
  $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
  version: '1.5',
  body,
  ...(actions.length > 0 ? { actions } : {}),
  ...extra,
});

/** A whole message: full width in Teams, with its summary as the fallback text. */
const teamsCard = (summary: string, body: El[], actions: El[] = []): TeamsCard => {
  const line = oneLine(summary);
  return {
    summary: line,
    attachment: {
      contentType: CARD_CONTENT_TYPE,
      content: card(body, actions, { fallbackText: line, msteams: { width: 'Full' } }),
    },
  };
};

const textBlock = (text: string, extra: El = {}): El => ({ type: 'TextBlock', text, wrap: true, ...extra });

/**
 * The bot's text: a TextBlock per line, paragraphs (blank lines) spaced apart, lines of a paragraph
 * tight under each other.
 */
function paragraphs(text: string, extra: El = {}): El[] {
  const blocks: El[] = [];
  for (const [p, para] of cut(text, LIMITS.text)
    .split(/\n\s*\n/)
    .entries()) {
    for (const [l, line] of para.split('\n').entries()) {
      if (!line.trim()) continue;
      blocks.push(
        textBlock(line, { ...extra, ...(l > 0 ? { spacing: 'None' } : p > 0 ? { spacing: 'Medium' } : {}) }),
      );
    }
  }
  return blocks;
}

/**
 * Text runs that show `text` exactly. A run is split before a second `{` so that typed text shaped
 * like `{{DATE(…)}}` stays text (the characters are the same; only the run boundary differs).
 */
function literalRuns(text: string, style: El = {}): El[] {
  return text
    .split(/(?<=\{)(?=\{)/)
    .filter((t) => t !== '')
    .map((t) => ({ type: 'TextRun', text: t, ...style }));
}

/** A person's text as typed, one RichTextBlock per line (Teams may join the lines of one block). */
function literalText(text: UserText, extra: El = {}): El[] {
  const lines = text.user.replace(/\r\n?/g, '\n').split('\n');
  const head = lines.slice(0, LIMITS.userLines - 1);
  const rest = lines.slice(LIMITS.userLines - 1);
  if (rest.length > 0) head.push(rest.join(' '));
  const blocks: El[] = [];
  let gap = false;
  for (const line of head) {
    if (!line.trim()) {
      gap = blocks.length > 0;
      continue;
    }
    blocks.push({
      type: 'RichTextBlock',
      inlines: literalRuns(line),
      ...extra,
      ...(blocks.length > 0 ? { spacing: gap ? 'Small' : 'None' } : {}),
    });
    gap = false;
  }
  return blocks;
}

/** An RFC 3339 instant without fractions of a second, as the DATE and TIME functions want it. */
function cardInstant(iso: string): string | undefined {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.\d+)?(Z|[+-]\d{2}:\d{2})$/.exec(iso);
  return m ? `${m[1]}${m[2]}` : undefined;
}

/** A time in the reader's time zone (Teams formats it on their device). */
export function cardTime(part: TimePart): string {
  const at = cardInstant(part.time);
  return at ? `{{DATE(${at},SHORT)}} {{TIME(${at})}}` : part.fallback;
}

/** A part as plain text (summaries, where nothing is rendered). */
function plain(part: Part): string {
  if (typeof part === 'string') return part;
  if (isUserText(part)) return part.user;
  if ('person' in part) return personName(part);
  return part.fallback;
}

const personName = (p: { person: string; name?: string }) => p.name ?? p.person.replace(/^\w+:/, '');

/** Parts as text runs: the bot's words, names and typed text literally, times localised. */
function runs(parts: Part[], style: El = {}): El[] {
  return parts.flatMap((part): El[] => {
    if (typeof part === 'string') return part ? [{ type: 'TextRun', text: part, ...style }] : [];
    if (isUserText(part)) return literalRuns(part.user, style);
    if ('person' in part) return literalRuns(personName(part), style);
    return [{ type: 'TextRun', text: cardTime(part), ...style }];
  });
}

const richLine = (parts: Part[], style: El = {}, extra: El = {}): El => ({
  type: 'RichTextBlock',
  inlines: runs(parts, style),
  ...extra,
});

/** The `data` of a button: its payload under `madoguchi`. */
const submit = (b: ButtonView, extra: El = {}): El => ({
  type: 'Action.Submit',
  title: cut(b.label, LIMITS.buttonTitle),
  data: { madoguchi: b.payload },
  ...(b.style === 'primary' ? { style: 'positive' } : b.style === 'danger' ? { style: 'destructive' } : {}),
  ...extra,
});
const actionSet = (buttons: El[], extra: El = {}): El => ({ type: 'ActionSet', actions: buttons, ...extra });

/**
 * A choice as a full-width row: the whole row is the button and its label wraps, so a long question
 * is never cut the way a button title is.
 */
const choiceRow = (b: ButtonView): El => ({
  type: 'Container',
  style: 'emphasis',
  spacing: 'Small',
  selectAction: submit(b),
  items: [textBlock(b.label, { color: 'Accent' })],
});

/** Characters a markdown link's target cannot hold as they are. */
const urlEscape = (c: string) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`;

/** The reply to a message: text, sources, follow-ups as a list, feedback, the desk's button. */
export function replyCard(view: ReplyView): TeamsCard {
  const body: El[] = paragraphs(view.text);
  for (const s of view.sources.slice(0, LIMITS.sources)) {
    // A link's title cannot carry brackets in markdown; the source's title is the bot's content.
    const title = s.url
      ? `[${s.title.replace(/[[\]]/g, '')}](${s.url.replace(/[()\s]/g, urlEscape)})`
      : s.title;
    body.push(
      textBlock(`${view.sourceLabel}: ${title} — ${s.publisher}, ${s.date}${s.note ? ` (${s.note})` : ''}`, {
        isSubtle: true,
        size: 'Small',
        spacing: 'Small',
      }),
    );
  }
  if (view.asOf) body.push(textBlock(view.asOf, { isSubtle: true, size: 'Small', spacing: 'None' }));
  if (view.choices.length > 0) {
    if (view.choicesLabel) body.push(textBlock(view.choicesLabel, { weight: 'Bolder', spacing: 'Medium' }));
    body.push(...view.choices.slice(0, LIMITS.choices).map(choiceRow));
  }
  if (view.feedback.length > 0)
    body.push(
      actionSet(
        view.feedback.map((b) => submit(b)),
        { spacing: 'Medium' },
      ),
    );
  // A desk's name can be long: its button is a row whose label wraps, like the choices.
  if (view.talk)
    body.push({
      ...choiceRow(view.talk),
      style: 'accent',
      spacing: view.feedback.length > 0 ? 'Small' : 'Medium',
      items: [textBlock(view.talk.label, { color: 'Accent', weight: 'Bolder' })],
    });
  return teamsCard(view.summary, body);
}

/** The handoff form. Its submit carries the form's own key: a second click is the same request. */
export function formCard(view: HandoffFormView): TeamsCard {
  const input = (id: 'company' | 'contact' | 'need'): El => {
    const f = view.fields[id];
    return {
      type: 'Input.Text',
      id,
      label: f.label,
      maxLength: f.maxLength,
      ...(f.required ? { isRequired: true, errorMessage: f.error ?? view.missing } : {}),
      ...(f.multiline ? { isMultiline: true } : {}),
      ...(f.initial ? { value: f.initial.slice(0, f.maxLength) } : {}),
    };
  };
  return teamsCard(
    view.title,
    [
      textBlock(view.title, { weight: 'Bolder', size: 'Medium', style: 'heading' }),
      ...paragraphs(view.intro, { isSubtle: true }),
      input('company'),
      input('contact'),
      input('need'),
    ],
    [submit({ label: view.submit.label, payload: view.submit.payload, style: 'primary' })],
  );
}

/** How each status is marked on a card (a container style: the colour of the label's background). */
const STATUS_STYLE: Record<TicketCardView['status'], string> = {
  open: 'warning',
  reopened: 'warning',
  claimed: 'accent',
  resolved: 'good',
  closed: 'emphasis',
};

/** A label and its value on one row; the value is literal when it is a person's text or name. */
function factRow(f: FactView): El {
  const v = f.value;
  const value =
    typeof v === 'string'
      ? textBlock(v)
      : isUserText(v) || 'person' in v
        ? richLine([v])
        : textBlock(cardTime(v));
  return {
    type: 'ColumnSet',
    spacing: 'Small',
    columns: [
      { type: 'Column', width: 2, items: [textBlock(f.label, { weight: 'Bolder', isSubtle: true })] },
      { type: 'Column', width: 5, items: [value] },
    ],
  };
}

/**
 * The ticket card in a desk's channel: the status as a coloured label with who holds it, who asks,
 * company, what, desk, due. Claim (or Reopen) is on the card; Reassign and Resolve with its note are
 * behind "Change status". The card a desk had before a reassignment says where the ticket went and
 * offers nothing to click.
 */
export function ticketCard(view: TicketCardView): TeamsCard {
  const body: El[] = [
    {
      type: 'ColumnSet',
      columns: [
        {
          type: 'Column',
          width: 'auto',
          verticalContentAlignment: 'Center',
          items: [textBlock(view.id, { weight: 'Bolder', size: 'Medium' })],
        },
        {
          type: 'Column',
          width: 'stretch',
          verticalContentAlignment: 'Center',
          items: [
            {
              type: 'Container',
              style: STATUS_STYLE[view.status],
              items: [
                richLine(view.statusLine, { weight: 'Bolder' }),
                ...(view.since
                  ? [textBlock(cardTime(view.since), { isSubtle: true, size: 'Small', spacing: 'None' })]
                  : []),
              ],
            },
          ],
        },
      ],
    },
  ];
  if (view.moved)
    body.push({ type: 'Container', style: 'attention', items: [richLine(view.moved, { weight: 'Bolder' })] });
  body.push(textBlock(view.requestLabel, { weight: 'Bolder', spacing: 'Medium' }));
  body.push(...literalText(view.request));
  if (view.cutNote) body.push(textBlock(view.cutNote, { isSubtle: true, size: 'Small', spacing: 'Small' }));
  body.push({ type: 'Container', spacing: 'Medium', items: view.facts.map(factRow) });
  if (view.note)
    body.push({
      type: 'Container',
      style: 'emphasis',
      spacing: 'Medium',
      items: [textBlock(view.note.label, { weight: 'Bolder' }), ...literalText(view.note.text)],
    });
  if (view.answered)
    body.push(
      textBlock(view.answered.label, { weight: 'Bolder', isSubtle: true, size: 'Small', spacing: 'Medium' }),
      ...paragraphs(view.answered.text, { isSubtle: true, size: 'Small' }),
    );

  const a = view.actions;
  const actions: El[] = [];
  if (a.claim) actions.push(submit(a.claim));
  if (a.reopen) actions.push(submit(a.reopen));
  if (a.changeStatus && (a.reassign || a.resolve)) {
    const inner: El[] = [];
    if (a.reassign && a.reassign.options.length > 0) {
      const reassign = { k: 'act' as const, a: 'reassign' as const, ticket: view.id };
      inner.push(
        {
          type: 'Input.ChoiceSet',
          id: 'desk',
          label: a.reassign.label,
          placeholder: a.reassign.placeholder,
          choices: a.reassign.options.map((o) => ({ title: o.label, value: o.payload.desk ?? '' })),
        },
        actionSet([submit({ label: a.reassign.label, payload: reassign })]),
      );
    }
    if (a.resolve)
      inner.push(
        {
          type: 'Input.Text',
          id: 'note',
          label: a.noteLabel,
          isMultiline: true,
          maxLength: 2_000,
          spacing: 'Large',
        },
        actionSet([submit(a.resolve)]),
      );
    actions.push({
      type: 'Action.ShowCard',
      title: cut(a.changeStatus, LIMITS.buttonTitle),
      card: card(inner),
    });
  }
  return teamsCard(view.summary.map(plain).join(''), body, actions);
}

/** A status update in the company's conversation; the desk's note shown as typed. */
export function updateCard(view: UpdateView): TeamsCard {
  const body: El[] = paragraphs(view.text);
  if (view.note)
    body.push({
      type: 'Container',
      style: 'emphasis',
      items: [textBlock(view.note.label, { weight: 'Bolder' }), ...literalText(view.note.text)],
    });
  if (view.close) body.push(actionSet([submit(view.close)]));
  return teamsCard(view.text, body);
}

/** A notice; its lines (an admin's list of problems) shown literally. */
export function noticeCard(view: NoticeView): TeamsCard {
  const body: El[] = paragraphs(view.text);
  for (const line of (view.lines ?? []).slice(0, 50))
    body.push(richLine(['• ', userText(line)], {}, { spacing: 'Small' }));
  return teamsCard(view.text, body);
}

export function statusCard(view: StatusView): TeamsCard {
  return teamsCard(view.title, [
    textBlock(view.title, { weight: 'Bolder', size: 'Medium', style: 'heading' }),
    { type: 'FactSet', facts: view.facts.map((f) => ({ title: f.label, value: f.value })) },
    ...view.problems
      .slice(0, 50)
      .map((p) => richLine([userText(p)], { color: 'Attention' }, { spacing: 'Small' })),
  ]);
}

/** A requester's tickets, one row each with its own Close button under it. */
export function ticketListCard(view: TicketListView): TeamsCard {
  if (view.empty) return teamsCard(view.empty, paragraphs(view.empty));
  const body: El[] = [textBlock(view.title, { weight: 'Bolder', size: 'Medium', style: 'heading' })];
  for (const item of view.items.slice(0, LIMITS.listItems)) {
    body.push({
      type: 'Container',
      separator: true,
      spacing: 'Medium',
      items: [
        richLine([item.id], { weight: 'Bolder' }),
        textBlock(`${item.status} · ${item.desk} · ${cardTime(item.created)}`, {
          isSubtle: true,
          spacing: 'None',
        }),
        ...(item.close ? [actionSet([submit(item.close)], { spacing: 'Small' })] : []),
      ],
    });
  }
  return teamsCard(view.title, body);
}

/**
 * The weekly digest in the admins' channel: the week's numbers as facts, tickets per desk, and each
 * gap with its example questions in TextRuns (what people typed, shown literally).
 */
export function digestCard(view: DigestView): TeamsCard {
  const body: El[] = [
    textBlock(view.title, { weight: 'Bolder', size: 'Medium', style: 'heading' }),
    textBlock(view.period, { isSubtle: true, size: 'Small', spacing: 'None' }),
    { type: 'FactSet', facts: view.facts.map((f) => ({ title: f.label, value: f.value })) },
  ];
  if (view.desks.length > 0)
    body.push(
      textBlock(view.desksLabel, { weight: 'Bolder', spacing: 'Medium' }),
      ...view.desks.map((d) => textBlock(d, { spacing: 'Small' })),
    );
  body.push(textBlock(view.gapsLabel, { weight: 'Bolder', spacing: 'Medium' }));
  for (const gap of view.gaps.slice(0, 10))
    body.push({
      type: 'Container',
      separator: true,
      spacing: 'Small',
      items: [
        textBlock(gap.line),
        ...gap.examples.flatMap((e) => literalText(e, { spacing: 'None', isSubtle: true })),
      ],
    });
  body.push(textBlock(view.gapsNote, { isSubtle: true, size: 'Small', spacing: 'Medium' }));
  return teamsCard(view.summary, body);
}

/** The knowledge gaps an admin asked for; the questions people typed in TextRuns, shown literally. */
export function gapListCard(view: GapListView): TeamsCard {
  if (view.empty) return teamsCard(view.empty, paragraphs(view.empty));
  const body: El[] = [
    textBlock(view.title, { weight: 'Bolder', size: 'Medium', style: 'heading' }),
    textBlock(view.intro, { isSubtle: true, spacing: 'None' }),
  ];
  for (const item of view.items.slice(0, LIMITS.listItems))
    body.push({
      type: 'Container',
      separator: true,
      spacing: 'Medium',
      items: [
        textBlock(item.id, { weight: 'Bolder', fontType: 'Monospace' }),
        ...[item.line, item.reasons, item.closest]
          .filter((t): t is string => Boolean(t))
          .map((t) => textBlock(t, { isSubtle: true, spacing: 'None' })),
        ...item.examples.map((e) => richLine(['“', e, '”'], { italic: true }, { spacing: 'Small' })),
      ],
    });
  body.push(textBlock(view.how, { isSubtle: true, size: 'Small', spacing: 'Medium' }));
  return teamsCard(view.title, body);
}

const CARDS: Renderers<TeamsCard> = {
  reply: replyCard,
  form: formCard,
  ticket: ticketCard,
  update: updateCard,
  notice: noticeCard,
  status: statusCard,
  tickets: ticketListCard,
  digest: digestCard,
  gaps: gapListCard,
};

/** Any view as the card Teams is sent. */
export function cardFor(view: View): TeamsCard {
  return render(CARDS, view);
}

/** The message activity for a card: the card alone, with its summary for the notification preview. */
export function cardActivity(c: TeamsCard): {
  type: 'message';
  summary: string;
  attachments: CardAttachment[];
} {
  return { type: 'message', summary: c.summary, attachments: [c.attachment] };
}
