// Observe the network a topology depends on, read only and in bulk: the scope's private endpoint connections, the
// private endpoints of the subscriptions involved (with their zone groups), the Azure Monitor private DNS zones
// (records and links), and the target machines' interfaces and networks listed per resource group.
import type { NetworkInterface, PrivateEndpoint } from '@azure/arm-network';
import type PQueue from 'p-queue';
import type { MonitoringTopologySpec } from '../api/types.ts';
import type { NetworkSnapshot, ObservedDnsZone, ObservedMachineNetwork, ObservedPrivateEndpoint, RequiredRecord } from '../model/index.ts';
import type { ReadError, Snapshot } from '../model/index.ts';
import type { ArmClientCache } from './clients.ts';
import { collect } from './clients.ts';
import { guardedReads } from './errors.ts';
import { IdMap, idKey, isRecord, isType, parseArmId, ResourceTypes } from '../model/index.ts';
import { WORKSPACE_API_VERSION } from './observe.ts';

// The AMPLS private link resource's requiredZoneNames (arm-contract wave 2 §9).
const MONITOR_ZONES = new Set([
  'privatelink.monitor.azure.com',
  'privatelink.oms.opinsights.azure.com',
  'privatelink.ods.opinsights.azure.com',
  'privatelink.agentsvc.azure-automation.net',
  'privatelink.blob.core.windows.net',
]);
const WORKSPACE_ZONES = ['privatelink.oms.opinsights.azure.com', 'privatelink.ods.opinsights.azure.com', 'privatelink.agentsvc.azure-automation.net'];
const SCOPE_SEGMENT = /\/providers\/microsoft\.insights\/privatelinkscopes\/[^/]+$/i;

export interface NetworkObserveContext {
  clients: ArmClientCache;
  queue: PQueue;
  signal?: AbortSignal;
}

const subscriptionOf = (id: string): string | undefined => parseArmId(id)?.subscriptionId;
const resourceGroupKey = (id: string): string | undefined => {
  const p = parseArmId(id);
  return p?.resourceGroup ? `/subscriptions/${p.subscriptionId}/resourceGroups/${p.resourceGroup}` : undefined;
};
const hostOf = (url: string | undefined): string | undefined => (url ? /^https?:\/\/([^/]+)/i.exec(url)?.[1]?.toLowerCase() : undefined);

function toEndpoint(pe: PrivateEndpoint): ObservedPrivateEndpoint | undefined {
  if (!pe.id) return undefined;
  const connections = [...(pe.privateLinkServiceConnections ?? []), ...(pe.manualPrivateLinkServiceConnections ?? [])]
    .filter((c) => typeof c.privateLinkServiceId === 'string')
    .map((c) => ({ scopeId: c.privateLinkServiceId ?? '', status: c.privateLinkServiceConnectionState?.status ?? 'Unknown' }));
  return {
    id: pe.id,
    connections,
    customDnsConfigs: (pe.customDnsConfigs ?? []).map((c) => ({ fqdn: (c.fqdn ?? '').toLowerCase(), ips: c.ipAddresses ?? [] })),
    zoneIds: [],
  };
}

function toMachineNetwork(nic: NetworkInterface): ObservedMachineNetwork | undefined {
  const vm = nic.virtualMachine?.id;
  const configs = nic.ipConfigurations ?? [];
  const primary = configs.find((c) => c.primary === true) ?? configs[0];
  const subnetId = primary?.subnet?.id;
  if (!nic.id || !vm || !subnetId) return undefined;
  return {
    machineId: vm,
    networkInterfaceId: nic.id,
    subnetId,
    virtualNetworkId: subnetId.replace(/\/subnets\/[^/]+$/i, ''),
    interfaceDnsServers: nic.dnsSettings?.dnsServers ?? [],
  };
}

/**
 * Reads the network evidence for one topology. Cost: one connection list for the scope, per subscription involved
 * one private endpoint list and one zone list, one zone-group list per Azure Monitor endpoint, two lists per zone,
 * one NIC list per resource group of the machines, one VNet list per resource group of their networks, and one
 * GET per workspace and data collection endpoint on the data path.
 */
