// The network, read from Azure, in a topology's status: a spoke whose link to the private DNS zones is missing and a
// second scope whose endpoint wrote the shared records last are found with no dnsBoundary declared; a person links
// the spoke and keeps every resource in both scopes (alsoLinkTo), and the topology turns Ready.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubectl, useTestNamespace } from '../support/kube.ts';
import { condition, createTopology, estate, estateIds, estateSpec, linuxVm, SUBSCRIPTION, startTestController, waitForReady, waitForTopology } from '../support/controller.ts';
import type { TestController } from '../support/controller.ts';
import { fastPoll, privateDnsClient } from '../support/emulator.ts';

const ns = useTestNamespace('reconcile-network');
let env: TestController;

const NET = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-network`;
const SPOKE = `${NET}/providers/Microsoft.Network/virtualNetworks/vnet-spoke`;
const LEGACY = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-monitoring/providers/Microsoft.Insights/privateLinkScopes/ampls-legacy`;
const ZONES = ['privatelink.monitor.azure.com', 'privatelink.oms.opinsights.azure.com', 'privatelink.ods.opinsights.azure.com', 'privatelink.agentsvc.azure-automation.net', 'privatelink.blob.core.windows.net'];

beforeAll(async () => {
  const base = estate({
    virtualMachines: [
      linuxVm('vm-hub-1', [{ name: 'configurationAccessEndpoint', endpoint: estateIds.endpoint }, { name: 'dcr-linux-syslog-assoc', rule: estateIds.rule }]),
      { ...linuxVm('vm-spoke-1', [{ name: 'configurationAccessEndpoint', endpoint: estateIds.endpoint }, { name: 'dcr-linux-syslog-assoc', rule: estateIds.rule }]), subnet: `${SPOKE}/subnets/workloads` },
      { ...linuxVm('vm-spoke-2', [{ name: 'configurationAccessEndpoint', endpoint: estateIds.endpoint }, { name: 'dcr-linux-syslog-assoc', rule: estateIds.rule }]), subnet: `${SPOKE}/subnets/workloads` },
    ],
  });
  const groups = base.subscriptions?.[0]?.resourceGroups ?? [];
  const monitoring = groups.find((g) => g.name === 'rg-monitoring');
  const network = groups.find((g) => g.name === 'rg-network');
  // A migration's scope, linking the workspace only; its endpoint writes the zones after the hub's.
  monitoring?.privateLinkScopes?.push({ name: 'ampls-legacy', ingestionAccessMode: 'PrivateOnly', queryAccessMode: 'PrivateOnly', scopedResources: ['law-platform'] });
  network?.virtualNetworks?.push({ name: 'vnet-spoke', addressPrefix: '10.50.0.0/16', subnets: [{ name: 'workloads', addressPrefix: '10.50.1.0/24' }] });
  network?.privateEndpoints?.push({ name: 'pe-ampls-legacy', subnet: 'vnet-app/private-endpoints', privateLinkScope: LEGACY, zones: 'azureMonitor' });
  env = await startTestController({ namespace: ns.name, emulator: { estate: base } });
});

afterAll(async () => {
  await env?.stop();
});

