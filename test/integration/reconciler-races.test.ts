// A person's configurationAccessEndpoint created between observe and write is never overwritten: the write
// path lists the machine's associations again just before its PUT and reports what it finds.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ownerMarker } from '../../src/plan/index.ts';
import { useTestNamespace } from '../support/kube.ts';
import { associationsOf, condition, createTopology, estate, estateIds, estateSpec, linuxVm, startTestController, waitForTopology } from '../support/controller.ts';
import type { TestController } from '../support/controller.ts';

const ns = useTestNamespace('reconcile-races');
let env: TestController;
const vm = estateIds.vm('vm-race');
const ENDPOINT_ASSOCIATION = 'configurationAccessEndpoint';

beforeAll(async () => {
  env = await startTestController({
    namespace: ns.name,
    // The rule association is there already: the only write the plan wants is the endpoint association.
    emulator: { estate: estate({ virtualMachines: [linuxVm('vm-race', [{ name: 'dcr-linux-syslog-assoc', rule: estateIds.rule }]), linuxVm('vm-late')] }) },
  });
});

afterAll(async () => {
  await env?.stop();
});

const fullListings = (): number => env.emulator.counters().byOperation['LIST Microsoft.Insights/dataCollectionRuleAssociations']?.['200'] ?? 0;
const endpointAssociation = () => associationsOf(env.emulator, vm).find((a) => a.name === ENDPOINT_ASSOCIATION);

describe('reconciler: a race with a person', () => {
  it('leaves the association a person created after observe, reports it and does not say Converged', async () => {
    // Every read and write of the machine's associations takes 3 s: the window between observe and the write is wide open.
    env.emulator.setFaults({ pathPattern: 'vm-race/providers/Microsoft.Insights/dataCollectionRuleAssociations', latencyMs: 3000 });
    env.emulator.resetCounters();
    await createTopology(ns.name, 'race', estateSpec({ virtualMachines: [vm] }));
    // Observe has listed the machine's associations in full (it had no endpoint association): the plan will write.
    await vi.waitFor(() => expect(fullListings()).toBeGreaterThan(0), { timeout: 30_000, interval: 10 });
    expect(endpointAssociation()).toBeUndefined();
    // Inside the window, a person points the machine at another endpoint.
    env.emulator.store.put({
      id: `${vm}/providers/Microsoft.Insights/dataCollectionRuleAssociations/${ENDPOINT_ASSOCIATION}`,
      name: ENDPOINT_ASSOCIATION,
      type: 'Microsoft.Insights/dataCollectionRuleAssociations',
      properties: { dataCollectionEndpointId: estateIds.otherEndpoint, description: 'set by hand for the migration' },
    });
    const made = endpointAssociation();
    expect(made?.properties.dataCollectionEndpointId).toBe(estateIds.otherEndpoint);

    const t = await waitForTopology(
      ns.name,
      'race',
      (x) => {
        expect(x.status?.findings?.map((f) => f.code)).toContain('ConfigurationEndpointConflict');
        expect(condition(x, 'Reconciling')?.status).toBe('False');
        // The pass after the lost race observed the person's association: the machine is failing, not pending.
        expect(x.status?.instances).toMatchObject({ total: 1, compliant: 0, failing: 1 });
      },
      60_000,
    );
    env.emulator.setFaults({});
    expect(endpointAssociation()).toEqual(made);
    expect(env.emulator.counters().byOperation['PUT Microsoft.Insights/dataCollectionRuleAssociations']).toBeUndefined();
    expect(condition(t, 'Ready')).toMatchObject({ status: 'False' });
    expect(condition(t, 'Ready')?.reason).not.toBe('Converged');
    expect(condition(t, 'AssociationsReady')?.status).toBe('False');
    const conflict = t.status?.findings?.find((f) => f.code === 'ConfigurationEndpointConflict');
    expect(conflict?.message).toContain('dce-neu');
  });

  it('a person who wins the last window after the re-read gets a 412 through If-None-Match, not an overwrite', async () => {
    const late = estateIds.vm('vm-late');
    const id = `${late}/providers/Microsoft.Insights/dataCollectionRuleAssociations/${ENDPOINT_ASSOCIATION}`;
    env.emulator.setFaults({ pathPattern: `vm-late/providers/Microsoft.Insights/dataCollectionRuleAssociations/${ENDPOINT_ASSOCIATION}`, latencyMs: 3000 });
    env.emulator.resetCounters();
    const reads = (): number => env.emulator.counters().byOperation['LIST Microsoft.Insights/dataCollectionRuleAssociations']?.['200'] ?? 0;
    const acting = env.gateway.act([
      {
        kind: 'CreateEndpointAssociation',
        resourceId: late,
        name: ENDPOINT_ASSOCIATION,
        dataCollectionEndpointId: estateIds.endpoint,
        description: ownerMarker({ namespace: ns.name, name: 'late', uid: '7d0c2c55-4b8e-4b8f-9a51-0d6f2f1c9e10' }),
        reason: 'test',
      },
    ]);
    // The re-read (the machine's list) found none: the PUT is on its way (held 3 s) when the person's association lands.
    await vi.waitFor(() => expect(reads()).toBe(1), { timeout: 30_000, interval: 10 });
    env.emulator.store.put({ id, name: ENDPOINT_ASSOCIATION, type: 'Microsoft.Insights/dataCollectionRuleAssociations', properties: { dataCollectionEndpointId: estateIds.otherEndpoint } });
    const [outcome] = await acting;
    env.emulator.setFaults({});
    expect(outcome).toMatchObject({ ok: false, error: { code: 'ChangedSinceObserved', status: 412 } });
    expect(env.emulator.counters().byOperation['PUT Microsoft.Insights/dataCollectionRuleAssociations']).toEqual({ '412': 1 });
    expect(associationsOf(env.emulator, late).find((a) => a.name === ENDPOINT_ASSOCIATION)?.properties).toEqual({ dataCollectionEndpointId: estateIds.otherEndpoint });
  });
});
