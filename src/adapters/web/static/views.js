// The desk's views (src/present/views.ts) as HTML. Every label comes from the view, in its language;
// text is only ever set with textContent, never as HTML.

/** An element with properties (`text`, `class`, `on<event>`, attributes) and children. */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'text') node.textContent = v;
    else if (k === 'class') node.className = v;
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children) if (c !== undefined && c !== null && c !== false) node.append(c);
  return node;
}

const isUserText = (p) => typeof p === 'object' && p !== null && typeof p.user === 'string';

/** A time in the reader's own time zone, in the view's language; the UTC wording as its tooltip. */
export function timeNode(part, lang) {
  const d = new Date(part.time);
  let text = part.fallback;
  try {
    text = new Intl.DateTimeFormat(lang, { dateStyle: 'medium', timeStyle: 'short' }).format(d);
  } catch {
    // an unknown language tag: the fallback wording
  }
  return el('time', { datetime: part.time, title: part.fallback, text });
}

/** One part of a line: the bot's text, a person's text (literal), a person (their name), a time. */
export function partNode(part, lang) {
  if (typeof part === 'string') return document.createTextNode(part);
  if (isUserText(part)) return el('span', { class: 'user-text', text: part.user });
  if ('person' in part)
    return el('span', {
      class: 'person',
      title: part.person,
      text: part.name ?? part.person.replace(/^\w+:/, ''),
    });
  return timeNode(part, lang);
}
export const lineNode = (parts, lang, tag = 'span', props = {}) =>
  el(tag, props, ...parts.map((p) => partNode(p, lang)));

function button(b, onPress, extra = {}) {
  return el('button', {
    type: 'button',
    class: ['press', b.style ?? '', extra.class ?? ''].join(' ').trim(),
    text: b.label,
    onclick: (e) => onPress(b.payload, e.currentTarget),
  });
}

/** The reply to a question: text, sources, follow-ups or choices (a vertical list), feedback, the desk. */
export function replyNode(view, { press }) {
  const node = el('div', { class: 'view reply', lang: view.lang, 'data-action': view.action });
  for (const para of view.text.split(/\n{2,}/)) node.append(el('p', { text: para }));
  if (view.sources.length > 0 || view.asOf) {
    const src = el('div', { class: 'sources' });
    for (const s of view.sources)
      src.append(
        el(
          'div',
          {},
          `${view.sourceLabel}: `,
          s.url
            ? el('a', { href: s.url, rel: 'noopener noreferrer', target: '_blank', text: s.title })
            : el('span', { text: s.title }),
          ` — ${s.publisher}, ${s.date}`,
          s.note ? el('span', { class: 'note', text: ` (${s.note})` }) : undefined,
        ),
      );
    if (view.asOf) src.append(el('div', { text: view.asOf }));
    node.append(src);
  }
  if (view.choices.length > 0) {
    if (view.choicesLabel) node.append(el('div', { class: 'choices-label', text: view.choicesLabel }));
    node.append(el('div', { class: 'choices' }, ...view.choices.map((c) => button(c, press))));
  }
  const tail = [
    ...view.feedback.map((b) => button(b, press, { class: 'rate' })),
    view.talk && button(view.talk, press, { class: 'talk' }),
  ];
  if (tail.some(Boolean)) node.append(el('div', { class: 'chips' }, ...tail));
  return node;
}

/** The handoff form; `submit(fields)` sends it, `cancel()` takes it away. */
export function formNode(view, { submit, cancel }) {
  const field = (id) => {
    const f = view.fields[id];
    const attrs = { id: `handoff-${id}`, name: id, maxlength: String(f.maxLength), required: f.required };
    const input = f.multiline ? el('textarea', { ...attrs, rows: '4' }) : el('input', attrs);
    if (f.initial) input.value = f.initial;
    return el('label', {}, el('span', { text: f.label }), input);
  };
  const problem = el('div', { class: 'problem', role: 'alert' });
  const form = el(
    'form',
    { id: 'handoff-form', class: 'view form', lang: view.lang, novalidate: true },
    el('h3', { text: view.title }),
    el('p', { class: 'intro', text: view.intro }),
    field('company'),
    field('contact'),
    field('need'),
    problem,
    el(
      'div',
      { class: 'row' },
      el('button', { type: 'submit', text: view.submit.label }),
      el('button', { type: 'button', class: 'secondary', text: view.cancel, onclick: () => cancel() }),
    ),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const fields = Object.fromEntries(['company', 'contact', 'need'].map((k) => [k, form.elements[k].value]));
    if (!fields.company.trim() || !fields.contact.trim()) {
      problem.textContent = view.missing;
      return;
    }
    problem.textContent = '';
    submit(fields, form.querySelector('button[type=submit]'));
  });
  return form;
}

