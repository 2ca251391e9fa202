import type { KnowledgeEntry } from '../content/types.js';
import type { RuleMatch } from './intent-rules.js';
import type { Candidate, DeskId, SchemeId } from './types.js';
import type { Reading } from './understand.js';

/** What a request was routed to: the desk, its score and margin, and the candidates weighed. */
export interface Routing {
  desk: DeskId;
  score: number;
  margin: number;
  candidates: Candidate[];
}

const round = (x: number) => Math.round(x * 1000) / 1000;

/**
 * The desk for a request, from every signal the content gives: the desk router (trained on the desks'
 * examples, reading the whole message), the desk's names in the message, the desk intent rules, the
 * programme's desks, the owner of the matching entry, and the conversation. Below `minScore`: triage.
 */
export function routeRequest(
  config: { triage: DeskId; programmeDesks: Map<SchemeId, DeskId[]>; minScore: number },
  request: {
    reading: Reading;
    scheme: SchemeId | null;
    entry: KnowledgeEntry | undefined;
    conversationDesk: DeskId | null;
    deskRules: RuleMatch[];
  },
): Routing {
  const { reading: u, scheme, entry, conversationDesk, deskRules } = request;
  const scores = new Map<DeskId, { score: number; by: string[] }>();
  const add = (desk: DeskId, by: number, reason: string) => {
    const s = scores.get(desk) ?? { score: 0, by: [] };
    s.score += by;
    s.by.push(reason);
    scores.set(desk, s);
  };
  for (const d of u.deskNames) add(d.id, 2, d.by);
  for (const m of deskRules.slice(0, 2))
    if (m.rule.desk) add(m.rule.desk, Math.min(2, m.patterns * 1.5 + m.keywords * 0.5), `rule ${m.rule.id}`);
  // "Someone to talk to" reads as triage to the model; inside a conversation it means that conversation's desk.
  const contextual = conversationDesk !== null && u.deskNames.length === 0;
  for (const d of u.deskModel.slice(0, 3))
    if (d.p > 0.1 && !(contextual && d.label === config.triage))
      add(d.label, 5 * d.p, `desk model ${round(d.p)}`);
  if (scheme)
    (config.programmeDesks.get(scheme) ?? []).forEach((d, i) => {
      add(d, i === 0 ? 0.8 : 0.4, `programme ${scheme}`);
    });
  if (entry) add(entry.desk, 0.8, `owner of ${entry.id}`);
  // "Connect me with them": a request that names nothing, or points back ("that fund"), goes to the
  // desk the conversation was about.
  if (conversationDesk && (contextual || u.refersBack))
    add(
      conversationDesk,
      u.refersBack || (scheme === null && deskRules.length === 0) ? 2 : 1,
      u.refersBack ? 'conversation (referred to)' : 'conversation',
    );
  const ranked = [...scores.entries()]
    .map(([id, s]) => ({ id, score: round(s.score), by: s.by.join(' + ') }))
    .sort((a, b) => b.score - a.score);
  const top = ranked[0];
  const second = ranked[1]?.score ?? 0;
  if (!top || top.score < config.minScore)
    return { desk: config.triage, score: top?.score ?? 0, margin: 0, candidates: ranked.slice(0, 4) };
  return { desk: top.id, score: top.score, margin: top.score - second, candidates: ranked.slice(0, 4) };
}
