// A named Flexible scale set read through Resource Graph scales out while Resource Graph lags ARM by ten minutes: the
// new instances are found and associated through ARM's list of the set's members, not when Resource Graph shows them.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { useTestNamespace } from '../support/kube.ts';
import { associationsOf, createTopology, estate, estateIds, estateSpec, flexibleScaleSet, scaleSetMembers, startTestController, waitForReady } from '../support/controller.ts';
import type { TestController } from '../support/controller.ts';

const ns = useTestNamespace('reconcile-flex-graph');
let env: TestController;
const scaleSet = estateIds.scaleSet('vmss-web');

const members = (): string[] => scaleSetMembers(env.emulator, scaleSet);

const associated = (vm: string): boolean => {
  const names = associationsOf(env.emulator, vm).map((a) => a.name);
  return names.includes('configurationAccessEndpoint') && names.filter((n) => n !== 'configurationAccessEndpoint').length === 1;
};

beforeAll(async () => {
  env = await startTestController({
    namespace: ns.name,
    emulator: {
      estate: estate({ virtualMachineScaleSets: [flexibleScaleSet('vmss-web', 3)] }),
    },
    gateway: { resourceGraph: { mode: 'always', threshold: 1 } },
  });
});

afterAll(async () => {
  await env?.stop();
});

describe('reconciler: a Flexible scale set read through Resource Graph', () => {
  it('associates the instances of a scale-out while Resource Graph does not show them yet', async () => {
    await createTopology(ns.name, 'flex', estateSpec({ virtualMachineScaleSets: [scaleSet] }, { discoveryInterval: '10s', agent: { userAssignedIdentity: estateIds.identity } }));
    await waitForReady(ns.name, 'flex', 120_000);
    const graph = () => env.emulator.counters().byOperation['POST Microsoft.ResourceGraph/resources']?.['200'] ?? 0;
    expect(graph()).toBeGreaterThan(0);

    // From now on Resource Graph shows the estate as it was ten minutes earlier: no new instance is in it.
    env.emulator.resourceGraph.setLagMs(600_000);
    env.emulator.store.scaleVmss(scaleSet, 8);
    const fresh = members().filter((id) => !associated(id));
    expect(fresh).toHaveLength(5);
    await vi.waitFor(() => {
      for (const vm of fresh) expect(associated(vm), vm).toBe(true);
    }, { timeout: 90_000, interval: 250 });
    // Passes kept reading through Resource Graph: ARM listed the set's members beside it.
    expect(env.logs.messages()).not.toContain('Resource Graph unavailable: reading through ARM');
  }, 240_000);
});
