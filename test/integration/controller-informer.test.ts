// The MonitoringTopology informer against the real API server: it syncs, delivers events, and comes back by
// itself after the API server has been unreachable (client-node's ListWatch alone would stay stopped).
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { restartDelayMs, TopologyInformer } from '../../src/controller/informer.ts';
import type { TopologyEvent } from '../../src/controller/informer.ts';
import { LogCapture, createTopology, estateSpec, estateIds } from '../support/controller.ts';
import { testKubeConfig, useTestNamespace } from '../support/kube.ts';

const ns = useTestNamespace('informer');

/** A TCP proxy in front of the API server that can drop every connection and refuse new ones. */
class Outage {
  readonly #sockets = new Set<net.Socket>();
  readonly #server: net.Server;
  down = false;
  port = 0;
  constructor(target: URL) {
    this.#server = net.createServer((client) => {
      if (this.down) {
        client.destroy();
        return;
      }
      const upstream = net.connect(Number(target.port), target.hostname);
      for (const s of [client, upstream]) {
        this.#sockets.add(s);
        s.on('close', () => this.#sockets.delete(s));
        s.on('error', () => s.destroy());
      }
      client.pipe(upstream).pipe(client);
    });
  }
  async listen(): Promise<void> {
    await new Promise<void>((r) => this.#server.listen(0, '127.0.0.1', r));
    this.port = (this.#server.address() as net.AddressInfo).port;
  }
  cut(): void {
    this.down = true;
    for (const s of this.#sockets) s.destroy();
  }
  restore(): void {
    this.down = false;
  }
  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((r) => this.#server.close(() => r()));
  }
}

let outage: Outage;
beforeAll(async () => {
  const server = new URL(testKubeConfig().getCurrentCluster()?.server ?? '');
  outage = new Outage(server);
  await outage.listen();
});
afterAll(async () => {
  await outage?.close();
});

function proxiedKubeConfig() {
  const kc = testKubeConfig();
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('no cluster');
  kc.clusters = kc.clusters.map((c) => (c.name === cluster.name ? { ...c, server: `https://127.0.0.1:${outage.port}` } : c));
  return kc;
}

describe('TopologyInformer', () => {
  it('syncs, delivers events and restarts with backoff after the API server was unreachable', async () => {
    const events: [TopologyEvent, string][] = [];
    const logs = new LogCapture('warn');
    const informer = new TopologyInformer({
      kubeConfig: proxiedKubeConfig(),
      namespaces: [ns.name],
      logger: logs.logger,
      onEvent: (e, t) => events.push([e, t.metadata.name]),
      restartBaseMs: 100,
      restartMaxMs: 400,
    });
    try {
      expect(informer.hasSynced()).toBe(false);
      await informer.start();
      expect(informer.hasSynced()).toBe(true);
      expect(informer.watching()).toBe(true);

      await createTopology(ns.name, 'before', estateSpec({ virtualMachines: [estateIds.vm('a')] }));
      await vi.waitFor(() => expect(events).toContainEqual(['add', 'before']), { timeout: 10_000 });

      outage.cut();
      await vi.waitFor(() => expect(logs.messages().filter((m) => m.includes('restarting')).length).toBeGreaterThanOrEqual(2), { timeout: 15_000 });
      const delays = logs.lines.map((l) => l.restartInMs).filter((d): d is number => typeof d === 'number');
      // The waits follow the schedule (pure, unit-tested): 100, 200, 400, 400… per consecutive failure.
      expect(delays).toEqual(delays.map((_, i) => restartDelayMs(i, 100, 400)));
      // Readiness follows the watch, not the first sync.
      await vi.waitFor(() => expect(informer.watching()).toBe(false), { timeout: 10_000 });
      expect(informer.hasSynced()).toBe(true);

      // Created while the informer cannot see the server: it must arrive once the connection is back.
      await createTopology(ns.name, 'during', estateSpec({ virtualMachines: [estateIds.vm('b')] }));
      outage.restore();
      await vi.waitFor(() => expect(events).toContainEqual(['add', 'during']), { timeout: 15_000 });
      await vi.waitFor(() => expect(informer.watching()).toBe(true), { timeout: 5000 });
      expect(informer.get(ns.name, 'during')?.metadata.name).toBe('during');
      expect(informer.list().map((t) => t.metadata.name).sort()).toEqual(['before', 'during']);
    } finally {
      await informer.stop();
    }
  }, 60_000);
});
