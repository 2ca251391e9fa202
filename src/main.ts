import pino from 'pino';
import { startApp } from './app.js';
import { ConfigError, loadConfig } from './config.js';
import { ContentError, formatProblem } from './content/load.js';
import { EnvFileError, loadDotEnv } from './env-file.js';
import { TicketStoreError } from './tickets/errors.js';

// Wiring only: configuration -> server (content, engine, tickets, channels) -> signals.
let config: ReturnType<typeof loadConfig>;
try {
  loadDotEnv();
  config = loadConfig(process.env);
} catch (error) {
  if (!(error instanceof ConfigError || error instanceof EnvFileError)) throw error;
  process.stderr.write(`${error.message}\nSee .env.example and the README's configuration section.\n`);
  process.exit(1);
}

const logger = pino({
  level: config.logLevel,
  base: { service: 'madoguchi' },
  redact: {
    paths: [
      '*.token',
      '*.password',
      '*.secret',
      '*.contact',
      '*.details',
      'packet.details',
      'req.headers.authorization',
    ],
    censor: '[redacted]',
  },
});

try {
  const server = await startApp({ config, logger });
  if (config.localMode) {
    process.stderr.write(
      `\nMadoguchi is running in local mode: open ${server.url}/ (no Slack or Teams credentials set).\n\n`,
    );
  }
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      logger.error('shutdown took over 10 s; exiting');
      process.exit(1);
    }, 10_000);
    force.unref();
    server.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGHUP', () => {
    void server.content.reload();
  });
} catch (error) {
  if (error instanceof ContentError) {
    process.stderr.write(
      `Cannot start: the content is invalid.\n${error.problems.map(formatProblem).join('\n')}\n`,
    );
  } else if (error instanceof TicketStoreError) {
    process.stderr.write(`Cannot start: ${error.message}\n`);
  } else if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
    process.stderr.write(`Cannot start: port ${config.port} is in use; set PORT to another port.\n`);
  } else {
    logger.fatal({ err: error }, 'cannot start');
  }
  process.exit(1);
}
