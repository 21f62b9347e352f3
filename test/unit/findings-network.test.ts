// Network conclusions from plain data: DNS boundaries derived from zones and links, the seed's four-row table,
// networks that resolve public addresses, missing or foreign records, and unapproved or absent endpoints.
import { describe, expect, test } from 'vitest';
import { deriveBoundaries, MONITOR_ZONES } from '../../src/findings/dns-boundary.ts';
import { assessNetwork } from '../../src/findings/network.ts';
import type { NetworkCheckInput } from '../../src/findings/network.ts';
import type { NetworkSnapshot, ObservedDnsZone, ObservedPrivateEndpoint } from '../../src/model/network.ts';

const SUB = '/subscriptions/11111111-1111-1111-1111-111111111111';
const rg = (name: string): string => `${SUB}/resourceGroups/${name}`;
const vnet = (name: string): string => `${rg('rg-net')}/providers/Microsoft.Network/virtualNetworks/${name}`;
const scope = (name: string): string => `${rg('rg-monitoring')}/providers/Microsoft.Insights/privateLinkScopes/${name}`;
const ws = (name: string): string => `${rg('rg-monitoring')}/providers/Microsoft.OperationalInsights/workspaces/${name}`;
const dce = (name: string): string => `${rg('rg-monitoring')}/providers/Microsoft.Insights/dataCollectionEndpoints/${name}`;
const WSID: Record<string, string> = { 'law-a': 'aaaaaaaa-0000-4000-8000-000000000001', 'law-b': 'bbbbbbbb-0000-4000-8000-000000000002' };

const SHARED = ['api', 'global.handler.control', 'global.in.ai', 'live', 'profiler', 'snapshot', 'diagservices-query'];

/** The records one linked resource needs, as the emulator and Azure name them. */
function namesOf(resourceId: string): { zone: string; name: string }[] {
  const n = resourceId.split('/').pop() ?? '';
  if (resourceId.includes('/workspaces/')) {
    return ['privatelink.oms.opinsights.azure.com', 'privatelink.ods.opinsights.azure.com', 'privatelink.agentsvc.azure-automation.net'].map((zone) => ({ zone, name: WSID[n] ?? n }));
  }
  return [`${n}-ab12.westeurope-1.handler.control`, `${n}-ab12.westeurope-1.ingest`, `${n}-ab12.westeurope-1.metrics.ingest`].map((name) => ({ zone: 'privatelink.monitor.azure.com', name }));
}

interface World {
  zones: ObservedDnsZone[];
  endpoints: ObservedPrivateEndpoint[];
}

function zonesIn(group: string, links: string[]): ObservedDnsZone[] {
  return MONITOR_ZONES.map((name) => ({ id: `${rg(group)}/providers/Microsoft.Network/privateDnsZones/${name}`, name, linkedNetworkIds: links.map(vnet), records: {} }));
}

/** A scope's private endpoint writing its records into `zones`, in call order: the last write wins. */
function endpoint(world: World, scopeName: string, resources: string[], zones: ObservedDnsZone[], ip: string, status = 'Approved'): void {
  const id = `${rg('rg-net')}/providers/Microsoft.Network/privateEndpoints/pe-${scopeName}-${zones[0]?.id.split('/')[4] ?? ''}`;
  const configs: { fqdn: string; ips: string[] }[] = [];
  const write = (zone: string, name: string): void => {
    const z = zones.find((x) => x.name === zone);
    if (status === 'Approved' && z) z.records[name] = [ip];
    configs.push({ fqdn: `${name}.${zone.replace(/^privatelink\./, '')}`, ips: [ip] });
  };
  for (const n of SHARED) write('privatelink.monitor.azure.com', n);
  write('privatelink.blob.core.windows.net', 'scadvisorcontentpl');
  for (const r of resources) for (const x of namesOf(r)) write(x.zone, x.name);
  world.endpoints.push({ id, connections: [{ scopeId: scope(scopeName), status }], customDnsConfigs: status === 'Approved' ? configs : [], zoneIds: zones.map((z) => z.id) });
}

