// Named VMs (`targets.virtualMachines`) spread one per resource group: covered by one subscription-wide list, never one
// GET each, while that list costs fewer pages than their GETs; measured against the same VMs targeted by resource group.
import tls from 'node:tls';
import { ClientSecretCredential } from '@azure/identity';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { MonitoringTopologySpec } from '../../src/api/types.ts';
import { createArmGateway, createSubscriptionBudgets } from '../../src/azure/index.ts';
import type { ArmGateway } from '../../src/azure/index.ts';
import { startEmulator } from '../../src/emulator/index.ts';
import type { Estate, RunningEmulator } from '../../src/emulator/index.ts';
import { idKey } from '../../src/model/index.ts';

const SUB = '7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
const MON = `/subscriptions/${SUB}/resourceGroups/rg-mon`;
const GROUPS = 20;
const group = (i: number): string => `/subscriptions/${SUB}/resourceGroups/rg-app-${i}`;
const vm = (i: number): string => `${group(i)}/providers/Microsoft.Compute/virtualMachines/vm-${i}`;
const rules = [`${MON}/providers/Microsoft.Insights/dataCollectionRules/dcr-a`, `${MON}/providers/Microsoft.Insights/dataCollectionRules/dcr-b`];
const endpoint = `${MON}/providers/Microsoft.Insights/dataCollectionEndpoints/dce`;

const estate: Estate = {
  subscriptions: [
    {
      id: SUB,
      resourceGroups: [
        {
          name: 'rg-mon',
          workspaces: [{ name: 'law' }],
          dataCollectionEndpoints: [{ name: 'dce' }],
          dataCollectionRules: [{ name: 'dcr-a', kind: 'Linux', workspace: 'law' }, { name: 'dcr-b', kind: 'Linux', workspace: 'law' }],
          privateLinkScopes: [{ name: 'ampls', scopedResources: ['law', 'dce'] }],
        },
        ...Array.from({ length: GROUPS }, (_, i) => ({
          name: `rg-app-${i}`,
          virtualMachines: [
            {
              name: `vm-${i}`,
              osType: 'Linux' as const,
              extensions: [{ name: 'AzureMonitorLinuxAgent', type: 'AzureMonitorLinuxAgent' }],
              associations: [
                { name: 'a', rule: rules[0] as string },
                { name: 'b', rule: rules[1] as string },
                { name: 'configurationAccessEndpoint', endpoint },
              ],
            },
          ],
        })),
      ],
    },
  ],
};

const base: Omit<MonitoringTopologySpec, 'targets'> = {
  privateLinkScope: { resourceId: `${MON}/providers/Microsoft.Insights/privateLinkScopes/ampls`, scopedResources: [{ resourceId: `${MON}/providers/Microsoft.OperationalInsights/workspaces/law` }] },
  configurationEndpoint: { resourceId: endpoint },
  dataCollectionRules: rules.map((resourceId) => ({ resourceId })),
};
const byName: MonitoringTopologySpec = { ...base, targets: { virtualMachines: Array.from({ length: GROUPS }, (_, i) => vm(i)) } };
const byGroup: MonitoringTopologySpec = { ...base, targets: { resourceGroups: Array.from({ length: GROUPS }, (_, i) => group(i)) } };

let em: RunningEmulator | undefined;
afterEach(async () => {
  await em?.close();
  em = undefined;
});

async function start(pageSize?: number): Promise<{ em: RunningEmulator; gateway: ArmGateway }> {
  em = await startEmulator({ estate, ...(pageSize !== undefined ? { pageSize } : {}) });
  tls.setDefaultCACertificates([...tls.getCACertificates('default'), em.caCertPem]);
  const credential = new ClientSecretCredential(em.tenantId, em.clientId, em.clientSecret, { authorityHost: em.authorityHost, disableInstanceDiscovery: true });
  const gateway = createArmGateway({ endpoint: em.url, credential, budgets: createSubscriptionBudgets(), logger: pino({ level: 'silent' }) });
  return { em, gateway };
}

/** Reads of one no-drift resync (after a first pass that learnt every agent extension) and of one discovery pass. */
async function readsPerPass(e: RunningEmulator, gateway: ArmGateway, spec: MonitoringTopologySpec): Promise<{ resync: number; discovery: number; vmGets: number }> {
  const first = await gateway.observe(spec);
  expect(first.errors).toEqual([]);
  expect(first.machines.map((m) => idKey(m.id)).sort()).toEqual(Array.from({ length: GROUPS }, (_, i) => idKey(vm(i))).sort());
  e.resetCounters();
  const again = await gateway.observe(spec);
  expect(again.machines).toHaveLength(GROUPS);
  const resync = e.counters().reads;
  const vmGets = e.counters().byOperation['GET Microsoft.Compute/virtualMachines']?.['200'] ?? 0;
  e.resetCounters();
  expect(await gateway.listTargets(spec)).toHaveLength(GROUPS);
  return { resync, discovery: e.counters().reads, vmGets };
}

describe('named virtual machines spread over resource groups', () => {
  it('cost no GET each: one subscription list covers them, fewer reads than the same VMs by resource group', async () => {
    const { em: e, gateway } = await start();
    const named = await readsPerPass(e, gateway, byName);
    const grouped = await readsPerPass(e, gateway, byGroup);
    // Bulk reads (scope, its resources, workspace, 2 rules, endpoint, 2 rule lists, endpoint list) + 1 subscription list.
    expect(named).toEqual({ resync: 10, discovery: 1, vmGets: 0 });
    // By group: the same 9 bulk reads + 20 groups × (VMs, scale sets, Arc machines).
    expect(grouped).toEqual({ resync: 9 + 3 * GROUPS, discovery: 3 * GROUPS, vmGets: 0 });
  });

  it('fall back to one GET each when the subscription list took more pages than they are', async () => {
    // Two VMs named in a subscription whose list takes 11 pages of 2: after learning that, two GETs are cheaper.
    const { em: e, gateway } = await start(2);
    const two: MonitoringTopologySpec = { ...base, targets: { virtualMachines: [vm(0), vm(1)] } };
    e.resetCounters();
    expect(await gateway.listTargets(two)).toHaveLength(2);
    expect(e.counters().byOperation['LIST Microsoft.Compute/virtualMachines']?.['200']).toBe(Math.ceil((GROUPS + 0) / 2));
    e.resetCounters();
    expect((await gateway.listTargets(two)).map(idKey).sort()).toEqual([idKey(vm(0)), idKey(vm(1))].sort());
    expect(e.counters().byOperation['GET Microsoft.Compute/virtualMachines']?.['200']).toBe(2);
    expect(e.counters().byOperation['LIST Microsoft.Compute/virtualMachines']).toBeUndefined();
  });
});
