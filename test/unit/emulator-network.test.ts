// Microsoft.Network and private DNS through @azure/arm-network and @azure/arm-privatedns: private endpoints to a
// private link scope write its records into the privatelink zones, and a second scope overwrites the shared ones.
import type { MonitorClient } from '@azure/arm-monitor';
import type { NetworkManagementClient } from '@azure/arm-network';
import type { PrivateDnsManagementClient } from '@azure/arm-privatedns';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { fastPoll, monitorClient, networkClient, privateDnsClient, startTestEmulator } from '../support/emulator.ts';
import type { TestEmulator } from '../support/emulator.ts';

const SUB = '33333333-3333-3333-3333-333333333333';
const RG = `/subscriptions/${SUB}/resourceGroups/rg-hub`;
const ZONES = [
  'privatelink.monitor.azure.com',
  'privatelink.oms.opinsights.azure.com',
  'privatelink.ods.opinsights.azure.com',
  'privatelink.agentsvc.azure-automation.net',
  'privatelink.blob.core.windows.net',
];

async function collect<T>(iter: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of iter) out.push(x);
  return out;
}

describe('Microsoft.Network and private DNS through the official clients', () => {
  let emu: TestEmulator;
  let network: NetworkManagementClient;
  let dns: PrivateDnsManagementClient;
  let monitor: MonitorClient;

  beforeAll(async () => {
    emu = await startTestEmulator({
      pageSize: 3,
      lroDelayMs: 10,
      estate: {
        subscriptions: [
          {
            id: SUB,
            resourceGroups: [
              {
                name: 'rg-hub',
                location: 'westeurope',
                workspaces: [{ name: 'law' }],
                dataCollectionEndpoints: [{ name: 'dce' }],
                privateLinkScopes: [
                  { name: 'ampls-a', ingestionAccessMode: 'PrivateOnly', queryAccessMode: 'PrivateOnly', scopedResources: ['law'] },
                  { name: 'ampls-b', ingestionAccessMode: 'PrivateOnly', queryAccessMode: 'PrivateOnly' },
                ],
              },
            ],
          },
        ],
      },
    });
    network = networkClient(emu, SUB);
    dns = privateDnsClient(emu, SUB);
    monitor = monitorClient(emu, SUB);
  });
  afterAll(() => emu.close());

  const records = async (zone: string): Promise<Map<string, string[]>> =>
    new Map((await collect(dns.recordSets.listByType('rg-hub', zone, 'A'))).map((r) => [r.name ?? '', (r.aRecords ?? []).map((a) => a.ipv4Address ?? '')]));

  test('virtual networks keep subnets and DNS servers; a NIC applies its network DNS servers and names its VM', async () => {
    const hub = await network.virtualNetworks.createOrUpdate('rg-hub', 'vnet-hub', {
      location: 'westeurope',
      addressSpace: { addressPrefixes: ['10.0.0.0/16'] },
      subnets: [{ name: 'pe', addressPrefix: '10.0.1.0/24' }, { name: 'workloads', addressPrefix: '10.0.2.0/24' }],
    }, fastPoll);
    expect(hub.subnets?.map((s) => s.name)).toEqual(['pe', 'workloads']);
    expect(hub.dhcpOptions?.dnsServers).toEqual([]);
    await network.virtualNetworks.createOrUpdate('rg-hub', 'vnet-spoke', {
      location: 'westeurope',
      addressSpace: { addressPrefixes: ['10.1.0.0/16'] },
      subnets: [{ name: 'default', addressPrefix: '10.1.0.0/24' }],
      dhcpOptions: { dnsServers: ['10.0.0.4'] },
    }, fastPoll);
    const nic = await network.networkInterfaces.createOrUpdate('rg-hub', 'vm-1-nic', {
      location: 'westeurope',
      ipConfigurations: [{ name: 'ipconfig1', subnet: { id: `${RG}/providers/Microsoft.Network/virtualNetworks/vnet-spoke/subnets/default` } }],
    }, fastPoll);
    expect(nic.ipConfigurations?.[0]?.privateIPAddress).toBe('10.1.0.4');
    expect(nic.dnsSettings?.appliedDnsServers).toEqual(['10.0.0.4']);
    emu.store.put({
      id: `${RG}/providers/Microsoft.Compute/virtualMachines/vm-1`,
      type: 'Microsoft.Compute/virtualMachines',
      location: 'westeurope',
      properties: { networkProfile: { networkInterfaces: [{ id: nic.id }] } },
    });
    const listed = await collect(network.networkInterfaces.listAll());
    expect(listed.find((n) => n.name === 'vm-1-nic')?.virtualMachine?.id).toBe(`${RG}/providers/Microsoft.Compute/virtualMachines/vm-1`);
    const missing = await network.networkInterfaces
      .createOrUpdate('rg-hub', 'bad-nic', { location: 'westeurope', ipConfigurations: [{ name: 'c', subnet: { id: `${RG}/providers/Microsoft.Network/virtualNetworks/nope/subnets/x` } }] }, fastPoll)
      .then(() => undefined, (e: unknown) => e as { code?: string });
    expect(missing?.code).toBe('InvalidResourceReference');
  });

  test('zones and links: the hub is linked to the five Azure Monitor zones', async () => {
    for (const zone of ZONES) {
      const z = await dns.privateZones.createOrUpdate('rg-hub', zone, { location: 'global' }, fastPoll);
      expect(z.numberOfRecordSets).toBe(1);
      const link = await dns.virtualNetworkLinks.createOrUpdate('rg-hub', zone, 'hub-link', {
        location: 'global',
        virtualNetwork: { id: `${RG}/providers/Microsoft.Network/virtualNetworks/vnet-hub` },
        registrationEnabled: false,
      }, fastPoll);
      expect(link.virtualNetworkLinkState).toBe('Completed');
    }
    const zones = await collect(dns.privateZones.listByResourceGroup('rg-hub'));
    expect(zones.map((z) => z.name).sort()).toEqual([...ZONES].sort());
    expect(zones.every((z) => z.numberOfVirtualNetworkLinks === 1)).toBe(true);
  });

  test("a scope's private endpoint with a zone group writes the shared and per-workspace records", async () => {
    const pe = await network.privateEndpoints.createOrUpdate('rg-hub', 'pe-a', {
      location: 'westeurope',
      subnet: { id: `${RG}/providers/Microsoft.Network/virtualNetworks/vnet-hub/subnets/pe` },
      privateLinkServiceConnections: [{ name: 'pe-a', privateLinkServiceId: `${RG}/providers/Microsoft.Insights/privateLinkScopes/ampls-a`, groupIds: ['azuremonitor'] }],
    }, fastPoll);
    expect(pe.privateLinkServiceConnections?.[0]?.privateLinkServiceConnectionState?.status).toBe('Approved');
    const api = pe.customDnsConfigs?.find((c) => c.fqdn === 'api.monitor.azure.com')?.ipAddresses?.[0];
    expect(api).toMatch(/^10\.0\.1\.\d+$/);
    const connections = await monitor.privateEndpointConnections.listByPrivateLinkScope('rg-hub', 'ampls-a');
    expect(connections.value?.map((c) => c.privateEndpoint?.id)).toEqual([pe.id]);

    const group = await network.privateDnsZoneGroups.createOrUpdate('rg-hub', 'pe-a', 'default', {
      privateDnsZoneConfigs: ZONES.map((z) => ({ name: z.replace(/\./g, '-'), privateDnsZoneId: `${RG}/providers/Microsoft.Network/privateDnsZones/${z}` })),
    }, fastPoll);
    expect(group.privateDnsZoneConfigs?.[0]?.recordSets?.some((r) => r.recordSetName === 'api')).toBe(true);
    const monitorZone = await records('privatelink.monitor.azure.com');
    expect(monitorZone.get('api')).toEqual([api]);
    expect(monitorZone.get('global.handler.control')).toHaveLength(1);
    const wsid = String((emu.store.get(`${RG}/providers/Microsoft.OperationalInsights/workspaces/law`)?.properties as { customerId: string }).customerId);
    for (const zone of ['privatelink.oms.opinsights.azure.com', 'privatelink.ods.opinsights.azure.com', 'privatelink.agentsvc.azure-automation.net']) {
      expect((await records(zone)).get(wsid.toLowerCase())).toHaveLength(1);
    }
    expect((await records('privatelink.blob.core.windows.net')).get('scadvisorcontentpl')).toHaveLength(1);
  });

  test('when the scope gains a DCE, its endpoint gets the DCE records', async () => {
    const dce = await monitor.dataCollectionEndpoints.get('rg-hub', 'dce');
    const host = new URL(dce.configurationAccess?.endpoint ?? '').hostname.replace(/\.monitor\.azure\.com$/, '');
    expect((await records('privatelink.monitor.azure.com')).has(host)).toBe(false);
    await monitor.privateLinkScopedResources.createOrUpdate('rg-hub', 'ampls-a', 'dce-link', { linkedResourceId: dce.id }, fastPoll);
    const zone = await records('privatelink.monitor.azure.com');
    expect(zone.get(host)).toHaveLength(1);
    expect([...zone.keys()].filter((k) => k.endsWith('.ingest') || k.endsWith('.handler.control')).length).toBeGreaterThanOrEqual(3);
    const pe = await network.privateEndpoints.get('rg-hub', 'pe-a');
    expect(pe.customDnsConfigs?.some((c) => c.fqdn === `${host}.monitor.azure.com`)).toBe(true);
  });

  test("a second scope's endpoint in the same zones overwrites the shared records: last write wins", async () => {
    const before = await records('privatelink.monitor.azure.com');
    const wsid = String((emu.store.get(`${RG}/providers/Microsoft.OperationalInsights/workspaces/law`)?.properties as { customerId: string }).customerId).toLowerCase();
    const odsBefore = (await records('privatelink.ods.opinsights.azure.com')).get(wsid);
    const pe = await network.privateEndpoints.createOrUpdate('rg-hub', 'pe-b', {
      location: 'westeurope',
      subnet: { id: `${RG}/providers/Microsoft.Network/virtualNetworks/vnet-hub/subnets/pe` },
      privateLinkServiceConnections: [{ name: 'pe-b', privateLinkServiceId: `${RG}/providers/Microsoft.Insights/privateLinkScopes/ampls-b`, groupIds: ['azuremonitor'] }],
    }, fastPoll);
    await network.privateDnsZoneGroups.createOrUpdate('rg-hub', 'pe-b', 'default', {
      privateDnsZoneConfigs: ZONES.map((z) => ({ name: z.replace(/\./g, '-'), privateDnsZoneId: `${RG}/providers/Microsoft.Network/privateDnsZones/${z}` })),
    }, fastPoll);
    const after = await records('privatelink.monitor.azure.com');
    const apiB = pe.customDnsConfigs?.find((c) => c.fqdn === 'api.monitor.azure.com')?.ipAddresses?.[0];
    expect(after.get('api')).toEqual([apiB]);
    expect(after.get('api')).not.toEqual(before.get('api'));
    // ampls-b does not link the workspace: its records stay on ampls-a's endpoint.
    expect((await records('privatelink.ods.opinsights.azure.com')).get(wsid)).toEqual(odsBefore);
  });

  test('a manual connection serves nothing until the scope owner approves it', async () => {
    const created = await network.privateEndpoints.createOrUpdate('rg-hub', 'pe-c', {
      location: 'westeurope',
      subnet: { id: `${RG}/providers/Microsoft.Network/virtualNetworks/vnet-hub/subnets/pe` },
      manualPrivateLinkServiceConnections: [{ name: 'pe-c', privateLinkServiceId: `${RG}/providers/Microsoft.Insights/privateLinkScopes/ampls-a`, groupIds: ['azuremonitor'], requestMessage: 'please' }],
    }, fastPoll);
    expect(created.manualPrivateLinkServiceConnections?.[0]?.privateLinkServiceConnectionState?.status).toBe('Pending');
    expect(created.customDnsConfigs).toEqual([]);
    const pending = (await monitor.privateEndpointConnections.listByPrivateLinkScope('rg-hub', 'ampls-a')).value?.find((c) => c.privateEndpoint?.id === created.id);
    await monitor.privateEndpointConnections.createOrUpdate('rg-hub', 'ampls-a', pending?.name ?? '', {
      privateLinkServiceConnectionState: { status: 'Approved', description: 'ok' },
    }, fastPoll);
    const approved = await network.privateEndpoints.get('rg-hub', 'pe-c');
    expect(approved.manualPrivateLinkServiceConnections?.[0]?.privateLinkServiceConnectionState?.status).toBe('Approved');
    expect(approved.customDnsConfigs?.length).toBeGreaterThan(8);
    const all = await collect(network.privateEndpoints.listBySubscription());
    expect(all.map((p) => p.name).sort()).toEqual(['pe-a', 'pe-b', 'pe-c']);
  });

  test('an estate declares networks, zones with links, endpoints with zone groups and machines in subnets', async () => {
    const local = await startTestEmulator({
      estate: {
        subscriptions: [
          {
            id: SUB,
            resourceGroups: [
              {
                name: 'rg-hub',
                location: 'westeurope',
                workspaces: [{ name: 'law' }],
                privateLinkScopes: [{ name: 'ampls', scopedResources: ['law'] }],
                virtualNetworks: [
                  { name: 'vnet-hub', addressPrefix: '10.0.0.0/16', subnets: [{ name: 'pe', addressPrefix: '10.0.1.0/24' }] },
                  { name: 'vnet-spoke', addressPrefix: '10.1.0.0/16', subnets: [{ name: 'default', addressPrefix: '10.1.0.0/24' }] },
                ],
                privateDnsZones: [{ azureMonitor: true, links: ['vnet-hub'] }],
                privateEndpoints: [{ name: 'pe', subnet: 'vnet-hub/pe', privateLinkScope: 'ampls', zones: 'azureMonitor' }],
                virtualMachines: [{ name: 'vm-1', subnet: 'vnet-spoke/default' }],
              },
            ],
          },
        ],
      },
    });
    try {
      const client = privateDnsClient(local, SUB);
      const api = await client.recordSets.get('rg-hub', 'privatelink.monitor.azure.com', 'A', 'api');
      expect(api.aRecords?.[0]?.ipv4Address).toBe('10.0.1.4');
      const links = await collect(client.virtualNetworkLinks.list('rg-hub', 'privatelink.ods.opinsights.azure.com'));
      expect(links.map((l) => l.virtualNetwork?.id)).toEqual([`${RG}/providers/Microsoft.Network/virtualNetworks/vnet-hub`]);
      const nics = await collect(networkClient(local, SUB).networkInterfaces.list('rg-hub'));
      expect(nics.find((n) => n.name === 'vm-1-nic')?.virtualMachine?.id).toMatch(/virtualMachines\/vm-1$/);
    } finally {
      await local.close();
    }
  });
});
