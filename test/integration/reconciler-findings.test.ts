// Seed scenarios (c) and (e), and two topologies that disagree on a machine's configuration endpoint.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTestNamespace } from '../support/kube.ts';
import {
  AMA_EXTENSION,
  associationsOf,
  condition,
  createTopology,
  estate,
  estateIds,
  estateSpec,
  linuxVm,
  startTestController,
  waitForReady,
  waitForTopology,
} from '../support/controller.ts';
import type { TestController } from '../support/controller.ts';

const ns = useTestNamespace('reconcile-findings');
let env: TestController;

const twoIdentities = (name: string) => ({
  name,
  osType: 'Linux' as const,
  identity: { userAssigned: [estateIds.identity, estateIds.otherIdentity] },
  // The agent extension has no authentication block: with two identities it cannot pick one.
  extensions: [{ ...AMA_EXTENSION, settings: {} }],
  associations: [
    { name: 'dcr-linux-syslog-assoc', rule: estateIds.rule },
    { name: 'configurationAccessEndpoint', endpoint: estateIds.endpoint },
  ],
});

beforeAll(async () => {
  env = await startTestController({
    namespace: ns.name,
    emulator: {
      estate: estate({
        virtualMachines: [
          // (c) the DCE association exists under another name.
          linuxVm('vm-misnamed', [
            { name: 'dcr-linux-syslog-assoc', rule: estateIds.rule },
            { name: 'dce-association', endpoint: estateIds.endpoint },
          ]),
          twoIdentities('vm-repair'),
          twoIdentities('vm-report'),
          linuxVm('vm-shared', [{ name: 'dcr-linux-syslog-assoc', rule: estateIds.rule }]),
        ],
      }),
    },
  });
});

afterAll(async () => {
  await env?.stop();
});

describe('reconciler: findings', () => {
  it('(c) reports a misnamed endpoint association, creates the right one and leaves the other untouched', async () => {
    const vm = estateIds.vm('vm-misnamed');
    const before = associationsOf(env.emulator, vm).find((a) => a.name === 'dce-association');
    await createTopology(ns.name, 'misnamed', estateSpec({ virtualMachines: [vm] }));
    const t = await waitForTopology(ns.name, 'misnamed', (x) => {
      expect(x.status?.findings?.map((f) => f.code)).toContain('EndpointAssociationMisnamed');
      expect(associationsOf(env.emulator, vm).map((a) => a.name)).toContain('configurationAccessEndpoint');
    });
    const misnamed = t.status?.findings?.find((f) => f.code === 'EndpointAssociationMisnamed');
    expect(misnamed).toMatchObject({ severity: 'Warning', stage: 'ConfigurationEndpoint' });
    expect(misnamed?.resourceId.toLowerCase()).toBe(vm.toLowerCase());
    expect(associationsOf(env.emulator, vm).find((a) => a.name === 'dce-association')).toEqual(before);
  });

  it('(e) repairs the agent extension identity with manageExtension and only reports it without', async () => {
    const agent = { userAssignedIdentity: estateIds.identity };
    await createTopology(ns.name, 'repair', estateSpec({ virtualMachines: [estateIds.vm('vm-repair')] }, { agent: { ...agent, manageExtension: true } }));
    await createTopology(ns.name, 'report', estateSpec({ virtualMachines: [estateIds.vm('vm-report')] }, { agent: { ...agent, manageExtension: false } }));

    const repaired = await waitForReady(ns.name, 'repair');
    const ext = env.emulator.store.get(`${estateIds.vm('vm-repair')}/extensions/${AMA_EXTENSION.name}`);
    const settings = (ext?.properties as { settings?: Record<string, unknown> } | undefined)?.settings;
    expect(settings).toMatchObject({
      authentication: { managedIdentity: { 'identifier-name': 'mi_res_id', 'identifier-value': estateIds.identity } },
    });
    expect(condition(repaired, 'AgentIdentityReady')?.status).toBe('True');

    const reported = await waitForTopology(ns.name, 'report', (x) => {
      expect(x.status?.findings?.map((f) => f.code)).toContain('ExtensionIdentityMismatch');
    });
    expect(condition(reported, 'AgentIdentityReady')).toMatchObject({ status: 'False', reason: 'FindingsPresent' });
    expect(condition(reported, 'Ready')?.status).toBe('False');
    const untouched = env.emulator.store.get(`${estateIds.vm('vm-report')}/extensions/${AMA_EXTENSION.name}`);
    expect((untouched?.properties as { settings?: Record<string, unknown> } | undefined)?.settings ?? {}).toEqual({});
  });

  it('two topologies wanting different configuration endpoints for one machine both report it and neither flaps', async () => {
    const vm = estateIds.vm('vm-shared');
    await createTopology(ns.name, 'shared-a', estateSpec({ virtualMachines: [vm] }));
    await createTopology(ns.name, 'shared-b', estateSpec({ virtualMachines: [vm] }, { configurationEndpoint: { resourceId: estateIds.otherEndpoint } }));
    for (const name of ['shared-a', 'shared-b']) {
      await waitForTopology(ns.name, name, (x) => {
        expect(x.status?.findings?.map((f) => f.code)).toContain('ConfigurationEndpointConflict');
      });
    }
    const settle = () => JSON.stringify(associationsOf(env.emulator, vm).filter((a) => a.name === 'configurationAccessEndpoint'));
    const first = settle();
    env.emulator.resetCounters();
    await new Promise((r) => setTimeout(r, 2000));
    expect(settle()).toBe(first);
    expect(env.emulator.counters().writes + env.emulator.counters().deletes).toBe(0);
  });

  it('a rule that does not exist stalls the topology with a clear condition and no hot loop', async () => {
    const missing = estateIds.rule.replace('dcr-linux-syslog', 'dcr-does-not-exist');
    await createTopology(ns.name, 'missing-rule', estateSpec({ virtualMachines: [estateIds.vm('vm-misnamed')] }, { dataCollectionRules: [{ resourceId: missing }] }));
    const t = await waitForTopology(ns.name, 'missing-rule', (x) => {
      expect(condition(x, 'Stalled')?.status).toBe('True');
    });
    expect(condition(t, 'Stalled')).toMatchObject({ reason: 'ReferencedResourceNotFound' });
    expect(condition(t, 'Stalled')?.message).toContain('dcr-does-not-exist');
    expect(condition(t, 'Ready')?.status).toBe('False');
    expect(condition(t, 'Reconciling')?.status).toBe('False');
    // Every topology in this namespace is at rest now: no reconcile may happen in the next seconds.
    const reconciles = async () => {
      const metric = await env.registry.getSingleMetric('controller_runtime_reconcile_total')?.get();
      return (metric?.values ?? []).reduce((n, v) => n + v.value, 0);
    };
    await new Promise((r) => setTimeout(r, 500));
    const settled = await reconciles();
    expect(settled).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 2000));
    expect(await reconciles()).toBe(settled);
  });
});
