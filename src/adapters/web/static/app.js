// The local page: a company's chat, its requests and updates, and the desks' tickets, each message
// shown as this page renders it and as Slack (Block Kit) and Teams (Adaptive Card) would.
import { renderCard } from './cards.js';
import {
  el,
  formNode,
  gapPanelNode,
  noticeNode,
  replyNode,
  statusNode,
  ticketListNode,
  ticketNode,
  updateNode,
} from './views.js';

const $ = (id) => document.getElementById(id);
const TOKEN = document.querySelector('meta[name="madoguchi-token"]')?.content ?? '';
const session = localStorage.getItem('madoguchi.session') ?? crypto.randomUUID().replaceAll('-', '');
localStorage.setItem('madoguchi.session', session);
let config = { langs: ['en'], strings: {}, desks: [], admins: [] };
let pageLang = 'en';
let langChosen = false;
let lastSeq = 0;
let listJson = '';
const cards = new Map();
/** What the renderer reported for each Adaptive Card drawn (read by the browser test). */
const cardErrors = [];
globalThis.madoguchi = { cardErrors };

const strings = (lang) => ({ ...config.strings.en, ...config.strings[lang] });
const t = (key) => strings(pageLang)[key] ?? '';

class ApiError extends Error {
  constructor(status, data) {
    super(data?.error ?? `HTTP ${status}`);
    this.status = status;
    this.notice = data?.notice;
  }
}

async function api(path, body) {
  const headers = { 'x-madoguchi-token': TOKEN };
  const init = body
    ? {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }
    : { headers };
  const res = await fetch(path, init);
  const data = await res.json().catch(() => ({}));
  if (!res.ok) throw new ApiError(res.status, data);
  return data;
}

/** The page's own words, in the page's language (which follows the replies unless the person picks one). */
function applyChrome() {
  document.documentElement.lang = pageLang;
  for (const node of document.querySelectorAll('[data-t]')) node.textContent = t(node.dataset.t);
  for (const node of document.querySelectorAll('[data-t-placeholder]'))
    node.placeholder = t(node.dataset.tPlaceholder);
  $('page-lang').value = pageLang;
  fillDesks();
}
function followLanguage(lang) {
  if (langChosen || !lang || lang === pageLang || !config.langs.includes(lang)) return;
  pageLang = lang;
  applyChrome();
}

const scrollChat = () => {
  $('chat').scrollTop = $('chat').scrollHeight;
};

function bubble(who, ...children) {
  const node = el('div', { class: `msg ${who}` }, ...children);
  $('chat').append(node);
  scrollChat();
  return node;
}

/**
 * A message with tabs to show it as this page renders it, as its Slack Block Kit JSON, and as the
 * Adaptive Card Teams is sent (drawn when first opened).
 */
function withPreviews(content, preview, kind) {
  if (!preview) return content;
  const json = (value) => el('pre', { class: 'json', text: JSON.stringify(value, null, 2) });
  const panes = {
    html: el('div', { class: 'pane', role: 'tabpanel' }, content),
    slack: el('div', { class: 'pane', role: 'tabpanel', hidden: true }, json(preview.slack)),
    teams: el('div', { class: 'pane', role: 'tabpanel', hidden: true }),
  };
  let drawn = false;
  const drawTeams = () => {
    if (drawn) return;
    drawn = true;
    const { node, errors } = renderCard(preview.teams);
    cardErrors.push({ kind, errors });
    panes.teams.append(
      // The notification line Teams shows for the card.
      preview.teamsSummary ? el('p', { class: 'teams-summary', text: preview.teamsSummary }) : '',
      node,
      el('details', {}, el('summary', { text: 'JSON' }), json(preview.teams)),
    );
  };
  const tabs = Object.fromEntries(
    [
      ['html', 'HTML'],
      ['slack', 'Slack'],
      ['teams', 'Teams'],
    ].map(([key, label]) => [
      key,
      el('button', {
        type: 'button',
        role: 'tab',
        class: `tab tab-${key}`,
        'aria-selected': key === 'html' ? 'true' : 'false',
        text: label,
        onclick: () => show(key),
      }),
    ]),
  );
  const wrap = el(
    'div',
    { class: 'previews', 'data-kind': kind },
    el('div', { class: 'tabs', role: 'tablist' }, ...Object.values(tabs)),
    ...Object.values(panes),
  );
  function show(key) {
    if (key === 'teams') drawTeams();
    for (const [k, pane] of Object.entries(panes)) {
      pane.hidden = k !== key;
      tabs[k].setAttribute('aria-selected', String(k === key));
    }
    wrap.dataset.shown = key;
    if (wrap.closest('#chat') && wrap.closest('.msg') === $('chat').lastElementChild) scrollChat();
  }
  wrap.show = show;
  return wrap;
}

