import type { ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { computeFigures } from '../analytics/figures.js';
import type { TurnStore } from '../analytics/types.js';
import type { Config } from '../config.js';
import { staleEntries } from '../content/stale.js';
import type { Content } from '../content/types.js';
import type { Clock } from '../core/types.js';
import { stringsFor } from '../present/strings.js';
import { checkAdmin } from '../server/admin-auth.js';
import type { Route } from '../server/http.js';
import type { TicketService } from '../tickets/service-types.js';
import { type ComputeGaps, createGapBoard } from './gap-board.js';
import { DASHBOARD_CSP, renderDashboard } from './page.js';
import { parseQuery, periodOf } from './query.js';

/** How many knowledge gaps and entries the page lists. */
export const TOP_GAPS = 10;
export const TOP_ENTRIES = 10;

export interface AdminDeps {
  config: Pick<Config, 'admin' | 'localMode'>;
  turns: Pick<TurnStore, 'list' | 'decisions'>;
  tickets: Pick<TicketService, 'list'>;
  content: () => Content;
  clock: Clock;
  logger: Logger;
  /** How long a page waits for its gaps to be regrouped before it shows the last ones (default 250 ms). */
  gapWaitMs?: number;
  /** Groups the gaps (default: `groupGaps` on a worker thread). */
  computeGaps?: ComputeGaps;
}

export interface AdminRoutes {
  routes: Route[];
  /** Stops the gap worker. */
  close(): Promise<void>;
}

function send(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'content-security-policy': DASHBOARD_CSP,
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
    'cache-control': 'no-store',
  });
  res.end(html);
}

/**
 * The admins' dashboard, `GET /admin?from=&to=&lang=&platform=&scheme=&ui=`: one HTML page of the
 * period's figures (tables and SVG charts), the top knowledge gaps, the entries past review and the
 * desks' tickets. Read-only. `checkAdmin` decides who may see it before anything is read.
 */
export function createAdminRoutes(deps: AdminDeps): AdminRoutes {
  const board = createGapBoard({
    logger: deps.logger,
    limit: TOP_GAPS,
    ...(deps.gapWaitMs !== undefined ? { waitMs: deps.gapWaitMs } : {}),
    ...(deps.computeGaps ? { compute: deps.computeGaps } : {}),
  });
  const routes: Route[] = [
    {
      method: 'GET',
      path: '/admin',
      handle: async (req, res) => {
        checkAdmin(req, deps.config);
        const content = deps.content();
        const now = deps.clock.now();
        const url = new URL(req.url ?? '/admin', 'http://localhost');
        const { query, problems } = parseQuery(url.searchParams, {
          now,
          schemes: content.programmes.map((p) => p.id),
        });
        const s = stringsFor(content, query.ui ?? 'en');
        const langs = Object.keys(content.messages);
        if (!langs.includes('other')) langs.push('other');
        const base = { s, content, query, problems, langs, generatedAt: now };
        if (problems.length > 0) {
          send(res, 400, renderDashboard(base));
          return;
        }

        const { from, to } = periodOf(query);
        const fromIso = from.toISOString();
        const toIso = to.toISOString();
        const [records, decisions, tickets] = await Promise.all([
          deps.turns.list({ from: fromIso, to: toIso }),
          deps.turns.decisions(),
          // Only the period's tickets and those still open (the backlog) are copied out of the store.
          deps.tickets.list({
            where: (t) =>
              (t.createdAt >= fromIso && t.createdAt < toIso) ||
              (t.status !== 'resolved' && t.status !== 'closed'),
          }),
        ]);
        const figures = computeFigures({
          records,
          tickets,
          from,
          to,
          now,
          filter: query.filter,
          desks: content.desks.desks,
          top: TOP_ENTRIES,
        });
        const f = query.filter;
        const gapRecords =
          f.lang || f.platform || f.scheme
            ? records.filter(
                (r) =>
                  (!f.lang || r.lang === f.lang) &&
                  (!f.platform || r.platform === f.platform) &&
                  (!f.scheme || r.scheme === f.scheme),
              )
            : records;
        const key = JSON.stringify([query.from, query.to, f.lang, f.platform, f.scheme]);
        const gaps = await board.get(key, gapRecords, decisions, now);
        send(
          res,
          200,
          renderDashboard({ ...base, figures, ...(gaps ? { gaps } : {}), stale: staleEntries(content, now) }),
        );
      },
    },
  ];
  return { routes, close: () => board.close() };
}
