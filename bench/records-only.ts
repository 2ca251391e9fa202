// node --expose-gc --import tsx bench/records-only.ts [--rounds 8] [--seconds 5]: the turn-records
// section of `npm run bench` alone (recording on vs off at Slack saturation, with CPU per request, the
// journal turn store at 100,000 records and CPU per turn), to re-measure it on a quiet machine.
import { join } from 'node:path';
import { benchRecording } from './records.js';
import { startLoadGenerator } from './slack.js';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const gen = await startLoadGenerator();
try {
  const r = await benchRecording(gen, {
    root: join(import.meta.dirname, '..'),
    seconds: arg('--seconds', 5),
    rounds: arg('--rounds', 8),
  });
  const rps = (rs: Array<{ rps: number }>) => rs.map((x) => x.rps.toFixed(0)).join(', ');
  const share = (100 * (r.cpuPerRequestUs.on - r.cpuPerRequestUs.off)) / r.cpuPerRequestUs.on;
  const lines = [
    `req/s on ${rps(r.on)}; off ${rps(r.off)}`,
    `on ÷ off ${r.ratio.toFixed(3)} (median of rounds ${r.medianRatio.toFixed(3)}); ${r.recorded} turns recorded`,
    `CPU per request: on ${r.cpuPerRequestUs.on.toFixed(0)} µs, off ${r.cpuPerRequestUs.off.toFixed(0)} µs: recording ${share.toFixed(1)}%`,
    `CPU per turn alone: engine ${r.cpu.engineUs.toFixed(0)} µs, recording ${r.cpu.recordUs.toFixed(0)} µs`,
    `turn store, ${r.store.records} records: open ${r.store.openMs.toFixed(0)} ms, list all ${r.store.listAllMs.toFixed(1)} ms`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
} finally {
  await gen.stop();
}
