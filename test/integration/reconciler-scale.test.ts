// The cost of a no-drift resync at scale: 1,000 machines under 2 rules, every association already in place,
// the network pass included (25 more reads: ten pages of NICs, two lists per zone, endpoints, zone groups, VNets).
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { kubectl, useTestNamespace } from '../support/kube.ts';
import { createTopology, estate, estateIds, estateSpec, linuxVm, startTestController, waitForReady } from '../support/controller.ts';
import type { TestController } from '../support/controller.ts';

const ns = useTestNamespace('reconcile-scale');
let env: TestController;
const MACHINES = 1000;

beforeAll(async () => {
  const vms = Array.from({ length: MACHINES }, (_, i) =>
    linuxVm(`vm-${String(i).padStart(4, '0')}`, [
      { name: 'syslog', rule: estateIds.rule },
      { name: 'perf', rule: estateIds.perfRule },
      { name: 'configurationAccessEndpoint', endpoint: estateIds.endpoint },
    ]),
  );
  env = await startTestController({ namespace: ns.name, emulator: { estate: estate({ virtualMachines: vms }) } });
});

afterAll(async () => {
  await env?.stop();
});

describe('reconciler: scale', () => {
  it('a no-drift resync of 1,000 machines under 2 rules costs a few dozen reads and no writes', async () => {
    await createTopology(
      ns.name,
      'fleet',
      // Discovery is pushed out of the window measured: a tick here lists the targets and the two rules' and the
      // endpoint's associations (about 40 pages at 1,000 machines), which is not the resync's cost.
      estateSpec({ resourceGroups: [estateIds.appResourceGroup] }, { dataCollectionRules: [{ resourceId: estateIds.rule }, { resourceId: estateIds.perfRule }], discoveryInterval: '1h' }),
    );
    const t = await waitForReady(ns.name, 'fleet', 60_000);
    expect(t.status?.instances).toMatchObject({ total: MACHINES, compliant: MACHINES });
    // The first pass reads every VM's agent extension once (ARM lists name extensions by id only) and so
    // drains the read budget; let ARM traffic stop and the bucket refill (250 at 25/s) before measuring.
    let quiet = -1;
    await vi.waitFor(
      () => {
        const now = env.emulator.counters().total;
        const settled = now === quiet;
        quiet = now;
        expect(settled).toBe(true);
      },
      { timeout: 60_000, interval: 1000 },
    );
    await new Promise((r) => setTimeout(r, 10_000));

    env.emulator.resetCounters();
    const passes = env.logs.lines.length;
    const started = Date.now();
    await kubectl(['annotate', 'mtopo', 'fleet', 'resync=now'], { namespace: ns.name, check: true });
    // The network read is the pass's last read: wait for its log line, then until ARM traffic stops.
    await vi.waitFor(() => expect(env.logs.lines.slice(passes).some((l) => l['msg'] === 'observed topology network')).toBe(true), { timeout: 60_000, interval: 200 });
    let last = -1;
    await vi.waitFor(
      () => {
        const now = env.emulator.counters().total;
        const settled = now > 0 && now === last;
        last = now;
        expect(settled).toBe(true);
      },
      { timeout: 30_000, interval: 500 },
    );
    const c = env.emulator.counters();
    process.stderr.write(
      `[scale] no-drift resync of ${MACHINES} machines / 2 rules: ${c.reads} ARM reads, ${c.writes} writes, ${c.deletes} deletes, ` +
        `~${Date.now() - started} ms; by operation ${JSON.stringify(c.byOperation)}\n`,
    );
    // The pass's log line is written after its last ARM read: wait for it rather than race it.
    await vi.waitFor(() => expect(env.logs.lines.length).toBeGreaterThan(passes), { timeout: 10_000, interval: 200 });
    expect(c.writes).toBe(0);
    expect(c.deletes).toBe(0);
    // The network pass: the scope's connections, endpoints and zone groups, Azure Monitor zones, NICs and VNets.
    const sum = (match: (op: string) => boolean): number =>
      Object.entries(c.byOperation).filter(([op]) => match(op)).reduce((n, [, byStatus]) => n + Object.values(byStatus).reduce((a, b) => a + b, 0), 0);
    const network = sum((op) => op.includes('Microsoft.Network/') || op.includes('privateEndpointConnections'));
    expect(network).toBeLessThanOrEqual(30);
    expect(c.reads - network).toBeLessThanOrEqual(60);
  }, 120_000);
});
