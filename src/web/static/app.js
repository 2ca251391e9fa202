// The local page. User and bot text is only ever set with textContent, never as HTML.
const $ = (id) => document.getElementById(id);
const session = localStorage.getItem('madoguchi.session') ?? crypto.randomUUID().replaceAll('-', '');
localStorage.setItem('madoguchi.session', session);
let lastQuestion = '';
let lastSeq = 0;
let config = { desks: [], admins: [] };

async function api(path, body) {
  const res = await fetch(
    path,
    body
      ? { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }
      : undefined,
  );
  const data = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(data.error ?? `HTTP ${res.status}`);
  return data;
}

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === 'text') node.textContent = v;
    else if (k === 'class') node.className = v;
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v);
  }
  for (const c of children) if (c) node.append(c);
  return node;
}

function say(who, text) {
  const node = el('div', { class: `msg ${who}`, text });
  $('chat').append(node);
  $('chat').scrollTop = $('chat').scrollHeight;
  return node;
}

function showReply({ turn, reply, deskName }) {
  const node = say('bot', reply.text);
  node.dataset.action = reply.action;
  if (reply.sources.length) {
    const src = el('div', { class: 'sources' });
    const ja = reply.replyLang === 'ja';
    for (const s of reply.sources) {
      src.append(
        el(
          'div',
          {},
          `${ja ? '出典' : 'Source'}: ${s.publisher}, `,
          s.url
            ? el('a', { href: s.url, rel: 'noopener noreferrer', target: '_blank', text: s.title })
            : el('span', { text: s.title }),
          ` (${s.date})`,
        ),
      );
    }
    if (reply.asOf) src.append(el('div', { text: ja ? `${reply.asOf} 時点` : `As of ${reply.asOf}` }));
    node.append(src);
  }
  const chips = el('div', { class: 'chips' });
  for (const s of reply.suggestions)
    chips.append(el('button', { type: 'button', text: s.label, onclick: () => ask(s.query) }));
  if (reply.action === 'answer') {
    chips.append(
      el('button', {
        type: 'button',
        text: 'Helpful',
        onclick: (e) => feedback(turn, 'helpful', e.target),
      }),
    );
    chips.append(
      el('button', {
        type: 'button',
        text: 'Not helpful',
        onclick: (e) => feedback(turn, 'not_helpful', e.target),
      }),
    );
  }
  const desk = reply.action === 'handoff' ? reply.desk : reply.offerDesk;
  if (desk)
    chips.append(
      el('button', {
        type: 'button',
        class: 'talk',
        text: `Talk to ${deskName ?? desk}`,
        onclick: () => openHandoff(desk, deskName ?? desk),
      }),
    );
  node.append(chips);
  if (reply.action === 'handoff') openHandoff(reply.desk, deskName ?? reply.desk);
  const dbg = $('debug-list');
  dbg.replaceChildren();
  for (const [k, v] of [
    ['action', reply.action],
    ['intent', reply.intent ?? '—'],
    ['confidence', reply.confidence],
    ['scheme', reply.scheme ?? '—'],
    ['desk', reply.desk ?? '—'],
    ['language', `${reply.lang} → ${reply.replyLang}`],
    ['entries', reply.entries.join(', ') || '—'],
  ]) {
    dbg.append(el('dt', { text: k }), el('dd', { text: String(v) }));
  }
}

async function ask(text) {
  if (!text.trim()) return;
  lastQuestion = text;
  say('user', text);
  try {
    showReply(await api('/local/api/ask', { session, text }));
  } catch (e) {
    say('bot', `Sorry, something went wrong: ${e.message}`);
  }
}

async function feedback(turn, rating, button) {
  await api('/local/api/feedback', { session, turn, rating }).catch(() => undefined);
  button.textContent = rating === 'helpful' ? 'Thanks!' : 'Noted';
  button.disabled = true;
}

function openHandoff(desk, name) {
  $('handoff-desk').value = desk;
  $('handoff-desk-name').textContent = name;
  $('handoff-need').value = lastQuestion;
  $('handoff-form').hidden = false;
  $('handoff-company').focus();
}