export async function observeNetwork(spec: MonitoringTopologySpec, snapshot: Snapshot, ctx: NetworkObserveContext): Promise<NetworkSnapshot> {
  const { clients, queue, signal } = ctx;
  const opts = signal ? { abortSignal: signal } : {};
  const errors: ReadError[] = [];
  const run = guardedReads(queue, errors);

  const scopeId = snapshot.scope?.id ?? spec.privateLinkScope.resourceId;
  const scope = parseArmId(scopeId);
  const machineIds = snapshot.machines.filter((m) => m.kind === 'VirtualMachine').map((m) => m.id);

  // The data path's resources, for the records they need: the configuration endpoint, each rule's DCE, and the
  // workspaces linked to the scope or written to by a rule.
  const dceIds = new IdMap<string>();
  dceIds.set(spec.configurationEndpoint.resourceId, spec.configurationEndpoint.resourceId);
  for (const r of snapshot.rules) if (r.dataCollectionEndpointId) dceIds.set(r.dataCollectionEndpointId, r.dataCollectionEndpointId);
  const workspaceIds = new IdMap<string>();
  for (const s of snapshot.scope?.scopedResources ?? []) if (isType(s.linkedResourceId, ResourceTypes.workspace)) workspaceIds.set(s.linkedResourceId, s.linkedResourceId);
  for (const r of snapshot.rules) for (const ids of Object.values(r.streamDestinations)) for (const w of ids) workspaceIds.set(w, w);

  const connectionsP = scope?.resourceGroup && scope.name
    ? run(scopeId, () => clients.for(scope.subscriptionId).monitor.privateEndpointConnections.listByPrivateLinkScope(scope.resourceGroup as string, scope.name as string, opts))
    : Promise.resolve(undefined);

  const required: RequiredRecord[] = [];
  const recordsP = Promise.all([
    ...[...dceIds.values()].map(async (id) => {
      const p = parseArmId(id);
      if (!p?.resourceGroup || !p.name) return;
      const dce = await run(id, () => clients.for(p.subscriptionId).monitor.dataCollectionEndpoints.get(p.resourceGroup as string, p.name as string, opts));
      for (const url of [dce?.configurationAccess?.endpoint, dce?.logsIngestion?.endpoint]) {
        const host = hostOf(url);
        if (host?.endsWith('.monitor.azure.com')) required.push({ resourceId: id, zone: 'privatelink.monitor.azure.com', name: host.slice(0, -'.monitor.azure.com'.length) });
      }
    }),
    ...[...workspaceIds.values()].map(async (id) => {
      const body = await run(id, () => clients.getRaw(id, WORKSPACE_API_VERSION, signal));
      const p = body && isRecord(body['properties']) ? body['properties'] : {};
      const customerId = typeof p['customerId'] === 'string' ? p['customerId'].toLowerCase() : undefined;
      if (customerId) for (const zone of WORKSPACE_ZONES) required.push({ resourceId: id, zone, name: customerId });
    }),
  ]);

  // Machines' interfaces, listed per resource group (never one GET per machine).
  const machineGroups = new Map<string, string>();
  for (const id of machineIds) {
    const g = resourceGroupKey(id);
    if (g) machineGroups.set(idKey(g), g);
  }
  const machineKeys = new Set(machineIds.map(idKey));
  const nicsP = Promise.all(
    [...machineGroups.values()].map((g) => {
      const p = parseArmId(g);
      return run(g, async () => collect((await clients.optional(p?.subscriptionId ?? '', 'network')).networkInterfaces.list(p?.resourceGroup ?? '', opts)));
    }),
  );

  const connections = (await connectionsP)?.value ?? [];
  const subscriptions = new Map<string, string>();
  for (const id of [scopeId, ...machineIds, ...connections.map((c) => c.privateEndpoint?.id ?? '')]) {
    const s = subscriptionOf(id);
    if (s) subscriptions.set(s.toLowerCase(), s);
  }

  // Every private endpoint and Azure Monitor zone of the subscriptions involved.
  const endpoints = new IdMap<ObservedPrivateEndpoint>();
  const zoneRefs = new IdMap<string>();
  await Promise.all(
    [...subscriptions.values()].flatMap((sub) => [
      run(`/subscriptions/${sub}`, async () => {
        for (const pe of await collect((await clients.optional(sub, 'network')).privateEndpoints.listBySubscription(opts))) {
          const e = toEndpoint(pe);
          if (e && e.connections.some((c) => SCOPE_SEGMENT.test(c.scopeId))) endpoints.set(e.id, e);
        }
      }),
      run(`/subscriptions/${sub}`, async () => {
        for (const z of await collect((await clients.optional(sub, 'privateDns')).privateZones.list(opts))) {
          if (z.id && MONITOR_ZONES.has((z.name ?? '').toLowerCase())) zoneRefs.set(z.id, z.id);
        }
      }),
    ]),
  );
  // Zone groups of the Azure Monitor endpoints: which zones each writes (zones elsewhere are found this way too).
  await Promise.all(
    [...endpoints.values()].map((e) => {
      const p = parseArmId(e.id);
      if (!p?.resourceGroup || !p.name) return Promise.resolve();
      return run(e.id, async () => {
        for (const g of await collect((await clients.optional(p.subscriptionId, 'network')).privateDnsZoneGroups.list(p.resourceGroup as string, p.name as string, opts))) {
          for (const c of g.privateDnsZoneConfigs ?? []) {
            if (!c.privateDnsZoneId) continue;
            e.zoneIds.push(c.privateDnsZoneId);
            if (MONITOR_ZONES.has((c.privateDnsZoneId.split('/').pop() ?? '').toLowerCase())) zoneRefs.set(c.privateDnsZoneId, c.privateDnsZoneId);
          }
        }
      });
    }),
  );

  const zones: ObservedDnsZone[] = [];
  await Promise.all(
    [...zoneRefs.values()].map(async (id) => {
      const p = parseArmId(id);
      if (!p?.resourceGroup || !p.name) return;
      const [records, links] = await Promise.all([
        run(id, async () => collect((await clients.optional(p.subscriptionId, 'privateDns')).recordSets.listByType(p.resourceGroup as string, p.name as string, 'A', opts))),
        run(id, async () => collect((await clients.optional(p.subscriptionId, 'privateDns')).virtualNetworkLinks.list(p.resourceGroup as string, p.name as string, opts))),
      ]);
      if (!records || !links) return;
      zones.push({
        id,
        name: (p.name).toLowerCase(),
        linkedNetworkIds: links.flatMap((l) => (l.virtualNetwork?.id ? [l.virtualNetwork.id] : [])),
        records: Object.fromEntries(records.map((r) => [(r.name ?? '').toLowerCase(), (r.aRecords ?? []).flatMap((a) => (a.ipv4Address ? [a.ipv4Address] : []))])),
      });
    }),
  );

  const machines: ObservedMachineNetwork[] = [];
  for (const list of await nicsP) {
    for (const nic of list ?? []) {
      const m = toMachineNetwork(nic);
      if (m && machineKeys.has(idKey(m.machineId))) machines.push(m);
    }
  }
  // The machines' networks, listed per resource group, for their DNS servers.
  const networkGroups = new Map<string, string>();
  for (const m of machines) {
    const g = resourceGroupKey(m.virtualNetworkId);
    if (g) networkGroups.set(idKey(g), g);
  }
  const wanted = new Set(machines.map((m) => idKey(m.virtualNetworkId)));
  const networks = (
    await Promise.all(
      [...networkGroups.values()].map((g) => {
        const p = parseArmId(g);
        return run(g, async () => collect((await clients.optional(p?.subscriptionId ?? '', 'network')).virtualNetworks.list(p?.resourceGroup ?? '', opts)));
      }),
    )
  )
    .flatMap((l) => l ?? [])
    .filter((v) => v.id && wanted.has(idKey(v.id)))
    .map((v) => ({ id: v.id ?? '', dnsServers: v.dhcpOptions?.dnsServers ?? [] }));

  // Other scopes with endpoints here: what they link, to name resources linked to only one side.
  const known = new IdMap<string[]>();
  known.set(scopeId, []);
  for (const s of snapshot.alsoLinkScopes) known.set(s.id, s.scopedResources.map((r) => r.linkedResourceId));
  const otherScopes: NetworkSnapshot['otherScopes'] = snapshot.alsoLinkScopes.map((s) => ({ scopeId: s.id, linkedResourceIds: s.scopedResources.map((r) => r.linkedResourceId) }));
  const others = new IdMap<string>();
  for (const e of endpoints.values()) for (const c of e.connections) if (SCOPE_SEGMENT.test(c.scopeId) && !known.has(c.scopeId)) others.set(c.scopeId, c.scopeId);
  await Promise.all(
    [...others.values()].map((id) => {
      const p = parseArmId(id);
      if (!p?.resourceGroup || !p.name) return Promise.resolve();
      return run(id, async () => {
        const scoped = await collect(clients.for(p.subscriptionId).monitor.privateLinkScopedResources.listByPrivateLinkScope(p.resourceGroup as string, p.name as string, opts));
        otherScopes.push({ scopeId: id, linkedResourceIds: scoped.flatMap((r) => (r.linkedResourceId ? [r.linkedResourceId] : [])) });
      });
    }),
  );
  await recordsP;

  return {
    connections: connections.map((c) => ({
      name: c.name ?? '',
      privateEndpointId: c.privateEndpoint?.id ?? '',
      status: c.privateLinkServiceConnectionState?.status ?? 'Unknown',
    })),
    endpoints: [...endpoints.values()],
    zones: zones.sort((a, b) => (idKey(a.id) < idKey(b.id) ? -1 : 1)),
    networks,
    machines,
    otherScopes,
    requiredRecords: required,
    errors,
  };
}
