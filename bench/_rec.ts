import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import pino from 'pino';
import { createJournalTurnStore } from '../src/analytics/journal-store.js';
import { createPseudonymiser, type TurnInput, turnKey } from '../src/analytics/record.js';
import { createTurnRecorder } from '../src/analytics/recorder.js';
import { loadContent } from '../src/content/load.js';
import { createEngine } from '../src/core/engine.js';

async function benchRecordCpu(root: string, n: number) {
  const content = await loadContent(root);
  const engine = createEngine({ content });
  const questions = [
    'When was the JBIC MOU with Aguascalientes signed?',
    'What is the SME Growth Support Fund?',
    'JETROと重慶市の覚書について教えてください',
    "What's the weather in Tokyo?",
  ];
  const cpuUs = (from: NodeJS.CpuUsage) => {
    const c = process.cpuUsage(from);
    return c.user + c.system;
  };
  const inputs: TurnInput[] = [];
  const e0 = process.cpuUsage();
  for (let i = 0; i < n; i++) {
    const conversation = `slack:C1:${i}`;
    const text = questions[i % questions.length] as string;
    const reply = engine.respond({ text, platform: 'slack', user: { id: `slack:U${i % 50}` }, conversation });
    const last = engine.transcript(conversation).at(-1);
    if (!last) throw new Error('no transcript');
    inputs.push({
      turn: turnKey(conversation, last),
      at: last.at,
      platform: 'slack',
      user: `slack:U${i % 50}`,
      conversation,
      text,
      reply,
      ms: 0.3,
    });
  }
  const engineUs = cpuUs(e0) / n;
  const dataDir = await mkdtemp(join(process.env.TMPDIR ?? '/tmp', 'madoguchi-bench-rec-cpu-'));
  const store = await createJournalTurnStore({ dataDir });
  const recorder = createTurnRecorder({
    store,
    pseudonymise: createPseudonymiser('bench-key'),
    clock: { now: () => new Date() },
    logger: pino({ level: 'silent' }),
    retentionDays: 90,
  });
  let told = 0;
  recorder.subscribe(() => told++);
  const r0 = process.cpuUsage();
  // In bursts of 20, yielding between them, so writes are batched as a busy server's are.
  for (let i = 0; i < n; i += 20) {
    for (const input of inputs.slice(i, i + 20)) recorder.turn(input);
    await new Promise((r) => setImmediate(r));
  }
  await recorder.flush();
  const recordUs = cpuUs(r0) / n;
  if (told !== n || (await store.list()).length !== n) throw new Error('not every turn was recorded');
  await store.close();
  await rm(dataDir, { recursive: true, force: true });
  return { turns: n, engineUs, recordUs };
}
console.log(await benchRecordCpu('/work/main', 20000));