/** A status update to the company, with its Close button. */
export function updateNode(view, { press }) {
  return el(
    'div',
    { class: 'view update', lang: view.lang, 'data-ticket': view.ticket },
    el('p', { text: view.text }),
    view.note &&
      el(
        'blockquote',
        {},
        el('strong', { text: `${view.note.label} ` }),
        el('span', { class: 'user-text', text: view.note.text.user }),
      ),
    view.close && el('div', { class: 'chips' }, button(view.close, press)),
  );
}

/** The company's own requests, each with Close while it is not closed. */
export function ticketListNode(view, { press }) {
  const node = el('div', { class: 'view tickets', lang: view.lang }, el('h3', { text: view.title }));
  if (view.empty) {
    node.append(el('p', { class: 'empty', text: view.empty }));
    return node;
  }
  node.append(
    el(
      'ul',
      {},
      ...view.items.map((i) =>
        el(
          'li',
          { class: 'ticket', 'data-id': i.id },
          `${i.id} · ${i.desk} `,
          el('span', { class: 'status', text: i.status }),
          ' · ',
          timeNode(i.created, view.lang),
          i.close && button(i.close, press, { class: 'close' }),
        ),
      ),
    ),
  );
  return node;
}

export function noticeNode(view) {
  return el(
    'div',
    { class: `view notice${view.private ? ' private' : ''}`, lang: view.lang },
    el('p', { text: view.text }),
    view.lines?.length ? el('ul', {}, ...view.lines.map((l) => el('li', { text: l }))) : undefined,
  );
}

export function statusNode(view) {
  return el(
    'div',
    { class: 'view status-view', lang: view.lang },
    el('h3', { text: view.title }),
    el('dl', {}, ...view.facts.flatMap((f) => [el('dt', { text: f.label }), el('dd', { text: f.value })])),
    ...view.problems.map((p) => el('p', { class: 'problem', text: p })),
  );
}

/** An audit trail: the latest event as its summary, every event when opened. */
function auditNode(audit) {
  const item = (i) =>
    el(
      'li',
      { 'data-seq': String(i.seq) },
      timeNode(i.time, audit.lang),
      ' · ',
      partNode(i.who, audit.lang),
      ` · ${i.what}`,
      i.note ? el('span', { class: 'user-text note', text: ` “${i.note.user}”` }) : undefined,
    );
  const last = audit.items.at(-1);
  return el(
    'details',
    { class: 'audit' },
    el(
      'summary',
      {},
      `◷ ${audit.items.length}`,
      last ? el('span', { class: 'last' }, ' · ', ...item(last).childNodes) : undefined,
    ),
    el('ol', {}, ...audit.items.map(item)),
  );
}

/**
 * A ticket card as desk staff work from it: who asks, what, which desk, due when, its status and
 * holder, and the actions it offers (Resolve asks for the note first; Reassign picks a desk; a reply
 * to the company). `strings` are the page strings in the card's language.
 */
export function ticketNode(entry, { press, resolve, comment, strings }) {
  const { card, audit } = entry;
  const lang = card.lang;
  const a = card.actions;
  const node = el('div', { class: `view card status-${card.status}`, lang });
  node.append(
    el(
      'div',
      { class: 'head' },
      el('strong', { text: `${card.id} ` }),
      lineNode(card.statusLine, lang, 'span', { class: `status ${card.status}` }),
    ),
  );
  if (card.moved) node.append(lineNode(card.moved, lang, 'p', { class: 'moved' }));
  node.append(
    el(
      'div',
      { class: 'request' },
      el('strong', { text: card.requestLabel }),
      el('p', { class: 'user-text', text: card.request.user }),
    ),
  );
  if (card.cutNote) node.append(el('p', { class: 'cut', text: card.cutNote }));
  node.append(
    el(
      'dl',
      { class: 'facts' },
      ...card.facts.flatMap((f) => [el('dt', { text: f.label }), el('dd', {}, partNode(f.value, lang))]),
    ),
  );
  if (card.note)
    node.append(
      el(
        'blockquote',
        {},
        el('strong', { text: `${card.note.label} ` }),
        el('span', { class: 'user-text', text: card.note.text.user }),
      ),
    );
  if (card.answered)
    node.append(
      el('p', { class: 'answered' }, el('strong', { text: `${card.answered.label}: ` }), card.answered.text),
    );
  const buttons = el('div', { class: 'chips actions' });
  if (a.claim) buttons.append(button(a.claim, press));
  if (a.resolve) buttons.append(button(a.resolve, (payload) => resolve(card, payload), { class: 'resolve' }));
  if (a.reopen) buttons.append(button(a.reopen, press));
  if (buttons.childElementCount > 0) node.append(buttons);
  if (a.reassign) {
    const select = el(
      'select',
      { class: 'reassign', 'aria-label': a.reassign.label },
      el('option', { value: '', text: a.reassign.placeholder, disabled: true, selected: true }),
      ...a.reassign.options.map((o, i) => el('option', { value: String(i), text: o.label })),
    );
    node.append(
      el(
        'div',
        { class: 'row reassign-row' },
        select,
        el('button', {
          type: 'button',
          class: 'secondary apply-reassign',
          text: `${a.reassign.label}`,
          onclick: (e) => {
            const o = a.reassign.options[Number(select.value)];
            if (select.value !== '' && o) press(o.payload, e.currentTarget);
          },
        }),
      ),
    );
  }
  if (!card.moved && card.status !== 'closed') {
    const text = el('textarea', {
      class: 'reply-text',
      rows: '2',
      maxlength: '5000',
      'aria-label': strings.actReply,
      placeholder: strings.actReply,
    });
    node.append(
      el(
        'form',
        {
          class: 'comment',
          onsubmit: (e) => {
            e.preventDefault();
            if (!text.value.trim()) return;
            comment(card, text.value).then((ok) => {
              if (ok) text.value = '';
            });
          },
        },
        text,
        el('button', { type: 'submit', class: 'secondary', text: strings.actReply }),
      ),
    );
  }
  node.append(auditNode(audit));
  return node;
}

