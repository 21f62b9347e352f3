// Microsoft.Network private endpoints and their private DNS zone groups (arm-contract-wave2.md §7), with the
// Azure Monitor behaviour of §9–§10: an endpoint connected to a private link scope serves the scope's names, and a
// zone group writes them as A records into the privatelink zones, where the last writer of a shared name wins.
import { createHash } from 'node:crypto';
import { errors } from '../../arm/errors.ts';
import { key, nameOf } from '../../arm/ids.ts';
import { isObject, keep, props, str } from '../../arm/json.ts';
import type { Env, Kind } from '../../arm/kind.ts';
import { describeId } from '../../arm/store.ts';
import type { StoredResource } from '../../arm/store.ts';
import type { Json } from '../../types.ts';
import { recordNameIn, servedNames } from './monitor-dns.ts';
import { A_RECORD_TYPE } from './private-dns.ts';
import { allocateIp, findSubnet, NETWORK_API_VERSIONS, networkBase, NIC_TYPE } from './virtual-networks.ts';

export const PE_TYPE = 'Microsoft.Network/privateEndpoints';
export const ZONE_GROUP_TYPE = 'Microsoft.Network/privateEndpoints/privateDnsZoneGroups';
const SCOPE_CONNECTION_TYPE = 'Microsoft.Insights/privateLinkScopes/privateEndpointConnections';
// rule: network.pe.record-ttl — invented: records written by zone groups carry a short TTL; 10 s is what portal-created ones show
const RECORD_TTL = 10;

type ConnectionList = 'privateLinkServiceConnections' | 'manualPrivateLinkServiceConnections';
const LISTS: ConnectionList[] = ['privateLinkServiceConnections', 'manualPrivateLinkServiceConnections'];

const stableGuid = (seed: string): string => {
  const h = createHash('sha256').update(key(seed)).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
};

const isScope = (id: string): boolean => /\/providers\/microsoft\.insights\/privatelinkscopes\/[^/]+$/i.test(id);

function connections(pe: Json): Json[] {
  const p = (pe.properties ?? {}) as Json;
  return LISTS.flatMap((l) => (Array.isArray(p[l]) ? (p[l] as Json[]) : []));
}

const targetOf = (c: Json): string => str((c.properties as Json | undefined)?.privateLinkServiceId);

/** The connection a private endpoint creates on a private link scope; its name is `<endpoint>.<guid>` as in Azure. */
const scopeConnectionId = (scopeId: string, peId: string): string => `${scopeId}/privateEndpointConnections/${nameOf(peId)}.${stableGuid(peId)}`;