$('ask-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const text = $('question').value;
  $('question').value = '';
  ask(text);
});
$('handoff-cancel').addEventListener('click', () => {
  $('handoff-form').hidden = true;
});
$('handoff-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  try {
    const { ticket } = await api('/local/api/handoff', {
      session,
      desk: $('handoff-desk').value,
      text: lastQuestion,
      company: $('handoff-company').value,
      contact: $('handoff-contact').value,
      need: $('handoff-need').value,
    });
    $('handoff-form').hidden = true;
    say('bot', `Request ${ticket.id} sent. / ご依頼 ${ticket.id} を送信しました。`);
    refresh();
  } catch (err) {
    say('bot', `The request could not be sent: ${err.message}`);
  }
});

async function refreshRequester() {
  const { tickets, messages } = await api(`/local/api/requester?session=${session}&after=${lastSeq}`);
  $('my-tickets').replaceChildren(
    ...tickets.map((t) =>
      el(
        'li',
        { class: 'ticket', 'data-id': t.id },
        `${t.id} · ${t.desk} `,
        el('span', { class: `status ${t.status}`, text: t.status }),
      ),
    ),
  );
  for (const m of messages) {
    lastSeq = Math.max(lastSeq, m.seq);
    $('updates').append(el('p', { text: m.text }));
  }
}

function staffIdentities(deskId) {
  const desk = config.desks.find((d) => d.id === deskId);
  return [...(desk?.staff ?? []), ...config.admins];
}

async function refreshDesk() {
  const desk = $('desk-select').value;
  const as = $('staff-select').value;
  if (!desk || !as) return;
  const { tickets } = await api(
    `/local/api/desk?desk=${encodeURIComponent(desk)}&as=${encodeURIComponent(as)}`,
  );
  $('desk-tickets').replaceChildren(
    ...tickets
      .slice()
      .reverse()
      .map((t) => ticketCard(t, as)),
  );
}

function ticketCard(t, as) {
  const p = t.packet;
  const details = [
    p.details.company && `Company: ${p.details.company}`,
    p.details.contact && `Contact: ${p.details.contact}`,
    p.details.need && `Need: ${p.details.need}`,
  ]
    .filter(Boolean)
    .join('\n');
  const act = (action, extra = {}) =>
    api(`/local/api/tickets/${t.id}/${action}`, { as, ...extra }).then(refresh, (e) => alert(e.message));
  const buttons = el('div', { class: 'chips' });
  if (t.status === 'open' || t.status === 'reopened')
    buttons.append(el('button', { type: 'button', text: 'Claim', onclick: () => act('claim') }));
  if (['open', 'claimed', 'reopened'].includes(t.status))
    buttons.append(
      el('button', {
        type: 'button',
        text: 'Resolve',
        onclick: () => act('resolve', { note: prompt('Resolution note for the company') ?? '' }),
      }),
    );
  if (t.status === 'resolved')
    buttons.append(el('button', { type: 'button', text: 'Reopen', onclick: () => act('reopen') }));
  return el(
    'li',
    { class: 'ticket', 'data-id': t.id },
    el('strong', { text: `${t.id} ` }),
    el('span', { class: `status ${t.status}`, text: t.status }),
    el('div', {
      class: 'packet',
      text: `“${p.text.slice(0, 300)}”\n${p.lang} · ${p.intent ?? 'no intent'} (${p.confidence}) · ${p.scheme ?? 'no programme'}${p.botAnswer ? `\nBot answered: ${p.botAnswer.text.slice(0, 160)}…` : ''}\n${details}${t.assignee ? `\nAssignee: ${t.assignee}` : ''}`,
    }),
    buttons,
  );
}

async function refresh() {
  await Promise.all([refreshRequester(), refreshDesk()]).catch(() => undefined);
}

async function init() {
  config = await api('/local/api/config');
  $('desk-select').replaceChildren(
    ...config.desks.map((d) => el('option', { value: d.id, text: d.name.en })),
  );
  const fillStaff = () =>
    $('staff-select').replaceChildren(
      ...staffIdentities($('desk-select').value).map((u) => el('option', { value: u, text: u })),
    );
  $('desk-select').addEventListener('change', () => {
    fillStaff();
    refreshDesk();
  });
  $('staff-select').addEventListener('change', refreshDesk);
  fillStaff();
  say(
    'bot',
    'Hello! Ask about JBIC–Aguascalientes, METI’s global alliance scheme or JETRO–Chongqing.\nこんにちは。プログラムについてご質問ください。',
  );
  refresh();
  setInterval(refresh, 1500);
}
init();
