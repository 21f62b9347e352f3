import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { MonitoringTopology } from '../../src/api/types.ts';
import { TargetDiscovery } from '../../src/controller/discovery.ts';

const topology = {
  metadata: { name: 'prod', namespace: 'ns' },
  spec: { discoveryInterval: '20ms', targets: {} },
} as unknown as MonitoringTopology;

function setup(listing: () => string[], associations?: () => string[] | undefined): { discovery: TargetDiscovery; enqueued: string[]; reasons: string[] } {
  const enqueued: string[] = [];
  const reasons: string[] = [];
  const discovery = new TargetDiscovery({
    gateway: {
      observe: () => Promise.reject(new Error('not used')),
      observeNetwork: () => Promise.reject(new Error('not used')),
      act: () => Promise.reject(new Error('not used')),
      listTargets: () => Promise.resolve(listing()),
      ...(associations ? { listAssociations: () => Promise.resolve(associations()) } : {}),
    },
    logger: pino({ level: 'silent' }),
    get: () => topology,
    enqueue: (k) => enqueued.push(k),
    minIntervalMs: 1,
    triggered: (r) => reasons.push(r),
  });
  return { discovery, enqueued, reasons };
}

describe('TargetDiscovery', () => {
  it('asks for a reconcile only when the target set changed', async () => {
    let targets = ['/vm/A', '/vm/b'];
    const { discovery, enqueued } = setup(() => targets);
    expect(await discovery.discover('ns/prod')).toBe(false); // nothing to compare with yet
    discovery.observed('ns/prod', ['/vm/a', '/vm/B']);
    expect(await discovery.discover('ns/prod')).toBe(false);
    targets = [...targets, '/vm/c'];
    expect(await discovery.discover('ns/prod')).toBe(true);
    expect(await discovery.discover('ns/prod')).toBe(false);
    expect(enqueued).toEqual(['ns/prod']);
  });

  it('compares a first listing with what the last full observe saw', async () => {
    const { discovery, enqueued } = setup(() => ['/vm/a', '/vm/new']);
    discovery.observed('ns/prod', ['/vm/a']);
    expect(await discovery.discover('ns/prod')).toBe(true);
    expect(enqueued).toEqual(['ns/prod']);
  });

  it('runs on the topology interval until stopped, surviving listing failures', async () => {
    let calls = 0;
    const { discovery } = setup(() => {
      calls++;
      if (calls === 1) throw new Error('throttled');
      return ['/vm/a'];
    });
    discovery.track('ns/prod', topology);
    await new Promise((r) => setTimeout(r, 120));
    discovery.stop();
    const seen = calls;
    expect(seen).toBeGreaterThanOrEqual(3);
    await new Promise((r) => setTimeout(r, 60));
    expect(calls).toBe(seen);
  });

  it('asks for a reconcile when an association the last pass saw is no longer listed, once per loss', async () => {
    let listed: string[] | undefined = ['/vm/a/providers/x/dcra/one', '/vm/a/providers/x/dcra/two', '/vm/other/providers/x/dcra/theirs'];
    const { discovery, enqueued, reasons } = setup(() => ['/vm/a'], () => listed);
    discovery.observed('ns/prod', ['/vm/a']);
    expect(await discovery.discover('ns/prod')).toBe(false); // nothing expected yet
    discovery.observedAssociations('ns/prod', ['/VM/a/providers/x/dcra/one', '/vm/a/providers/x/dcra/two']);
    expect(await discovery.discover('ns/prod')).toBe(false);
    // A failed list says nothing.
    listed = undefined;
    expect(await discovery.discover('ns/prod')).toBe(false);
    listed = ['/vm/a/providers/x/dcra/one'];
    expect(await discovery.discover('ns/prod')).toBe(true);
    expect(reasons).toEqual(['associations']);
    // Until the next pass says what it expects, the same loss is not reported again.
    expect(await discovery.discover('ns/prod')).toBe(false);
    expect(enqueued).toEqual(['ns/prod']);
  });
});
