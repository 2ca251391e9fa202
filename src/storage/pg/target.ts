import { parse } from 'pg-connection-string';

/** Where the shared state lives: a standard `postgres://` URL; node-postgres fills the rest from `PG*`. */
export interface DatabaseConfig {
  url: string;
}

/**
 * Whether `url` is a `postgres://` or `postgresql://` URL node-postgres can read (including a Unix
 * socket: `postgresql://user@/db?host=/run/postgresql`). The check quotes no part of it.
 */
export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//i.test(url) && read(url) !== undefined;
}

/** The URL as node-postgres reads it, without the SSL options (reading those warns; they are not needed here). */
function read(url: string): ReturnType<typeof parse> | undefined {
  try {
    return parse(url.replace(/([?&])(sslmode|ssl|sslcert|sslkey|sslrootcert|uselibpqcompat)=[^&]*/gi, '$1'));
  } catch {
    return undefined;
  }
}

/**
 * The server and database `url` points at, as `host:port/database`, for messages and logs: never the
 * user's password. Parts the URL leaves out are taken where node-postgres takes them (`PGHOST`,
 * `PGPORT`, `PGDATABASE`, `PGUSER`, then its defaults); a Unix socket shows as its directory.
 */
export function describeTarget(url: string, env: Record<string, string | undefined> = process.env): string {
  const c = read(url);
  const host = c?.host || env.PGHOST || 'localhost';
  const port = c?.port || env.PGPORT || '5432';
  const user = c?.user || env.PGUSER || env.USER || 'postgres';
  const database = c?.database || env.PGDATABASE || user;
  return `${host}:${port}/${database}`;
}

/**
 * `text` with any password removed: the one in `url` (decoded and as written), `PGPASSWORD`, and any
 * `scheme://user:password@` a driver message may quote.
 */
export function redact(text: string, url?: string): string {
  let out = text.replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^:/@\s]*:)[^@\s]*@/gi, '$1***@');
  const password = url ? (read(url)?.password ?? '') : '';
  const written = url ? (/^[a-z]+:\/\/[^:/@]*:([^@]*)@/i.exec(url)?.[1] ?? '') : '';
  for (const secret of new Set([password, written, process.env.PGPASSWORD ?? ''])) {
    if (secret.length > 0) out = out.split(secret).join('***');
  }
  return out;
}
