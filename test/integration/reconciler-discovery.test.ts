// The discovery pass notices an association deleted behind the controller's back on a known machine and asks for a
// reconcile, long before the resync (1 h here): proved by the discovery trigger counter, not by a clock. Its cost is
// a few list calls per tick whatever the number of machines: one per rule, one for the endpoint, the target listing.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { useTestNamespace } from '../support/kube.ts';
import { associationsOf, createTopology, estate, estateIds, estateSpec, isMarked, linuxVm, startTestController, waitForReady } from '../support/controller.ts';
import type { TestController } from '../support/controller.ts';

const ns = useTestNamespace('discovery-assoc');
let env: TestController;
const VMS = Array.from({ length: 8 }, (_, i) => `vm-d${i}`);
const LIST_BY_RULE = 'LIST Microsoft.Insights/dataCollectionRuleAssociations/byRule';
const LIST_BY_ENDPOINT = 'LIST Microsoft.Insights/dataCollectionRuleAssociations/byEndpoint';

beforeAll(async () => {
  env = await startTestController({
    namespace: ns.name,
    emulator: { estate: estate({ virtualMachines: VMS.map((n) => linuxVm(n)) }) },
  });
});

afterAll(async () => {
  await env?.stop();
});

/** The sum of a metric's series that carry these labels. */
async function metric(name: string, labels: Record<string, string> = {}): Promise<number> {
  const m = (await env.registry.getMetricsAsJSON()).find((x) => x.name === name);
  const values = m?.values.filter((x) => Object.entries(labels).every(([k, l]) => x.labels[k] === l)) ?? [];
  return values.reduce((sum, v) => sum + v.value, 0);
}
const calls = (op: string): number => Object.values(env.emulator.counters().byOperation[op] ?? {}).reduce((a, b) => a + b, 0);

describe('reconciler: discovery notices deleted associations', () => {
  it('recreates an association deleted in Azure through discovery, with no resync, at a constant cost per tick', async () => {
    await createTopology(ns.name, 'topo', estateSpec({ virtualMachines: VMS.map(estateIds.vm) }, { discoveryInterval: '10s', resyncInterval: '1h' }));
    await waitForReady(ns.name, 'topo');

    // A quiet tick's cost: wait for two discovery ticks (two rule lists) after a reset, and count what they asked.
    env.emulator.resetCounters();
    await vi.waitFor(() => expect(calls(LIST_BY_RULE)).toBeGreaterThanOrEqual(2), { timeout: 40_000, interval: 100 });
    const quiet = env.emulator.counters();
    const ticks = calls(LIST_BY_RULE);
    const perTick = quiet.total / ticks;
    process.stderr.write(`[discovery] ${VMS.length} machines, 1 rule: ${quiet.total} requests over ${ticks} ticks: ${JSON.stringify(quiet.byOperation)}\n`);
    expect(calls(LIST_BY_ENDPOINT)).toBeGreaterThanOrEqual(ticks - 1);
    // No per-machine reads in a quiet tick.
    expect(Object.keys(quiet.byOperation).filter((op) => op.startsWith('GET Microsoft.Insights/dataCollectionRuleAssociations'))).toEqual([]);
    expect(perTick).toBeLessThan(VMS.length);

    const reconcilesBefore = await metric('controller_runtime_reconcile_total');
    const victim = estateIds.vm('vm-d3');
    const association = associationsOf(env.emulator, victim).find((a) => isMarked(a) && a.name !== 'configurationAccessEndpoint');
    expect(association).toBeDefined();
    const id = `${victim}/providers/Microsoft.Insights/dataCollectionRuleAssociations/${association?.name ?? ''}`;
    expect(env.emulator.store.delete(id)).toBeDefined();

    await vi.waitFor(() => expect(associationsOf(env.emulator, victim).map((a) => a.name)).toContain(association?.name), { timeout: 60_000, interval: 100 });
    expect(await metric('monitoringtopology_discovery_triggers_total', { reason: 'associations' })).toBeGreaterThanOrEqual(1);
    expect(await metric('monitoringtopology_discovery_triggers_total', { reason: 'targets' })).toBe(0);
    expect(env.logs.lines.some((l) => l.msg === 'associations gone; reconciling' && l.missing === 1)).toBe(true);
    await vi.waitFor(async () => expect(await metric('controller_runtime_reconcile_total')).toBeGreaterThan(reconcilesBefore), { timeout: 10_000, interval: 100 });
    await waitForReady(ns.name, 'topo');
  }, 90_000);
});
