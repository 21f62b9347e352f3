// The two HTTP endpoints a cluster expects of a controller: Prometheus metrics and liveness/readiness probes.
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { BindAddress } from './config.ts';

export interface RunningServer {
  /** The bound port (useful when configured as 0). */
  port: number;
  close(): Promise<void>;
}

export interface Probes {
  /** Liveness: the process is serving and its loops are not wedged. */
  healthy(): boolean;
  /** Readiness: the informer cache has synced. */
  ready(): boolean;
}

type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<void> | void;

function reply(res: ServerResponse, status: number, body: string, contentType = 'text/plain; charset=utf-8'): void {
  res.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store' });
  res.end(body);
}

async function listen(name: string, addr: BindAddress, routes: Record<string, Handler>, logger: Logger): Promise<RunningServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const handler = routes[path];
    if (req.method !== 'GET' && req.method !== 'HEAD') return reply(res, 405, 'method not allowed\n');
    if (!handler) return reply(res, 404, 'not found\n');
    Promise.resolve(handler(req, res)).catch((err: unknown) => {
      logger.error({ err, path }, 'endpoint failed');
      if (!res.headersSent) reply(res, 500, 'internal error\n');
    });
  });
  // Probes and scrapes are short; a stuck client must not hold shutdown open.
  server.keepAliveTimeout = 5_000;
  server.requestTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(addr.port, addr.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  logger.info({ server: name, address: `${addr.host}:${port}` }, 'serving');
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export function startMetricsServer(addr: BindAddress, registry: Registry, logger: Logger): Promise<RunningServer> {
  return listen(
    'metrics',
    addr,
    {
      '/metrics': async (_req, res) => reply(res, 200, await registry.metrics(), registry.contentType),
    },
    logger,
  );
}

export function startHealthServer(addr: BindAddress, probes: Probes, logger: Logger): Promise<RunningServer> {
  const check = (ok: () => boolean, name: string): Handler => (_req, res) => {
    const passed = ok();
    reply(res, passed ? 200 : 503, passed ? 'ok\n' : `${name} check failed\n`);
  };
  return listen(
    'health',
    addr,
    {
      '/healthz': check(() => probes.healthy(), 'healthz'),
      '/livez': check(() => probes.healthy(), 'livez'),
      '/readyz': check(() => probes.ready(), 'readyz'),
    },
    logger,
  );
}