function machines(network: string, n: number, interfaceDnsServers: string[] = []): NetworkSnapshot['machines'] {
  return Array.from({ length: n }, (_, i) => ({
    machineId: `${rg('rg-workloads')}/providers/Microsoft.Compute/virtualMachines/${network}-vm-${i}`,
    networkInterfaceId: `${rg('rg-workloads')}/providers/Microsoft.Network/networkInterfaces/${network}-vm-${i}-nic`,
    subnetId: `${vnet(network)}/subnets/default`,
    virtualNetworkId: vnet(network),
    interfaceDnsServers,
  }));
}

function input(world: World, opts: { resources: string[]; others?: { scope: string; resources: string[] }[]; machines: NetworkSnapshot['machines']; dns?: Record<string, string[]>; mode?: 'PrivateOnly' | 'Open'; declared?: string; connections?: NetworkSnapshot['connections'] }): NetworkCheckInput {
  const a = scope('ampls-a');
  const own = world.endpoints.filter((e) => e.connections.some((c) => c.scopeId === a));
  return {
    scopeId: a,
    ingestionAccessMode: opts.mode ?? 'PrivateOnly',
    linkedResourceIds: opts.resources,
    declaredBoundary: opts.declared,
    network: {
      connections: opts.connections ?? own.map((e) => ({ name: `${e.id.split('/').pop() ?? ''}.guid`, privateEndpointId: e.id, status: e.connections[0]?.status ?? '' })),
      endpoints: world.endpoints,
      zones: world.zones,
      networks: ['hub', 'spoke', 'spoke2', 'isolated', 'custom'].map((n) => ({ id: vnet(n), dnsServers: opts.dns?.[n] ?? [] })),
      machines: opts.machines,
      otherScopes: (opts.others ?? []).map((o) => ({ scopeId: scope(o.scope), linkedResourceIds: o.resources })),
      requiredRecords: opts.resources.flatMap((r) => namesOf(r).map((x) => ({ resourceId: r, ...x }))),
      errors: [],
    },
  };
}

const codes = (i: NetworkCheckInput): string[] => assessNetwork(i).findings.map((f) => `${f.code}:${f.severity}`).sort();

describe('DNS boundaries derived from zones and their links', () => {
  test('networks linked to the same zones form one boundary; isolated zones another', () => {
    const hub = zonesIn('rg-hub', ['hub', 'spoke']);
    const isolated = zonesIn('rg-isolated', ['isolated']);
    const boundaries = deriveBoundaries([...hub, ...isolated]);
    expect(boundaries).toHaveLength(2);
    expect(boundaries.map((b) => b.name).sort()).toEqual(['rg-hub', 'rg-isolated']);
    expect(boundaries.find((b) => b.name === 'rg-hub')?.networkIds).toEqual([vnet('hub'), vnet('spoke')]);
    expect(boundaries.find((b) => b.name === 'rg-hub')?.zones).toHaveLength(5);
  });

  test('a network linked to zones in two resource groups joins them into one boundary', () => {
    const a = zonesIn('rg-a', ['hub']);
    const b = zonesIn('rg-b', ['spoke']).map((z) => ({ ...z, linkedNetworkIds: [vnet('spoke'), vnet('hub')] }));
    expect(deriveBoundaries([...a, ...b])).toHaveLength(1);
  });
});