export const privateEndpoints: Kind = {
  type: PE_TYPE,
  apiVersions: NETWORK_API_VERSIONS,
  locationRequired: true,
  // rule: network.pe.lro — source: reference/arm-contract-wave2.md §7 table (PUT long-running with azure-async-operation, DELETE with location)
  putLro: true,
  deleteLro: true,
  patch: true,
  list: 'paged',
  etagInBody: true,
  // Private endpoints by the scope they connect to, so a scope change reaches its endpoints.
  index(r) {
    return connections(r.body).map((c): [string, string] => ['peTarget', targetOf(c)]).filter(([, v]) => v !== '');
  },
  build(ctx) {
    const body = networkBase(ctx);
    const p = props(body);
    const subnetId = isObject(p.subnet) ? p.subnet.id : undefined;
    if (typeof subnetId !== 'string' || !findSubnet(ctx.env, subnetId)) {
      throw errors.badRequest('InvalidResourceReference', `Resource ${str(subnetId)} referenced by resource ${ctx.id} was not found.`);
    }
    for (const list of LISTS) {
      const items = Array.isArray(p[list]) ? (p[list] as unknown[]) : [];
      p[list] = items.map((c) => {
        if (!isObject(c) || typeof c.name !== 'string' || !isObject(c.properties)) throw errors.badRequest('InvalidRequestFormat', `Every entry of '${list}' needs a name and properties.`);
        const cp: Json = { ...c.properties };
        const target = str(cp.privateLinkServiceId);
        // rule: network.pe.scope-targets-only — invented: only Azure Monitor private link scopes are emulated as targets (a limit of this emulator)
        if (!isScope(target) || !ctx.env.store.get(target)) throw errors.badRequest('LinkedResourceNotFound', `The private link resource ${target} was not found.`);
        const groups = Array.isArray(cp.groupIds) ? cp.groupIds : [];
        // rule: network.pe.azuremonitor-group — source: reference/arm-contract-wave2.md §7 and §9 (an AMPLS offers one group, azuremonitor)
        if (groups.length !== 1 || str(groups[0]).toLowerCase() !== 'azuremonitor') throw errors.badRequest('InvalidRequestFormat', "A private link scope connection needs groupIds ['azuremonitor'].");
        delete cp.privateLinkServiceConnectionState;
        return { name: c.name, id: `${ctx.id}/privateLinkServiceConnections/${c.name}`, properties: cp };
      });
    }
    // rule: network.pe.nic-name — source: reference/arm-contract-wave2.md §7 (the platform NIC is <pe>.nic.<id> unless customNetworkInterfaceName is set)
    const nicName = typeof p.customNetworkInterfaceName === 'string' ? p.customNetworkInterfaceName : `${ctx.name}.nic.${stableGuid(ctx.id)}`;
    const rg = describeId(ctx.id).parent;
    p.networkInterfaces = keep(ctx.existing, ['properties', 'networkInterfaces']) ?? [{ id: `${rg}/providers/Microsoft.Network/networkInterfaces/${nicName}` }];
    p.customDnsConfigs = keep(ctx.existing, ['properties', 'customDnsConfigs']) ?? [];
    if (!Array.isArray(p.ipConfigurations)) p.ipConfigurations = [];
    if (!Array.isArray(p.applicationSecurityGroups)) p.applicationSecurityGroups = [];
    p.provisioningState = 'Succeeded';
    return body;
  },
  // rule: network.pe.connection-state — source: Learn: private endpoint connection states (Approved, Pending, Rejected; Disconnected once the owner removed it)
  view(env, resource) {
    const body = structuredClone(resource.body);
    for (const c of connections(body)) {
      const target = targetOf(c);
      if (!isScope(target)) continue;
      const sc = env.store.get(scopeConnectionId(target, resource.id));
      const state = (sc?.body.properties as Json | undefined)?.privateLinkServiceConnectionState;
      (c.properties as Json).privateLinkServiceConnectionState = isObject(state)
        ? structuredClone(state)
        : { status: 'Disconnected', description: 'The connection was removed by the private link scope owner.', actionsRequired: 'None' };
    }
    return body;
  },
  afterWrite(env, resource) {
    syncEndpoint(env, resource.id, true);
  },
  beforeDelete(env, resource) {
    for (const g of env.store.list(resource.id, ZONE_GROUP_TYPE)) removeRecords(env, g, resource);
    for (const c of connections(resource.body)) env.store.delete(scopeConnectionId(targetOf(c), resource.id));
    for (const n of ((props(resource.body).networkInterfaces ?? []) as Json[])) env.store.delete(str(n.id));
  },
};

/**
 * Brings an endpoint in line with its scope: the scope's connection exists, the endpoint serves every name of the
 * scope's resources once Approved (customDnsConfigs), its NIC holds one IP per name (compressed names share one),
 * and its zone groups get the records of names it did not serve before (or all, on `rewriteAll`).
 */
