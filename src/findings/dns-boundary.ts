// DNS boundaries derived from Azure: the private DNS zones and the virtual networks linked to them. Networks linked
// to the same zones resolve the same records, so they share one boundary (the seed's "same DNS").
import { idKey } from '../model/index.ts';
import type { ObservedDnsZone, ObservedPrivateEndpoint } from '../model/index.ts';
import { nameOf } from './finding.ts';

/** The five zones an Azure Monitor private endpoint needs (the scope's requiredZoneNames). */
export const MONITOR_ZONES = [
  'privatelink.monitor.azure.com',
  'privatelink.oms.opinsights.azure.com',
  'privatelink.ods.opinsights.azure.com',
  'privatelink.agentsvc.azure-automation.net',
  'privatelink.blob.core.windows.net',
] as const;

/** Shared global records every scope's endpoint writes, by zone: the last writer wins them (seed). */
export const SHARED_RECORDS: readonly { zone: string; name: string }[] = [
  { zone: 'privatelink.monitor.azure.com', name: 'api' },
  { zone: 'privatelink.monitor.azure.com', name: 'global.handler.control' },
  { zone: 'privatelink.monitor.azure.com', name: 'global.in.ai' },
  { zone: 'privatelink.monitor.azure.com', name: 'live' },
  { zone: 'privatelink.monitor.azure.com', name: 'profiler' },
  { zone: 'privatelink.monitor.azure.com', name: 'snapshot' },
  { zone: 'privatelink.monitor.azure.com', name: 'diagservices-query' },
  { zone: 'privatelink.blob.core.windows.net', name: 'scadvisorcontentpl' },
];

export interface DnsBoundary {
  /** Stable key: the sorted keys of its zones. */
  key: string;
  /** Display name: the resource group holding its zones (or the topology's declared name). */
  name: string;
  zones: ObservedDnsZone[];
  /** Virtual networks linked to its zones. */
  networkIds: string[];
}

function resourceGroupOf(id: string): string {
  return /\/resourceGroups\/([^/]+)/i.exec(id)?.[1] ?? nameOf(id);
}

/**
 * Groups zones into boundaries: two zones are in one boundary when some network is linked to both, and every
 * network linked to a zone of the boundary belongs to it. A zone no network is linked to is a boundary alone.
 */
export function deriveBoundaries(zones: readonly ObservedDnsZone[]): DnsBoundary[] {
  const parent = new Map<string, string>();
  const find = (k: string): string => {
    let root = k;
    while (parent.get(root) !== root) root = parent.get(root) ?? root;
    parent.set(k, root);
    return root;
  };
  const union = (a: string, b: string): void => {
    parent.set(find(a), find(b));
  };
  for (const z of zones) {
    parent.set(`z:${idKey(z.id)}`, `z:${idKey(z.id)}`);
    for (const n of z.linkedNetworkIds) if (!parent.has(`n:${idKey(n)}`)) parent.set(`n:${idKey(n)}`, `n:${idKey(n)}`);
  }
  for (const z of zones) for (const n of z.linkedNetworkIds) union(`z:${idKey(z.id)}`, `n:${idKey(n)}`);
  const groups = new Map<string, { zones: ObservedDnsZone[]; networks: Map<string, string> }>();
  for (const z of zones) {
    const root = find(`z:${idKey(z.id)}`);
    let g = groups.get(root);
    if (!g) groups.set(root, (g = { zones: [], networks: new Map() }));
    g.zones.push(z);
    for (const n of z.linkedNetworkIds) g.networks.set(idKey(n), n);
  }
  const out: DnsBoundary[] = [];
  for (const g of groups.values()) {
    g.zones.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const monitor = g.zones.find((z) => z.name === MONITOR_ZONES[0]) ?? g.zones[0];
    out.push({
      key: g.zones.map((z) => idKey(z.id)).sort().join('|'),
      name: monitor ? resourceGroupOf(monitor.id) : '',
      zones: g.zones,
      networkIds: [...g.networks.values()].sort((a, b) => (idKey(a) < idKey(b) ? -1 : 1)),
    });
  }
  return out.sort((a, b) => (a.key < b.key ? -1 : 1));
}

/** The boundary a network resolves in (linked to one of its zones), if any. */
export function boundaryOfNetwork(boundaries: readonly DnsBoundary[], networkId: string): DnsBoundary | undefined {
  const k = idKey(networkId);
  return boundaries.find((b) => b.networkIds.some((n) => idKey(n) === k));
}

/** The zone of a given name in a boundary. */
export function zoneIn(boundary: DnsBoundary, name: string): ObservedDnsZone | undefined {
  return boundary.zones.find((z) => z.name === name);
}

/** Which endpoint (and so which scopes) an IP belongs to. */
export function endpointsByIp(endpoints: readonly ObservedPrivateEndpoint[]): Map<string, ObservedPrivateEndpoint> {
  const out = new Map<string, ObservedPrivateEndpoint>();
  for (const e of endpoints) for (const c of e.customDnsConfigs) for (const ip of c.ips) out.set(ip, e);
  return out;
}

/** Approved scopes of an endpoint. */
export function approvedScopes(e: ObservedPrivateEndpoint): string[] {
  return e.connections.filter((c) => c.status === 'Approved').map((c) => c.scopeId);
}

/**
 * The private link scopes present in a boundary: those whose approved endpoints write its zones, and those whose
 * endpoints own the addresses its shared records hold.
 */
export function scopesInBoundary(boundary: DnsBoundary, endpoints: readonly ObservedPrivateEndpoint[]): Map<string, string> {
  const zoneKeys = new Set(boundary.zones.map((z) => idKey(z.id)));
  const out = new Map<string, string>();
  for (const e of endpoints) {
    if (!e.zoneIds.some((z) => zoneKeys.has(idKey(z)))) continue;
    for (const s of approvedScopes(e)) out.set(idKey(s), s);
  }
  const byIp = endpointsByIp(endpoints);
  for (const r of SHARED_RECORDS) {
    for (const ip of zoneIn(boundary, r.zone)?.records[r.name] ?? []) {
      const owner = byIp.get(ip);
      for (const s of owner ? approvedScopes(owner) : []) out.set(idKey(s), s);
    }
  }
  return out;
}

/** The scope whose endpoint the shared `api` record points to now: the last writer. */
export function sharedRecordOwner(boundary: DnsBoundary, endpoints: readonly ObservedPrivateEndpoint[]): { ip?: string; endpoint?: ObservedPrivateEndpoint } {
  const ip = zoneIn(boundary, MONITOR_ZONES[0])?.records['api']?.[0];
  return { ip, endpoint: ip ? endpointsByIp(endpoints).get(ip) : undefined };
}