/**
 * The admins' knowledge gaps: each gap's id, counts, why its questions were kept, the closest entry and
 * the questions as people typed them (text only, never HTML), with Accept (an entry and one of the
 * gap's questions), Draft and Dismiss (with a reason). `act(action, fields, button)` sends one.
 */
export function gapPanelNode(panel, { act }) {
  const { view, labels } = panel;
  const node = el(
    'div',
    { class: 'view gaps', lang: view.lang },
    el('h3', { text: view.title }),
    el('p', { class: 'intro', text: view.intro }),
  );
  if (view.empty) {
    node.append(el('p', { class: 'empty', text: view.empty }));
    return node;
  }
  const list = el('ol', { class: 'gap-list' });
  for (const item of view.items) {
    const extra = panel.gaps.find((g) => g.id === item.id) ?? { questions: [], closest: null };
    const entry = el(
      'select',
      { class: 'gap-entry', 'aria-label': labels.gapsAcceptAs },
      ...panel.entries.map((e) =>
        el('option', { value: e.id, text: `${e.id} — ${e.title}`, selected: e.id === extra.closest }),
      ),
    );
    const question = el(
      'select',
      { class: 'gap-question', 'aria-label': labels.gapsQuestion },
      ...extra.questions.map((q, i) =>
        el('option', { value: String(i), text: `${q.text} (${q.lang}, ${q.count})` }),
      ),
    );
    const why = el('input', {
      class: 'gap-why',
      maxlength: '500',
      'aria-label': labels.gapsWhy,
      placeholder: labels.gapsWhy,
    });
    const chosen = () => extra.questions[Number(question.value)];
    list.append(
      el(
        'li',
        { class: 'gap', 'data-gap': item.id },
        el('strong', { class: 'gap-id', text: item.id }),
        el('div', { class: 'gap-line', text: item.line }),
        item.reasons ? el('div', { class: 'gap-reasons', text: item.reasons }) : undefined,
        item.closest ? el('div', { class: 'gap-closest', text: item.closest }) : undefined,
        el(
          'ul',
          { class: 'gap-examples' },
          ...item.examples.map((e) => el('li', { class: 'user-text', text: e.user })),
        ),
        el(
          'div',
          { class: 'row gap-accept' },
          el('label', {}, el('span', { text: labels.gapsAcceptAs }), entry),
          el('label', {}, el('span', { text: labels.gapsQuestion }), question),
          el('button', {
            type: 'button',
            class: 'accept',
            text: labels.gapsAccept,
            onclick: (e) => {
              const q = chosen();
              act(
                'accept',
                {
                  gap: item.id,
                  entry: entry.value,
                  ...(q ? { question: q.text, questionLang: q.lang } : {}),
                },
                e.currentTarget,
              );
            },
          }),
        ),
        el(
          'div',
          { class: 'row gap-other' },
          el('button', {
            type: 'button',
            class: 'secondary draft',
            text: labels.gapsDraft,
            onclick: (e) => act('draft', { gap: item.id }, e.currentTarget),
          }),
          why,
          el('button', {
            type: 'button',
            class: 'secondary dismiss',
            text: labels.gapsDismiss,
            onclick: (e) => act('dismiss', { gap: item.id, why: why.value }, e.currentTarget),
          }),
        ),
      ),
    );
  }
  node.append(list);
  return node;
}