describe("the seed's table, derived from Azure state alone (no dnsBoundary declared)", () => {
  const law = ws('law-a');
  const lawB = ws('law-b');
  const dceA = dce('dce-a');

  test('row 1: two scopes, same DNS, resources in only one: unsafe, naming what is linked to one side', () => {
    const world: World = { zones: zonesIn('rg-hub', ['hub', 'spoke']), endpoints: [] };
    endpoint(world, 'ampls-a', [law, dceA], world.zones, '10.0.1.4');
    endpoint(world, 'ampls-b', [lawB], world.zones, '10.0.1.20');
    const result = assessNetwork(input(world, { resources: [law, dceA], others: [{ scope: 'ampls-b', resources: [lawB] }], machines: machines('spoke', 3) }));
    const conflict = result.findings.find((f) => f.code === 'DnsBoundaryConflict');
    expect(conflict?.severity).toBe('Error');
    expect(conflict?.stage).toBe('ConfigurationEndpoint');
    expect(conflict?.message).toContain('linked only to ampls-a: law-a, dce-a');
    expect(conflict?.message).toContain('linked only to ampls-b: law-b');
    expect(conflict?.message).toContain('point to private link scope ampls-b (10.0.1.20)');
    expect(result.boundaries).toEqual([
      { name: 'rg-hub', zoneResourceGroup: 'rg-hub', virtualNetworks: [vnet('hub'), vnet('spoke')], privateLinkScopes: [scope('ampls-a'), scope('ampls-b')], machines: 3 },
    ]);
  });

  test('row 2: two scopes, same DNS, every resource in both: safe', () => {
    const world: World = { zones: zonesIn('rg-hub', ['hub', 'spoke']), endpoints: [] };
    endpoint(world, 'ampls-a', [law, dceA], world.zones, '10.0.1.4');
    endpoint(world, 'ampls-b', [law, dceA], world.zones, '10.0.1.20');
    const i = input(world, { resources: [law, dceA], others: [{ scope: 'ampls-b', resources: [law, dceA] }], machines: machines('spoke', 3) });
    expect(codes(i)).toEqual([]);
    expect(assessNetwork(i).boundaries[0]?.privateLinkScopes).toHaveLength(2);
  });

  test('row 3: two scopes in separate DNS (isolated networks): safe', () => {
    const hub = zonesIn('rg-hub', ['hub', 'spoke']);
    const isolated = zonesIn('rg-isolated', ['isolated']);
    const world: World = { zones: [...hub, ...isolated], endpoints: [] };
    endpoint(world, 'ampls-a', [law, dceA], hub, '10.0.1.4');
    endpoint(world, 'ampls-b', [lawB], isolated, '10.9.1.4');
    const i = input(world, { resources: [law, dceA], others: [{ scope: 'ampls-b', resources: [lawB] }], machines: machines('spoke', 2) });
    expect(codes(i)).toEqual([]);
    expect(assessNetwork(i).boundaries.map((b) => b.privateLinkScopes)).toEqual([[scope('ampls-a')]]);
  });

  test('row 4: a single scope: safe', () => {
    const world: World = { zones: zonesIn('rg-hub', ['hub', 'spoke']), endpoints: [] };
    endpoint(world, 'ampls-a', [law, dceA], world.zones, '10.0.1.4');
    expect(codes(input(world, { resources: [law, dceA], machines: machines('spoke', 5) }))).toEqual([]);
  });
});

