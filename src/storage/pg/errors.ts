import { redact } from './target.js';

export type PgStoreErrorCode = 'PG_UNREACHABLE' | 'PG_REFUSED' | 'PG_MIGRATION_FAILED';

/**
 * PostgreSQL cannot be used: `message` is one line naming the server and database (`host:port/db`),
 * never the password, and what to do.
 */
export class PgStoreError extends Error {
  constructor(
    readonly code: PgStoreErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'PgStoreError';
  }
}

/** Node's codes for a server that cannot be reached (refused, unknown host, no route, no socket file). */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'ENOENT',
]);

/** SQLSTATEs of a server that is there but not taking connections now (starting, stopping, full). */
const TRANSIENT_STATES = new Set(['57P01', '57P02', '57P03', '53300']);

/** What node-postgres throws: a Node system error, a server error with a SQLSTATE, or its own message. */
interface DriverError {
  code?: string;
  message?: string;
  errors?: unknown[];
}

/**
 * Whether `error` says the server could not be reached or dropped the connection, so trying again
 * later may work (as opposed to a refused login, a missing database or a bad statement).
 */
export function isConnectionError(error: unknown): boolean {
  const e = error as DriverError | null;
  if (!e || typeof e !== 'object') return false;
  if (Array.isArray(e.errors) && e.errors.some(isConnectionError)) return true; // AggregateError: every address
  const code = e.code ?? '';
  if (NETWORK_CODES.has(code) || code.startsWith('08') || TRANSIENT_STATES.has(code)) return true;
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Connection refused/i.test(
    e.message ?? '',
  );
}

/** A short reason for a driver error, for one line: the Node or SQLSTATE code and the message, without secrets. */
export function reasonOf(error: unknown, url?: string): string {
  const e = error as DriverError | null;
  if (!e || typeof e !== 'object') return redact(String(error), url);
  const first = Array.isArray(e.errors) ? (e.errors[0] as DriverError | undefined) : undefined;
  const code = e.code ?? first?.code;
  const message = (e.message || first?.message || String(error)).split('\n')[0] ?? '';
  const text = code && !message.includes(code) ? `${message} (${code})` : message;
  return redact(text, url);
}