export function syncEndpoint(env: Env, peId: string, rewriteAll: boolean): void {
  const pe = env.store.get(peId);
  if (!pe) return;
  const body = structuredClone(pe.body);
  const p = props(body);
  const subnetId = str((p.subnet as Json | undefined)?.id);
  const served: { fqdn: string; ipKey: string }[] = [];
  for (const list of LISTS) {
    for (const c of (p[list] ?? []) as Json[]) {
      const scopeId = targetOf(c);
      if (!isScope(scopeId) || !env.store.get(scopeId)) continue;
      const cid = scopeConnectionId(scopeId, peId);
      let sc = env.store.get(cid);
      if (!sc) {
        // rule: network.pe.auto-approval — source: PrivateEndpointList.json (auto-approved for privateLinkServiceConnections, Pending for manual ones)
        const manual = list === 'manualPrivateLinkServiceConnections';
        sc = env.store.put({
          id: cid,
          name: nameOf(cid),
          type: SCOPE_CONNECTION_TYPE,
          properties: {
            privateEndpoint: { id: pe.id },
            groupIds: ['azuremonitor'],
            privateLinkServiceConnectionState: manual
              ? { status: 'Pending', description: str((c.properties as Json).requestMessage) || 'Awaiting approval', actionsRequired: 'None' }
              : { status: 'Approved', description: 'Auto-Approved', actionsRequired: 'None' },
            provisioningState: 'Succeeded',
          },
        });
      }
      const status = str(((sc.body.properties as Json).privateLinkServiceConnectionState as Json | undefined)?.status);
      // rule: network.pe.approved-only — invented: names are served (and written to DNS) only while the connection is Approved
      if (status === 'Approved') served.push(...servedNames(env, scopeId));
    }
  }
  const before = new Map<string, string>();
  for (const d of (p.customDnsConfigs ?? []) as Json[]) {
    const ip = ((d.ipAddresses ?? []) as string[])[0];
    if (typeof d.fqdn === 'string' && ip) before.set(d.fqdn.toLowerCase(), ip);
  }
  const byKey = new Map<string, string>();
  const taken = new Set(before.values());
  const nicId = str((((p.networkInterfaces ?? []) as Json[])[0])?.id);
  // The endpoint's own NIC is re-written below: its addresses are reused, not counted as taken by others.
  const configs: Json[] = [];
  const fresh: { fqdn: string; ip: string }[] = [];
  for (const s of served) {
    let ip = before.get(s.fqdn) ?? byKey.get(s.ipKey);
    if (!ip) {
      ip = allocateIp(env, subnetId, taken);
      taken.add(ip);
    }
    byKey.set(s.ipKey, ip);
    if (configs.some((c) => c.fqdn === s.fqdn)) continue;
    configs.push({ fqdn: s.fqdn, ipAddresses: [ip] });
    if (rewriteAll || !before.has(s.fqdn)) fresh.push({ fqdn: s.fqdn, ip });
  }
  p.customDnsConfigs = configs;
  env.store.put(body, pe.etag);
  if (nicId) writeNic(env, pe, nicId, subnetId, configs);
  for (const g of env.store.list(peId, ZONE_GROUP_TYPE)) writeRecords(env, g, fresh);
}

function writeNic(env: Env, pe: StoredResource, nicId: string, subnetId: string, configs: Json[]): void {
  const byIp = new Map<string, string[]>();
  for (const c of configs) {
    const ip = ((c.ipAddresses ?? []) as string[])[0] ?? '';
    byIp.set(ip, [...(byIp.get(ip) ?? []), str(c.fqdn)]);
  }
  let i = 0;
  const ipConfigurations = [...byIp].map(([ip, fqdns]) => ({
    name: `privateEndpointIpConfig.${stableGuid(`${nicId}/${ip}`)}`,
    id: `${nicId}/ipConfigurations/privateEndpointIpConfig.${stableGuid(`${nicId}/${ip}`)}`,
    properties: {
      privateIPAddress: ip,
      privateIPAllocationMethod: 'Dynamic',
      privateIPAddressVersion: 'IPv4',
      subnet: { id: subnetId },
      primary: i++ === 0,
      provisioningState: 'Succeeded',
      // rule: network.pe.custom-dns-configs — source: reference/arm-contract-wave2.md §7 (unverified shape: the group and member each address serves)
      privateLinkConnectionProperties: { groupId: 'azuremonitor', requiredMemberName: (fqdns[0] ?? '').split('.')[0], fqdns },
    },
  }));
  env.store.put({
    id: nicId,
    name: nameOf(nicId),
    type: NIC_TYPE,
    location: pe.body.location,
    properties: {
      ipConfigurations,
      dnsSettings: { dnsServers: [] },
      privateEndpoint: { id: pe.id },
      provisioningState: 'Succeeded',
    },
  });
}