describe('networks, records and endpoints', () => {
  const law = ws('law-a');
  const dceA = dce('dce-a');
  const world = (): World => {
    const w: World = { zones: zonesIn('rg-hub', ['hub', 'spoke']), endpoints: [] };
    endpoint(w, 'ampls-a', [law, dceA], w.zones, '10.0.1.4');
    return w;
  };

  test('a network using Azure DNS and not linked to the zones: Error under PrivateOnly, Warning under Open, machines counted', () => {
    const i = input(world(), { resources: [law, dceA], machines: [...machines('spoke2', 4), ...machines('spoke', 1)] });
    const f = assessNetwork(i).findings;
    expect(f.map((x) => x.code)).toEqual(['PrivateDnsZoneNotLinked']);
    expect(f[0]?.resourceId).toBe(vnet('spoke2'));
    expect(f[0]?.severity).toBe('Error');
    expect(f[0]?.message).toContain('(4 target machines)');
    expect(f[0]?.message).toContain('in rg-hub');
    expect(codes(input(world(), { resources: [law, dceA], machines: machines('spoke2', 1), mode: 'Open' }))).toEqual(['PrivateDnsZoneNotLinked:Warning']);
  });

  test('custom DNS servers, on the network or on interfaces: Info saying what to check', () => {
    const i = input(world(), { resources: [law, dceA], machines: [...machines('custom', 2), ...machines('spoke', 1, ['10.0.0.10'])], dns: { custom: ['10.0.0.4'] } });
    const f = assessNetwork(i).findings;
    expect(f.map((x) => `${x.code}:${x.severity}`)).toEqual(['CustomDnsServers:Info', 'CustomDnsServers:Info']);
    expect(f[0]?.message).toContain('forward monitor.azure.com, oms.opinsights.azure.com');
    expect(f[0]?.message).toContain('168.63.129.16');
  });

  test("a resource's records missing, or pointing to no endpoint of a scope that links it", () => {
    const w = world();
    const monitor = w.zones.find((z) => z.name === 'privatelink.monitor.azure.com');
    const ods = w.zones.find((z) => z.name === 'privatelink.ods.opinsights.azure.com');
    if (!monitor || !ods) throw new Error('zones');
    delete monitor.records['dce-a-ab12.westeurope-1.handler.control'];
    ods.records[WSID['law-a'] ?? ''] = ['10.7.7.7'];
    const f = assessNetwork(input(w, { resources: [law, dceA], machines: machines('spoke', 2) })).findings;
    expect(f.map((x) => `${x.code} ${x.resourceId.split('/').pop() ?? ''}`).sort()).toEqual(['PrivateDnsRecordMismatch law-a', 'PrivateDnsRecordMissing dce-a']);
    expect(f.find((x) => x.code === 'PrivateDnsRecordMissing')?.message).toContain('dce-a-ab12.westeurope-1.handler.control.privatelink.monitor.azure.com');
    expect(f.find((x) => x.code === 'PrivateDnsRecordMismatch')?.message).toContain('-> 10.7.7.7');
  });

  test('no private endpoint on a PrivateOnly scope; a Pending one; one Pending beside an Approved one', () => {
    const empty: World = { zones: zonesIn('rg-hub', ['hub', 'spoke']), endpoints: [] };
    expect(codes(input(empty, { resources: [law], machines: [] }))).toEqual(['PrivateEndpointMissing:Error']);
    expect(codes(input(empty, { resources: [law], machines: [], mode: 'Open' }))).toEqual(['PrivateEndpointMissing:Warning']);
    const pending: World = { zones: zonesIn('rg-hub', ['hub']), endpoints: [] };
    endpoint(pending, 'ampls-a', [law], pending.zones, '10.0.1.4', 'Pending');
    const f = assessNetwork(input(pending, { resources: [law], machines: [] })).findings;
    expect(f.map((x) => `${x.code}:${x.severity}`)).toEqual(['PrivateEndpointNotApproved:Error']);
    expect(f[0]?.message).toContain('az network private-endpoint-connection approve --id');
    const both = world();
    const conns = [
      { name: 'pe-1.g', privateEndpointId: both.endpoints[0]?.id ?? '', status: 'Approved' },
      { name: 'pe-2.g', privateEndpointId: `${rg('rg-net')}/providers/Microsoft.Network/privateEndpoints/pe-2`, status: 'Rejected' },
    ];
    expect(codes(input(both, { resources: [law, dceA], machines: machines('spoke', 1), connections: conns }))).toEqual(['PrivateEndpointNotApproved:Warning']);
  });

  test('a declared dnsBoundary names the derived boundary of the scope', () => {
    const r = assessNetwork(input(world(), { resources: [law, dceA], machines: machines('spoke', 2), declared: 'hub-westeurope' }));
    expect(r.boundaries.map((b) => [b.name, b.zoneResourceGroup, b.machines])).toEqual([['hub-westeurope', 'rg-hub', 2]]);
  });
});