/** The notice for a failed call: the server's, in the person's language, else a generic apology. */
const noticeOf = (error) =>
  error?.notice ?? { kind: 'notice', lang: pageLang, text: t('errTryAgain'), private: true };

/**
 * Sends a button's payload to the desk, with a fresh id for this click (a replay of it changes
 * nothing). `as` is the staff identity for the desk's buttons; a company's buttons act as the session.
 */
async function press(payload, button, opts = {}) {
  if (button) button.disabled = true;
  try {
    const result = await api('/local/api/press', {
      session,
      eventId: crypto.randomUUID(),
      payload,
      ...(opts.lang ? { lang: opts.lang } : {}),
      ...(opts.as ? { as: opts.as } : {}),
      ...(opts.fields ? { fields: opts.fields } : {}),
    });
    show(result, opts);
    return result;
  } catch (error) {
    showNotice(noticeOf(error), opts);
    return undefined;
  } finally {
    if (button?.isConnected) button.disabled = false;
  }
}

function showNotice(view, opts = {}) {
  if (opts.as) {
    $('staff-notice').replaceChildren(noticeNode(view));
    return;
  }
  bubble('bot notice', noticeNode(view));
}

/** Shows a desk result where it belongs. */
function show(result, opts = {}) {
  switch (result.kind) {
    case 'reply':
      return showReply(result);
    case 'form':
      return showForm(result);
    case 'ticket':
      if (result.view && !opts.inPlace) showNotice(result.view, opts);
      return refresh();
    case 'tickets':
      return bubble(
        'bot',
        ticketListNode(result.view, { press: (p, b) => press(p, b, { lang: result.view.lang }) }),
      );
    case 'status':
      return bubble('bot', statusNode(result.view));
    default:
      if (opts.rated) for (const b of opts.rated) b.disabled = true;
      return showNotice(result.view, opts);
  }
}

function showReply({ view, preview, debug }) {
  followLanguage(view.lang);
  const onPress = (payload, button) =>
    press(payload, button, {
      lang: view.lang,
      ...(payload.k === 'rate' ? { rated: [...node.querySelectorAll('button.rate')] } : {}),
    });
  const node = replyNode(view, { press: onPress });
  bubble('bot', withPreviews(node, preview, `reply-${view.action}`));
  $('debug-list').replaceChildren(
    ...Object.entries(debug ?? {}).flatMap(([k, v]) => [
      el('dt', {}, el('code', { text: k })),
      el('dd', { text: Array.isArray(v) ? v.join(', ') || '—' : String(v ?? '—') }),
    ]),
  );
  // The company's list follows the language it now writes in.
  refreshRequester().catch(() => undefined);
  // A handoff reply opens the desk's form at once.
  if (view.action === 'handoff' && view.talk) press(view.talk.payload, null, { lang: view.lang });
}

