import { checkLanguages, checkMessages, ENTRY_LANGS } from '../content/check.js';
import { listDrafts } from '../content/edit.js';
import { formatProblem } from '../content/errors.js';
import { contentDir, loadForCli } from './content.js';
import type { CliCommand } from './io.js';
import { GAP_COMMANDS, runKbGaps } from './kb-gaps.js';
import { runStaleCheck } from './kb-stale.js';

/** `kb check` validates intents/, knowledge/ and messages/; `kb stats` counts what is there. */
export const runKb: CliCommand = async (args, io) => {
  const [sub] = args;
  const json = args.includes('--json');
  if ((GAP_COMMANDS as readonly string[]).includes(sub ?? '')) return runKbGaps(args, io);
  if (sub !== 'check' && sub !== 'stats') {
    io.stderr.write(
      'Usage: kb check [--stale [--on YYYY-MM-DD] [--strict]] | kb stats [--json] | kb gaps|accept|draft|dismiss (kb gaps --help)\n',
    );
    return 2;
  }
  const content = await loadForCli(io);
  if (!content) return 1;
  const { knowledge, intents, desks, programmes } = content;
  if (sub === 'check') {
    const problems = [...checkLanguages(content), ...checkMessages(content)];
    for (const p of problems) io.stderr.write(`${formatProblem(p)}\n`);
    if (problems.length > 0) {
      io.stderr.write(`${problems.length} problem${problems.length === 1 ? '' : 's'}.\n`);
      return 1;
    }
    if (args.includes('--stale')) return runStaleCheck(content, args, io);
    const summary = `ok: ${programmes.length} programmes, ${knowledge.length} knowledge entries (${ENTRY_LANGS.join('+')}), ${intents.length} intents, ${desks.desks.length} desks (content ${content.version})`;
    io.stdout.write(
      json
        ? `${JSON.stringify({ ok: true, programmes: programmes.length, knowledge: knowledge.length, intents: intents.length, desks: desks.desks.length, version: content.version })}\n`
        : `${summary}\n`,
    );
    // Drafts are not content yet: said, so an admin does not forget one.
    const drafts = json ? [] : await listDrafts(contentDir(io));
    if (drafts.length > 0)
      io.stdout.write(
        `${drafts.length} draft${drafts.length === 1 ? '' : 's'} not loaded yet: ${drafts.join(', ')}\n`,
      );
    return 0;
  }
  const langs = [...new Set(knowledge.flatMap((e) => Object.keys(e.body)))].sort();
  const perScheme = Object.fromEntries(
    programmes.map((p) => {
      const entries = knowledge.filter((e) => e.scheme === p.id);
      return [
        p.id,
        Object.fromEntries(
          langs.map((l) => [
            l,
            {
              entries: entries.filter((e) => e.body[l]).length,
              questions: entries.reduce((n, e) => n + (e.questions[l]?.length ?? 0), 0),
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
  for (const [s, per] of Object.entries(perScheme))
    out.push(
      `  ${s.padEnd(22)} ${langs.map((l) => `${l} ${per[l]?.entries}/${per[l]?.questions}`).join('  ')}`,
    );
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
