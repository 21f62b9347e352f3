// The network pass through @azure/arm-network and @azure/arm-privatedns against the emulator: the seed's DNS table
// derived from Azure state alone (no dnsBoundary declared), networks that resolve public addresses, custom DNS,
// and endpoints that are missing or not approved; read in bulk (lists, never one GET per machine).
import { ClientSecretCredential } from '@azure/identity';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { MonitoringTopologySpec } from '../../src/api/types.ts';
import { createArmGateway, createSubscriptionBudgets } from '../../src/azure/index.ts';
import { startEmulator } from '../../src/emulator/index.ts';
import type { Estate, EstateResourceGroup, RunningEmulator } from '../../src/emulator/index.ts';
import { assessNetwork } from '../../src/findings/network.ts';
import type { NetworkAssessment } from '../../src/findings/network.ts';
import { trustCa } from '../support/emulator.ts';

const SUB = '44444444-4444-4444-8444-444444444444';
const HUB = `/subscriptions/${SUB}/resourceGroups/rg-hub`;
const APP = `/subscriptions/${SUB}/resourceGroups/rg-app`;
const scope = (name: string): string => `${HUB}/providers/Microsoft.Insights/privateLinkScopes/${name}`;
const subnet = (rg: string, vnet: string, name = 'default'): string => `${rg}/providers/Microsoft.Network/virtualNetworks/${vnet}/subnets/${name}`;

interface Variant {
  /** What ampls-b links (undefined: no second scope). */
  second?: string[];
  /** Where ampls-b's endpoint sits: the hub's zones (same DNS) or an isolated network with zones of its own. */
  secondIn?: 'hub' | 'isolated';
  /** Extra machines: in a spoke not linked to the zones, and in a network with custom DNS servers. */
  extras?: boolean;
  /** ampls-a gets no private endpoint at all. */
  noEndpoint?: boolean;
}

function estateFor(v: Variant): Estate {
  const hub: EstateResourceGroup = {
    name: 'rg-hub',
    location: 'westeurope',
    workspaces: [{ name: 'law-a' }, { name: 'law-b' }],
    dataCollectionEndpoints: [{ name: 'dce-a' }],
    dataCollectionRules: [{ name: 'dcr-linux', kind: 'Linux', dataCollectionEndpoint: 'dce-a', workspace: 'law-a' }],
    privateLinkScopes: [
      { name: 'ampls-a', ingestionAccessMode: 'PrivateOnly', queryAccessMode: 'PrivateOnly', scopedResources: ['law-a', 'dce-a'] },
      ...(v.second ? [{ name: 'ampls-b', ingestionAccessMode: 'PrivateOnly' as const, queryAccessMode: 'PrivateOnly' as const, scopedResources: v.second }] : []),
    ],
    virtualNetworks: [
      { name: 'vnet-hub', addressPrefix: '10.0.0.0/16', subnets: [{ name: 'pe', addressPrefix: '10.0.1.0/24' }] },
      { name: 'vnet-spoke', addressPrefix: '10.1.0.0/16', subnets: [{ name: 'default', addressPrefix: '10.1.0.0/24' }] },
      { name: 'vnet-spoke2', addressPrefix: '10.2.0.0/16', subnets: [{ name: 'default', addressPrefix: '10.2.0.0/24' }] },
      { name: 'vnet-custom', addressPrefix: '10.3.0.0/16', subnets: [{ name: 'default', addressPrefix: '10.3.0.0/24' }], dnsServers: ['10.0.0.4'] },
    ],
    privateDnsZones: [{ azureMonitor: true, links: ['vnet-hub', 'vnet-spoke'] }],
    privateEndpoints: [
      ...(v.noEndpoint ? [] : [{ name: 'pe-a', subnet: 'vnet-hub/pe', privateLinkScope: 'ampls-a', zones: 'azureMonitor' as const }]),
      ...(v.second && v.secondIn !== 'isolated' ? [{ name: 'pe-b', subnet: 'vnet-hub/pe', privateLinkScope: 'ampls-b', zones: 'azureMonitor' as const }] : []),
    ],
  };
  const iso: EstateResourceGroup = {
    name: 'rg-iso',
    location: 'westeurope',
    virtualNetworks: [{ name: 'vnet-iso', addressPrefix: '10.9.0.0/16', subnets: [{ name: 'pe', addressPrefix: '10.9.1.0/24' }] }],
    privateDnsZones: [{ azureMonitor: true, links: ['vnet-iso'] }],
    privateEndpoints: v.second && v.secondIn === 'isolated' ? [{ name: 'pe-b', subnet: 'vnet-iso/pe', privateLinkScope: scope('ampls-b'), zones: 'azureMonitor' }] : [],
  };
  const vm = (name: string, at: string): NonNullable<EstateResourceGroup['virtualMachines']>[number] => ({ name, osType: 'Linux', identity: { systemAssigned: true }, subnet: at });
  const app: EstateResourceGroup = {
    name: 'rg-app',
    location: 'westeurope',
    virtualMachines: [
      vm('vm-1', subnet(HUB, 'vnet-spoke')),
      vm('vm-2', subnet(HUB, 'vnet-spoke')),
      ...(v.extras ? [vm('vm-3', subnet(HUB, 'vnet-spoke2')), vm('vm-4', subnet(HUB, 'vnet-spoke2')), vm('vm-5', subnet(HUB, 'vnet-custom'))] : []),
    ],
  };
  return { subscriptions: [{ id: SUB, resourceGroups: [hub, iso, app] }] };
}

