// Agent extensions on real ARM's terms: a VM list names extensions by id only, so the gateway reads each VM's
// extension settings once, remembers them across passes, and reads again only what it changed.
import tls from 'node:tls';
import { ClientSecretCredential } from '@azure/identity';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MonitoringTopologySpec } from '../../src/api/types.ts';
import { createArmGateway, createSubscriptionBudgets } from '../../src/azure/index.ts';
import type { ArmGateway } from '../../src/azure/index.ts';
import { startEmulator } from '../../src/emulator/index.ts';
import type { Estate, RunningEmulator } from '../../src/emulator/index.ts';

const SUB = '7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
const MON = `/subscriptions/${SUB}/resourceGroups/rg-mon`;
const APP = `/subscriptions/${SUB}/resourceGroups/rg-app`;
const UAMI = `${APP}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/uami-ama`;
const VMS = ['vm-0', 'vm-1', 'vm-2'];
const EXTENSION_LISTS = 'LIST Microsoft.Compute/virtualMachines/extensions';

const estate: Estate = {
  subscriptions: [
    {
      id: SUB,
      resourceGroups: [
        {
          name: 'rg-mon',
          workspaces: [{ name: 'law' }],
          dataCollectionEndpoints: [{ name: 'dce' }],
          dataCollectionRules: [{ name: 'dcr', kind: 'Linux', workspace: 'law' }],
          privateLinkScopes: [{ name: 'ampls', scopedResources: ['law', 'dce'] }],
        },
        {
          name: 'rg-app',
          userAssignedIdentities: [{ name: 'uami-ama' }],
          virtualMachines: VMS.map((name) => ({
            name,
            osType: 'Linux' as const,
            identity: { userAssigned: ['uami-ama'] },
            extensions: [{ name: 'AzureMonitorLinuxAgent', type: 'AzureMonitorLinuxAgent' }],
          })),
        },
      ],
    },
  ],
};

const spec: MonitoringTopologySpec = {
  privateLinkScope: { resourceId: `${MON}/providers/Microsoft.Insights/privateLinkScopes/ampls` },
  configurationEndpoint: { resourceId: `${MON}/providers/Microsoft.Insights/dataCollectionEndpoints/dce` },
  dataCollectionRules: [{ resourceId: `${MON}/providers/Microsoft.Insights/dataCollectionRules/dcr` }],
  targets: { resourceGroups: [APP] },
  agent: { userAssignedIdentity: UAMI, manageExtension: true },
};

let em: RunningEmulator;
let gateway: ArmGateway;

beforeAll(async () => {
  em = await startEmulator({ estate, lroDelayMs: 0 });
  tls.setDefaultCACertificates([...tls.getCACertificates('default'), em.caCertPem]);
  const credential = new ClientSecretCredential(em.tenantId, em.clientId, em.clientSecret, { authorityHost: em.authorityHost, disableInstanceDiscovery: true });
  gateway = createArmGateway({ endpoint: em.url, credential, budgets: createSubscriptionBudgets(), logger: pino({ level: 'silent' }), lroPollIntervalMs: 10 });
});

afterAll(async () => {
  await em?.close();
});

const extensionLists = (): number => Object.values(em.counters().byOperation[EXTENSION_LISTS] ?? {}).reduce((a, b) => a + b, 0);

describe('agent extensions behind id-only VM lists', () => {
  it('reads each VM extension once, then trusts the cache while the extension ids are unchanged', async () => {
    em.resetCounters();
    const first = await gateway.observe(spec);
    expect(first.machines).toHaveLength(VMS.length);
    for (const m of first.machines) {
      expect(m.agentExtension?.type).toBe('AzureMonitorLinuxAgent');
      expect(m.extensionIds).toHaveLength(1);
    }
    expect(extensionLists()).toBe(VMS.length);

    em.resetCounters();
    const second = await gateway.observe(spec);
    expect(second.machines.map((m) => m.agentExtension?.type)).toEqual(VMS.map(() => 'AzureMonitorLinuxAgent'));
    expect(extensionLists()).toBe(0);
  });

  it('reads again the extension it repaired, and only that one', async () => {
    const snap = await gateway.observe(spec);
    const target = snap.machines[0]!;
    const ext = target.agentExtension!;
    const settings = { authentication: { managedIdentity: { 'identifier-name': 'mi_res_id', 'identifier-value': UAMI } } };
    const outcomes = await gateway.act([{ kind: 'RepairExtensionIdentity', resourceId: target.id, extensionName: ext.name, settings, reason: 'test' }]);
    expect(outcomes.every((o) => o.ok)).toBe(true);
    em.resetCounters();
    const after = await gateway.observe(spec);
    expect(extensionLists()).toBe(1);
    const repaired = after.machines.find((m) => m.id.toLowerCase() === target.id.toLowerCase());
    expect(repaired?.agentExtension?.settings).toEqual(settings);
  });
});
