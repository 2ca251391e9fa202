import { CONTENT_LANGS, SCHEME_IDS } from '../core/types.js';
import { loadForCli } from './content.js';
import type { CliCommand } from './io.js';

/** `kb check` validates intents/ and knowledge/; `kb stats` counts what is there. */
export const runKb: CliCommand = async (args, io) => {
  const [sub] = args;
  const json = args.includes('--json');
  if (sub !== 'check' && sub !== 'stats') {
    io.stderr.write('Usage: kb check | kb stats [--json]\n');
    return 2;
  }
  const content = await loadForCli(io);
  if (!content) return 1;
  const { knowledge, intents, desks } = content;
  if (sub === 'check') {
    const summary = `ok: ${knowledge.length} knowledge entries (en+ja), ${intents.length} intents, ${desks.desks.length} desks (content ${content.version})`;
    io.stdout.write(
      json
        ? `${JSON.stringify({ ok: true, knowledge: knowledge.length, intents: intents.length, desks: desks.desks.length, version: content.version })}\n`
        : `${summary}\n`,
    );
    return 0;
  }
  const perScheme = Object.fromEntries(
    SCHEME_IDS.map((s) => {
      const entries = knowledge.filter((e) => e.scheme === s);
      return [
        s,
        Object.fromEntries(
          CONTENT_LANGS.map((l) => [
            l,
            {
              entries: entries.filter((e) => e.body[l]).length,
              questions: entries.reduce((n, e) => n + e.questions[l].length, 0),
            },
          ]),
        ),
      ];
    }),
  );
  const perAction: Record<string, number> = {};
  for (const i of intents) perAction[i.action] = (perAction[i.action] ?? 0) + 1;
  const deskRows = desks.desks.map((d) => ({
    id: d.id,
    staff: d.staff.length,
    slack: d.notify.slackChannel ?? null,
    teams: d.notify.teamsConversation ?? null,
    responseTargetHours: d.responseTargetHours,
  }));
  if (json) {
    io.stdout.write(
      `${JSON.stringify({ schemes: perScheme, intents: perAction, desks: deskRows, admins: desks.admins.length })}\n`,
    );
    return 0;
  }
  const out: string[] = ['Knowledge entries (entries / alternate questions):'];
  for (const [s, langs] of Object.entries(perScheme)) {
    out.push(
      `  ${s.padEnd(22)} ${CONTENT_LANGS.map((l) => `${l} ${langs[l]?.entries}/${langs[l]?.questions}`).join('  ')}`,
    );
  }
  out.push(
    `Intents: ${intents.length} (${Object.entries(perAction)
      .map(([a, n]) => `${a} ${n}`)
      .join(', ')})`,
  );
  out.push(`Desks: ${desks.desks.length}, admins: ${desks.admins.length}`);
  for (const d of deskRows) {
    out.push(
      `  ${d.id.padEnd(26)} staff ${d.staff}  target ${d.responseTargetHours}h  slack ${d.slack ?? '-'}  teams ${d.teams ?? '-'}`,
    );
  }
  io.stdout.write(`${out.join('\n')}\n`);
  return 0;
};
