// The controller reading through Resource Graph: a machine Resource Graph shows stale is confirmed with ARM and not
// written blind; a refused (403) or throttled (429) Resource Graph sends the pass to ARM without machine errors.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { MonitoringTopology } from '../../src/api/types.ts';
import { useTestNamespace } from '../support/kube.ts';
import { associationsOf, createTopology, estate, estateIds, estateSpec, linuxVm, startTestController, SUBSCRIPTION, waitForReady, waitForTopology } from '../support/controller.ts';
import type { TestController } from '../support/controller.ts';
import { monitorClient } from '../support/emulator.ts';

const compliant = (name: string) =>
  linuxVm(name, [
    { name: 'syslog', rule: estateIds.rule },
    { name: 'configurationAccessEndpoint', endpoint: estateIds.endpoint },
  ]);
const fleet = () => [linuxVm('vm-1'), linuxVm('vm-2'), compliant('vm-3'), compliant('vm-4')];
const graphAnswers = (env: TestController): Record<string, number> => env.emulator.counters().byOperation['POST Microsoft.ResourceGraph/resources'] ?? {};
const spec = () => estateSpec({ resourceGroups: [estateIds.appResourceGroup] });
const ruleAssociations = (env: TestController, vm: string) => associationsOf(env.emulator, vm).filter((a) => typeof a.properties.dataCollectionRuleId === 'string');
const machineErrors = (t: MonitoringTopology) => (t.status?.findings ?? []).filter((f) => f.severity === 'Error').map((f) => `${f.code} ${f.resourceId}`);

describe('a machine Resource Graph shows stale', () => {
  const ns = useTestNamespace('rgraph-stale');
  let env: TestController;
  beforeAll(async () => {
    env = await startTestController({ namespace: ns.name, emulator: { estate: estate({ virtualMachines: fleet() }) }, gateway: { resourceGraph: { mode: 'always', threshold: 1 } } });
  });
  afterAll(async () => {
    await env?.stop();
  });

  it('is confirmed with ARM before any write, and waits while Resource Graph disagrees', async () => {
    const vm1 = estateIds.vm('vm-1');
    // Resource Graph stops seeing ARM's writes; then a person points vm-1 at another endpoint. Resource Graph still
    // shows vm-1 with no association at all: a blind write would overwrite the person's endpoint association.
    env.emulator.resourceGraph.setLagMs(600_000);
    await monitorClient(env.emulator, SUBSCRIPTION).dataCollectionRuleAssociations.create(vm1, 'configurationAccessEndpoint', { body: { dataCollectionEndpointId: estateIds.otherEndpoint } });
    await createTopology(ns.name, 'fleet', spec());

    // vm-2 (no associations in Resource Graph and in ARM alike) is confirmed and converges.
    await vi.waitFor(() => expect(associationsOf(env.emulator, estateIds.vm('vm-2'))).toHaveLength(2), { timeout: 60_000, interval: 200 });
    await vi.waitFor(() => expect(env.logs.lines.some((l) => l['msg'] === 'Resource Graph is behind ARM on some machines: their writes wait for the next look' && JSON.stringify(l['sample']).includes('vm-1'))).toBe(true), { timeout: 30_000, interval: 200 });
    await waitForTopology(
      ns.name,
      'fleet',
      (t) => {
        expect(t.status?.findings?.map((f) => `${f.code} ${f.resourceId}`)).toContain(`ConfigurationEndpointConflict ${vm1}`);
        expect(t.status?.instances).toMatchObject({ total: 4, compliant: 3 });
      },
      30_000,
    );
    // Nothing was written to vm-1: the person's association stands, and the rule association waits for a full listing.
    expect(associationsOf(env.emulator, vm1).map((a) => [a.name, a.properties.dataCollectionEndpointId])).toEqual([['configurationAccessEndpoint', estateIds.otherEndpoint]]);
    expect(ruleAssociations(env, vm1)).toEqual([]);
    expect(graphAnswers(env)['200']).toBeGreaterThanOrEqual(3);

    // Resource Graph catches up: the next look confirms vm-1 and creates its rule association, never the endpoint one.
    env.emulator.resourceGraph.setLagMs(0);
    await vi.waitFor(() => expect(ruleAssociations(env, vm1)).toHaveLength(1), { timeout: 60_000, interval: 200 });
    expect(associationsOf(env.emulator, vm1).find((a) => a.name === 'configurationAccessEndpoint')?.properties.dataCollectionEndpointId).toBe(estateIds.otherEndpoint);
  }, 150_000);
});

describe('a Resource Graph that refuses the query (403)', () => {
  const ns = useTestNamespace('rgraph-403');
  let env: TestController;
  beforeAll(async () => {
    env = await startTestController({ namespace: ns.name, emulator: { estate: estate({ virtualMachines: fleet() }), resourceGraph: { denied: true } }, gateway: { resourceGraph: { mode: 'always', threshold: 1 } } });
  });
  afterAll(async () => {
    await env?.stop();
  });

  it('sends the pass to ARM and says so; no machine gets an error', async () => {
    await createTopology(ns.name, 'fleet', spec());
    const t = await waitForReady(ns.name, 'fleet', 60_000);
    expect(t.status?.instances).toMatchObject({ total: 4, compliant: 4 });
    expect(machineErrors(t)).toEqual([]);
    // One pass's three queries at most, all refused; the next passes do not ask again for ten minutes.
    expect(Object.keys(graphAnswers(env))).toEqual(['403']);
    expect(graphAnswers(env)['403']).toBeLessThanOrEqual(3);
    expect(env.logs.lines.find((l) => l['msg'] === 'Resource Graph unavailable: reading through ARM')).toMatchObject({ reason: 'forbidden' });
    expect(env.emulator.counters().byOperation['LIST Microsoft.Compute/virtualMachines']?.['200']).toBeGreaterThanOrEqual(1);
  }, 90_000);
});

describe('a Resource Graph quota that is spent (429)', () => {
  const ns = useTestNamespace('rgraph-429');
  let env: TestController;
  beforeAll(async () => {
    env = await startTestController({
      namespace: ns.name,
      emulator: { estate: estate({ virtualMachines: fleet() }), resourceGraph: { quota: { limit: 1, windowMs: 600_000 } } },
      gateway: { resourceGraph: { mode: 'always', threshold: 1 } },
    });
  });
  afterAll(async () => {
    await env?.stop();
  });

  it('sends the pass to ARM until the quota resets; no machine gets an error', async () => {
    await createTopology(ns.name, 'fleet', spec());
    const t = await waitForReady(ns.name, 'fleet', 60_000);
    expect(t.status?.instances).toMatchObject({ total: 4, compliant: 4 });
    expect(machineErrors(t)).toEqual([]);
    expect(graphAnswers(env)['429']).toBeGreaterThanOrEqual(1);
    expect(env.logs.lines.find((l) => l['msg'] === 'Resource Graph unavailable: reading through ARM')).toMatchObject({ reason: 'throttled' });
    // The quota's reset is ten minutes away: later passes do not ask Resource Graph at all.
    const asked = Object.values(graphAnswers(env)).reduce((a, b) => a + b, 0);
    await createTopology(ns.name, 'again', spec());
    await waitForReady(ns.name, 'again', 60_000);
    expect(Object.values(graphAnswers(env)).reduce((a, b) => a + b, 0)).toBe(asked);
  }, 90_000);
});
