/**
 * One replica for the multi-process tests (test/storage/pg/replicas.test.ts): the app as src/main.ts
 * starts it, from the environment, with two durations shortened (`--lease-ms`, `--probe-ms`). Over IPC
 * it reports `{ type: 'ready', url, pid }` and runs the periodic pass on `{ type: 'periodic', id }`,
 * answering `{ type: 'periodic', id, ran }` (ran: whether this replica held the reminders' lock), and
 * answers `{ type: 'channels' }` with the same once the channels loaded after readiness are mounted.
 * SIGTERM stops it as main.ts does; SIGKILL is the crash the tests are about.
 */
import { parseArgs } from 'node:util';
import pino from 'pino';
import { startApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';

const { values } = parseArgs({
  options: { 'lease-ms': { type: 'string' }, 'probe-ms': { type: 'string' } },
});
const config = loadConfig(process.env);
const logger = pino({ level: config.logLevel, base: { service: 'madoguchi', pid: process.pid } });
const app = await startApp({
  config,
  logger,
  ...(values['lease-ms'] ? { deliveryLeaseMs: Number(values['lease-ms']) } : {}),
  ...(values['probe-ms'] ? { probeMs: Number(values['probe-ms']) } : {}),
});

type Request = { type: 'periodic'; id: number } | { type: 'channels' };
process.on('message', (m: Request) => {
  if (m.type === 'channels') {
    void app.channelsReady().then(() => process.send?.({ type: 'channels' }));
    return;
  }
  if (m.type !== 'periodic') return;
  app.periodic().then(
    (ran) => process.send?.({ type: 'periodic', id: m.id, ran }),
    (error: unknown) => process.send?.({ type: 'periodic', id: m.id, error: String(error) }),
  );
});
process.on('SIGTERM', () => {
  app.stop().then(
    () => process.exit(0),
    () => process.exit(1),
  );
});
process.send?.({ type: 'ready', url: app.url, pid: process.pid });
