import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { checkRequest } from '../adapters/web/guard.js';
import type { Config } from '../config.js';
import { HttpError } from './http.js';

/**
 * Who may read the admins' views (`/admin`, `/metrics`).
 *
 * With `MADOGUCHI_ADMIN_TOKEN` set, only a request carrying it as `Authorization: Bearer <token>` —
 * from anywhere, loopback included: a reverse proxy on the same host makes every request look local.
 * Without it, only local mode on loopback (the same Host/Origin checks as the local page); in
 * production without a token the views are not served at all.
 */
export function checkAdmin(req: IncomingMessage, config: Pick<Config, 'admin' | 'localMode'>): void {
  const { token } = config.admin;
  if (token) {
    const header = req.headers.authorization ?? '';
    const given = /^Bearer\s+(\S+)$/i.exec(header)?.[1] ?? '';
    const a = Buffer.from(given);
    const b = Buffer.from(token);
    if (a.length !== b.length || !timingSafeEqual(a, b))
      throw new HttpError(401, 'this view needs the admin token (Authorization: Bearer …)');
    return;
  }
  if (!config.localMode) throw new HttpError(404, 'not found');
  checkRequest(req);
}
