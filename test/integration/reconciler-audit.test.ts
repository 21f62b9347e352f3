// Seed scenario (f): Audit mode computes the full plan, reports it in status and writes nothing to Azure.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTestNamespace } from '../support/kube.ts';
import { condition, createTopology, estate, estateIds, estateSpec, linuxVm, startTestController, waitForTopology } from '../support/controller.ts';
import type { TestController } from '../support/controller.ts';

const ns = useTestNamespace('reconcile-audit');
let env: TestController;
const machines = ['vm-a1', 'vm-a2', 'vm-a3', 'vm-a4'];

beforeAll(async () => {
  env = await startTestController({
    namespace: ns.name,
    emulator: { estate: estate({ scopedResources: ['law-platform'], virtualMachines: machines.map((m) => linuxVm(m)) }) },
  });
});

afterAll(async () => {
  await env?.stop();
});

describe('reconciler: Audit mode', () => {
  it('(f) puts the plan in status and makes zero ARM writes', async () => {
    env.emulator.resetCounters();
    await createTopology(ns.name, 'audit', estateSpec({ virtualMachines: machines.map(estateIds.vm) }, { mode: 'Audit' }));
    const t = await waitForTopology(ns.name, 'audit', (x) => {
      expect(x.status?.plan?.total).toBeGreaterThan(0);
    });
    // One scoped resource (the DCE) plus a rule and an endpoint association per machine.
    expect(t.status?.plan?.counts).toEqual({ AddScopedResource: 1, CreateRuleAssociation: 4, CreateEndpointAssociation: 4 });
    expect(t.status?.plan?.sample.length).toBe(9);
    expect(condition(t, 'Ready')).toMatchObject({ status: 'False', reason: 'AuditDriftDetected' });
    expect(condition(t, 'Reconciling')?.status).toBe('False');
    expect(t.status?.instances).toMatchObject({ total: 4, compliant: 0 });
    expect(t.status?.findings?.length).toBeGreaterThan(0);
    // Let a confirming pass or two go by: still nothing written.
    await new Promise((r) => setTimeout(r, 1000));
    const counters = env.emulator.counters();
    expect(counters.reads).toBeGreaterThan(0);
    expect(counters.writes).toBe(0);
    expect(counters.deletes).toBe(0);
    for (const m of machines) {
      expect(env.emulator.store.list(estateIds.vm(m), 'Microsoft.Insights/dataCollectionRuleAssociations')).toEqual([]);
    }
  });
});