const spec: MonitoringTopologySpec = {
  mode: 'Audit',
  privateLinkScope: { resourceId: scope('ampls-a'), accessModes: { ingestion: 'PrivateOnly', query: 'PrivateOnly' } },
  configurationEndpoint: { resourceId: `${HUB}/providers/Microsoft.Insights/dataCollectionEndpoints/dce-a` },
  dataCollectionRules: [{ resourceId: `${HUB}/providers/Microsoft.Insights/dataCollectionRules/dcr-linux` }],
  targets: { resourceGroups: [APP] },
};

let emulator: RunningEmulator | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

async function assess(v: Variant): Promise<NetworkAssessment & { reads: Record<string, number> }> {
  emulator = await startEmulator({ estate: estateFor(v), pageSize: 50 });
  trustCa(emulator.caCertPem);
  const gateway = createArmGateway({
    endpoint: emulator.url,
    credential: new ClientSecretCredential(emulator.tenantId, emulator.clientId, emulator.clientSecret, { authorityHost: emulator.authorityHost, disableInstanceDiscovery: true }),
    budgets: createSubscriptionBudgets(),
    logger: pino({ level: 'silent' }),
  });
  const snapshot = await gateway.observe(spec);
  emulator.resetCounters();
  const network = await gateway.observeNetwork(spec, snapshot);
  const reads: Record<string, number> = {};
  for (const [op, byStatus] of Object.entries(emulator.counters().byOperation)) reads[op] = Object.values(byStatus).reduce((a, b) => a + b, 0);
  expect(network.errors).toEqual([]);
  const result = assessNetwork({
    scopeId: snapshot.scope?.id ?? '',
    ingestionAccessMode: snapshot.scope?.ingestionAccessMode ?? 'Open',
    linkedResourceIds: snapshot.scope?.scopedResources.map((r) => r.linkedResourceId) ?? [],
    network,
  });
  return { ...result, reads };
}

const codes = (a: NetworkAssessment): string[] => a.findings.map((f) => `${f.code}:${f.severity}`).sort();

describe("the seed's DNS table, from Azure state alone", () => {
  it('row 1: two scopes in the same zones, resources in only one: DnsBoundaryConflict naming them', async () => {
    const a = await assess({ second: ['law-b'], secondIn: 'hub' });
    expect(codes(a)).toContain('DnsBoundaryConflict:Error');
    const conflict = a.findings.find((f) => f.code === 'DnsBoundaryConflict');
    expect(conflict?.stage).toBe('ConfigurationEndpoint');
    expect(conflict?.message).toContain('linked only to ampls-a: law-a, dce-a');
    expect(conflict?.message).toContain('linked only to ampls-b: law-b');
    expect(conflict?.message).toContain('point to private link scope ampls-b');
    expect(a.boundaries.map((b) => [b.name, b.privateLinkScopes.length, b.machines])).toEqual([['rg-hub', 2, 2]]);
  });

  it('row 2: two scopes in the same zones, every resource in both: safe', async () => {
    const a = await assess({ second: ['law-a', 'dce-a'], secondIn: 'hub' });
    expect(codes(a)).toEqual([]);
    expect(a.boundaries[0]?.privateLinkScopes).toHaveLength(2);
  });

  it('row 3: two scopes in isolated networks with zones of their own: safe', async () => {
    const a = await assess({ second: ['law-b'], secondIn: 'isolated' });
    expect(codes(a)).toEqual([]);
    expect(a.boundaries.map((b) => b.privateLinkScopes.length)).toEqual([1]);
  });

  it('row 4: a single scope: safe, and read in bulk', async () => {
    const a = await assess({});
    expect(codes(a)).toEqual([]);
    expect(a.reads['LIST Microsoft.Network/networkInterfaces']).toBe(1);
    expect(a.reads['GET Microsoft.Network/networkInterfaces'] ?? 0).toBe(0);
    expect(a.reads['LIST Microsoft.Network/virtualNetworks']).toBe(1);
    // The five zones in rg-hub and the five in rg-iso: one record list each.
    expect(a.reads['LIST Microsoft.Network/privateDnsZones/A']).toBe(10);
    expect(a.reads['LIST Microsoft.Network/privateDnsZones']).toBe(1);
  });
});

describe('networks and endpoints', () => {
  it('an unlinked spoke on Azure DNS is an Error per network with its machines counted; custom DNS is Info', async () => {
    const a = await assess({ extras: true });
    expect(codes(a)).toEqual(['CustomDnsServers:Info', 'PrivateDnsZoneNotLinked:Error']);
    const unlinked = a.findings.find((f) => f.code === 'PrivateDnsZoneNotLinked');
    expect(unlinked?.resourceId).toMatch(/virtualNetworks\/vnet-spoke2$/);
    expect(unlinked?.message).toContain('(2 target machines)');
    expect(a.findings.find((f) => f.code === 'CustomDnsServers')?.message).toContain('10.0.0.4');
  });

  it('a PrivateOnly scope without a private endpoint, whose records are then missing', async () => {
    const a = await assess({ noEndpoint: true });
    expect(codes(a)).toEqual(['PrivateDnsRecordMissing:Error', 'PrivateDnsRecordMissing:Error', 'PrivateDnsRecordMissing:Error', 'PrivateEndpointMissing:Error']);
  });
});
