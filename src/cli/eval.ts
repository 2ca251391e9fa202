import { readFile, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { fitCalibration, PRIOR_CALIBRATION, withConfidenceMaps } from '../core/confidence.js';
import { createEngine } from '../core/engine.js';
import { parseCases } from '../eval/cases.js';
import { formatReport, runCases, summarise } from '../eval/run.js';
import { contentDir, loadForCli } from './content.js';
import type { CliCommand } from './io.js';

/**
 * `eval FILE.jsonl… [--json]` measures the engine on evaluation cases; `eval --fit FILE…` fits the
 * evidence → confidence mapping on them (the logistic models the engine decides with, then the map to
 * the confidence it reports) and writes `models/calibration.json`; `eval --fit-map FILE…` refits only
 * the maps, so the engine's replies stay exactly as they are.
 */
export const runEval: CliCommand = async (args, io) => {
  const json = args.includes('--json');
  const fit = args.includes('--fit');
  const fitMap = args.includes('--fit-map');
  const files = args.filter((a) => !a.startsWith('--'));
  if (files.length === 0) {
    io.stderr.write('Usage: eval FILE.jsonl… [--json]  |  eval --fit|--fit-map FILE.jsonl…\n');
    return 2;
  }
  const loaded = await loadForCli(io);
  if (!loaded) return 1;
  const sets: Array<{ name: string; cases: ReturnType<typeof parseCases> }> = [];
  for (const file of files) {
    try {
      sets.push({ name: basename(file), cases: parseCases(await readFile(file, 'utf8'), file) });
    } catch (error) {
      io.stderr.write(`${(error as Error).message}\n`);
      return 2;
    }
  }
  if (fit || fitMap) {
    // Fit on the engine's uncalibrated evidence: the calibration must not see itself. A map alone is
    // fitted on the replies the engine gives with its models (the map does not change them).
    const engine = createEngine({ content: fit ? { ...loaded, calibration: null } : loaded });
    const samples = sets.flatMap((s) =>
      runCases(engine, s.cases, s.name).map((r) => ({
        action: r.reply.action,
        evidence: r.reply.why?.evidence ?? {},
        right: r.pass,
      })),
    );
    const on = `${files.map((f) => basename(f)).join(', ')} (${samples.length} replies)`;
    const current = loaded.calibration ?? PRIOR_CALIBRATION;
    const calibration = fit
      ? fitCalibration(samples, on)
      : withConfidenceMaps(
          { ...current, fittedOn: `${current.fittedOn.split('; maps: ')[0]}; maps: ${on}` },
          samples,
        );
    const out = join(contentDir(io), 'models', 'calibration.json');
    await writeFile(out, `${JSON.stringify(calibration, null, 2)}\n`);
    io.stdout.write(
      `wrote ${out}: ${Object.keys(calibration.models).join(', ')} fitted on ${samples.length} replies\n`,
    );
    return 0;
  }
  const engine = createEngine({ content: loaded });
  for (const set of sets) {
    const results = runCases(engine, set.cases, set.name);
    if (json) {
      io.stdout.write(
        `${JSON.stringify({
          set: set.name,
          summary: summarise(results),
          failures: results
            .filter((r) => !r.pass)
            .map((r) => ({
              id: r.case.id,
              text: r.case.text,
              action: r.reply.action,
              scheme: r.reply.scheme,
              desk: r.reply.desk,
              confidence: r.reply.confidence,
              problems: r.problems,
            })),
        })}\n`,
      );
    } else io.stdout.write(`${formatReport(set.name, results)}\n\n`);
  }
  return 0;
};