/** Writes A records for `names` into every zone of the group that holds them; shared names are overwritten (seed: last write wins). */
function writeRecords(env: Env, group: StoredResource, names: readonly { fqdn: string; ip: string }[]): void {
  const body = structuredClone(group.body);
  for (const config of (props(body).privateDnsZoneConfigs ?? []) as Json[]) {
    const cp = props(config);
    const zoneId = str(cp.privateDnsZoneId);
    const zone = env.store.get(zoneId);
    if (!zone) continue;
    const zoneName = nameOf(zone.id).toLowerCase();
    const recordSets = new Map<string, Json>(((cp.recordSets ?? []) as Json[]).map((r) => [str(r.recordSetName), r]));
    for (const n of names) {
      const name = recordNameIn(zoneName, n.fqdn);
      if (!name) continue;
      env.store.put({
        id: `${zone.id}/A/${name}`,
        name,
        type: A_RECORD_TYPE,
        properties: { ttl: RECORD_TTL, fqdn: `${name}.${zoneName}.`, isAutoRegistered: false, aRecords: [{ ipv4Address: n.ip }] },
      });
      recordSets.set(name, { recordType: 'A', recordSetName: name, fqdn: `${name}.${zoneName}`, ttl: RECORD_TTL, ipAddresses: [n.ip], provisioningState: 'Succeeded' });
    }
    cp.recordSets = [...recordSets.values()];
  }
  env.store.put(body, group.etag);
}

/** Deletes the records a group wrote that still point to this endpoint; records another endpoint overwrote stay. */
function removeRecords(env: Env, group: StoredResource, pe: StoredResource): void {
  const ips = new Set(((props(pe.body).customDnsConfigs ?? []) as Json[]).flatMap((d) => (d.ipAddresses ?? []) as string[]));
  for (const config of (props(group.body).privateDnsZoneConfigs ?? []) as Json[]) {
    const cp = props(config);
    for (const r of (cp.recordSets ?? []) as Json[]) {
      const id = `${str(cp.privateDnsZoneId)}/A/${str(r.recordSetName)}`;
      const record = env.store.get(id);
      const current = (((record?.body.properties as Json | undefined)?.aRecords ?? []) as Json[]).map((a) => str(a.ipv4Address));
      if (record && current.every((ip) => ips.has(ip))) env.store.delete(id);
    }
  }
}

export const zoneGroups: Kind = {
  type: ZONE_GROUP_TYPE,
  apiVersions: NETWORK_API_VERSIONS,
  parentType: PE_TYPE,
  putLro: true,
  deleteLro: true,
  list: 'paged',
  etagInBody: true,
  build(ctx) {
    const body = networkBase(ctx);
    const p = props(body);
    const configs = Array.isArray(p.privateDnsZoneConfigs) ? (p.privateDnsZoneConfigs as unknown[]) : [];
    p.privateDnsZoneConfigs = configs.map((c) => {
      const cp: Json = isObject(c) && isObject(c.properties) ? { ...c.properties } : {};
      const zoneId = str(cp.privateDnsZoneId);
      // rule: network.pe.zone-group-missing-zone — invented: the wording; a zone group naming a zone that does not exist is refused
      if (!/\/providers\/microsoft\.network\/privatednszones\/[^/]+$/i.test(zoneId) || !ctx.env.store.get(zoneId)) {
        throw errors.badRequest('InvalidPrivateDnsZoneIds', `Private DNS zone ${zoneId} referenced by ${ctx.id} was not found.`);
      }
      // rule: network.pe.zone-group-records — source: PrivateEndpointDnsZoneGroupGet.json (recordSets are read-only: the records Azure wrote)
      cp.recordSets = [];
      const out: Json = { properties: cp };
      if (isObject(c) && typeof c.name === 'string') out.name = c.name;
      return out;
    });
    p.provisioningState = 'Succeeded';
    return body;
  },
  afterWrite(env, resource) {
    const pe = env.store.get(describeId(resource.id).parent);
    const names = ((props(pe?.body ?? {}).customDnsConfigs ?? []) as Json[]).map((d) => ({ fqdn: str(d.fqdn), ip: ((d.ipAddresses ?? []) as string[])[0] ?? '' }));
    writeRecords(env, resource, names);
  },
  beforeDelete(env, resource) {
    const pe = env.store.get(describeId(resource.id).parent);
    if (pe) removeRecords(env, resource, pe);
  },
};


/**
 * When a scope gains a scoped resource, its private endpoints serve the resource's names and their zone groups
 * write its records, as Azure does for resource-specific endpoints (seed: "additive").
 */
export function scopeChanged(env: Env, scopeId: string): void {
  for (const pe of env.store.byIndex('peTarget', scopeId)) syncEndpoint(env, pe.id, false);
}


