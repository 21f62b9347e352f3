// A converged estate of many machines under two rules, and the topology spec that matches it.
import type { MonitoringTopologySpec } from '../src/api/types.ts';
import type { Estate, EstateArcMachine, EstateVirtualMachine } from '../src/emulator/types.ts';

export const BENCH_SUBSCRIPTION = '5f1c0d2e-8a7b-4c3d-9e0f-112233445566';
const sub = `/subscriptions/${BENCH_SUBSCRIPTION}`;
const mon = `${sub}/resourceGroups/rg-monitoring`;

export const ids = {
  scope: `${mon}/providers/Microsoft.Insights/privateLinkScopes/ampls-bench`,
  workspace: `${mon}/providers/Microsoft.OperationalInsights/workspaces/law-bench`,
  endpoint: `${mon}/providers/Microsoft.Insights/dataCollectionEndpoints/dce-bench`,
  rules: [`${mon}/providers/Microsoft.Insights/dataCollectionRules/dcr-syslog`, `${mon}/providers/Microsoft.Insights/dataCollectionRules/dcr-perf`],
  identity: `${mon}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/uami-ama`,
  group: (i: number): string => `${sub}/resourceGroups/rg-app-${String(i).padStart(2, '0')}`,
};

export interface BenchEstateOptions {
  groups: number;
  machinesPerGroup: number;
  /** Machines (counted from the first) created without the endpoint association: drift to find. */
  withoutEndpointAssociation?: number;
  /** Every machine starts without any association: a cold start to converge. */
  cold?: boolean;
  /** Azure Arc-enabled servers per resource group, converged, next to the VMs. */
  arcMachinesPerGroup?: number;
}

/** A converged, connected Linux Arc server bound to the group's Arc private link scope. */
function arcMachine(name: string): EstateArcMachine {
  return {
    name,
    osType: 'Linux',
    privateLinkScope: 'arc-pls',
    extensions: [{ name: 'AzureMonitorLinuxAgent', publisher: 'Microsoft.Azure.Monitor', type: 'AzureMonitorLinuxAgent', typeHandlerVersion: '1.33' }],
    associations: [
      { name: 'dcr-syslog-assoc', rule: ids.rules[0] },
      { name: 'dcr-perf-assoc', rule: ids.rules[1] },
      { name: 'configurationAccessEndpoint', endpoint: ids.endpoint },
    ],
  };
}

function machine(name: string, converged: boolean, cold = false): EstateVirtualMachine {
  return {
    name,
    osType: 'Linux',
    identity: { userAssigned: [ids.identity] },
    extensions: [
      {
        name: 'AzureMonitorLinuxAgent',
        publisher: 'Microsoft.Azure.Monitor',
        type: 'AzureMonitorLinuxAgent',
        typeHandlerVersion: '1.33',
        settings: { authentication: { managedIdentity: { 'identifier-name': 'mi_res_id', 'identifier-value': ids.identity } } },
      },
    ],
    associations: cold ? [] : [
      { name: 'dcr-syslog-assoc', rule: ids.rules[0] },
      { name: 'dcr-perf-assoc', rule: ids.rules[1] },
      ...(converged ? [{ name: 'configurationAccessEndpoint', endpoint: ids.endpoint }] : []),
    ],
  };
}

export function benchEstate(o: BenchEstateOptions): Estate {
  let n = 0;
  const drift = o.withoutEndpointAssociation ?? 0;
  return {
    subscriptions: [
      {
        id: BENCH_SUBSCRIPTION,
        resourceGroups: [
          {
            name: 'rg-monitoring',
            location: 'westeurope',
            userAssignedIdentities: ['uami-ama'],
            workspaces: [{ name: 'law-bench', publicNetworkAccessForIngestion: 'Disabled', publicNetworkAccessForQuery: 'Disabled' }],
            dataCollectionEndpoints: [{ name: 'dce-bench', publicNetworkAccess: 'Disabled' }],
            dataCollectionRules: [
              { name: 'dcr-syslog', kind: 'Linux', workspace: 'law-bench', dataCollectionEndpoint: 'dce-bench' },
              { name: 'dcr-perf', kind: 'Linux', workspace: 'law-bench', dataCollectionEndpoint: 'dce-bench', dataSources: perfOnly() },
            ],
            privateLinkScopes: [
              { name: 'ampls-bench', ingestionAccessMode: 'PrivateOnly', queryAccessMode: 'PrivateOnly', scopedResources: ['law-bench', 'dce-bench'] },
            ],
          },
          ...Array.from({ length: o.groups }, (_, g) => ({
            name: `rg-app-${String(g).padStart(2, '0')}`,
            location: 'westeurope',
            virtualMachines: Array.from({ length: o.machinesPerGroup }, (_, i) => machine(`vm-${g}-${i}`, n++ >= drift, o.cold === true)),
            ...(o.arcMachinesPerGroup
              ? {
                  arcPrivateLinkScopes: [{ name: 'arc-pls', publicNetworkAccess: 'Disabled' as const }],
                  arcMachines: Array.from({ length: o.arcMachinesPerGroup }, (_, i) => arcMachine(`srv-${g}-${i}`)),
                }
              : {}),
          })),
        ],
      },
    ],
  };
}

function perfOnly(): Record<string, unknown> {
  return {
    performanceCounters: [
      { name: 'perf', streams: ['Microsoft-Perf'], samplingFrequencyInSeconds: 60, counterSpecifiers: ['Processor(*)\\% Processor Time'] },
    ],
  };
}

export const flexScaleSetId = `${sub}/resourceGroups/rg-flex/providers/Microsoft.Compute/virtualMachineScaleSets/vmss-flex`;

/** The monitoring resources plus one Flexible scale set whose members inherit the agent and identity. */
export function flexibleEstate(capacity: number): Estate {
  const base = benchEstate({ groups: 0, machinesPerGroup: 0 });
  const agent = machine('template', true);
  base.subscriptions?.[0]?.resourceGroups?.push({
    name: 'rg-flex',
    location: 'westeurope',
    virtualMachineScaleSets: [
      { name: 'vmss-flex', orchestrationMode: 'Flexible', capacity, osType: 'Linux', identity: { userAssigned: [ids.identity] }, ...(agent.extensions ? { extensions: agent.extensions } : {}) },
    ],
  });
  return base;
}

export function flexibleSpec(): MonitoringTopologySpec {
  return { ...benchSpec(0), targets: { virtualMachineScaleSets: [flexScaleSetId] } };
}

export function benchSpec(groups: number): MonitoringTopologySpec {
  return {
    mode: 'Enforce',
    privateLinkScope: {
      resourceId: ids.scope,
      accessModes: { ingestion: 'PrivateOnly', query: 'PrivateOnly' },
      scopedResources: [{ resourceId: ids.workspace }],
    },
    configurationEndpoint: { resourceId: ids.endpoint },
    dataCollectionRules: ids.rules.map((resourceId) => ({ resourceId })),
    targets: { resourceGroups: Array.from({ length: groups }, (_, g) => ids.group(g)) },
    agent: { userAssignedIdentity: ids.identity, manageExtension: true },
  };
}