/** The handoff form; one at a time. After Send it is replaced by its confirmation. */
function showForm({ view, preview }) {
  $('handoff-form')?.closest('.msg')?.remove();
  let message;
  const form = formNode(view, {
    cancel: () => message.remove(),
    submit: async (fields, button) => {
      const result = await press(view.submit.payload, button, { lang: view.lang, fields, inPlace: true });
      if (result?.kind === 'ticket')
        message.replaceChildren(...(result.view ? [noticeNode(result.view)] : []));
    },
  });
  message = bubble('bot', withPreviews(form, preview, 'form'));
  // The form from its top: its first field is where the person starts.
  form.querySelector('input')?.focus({ preventScroll: true });
  $('chat').scrollTop = message.offsetTop;
}

async function ask(text) {
  if (!text.trim()) return;
  bubble('user', el('p', { text }));
  try {
    showReply(await api('/local/api/ask', { session, text, eventId: crypto.randomUUID() }));
  } catch (error) {
    showNotice(noticeOf(error));
  }
}

async function refreshRequester() {
  const data = await api(`/local/api/requester?session=${session}&after=${lastSeq}`);
  const json = JSON.stringify(data.view);
  if (json !== listJson) {
    listJson = json;
    $('my-tickets').replaceChildren(
      ticketListNode(data.view, { press: (p, b) => press(p, b, { lang: data.view.lang }) }),
    );
  }
  for (const m of data.updates) {
    lastSeq = Math.max(lastSeq, m.seq);
    const node = updateNode(m.view, { press: (p, b) => press(p, b, { lang: m.view.lang }) });
    $('updates').append(
      el(
        'div',
        { class: 'msg update-message', 'data-seq': String(m.seq) },
        withPreviews(node, m.preview, 'update'),
      ),
    );
  }
}

const acting = () => ({ desk: $('desk-select').value, as: $('staff-select').value });

/** Resolve asks for the note to the company first; Cancel sends nothing. */
function openResolve(card, payload, as) {
  const dialog = $('resolve-dialog');
  const s = strings(card.lang);
  dialog.setAttribute('lang', card.lang);
  $('resolve-title').textContent = `${card.actions.resolve?.label ?? ''} ${card.id}`;
  $('resolve-note-label').textContent = card.actions.noteLabel;
  $('resolve-ok').textContent = card.actions.resolve?.label ?? s.actResolve;
  $('resolve-cancel').textContent = s.formCancel;
  $('resolve-note').value = '';
  dialog.returnValue = '';
  dialog.onclose = () => {
    if (dialog.returnValue !== 'ok') return;
    press(payload, null, { as, lang: card.lang, fields: { note: $('resolve-note').value } });
  };
  dialog.showModal();
  $('resolve-note').focus();
}

async function comment(card, text, as) {
  try {
    await api('/local/api/comment', {
      as,
      ticket: card.id,
      text,
      eventId: crypto.randomUUID(),
      lang: card.lang,
    });
    refresh();
    return true;
  } catch (error) {
    showNotice(noticeOf(error), { as });
    return false;
  }
}

/** Staff tickets, newest first; a card is drawn again only when it changed, keeping a reply being typed. */
async function refreshDesk() {
  const { desk, as } = acting();
  if (!desk || !as) return;
  const { tickets } = await api(
    `/local/api/desk?desk=${encodeURIComponent(desk)}&as=${encodeURIComponent(as)}`,
  );
  if (acting().desk !== desk || acting().as !== as) return;
  const nodes = tickets.map((entry) => {
    const id = entry.card.id;
    const json = JSON.stringify(entry);
    const item = cards.get(id);
    if (item && item.json === json) return item.node;
    const opts = {
      strings: strings(entry.card.lang),
      press: (p, b) => press(p, b, { as, lang: entry.card.lang }),
      resolve: (card, p) => openResolve(card, p, as),
      comment: (card, text) => comment(card, text, as),
    };
    const node = el(
      'li',
      { class: 'ticket', 'data-id': id },
      withPreviews(ticketNode(entry, opts), entry.preview, `ticket-${entry.card.status}`),
    );
    const old = item?.node;
    if (old) {
      // What the person was doing on the card stays: a reply being typed, the tab shown, the trail opened.
      const draft = old.querySelector('.reply-text')?.value;
      if (draft && node.querySelector('.reply-text')) node.querySelector('.reply-text').value = draft;
      const shown = old.querySelector('.previews')?.dataset.shown;
      if (shown) node.querySelector('.previews').show(shown);
      if (old.querySelector('details.audit')?.open) node.querySelector('details.audit').open = true;
      old.replaceWith(node);
    }
    cards.set(id, { json, node });
    return node;
  });
  const ids = new Set(tickets.map((e) => e.card.id));
  for (const id of cards.keys()) if (!ids.has(id)) cards.delete(id);
  const list = $('desk-tickets');
  const same = list.children.length === nodes.length && nodes.every((n, i) => list.children[i] === n);
  if (!same) list.replaceChildren(...nodes);
}

