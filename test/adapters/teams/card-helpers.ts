import type { Activity } from 'botbuilder';

type Node = Record<string, unknown>;

/** The Adaptive Card an activity carries (its first attachment's content). */
export function cardIn(a: Partial<Activity> | undefined): Node {
  const attachment = a?.attachments?.[0];
  if (attachment?.contentType !== 'application/vnd.microsoft.card.adaptive')
    throw new Error(`no Adaptive Card in ${JSON.stringify(a)?.slice(0, 300)}`);
  return attachment.content as Node;
}

/** Every object in a card, depth first (body, columns, inlines, actions, show cards). */
export function nodes(value: unknown): Node[] {
  if (Array.isArray(value)) return value.flatMap(nodes);
  if (typeof value !== 'object' || value === null) return [];
  const node = value as Node;
  return [node, ...Object.values(node).flatMap(nodes)];
}

export const ofType = (card: unknown, type: string) => nodes(card).filter((n) => n.type === type);

/** The text a reader sees, in order: TextBlocks and TextRuns. */
export const textOf = (card: unknown): string =>
  nodes(card)
    .filter((n) => n.type === 'TextBlock' || n.type === 'TextRun')
    .map((n) => String(n.text))
    .join('\n');

/** The text of each RichTextBlock, its runs joined. */
export const richTexts = (card: unknown): string[] =>
  ofType(card, 'RichTextBlock').map((b) => (b.inlines as Node[]).map((r) => String(r.text)).join(''));

/** Every action, wherever it is (card actions, ActionSets, show cards, select actions). */
export const actionsOf = (card: unknown) => nodes(card).filter((n) => String(n.type).startsWith('Action.'));

/** The titles of the card's buttons (a tappable row's action is titled with its label). */
export const buttonTitles = (card: unknown): string[] =>
  actionsOf(card).flatMap((n) => (typeof n.title === 'string' ? [n.title] : []));

/** The `data` of the button (or tappable row) titled `title`: `{ madoguchi: <payload> }`. */
export function dataOf(card: unknown, title: string): Record<string, unknown> {
  const action = actionsOf(card).find((n) => n.title === title);
  if (!action) throw new Error(`no button "${title}" in the card (has ${buttonTitles(card).join(', ')})`);
  return action.data as Record<string, unknown>;
}
