import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RoundRobinProxy {
  url: string;
  /** Requests each upstream answered. */
  served(upstreams: string[]): number[];
  /** Requests received and not yet answered. */
  inFlight(): number;
  /** Resolves as soon as at least `n` requests are in flight (at once when they already are); rejects after `ms`. */
  whenInFlight(n: number, ms?: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * A round-robin HTTP proxy on loopback, as a load balancer in front of the replicas: each request goes
 * to the next upstream; one that refuses the connection (a dead replica) is skipped, as a load
 * balancer's passive health check does. The body is buffered, so trying the next upstream resends it
 * whole.
 */
export async function startProxy(upstreams: () => string[]): Promise<RoundRobinProxy> {
  let turn = 0;
  let open = 0;
  const waiting: Array<{ n: number; go: () => void }> = [];
  const count = new Map<string, number>();
  const proxy: Server = createServer((req, res) => {
    open++;
    for (const w of waiting.filter((x) => open >= x.n)) {
      waiting.splice(waiting.indexOf(w), 1);
      w.go();
    }
    res.on('close', () => open--);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const targets = upstreams();
      const attempt = (tries: number) => {
        const target = targets[turn++ % targets.length];
        if (!target || tries >= targets.length) {
          res.writeHead(502).end();
          return;
        }
        const { hostname, port } = new URL(target);
        const up = request(
          { hostname, port, path: req.url, method: req.method, headers: req.headers, agent: false },
          (answer) => {
            count.set(target, (count.get(target) ?? 0) + 1);
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(res);
          },
        );
        up.on('error', (error: NodeJS.ErrnoException) => {
          if (error.code === 'ECONNREFUSED' && !res.headersSent) attempt(tries + 1);
          else res.destroy(error);
        });
        up.end(body);
      };
      attempt(0);
    });
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  const { port } = proxy.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    served: (list) => list.map((u) => count.get(u) ?? 0),
    inFlight: () => open,
    whenInFlight: (n, ms = 5_000) =>
      open >= n
        ? Promise.resolve()
        : new Promise<void>((go, fail) => {
            const timer = setTimeout(() => {
              waiting.splice(waiting.indexOf(w), 1);
              fail(new Error(`timed out waiting for ${n} requests in flight (${open} are)`));
            }, ms);
            const w = {
              n,
              go: () => {
                clearTimeout(timer);
                go();
              },
            };
            waiting.push(w);
          }),
    close: () =>
      new Promise<void>((r) => {
        proxy.closeAllConnections();
        proxy.close(() => r());
      }),
  };
}
