import type { Config } from '../config.js';
import { checkAdmin } from '../server/admin-auth.js';
import type { Route } from '../server/http.js';
import type { Metrics } from './metrics.js';

/**
 * `GET /metrics`, the Prometheus exposition. Guarded like `/admin` (checkAdmin): with
 * `MADOGUCHI_ADMIN_TOKEN` only a scraper sending it as a bearer token; without one, only in local mode on
 * loopback. Nothing is read before the check.
 */
export function metricsRoute(deps: { config: Pick<Config, 'admin' | 'localMode'>; metrics: Metrics }): Route {
  return {
    method: 'GET',
    path: '/metrics',
    handle: async (req, res) => {
      checkAdmin(req, deps.config);
      const { contentType, body } = await deps.metrics.scrape();
      res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' });
      res.end(body);
    },
  };
}
