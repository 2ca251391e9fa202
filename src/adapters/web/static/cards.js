// Adaptive Cards as Teams shows them, drawn by Microsoft's own renderer (the `adaptivecards` npm
// package, served from node_modules) with a host config close to Teams' light theme.
import { el } from './views.js';

const AC = globalThis.AdaptiveCards;

const fg = (def, subtle) => ({ default: def, subtle });
const colors = {
  default: fg('#242424', '#616161'),
  dark: fg('#242424', '#616161'),
  light: fg('#ffffff', '#f3f2f1'),
  accent: fg('#5b5fc7', '#8b8cc7'),
  good: fg('#237b4b', '#92c353'),
  warning: fg('#835c00', '#c19c00'),
  attention: fg('#c4314b', '#d74654'),
};
const font = (family) => ({
  fontFamily: family,
  fontSizes: { small: 12, default: 14, medium: 14, large: 18, extraLarge: 24 },
  fontWeights: { lighter: 200, default: 400, bolder: 600 },
});

/** A Teams-like host config (Teams: Segoe UI 14 px, its accent purple, at most 6 actions, 1.5 cards). */
export const TEAMS_HOST_CONFIG = {
  supportsInteractivity: true,
  spacing: { small: 8, default: 12, medium: 16, large: 20, extraLarge: 24, padding: 16 },
  separator: { lineThickness: 1, lineColor: '#e0e0e0' },
  fontStyles: {
    default: font("'Segoe UI', system-ui, 'Noto Sans CJK JP', sans-serif"),
    monospace: font("Consolas, 'Courier New', monospace"),
  },
  containerStyles: {
    default: { backgroundColor: '#ffffff', foregroundColors: colors },
    emphasis: { backgroundColor: '#f5f5f5', foregroundColors: colors },
    accent: { backgroundColor: '#e8ebfa', foregroundColors: colors },
    good: { backgroundColor: '#e7f2da', foregroundColors: colors },
    attention: { backgroundColor: '#fcf4f6', foregroundColors: colors },
    warning: { backgroundColor: '#fbf6d9', foregroundColors: colors },
  },
  actions: {
    maxActions: 6,
    spacing: 'Default',
    buttonSpacing: 8,
    showCard: { actionMode: 'Inline', inlineTopMargin: 16, style: 'emphasis' },
    actionsOrientation: 'Horizontal',
    actionAlignment: 'Left',
  },
  adaptiveCard: { allowCustomStyle: false },
  factSet: {
    title: { weight: 'Bolder', wrap: true, maxWidth: 150 },
    value: { wrap: true },
    spacing: 12,
  },
  inputs: { label: { inputSpacing: 'Small', requiredInputs: { suffix: ' *' } } },
};

const escapeHtml = (s) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);

/**
 * The Markdown subset Teams renders in a TextBlock: **bold**, _italic_, [links](https://…), "- " lists,
 * paragraphs at blank lines. A single line break is a space, as in Teams. Escaped first: no HTML gets in.
 */
export function teamsMarkdown(text) {
  const inline = (s) =>
    escapeHtml(s)
      .replace(
        /\[([^\]]+)\]\((https?:\/\/[^)\s]+)\)/g,
        '<a href="$2" target="_blank" rel="noopener noreferrer">$1</a>',
      )
      .replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>')
      .replace(/(^|\s)_([^_]+)_(?=\s|$)/g, '$1<em>$2</em>');
  return text
    .split(/\n{2,}/)
    .map((para) => {
      const lines = para.split('\n');
      if (lines.every((l) => /^[-*] /.test(l)))
        return `<ul>${lines.map((l) => `<li>${inline(l.slice(2))}</li>`).join('')}</ul>`;
      return `<p>${inline(lines.join(' '))}</p>`;
    })
    .join('');
}

if (AC) {
  AC.AdaptiveCard.onProcessMarkdown = (text, result) => {
    result.outputHtml = teamsMarkdown(text);
    result.didProcess = true;
  };
}
const hostConfig = AC ? new AC.HostConfig(TEAMS_HOST_CONFIG) : undefined;

/** Every event the renderer reported while parsing or validating the card, as text. */
function eventsOf(context, validation) {
  const out = [];
  const name = (e) => AC.ValidationEvent?.[e.event] ?? String(e.event);
  for (let i = 0; i < context.eventCount; i++) {
    const e = context.getEventAt(i);
    out.push(`${name(e)}: ${e.message}`);
  }
  for (const e of validation?.validationEvents ?? []) out.push(`${name(e)}: ${e.message}`);
  return out;
}

/**
 * Renders a card's JSON; `errors` lists what the renderer reported (an unknown element, a bad value,
 * an unsupported version…). A submit shows the data Teams would send the bot, instead of sending it.
 */
export function renderCard(json) {
  if (!AC)
    return {
      node: el('p', { class: 'problem', text: 'adaptivecards not loaded' }),
      errors: ['adaptivecards not loaded'],
    };
  const card = new AC.AdaptiveCard();
  card.hostConfig = hostConfig;
  const context = new AC.SerializationContext();
  const errors = [];
  let rendered;
  try {
    card.parse(json, context);
    const validation = card.validateProperties();
    errors.push(...eventsOf(context, validation));
    rendered = card.render();
  } catch (error) {
    errors.push(`render failed: ${error?.message ?? error}`);
  }
  if (!rendered) errors.push('the renderer produced nothing');
  const sent = el('pre', { class: 'sent', hidden: true });
  card.onExecuteAction = (action) => {
    const data = action.data ?? {};
    sent.textContent = `→ ${JSON.stringify(action instanceof AC.SubmitAction ? data : { type: action.getJsonTypeName() }, null, 2)}`;
    sent.hidden = false;
  };
  const node = el(
    'div',
    { class: 'teams-card', 'data-errors': String(errors.length) },
    rendered,
    errors.length > 0
      ? el('ul', { class: 'card-errors' }, ...errors.map((e) => el('li', { text: e })))
      : undefined,
    sent,
  );
  return { node, errors };
}