let gapsJson = '';
/** The knowledge gaps, for an admin identity only; drawn again only when they changed (keeping what is typed). */
async function refreshGaps() {
  const { as } = acting();
  const panel = $('gaps-panel');
  if (!as || !config.admins.includes(as)) {
    panel.hidden = true;
    panel.replaceChildren();
    gapsJson = '';
    return;
  }
  const data = await api(`/local/api/gaps?as=${encodeURIComponent(as)}&lang=${encodeURIComponent(pageLang)}`);
  if (acting().as !== as) return;
  const json = JSON.stringify(data);
  if (json === gapsJson) return;
  gapsJson = json;
  panel.hidden = false;
  panel.replaceChildren(
    gapPanelNode(data, { act: (action, fields, button) => actOnGap(as, action, fields, button) }),
  );
}

async function actOnGap(as, action, fields, button) {
  if (button) button.disabled = true;
  try {
    const result = await api('/local/api/gaps', {
      as,
      eventId: crypto.randomUUID(),
      lang: pageLang,
      action,
      ...fields,
    });
    showNotice(result.view, { as });
    gapsJson = '';
    await refreshGaps();
  } catch (error) {
    showNotice(noticeOf(error), { as });
  } finally {
    if (button?.isConnected) button.disabled = false;
  }
}

async function refresh() {
  await Promise.all([refreshRequester(), refreshDesk(), refreshGaps()]).catch(() => undefined);
}

function fillDesks() {
  const select = $('desk-select');
  const current = select.value;
  select.replaceChildren(
    ...config.desks.map((d) => el('option', { value: d.id, text: d.name[pageLang] ?? d.name.en ?? d.id })),
  );
  if (current) select.value = current;
}
function fillStaff() {
  const desk = config.desks.find((d) => d.id === $('desk-select').value);
  $('staff-select').replaceChildren(
    ...[...(desk?.staff ?? []), ...config.admins].map((u) => el('option', { value: u, text: u })),
  );
}
function resetDesk() {
  $('staff-notice').replaceChildren();
  $('desk-tickets').replaceChildren();
  cards.clear();
  refreshDesk().catch(() => undefined);
  refreshGaps().catch(() => undefined);
}

async function init() {
  config = await api('/local/api/config');
  // The server wrote the page in the browser's language (Accept-Language) where it has its strings.
  const served = document.documentElement.lang;
  pageLang = config.langs.includes(served) ? served : 'en';
  const names = (code) => {
    try {
      return new Intl.DisplayNames([code], { type: 'language' }).of(code) ?? code;
    } catch {
      return code;
    }
  };
  $('page-lang').replaceChildren(
    ...config.langs.map((l) => el('option', { value: l, text: names(l), lang: l })),
  );
  $('page-lang').addEventListener('change', () => {
    langChosen = true;
    pageLang = $('page-lang').value;
    applyChrome();
  });
  applyChrome();
  fillStaff();
  $('desk-select').addEventListener('change', () => {
    fillStaff();
    resetDesk();
  });
  $('staff-select').addEventListener('change', resetDesk);
  $('ask-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const text = $('question').value;
    $('question').value = '';
    ask(text);
  });
  bubble('bot greeting', el('p', { 'data-t': 'welcome', text: t('welcome') }));
  refresh();
  setInterval(refresh, 1500);
}
init();