describe('reconciler: the network, read from Azure', () => {
  it('finds the unlinked spoke and the scope that overwrote the shared records, with no dnsBoundary declared', async () => {
    await createTopology(ns.name, 'net', estateSpec({ resourceGroups: [estateIds.appResourceGroup] }));
    const t = await waitForTopology(ns.name, 'net', (x) => {
      const codes = (x.status?.findings ?? []).map((f) => f.code);
      expect(codes).toContain('PrivateDnsZoneNotLinked');
      expect(codes).toContain('DnsBoundaryConflict');
    });
    const unlinked = t.status?.findings?.find((f) => f.code === 'PrivateDnsZoneNotLinked');
    expect(unlinked).toMatchObject({ severity: 'Error', stage: 'ConfigurationEndpoint', resourceId: SPOKE });
    expect(unlinked?.message).toContain('(2 target machines)');
    const conflict = t.status?.findings?.find((f) => f.code === 'DnsBoundaryConflict');
    expect(conflict).toMatchObject({ severity: 'Error', stage: 'ConfigurationEndpoint', resourceId: estateIds.scope });
    expect(conflict?.message).toContain('linked only to ampls-hub: dce-weu');
    expect(conflict?.message).toContain('point to private link scope ampls-legacy');
    expect(t.status?.dnsBoundaries).toEqual([
      { name: 'rg-network', zoneResourceGroup: 'rg-network', virtualNetworks: [`${NET}/providers/Microsoft.Network/virtualNetworks/vnet-app`], privateLinkScopes: [estateIds.scope, LEGACY], machines: 1 },
    ]);
    expect(condition(t, 'DnsBoundaryReady')).toMatchObject({ status: 'False', reason: 'DnsBoundaryConflict' });
    expect(condition(t, 'Ready')?.status).toBe('False');
    // The controller never writes networking: the spoke is still unlinked.
    expect(env.emulator.store.list(`${NET}/providers/Microsoft.Network/privateDnsZones/privatelink.monitor.azure.com`, 'Microsoft.Network/privateDnsZones/virtualNetworkLinks')).toHaveLength(1);
  });

  it('a person links the spoke and keeps every resource in both scopes: Ready, one boundary of three machines', async () => {
    const dns = privateDnsClient(env.emulator, SUBSCRIPTION);
    for (const zone of ZONES) {
      await dns.virtualNetworkLinks.createOrUpdate('rg-network', zone, 'vnet-spoke-link', { location: 'global', virtualNetwork: { id: SPOKE }, registrationEnabled: false }, fastPoll);
    }
    await kubectl(['patch', 'mtopo', 'net', '--type=merge', '-p', JSON.stringify({ spec: { privateLinkScope: { alsoLinkTo: [LEGACY] } } })], { namespace: ns.name, check: true });
    const t = await waitForReady(ns.name, 'net', 60_000);
    const codes = (t.status?.findings ?? []).map((f) => f.code);
    expect(codes).not.toContain('PrivateDnsZoneNotLinked');
    expect(codes).not.toContain('DnsBoundaryConflict');
    expect(t.status?.dnsBoundaries?.[0]).toMatchObject({ privateLinkScopes: [estateIds.scope, LEGACY], machines: 3 });
    expect(t.status?.dnsBoundaries?.[0]?.virtualNetworks).toHaveLength(2);
    expect(condition(t, 'DnsBoundaryReady')?.status).toBe('True');
  });

  it('a network read that fails with 503 is retried with backoff, not left for the next resync (10 minutes here)', async () => {
    // Every private DNS read answers 503 (after the SDK's own retries): the pass reports it and fails.
    env.emulator.setFaults({ pathPattern: 'Microsoft\\.Network/privateDnsZones', serverErrorRate: 1, serverErrorStatus: 503 });
    await kubectl(['patch', 'mtopo', 'net', '--type=merge', '-p', JSON.stringify({ spec: { discoveryInterval: '15s' } })], { namespace: ns.name, check: true });
    await waitForTopology(ns.name, 'net', (t) => {
      expect(t.status?.observedGeneration).toBe(t.metadata?.generation);
      expect((t.status?.findings ?? []).some((f) => f.code === 'ArmRequestFailed' && f.resourceId.includes('privateDnsZones'))).toBe(true);
      expect(condition(t, 'Ready')?.status).not.toBe('True');
    }, 90_000);
    env.emulator.setFaults({});
    // Nothing else changes: only a retry of the failed pass can make the topology Ready before the resync.
    const t = await waitForReady(ns.name, 'net', 90_000);
    expect((t.status?.findings ?? []).map((f) => f.code)).not.toContain('ArmRequestFailed');
  }, 200_000);
});
