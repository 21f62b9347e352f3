import { pino } from 'pino';
import { Counter, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { startHealthServer, startMetricsServer } from '../../src/runtime/server.ts';

const logger = pino({ level: 'silent' });
const get = async (port: number, path: string, method = 'GET') => {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { method });
  return { status: res.status, body: await res.text(), type: res.headers.get('content-type') };
};

describe('runtime servers', () => {
  it('answers /readyz from the probe and /healthz independently', async () => {
    let ready = false;
    const server = await startHealthServer({ host: '127.0.0.1', port: 0 }, { healthy: () => true, ready: () => ready }, logger);
    try {
      expect(await get(server.port, '/healthz')).toMatchObject({ status: 200, body: 'ok\n' });
      expect(await get(server.port, '/readyz')).toMatchObject({ status: 503 });
      ready = true;
      expect(await get(server.port, '/readyz?verbose')).toMatchObject({ status: 200 });
      expect((await get(server.port, '/nope')).status).toBe(404);
      expect((await get(server.port, '/healthz', 'POST')).status).toBe(405);
    } finally {
      await server.close();
    }
  });

  it('serves the registry in the Prometheus text format', async () => {
    const registry = new Registry();
    new Counter({ name: 'controller_runtime_reconcile_total', help: 'h', labelNames: ['controller', 'result'], registers: [registry] }).inc({ controller: 'c', result: 'success' });
    const server = await startMetricsServer({ host: '127.0.0.1', port: 0 }, registry, logger);
    try {
      const m = await get(server.port, '/metrics');
      expect(m.status).toBe(200);
      expect(m.type).toContain('text/plain');
      expect(m.body).toContain('controller_runtime_reconcile_total{controller="c",result="success"} 1');
    } finally {
      await server.close();
    }
  });
});
