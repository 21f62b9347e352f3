import pino from 'pino';
import { describe, expect, it, vi } from 'vitest';
import type { MonitoringTopology } from '../../src/api/types.ts';
import { TargetDiscovery } from '../../src/controller/discovery.ts';
import type { GraphFingerprint } from '../../src/model/index.ts';

const topology = {
  metadata: { name: 'prod', namespace: 'ns' },
  spec: { discoveryInterval: '20ms', targets: {} },
} as unknown as MonitoringTopology;

function setup(
  listing: () => string[],
  associations?: () => string[] | undefined,
  fingerprint?: () => GraphFingerprint | undefined,
): { discovery: TargetDiscovery; enqueued: string[]; reasons: string[]; forgotten: string[] } {
  const enqueued: string[] = [];
  const reasons: string[] = [];
  const forgotten: string[] = [];
  const discovery = new TargetDiscovery({
    gateway: {
      observe: () => Promise.reject(new Error('not used')),
      observeNetwork: () => Promise.reject(new Error('not used')),
      act: () => Promise.reject(new Error('not used')),
      listTargets: () => Promise.resolve(listing()),
      forgetMachines: (ids) => void forgotten.push(...ids),
      ...(associations ? { listAssociations: () => Promise.resolve(associations()) } : {}),
      ...(fingerprint ? { fingerprint: () => Promise.resolve(fingerprint()) } : {}),
    },
    logger: pino({ level: 'silent' }),
    get: () => topology,
    enqueue: (k) => enqueued.push(k),
    minIntervalMs: 1,
    triggered: (r) => reasons.push(r),
  });
  return { discovery, enqueued, reasons, forgotten };
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

  it('drops machines that left the targets from what the gateway remembers', async () => {
    let targets = ['/vm/a', '/vm/b', '/vm/c'];
    const { discovery, forgotten } = setup(() => targets);
    discovery.observed('ns/prod', targets);
    targets = ['/vm/a'];
    expect(await discovery.discover('ns/prod')).toBe(true);
    expect(forgotten.sort()).toEqual(['/vm/b', '/vm/c']);
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

  describe('a topology whose passes read through Resource Graph', () => {
    const fp = (machines: number, newestMs: number | null, associations: number, onTargets?: number): GraphFingerprint => ({ machines, newestMs, associations, ...(onTargets !== undefined ? { onTargets } : {}) });

    it('compares summaries instead of listing, and asks for one reconcile per change', async () => {
      let listings = 0;
      let now: GraphFingerprint | undefined = fp(2, 100, 4);
      const { discovery, enqueued, reasons } = setup(() => (listings++, ['/vm/a', '/vm/b']), () => [], () => now);
      discovery.observed('ns/prod', ['/vm/a', '/vm/b'], fp(2, 100, 4, 4));
      discovery.observedAssociations('ns/prod', ['/vm/a/x/1', '/vm/a/x/2', '/vm/b/x/1', '/vm/b/x/2']);
      expect(await discovery.discover('ns/prod')).toBe(false);
      now = fp(2, 200, 4); // one machine deleted, a newer one created
      expect(await discovery.discover('ns/prod')).toBe(true);
      expect(await discovery.discover('ns/prod')).toBe(false);
      expect(reasons).toEqual(['targets']);
      expect(enqueued).toEqual(['ns/prod']);
      expect(listings).toBe(0);
    });

    it("takes the pass's own writes, visible or not yet, for no change; an association gone is one", async () => {
      let now: GraphFingerprint | undefined = fp(2, 100, 3);
      const { discovery, reasons } = setup(() => [], () => [], () => now);
      // The pass saw 3 (all on its targets) and created one more.
      discovery.observed('ns/prod', ['/vm/a', '/vm/b'], fp(2, 100, 3, 3));
      discovery.observedAssociations('ns/prod', ['/vm/a/x/1', '/vm/a/x/2', '/vm/b/x/1', '/vm/b/x/2']);
      expect(await discovery.discover('ns/prod')).toBe(false);
      now = fp(2, 100, 4);
      expect(await discovery.discover('ns/prod')).toBe(false);
      now = fp(2, 100, 3); // the created one visible, and another deleted behind our back
      expect(await discovery.discover('ns/prod')).toBe(false); // indistinguishable from "not visible yet" (see README)
      now = fp(2, 100, 2);
      expect(await discovery.discover('ns/prod')).toBe(true);
      expect(reasons).toEqual(['associations']);
    });

    it('lists through ARM when Resource Graph cannot answer, or before any pass read through it', async () => {
      let listings = 0;
      let now: GraphFingerprint | undefined = fp(2, 1, 0);
      const { discovery, enqueued } = setup(() => (listings++, ['/vm/a', '/vm/c']), undefined, () => now);
      discovery.observed('ns/prod', ['/vm/a']);
      expect(await discovery.discover('ns/prod')).toBe(true); // no summary from a pass: listed, as for a small topology
      expect(listings).toBe(1);
      discovery.observed('ns/prod', ['/vm/a', '/vm/c'], fp(2, 1, 0, 0));
      now = undefined; // Resource Graph refused this look
      expect(await discovery.discover('ns/prod')).toBe(false);
      expect(listings).toBe(2);
      expect(enqueued).toEqual(['ns/prod']);
    });

    it("asks for a reconcile when ARM lists a scale set's member the last pass did not observe (Resource Graph may lag)", async () => {
      let members = ['/vm/a'];
      const { discovery, reasons } = setup(() => [], () => [], () => ({ ...fp(1, 1, 0), members }));
      discovery.observed('ns/prod', ['/VM/A'], fp(1, 1, 0, 0));
      expect(await discovery.discover('ns/prod')).toBe(false);
      members = ['/vm/a', '/vm/new'];
      expect(await discovery.discover('ns/prod')).toBe(true);
      expect(reasons).toEqual(['targets']);
    });

    it('lists nothing before the first pass is done, when the topology reads through Resource Graph', async () => {
      let listings = 0;
      let now: GraphFingerprint | undefined = fp(2, 1, 0);
      const { discovery, enqueued } = setup(() => (listings++, ['/vm/a']), () => [], () => now);
      expect(await discovery.discover('ns/prod')).toBe(false);
      expect(listings).toBe(0);
      // A topology whose passes read through ARM is listed before its first pass, as before.
      now = undefined;
      expect(await discovery.discover('ns/prod')).toBe(false);
      expect(listings).toBe(1);
      expect(enqueued).toEqual([]);
    });

    it('drops machines that left from the refresh schedule through what the passes observed', async () => {
      const { discovery, forgotten } = setup(() => [], undefined, () => fp(1, 1, 0));
      discovery.observed('ns/prod', ['/vm/a', '/vm/b', '/vm/c'], fp(3, 1, 0, 0));
      discovery.observed('ns/prod', ['/vm/a'], fp(1, 1, 0, 0));
      await vi.waitFor(() => expect(forgotten.sort()).toEqual(['/vm/b', '/vm/c']));
      // A pass that read through ARM leaves that to the listing, as before.
      discovery.observed('ns/prod', []);
      await new Promise((r) => setImmediate(r));
      expect(forgotten).toHaveLength(2);
    });
  });
});
