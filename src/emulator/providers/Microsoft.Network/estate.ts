// Estate declarations for networks: virtual networks with subnets and DNS servers, private DNS zones with their
// links, private endpoints to a private link scope with a zone group, and a machine's NIC in a subnet.
import { nameOf } from '../../arm/ids.ts';
import type { Env } from '../../arm/kind.ts';
import type { EstatePrivateDnsZone, EstatePrivateEndpoint, EstateVirtualNetwork, Json } from '../../types.ts';
import { MONITOR_ZONES } from './monitor-dns.ts';
import { PE_TYPE, ZONE_GROUP_TYPE } from './private-endpoints.ts';
import { ZONE_LINK_TYPE, ZONE_TYPE } from './private-dns.ts';
import { NIC_TYPE, VNET_TYPE } from './virtual-networks.ts';


/** Creates a resource as a completed PUT would (the estate loader's materialise, passed in to avoid a cycle). */
export type Materialise = (env: Env, type: string, id: string, input: Json) => Json;

const sub = (rgId: string, ref: string): string => (ref.startsWith('/') ? ref : `${rgId}/providers/Microsoft.Network/virtualNetworks/${ref.split('/')[0] ?? ''}/subnets/${ref.split('/')[1] ?? ''}`);
const vnetRef = (rgId: string, ref: string): string => (ref.startsWith('/') ? ref : `${rgId}/providers/Microsoft.Network/virtualNetworks/${ref}`);
const zoneRef = (rgId: string, ref: string): string => (ref.startsWith('/') ? ref : `${rgId}/providers/${ZONE_TYPE}/${ref}`);

export function loadNetworks(env: Env, make: Materialise, rgId: string, location: string, vnets: EstateVirtualNetwork[], zones: EstatePrivateDnsZone[]): void {
  for (const v of vnets) {
    make(env, VNET_TYPE, vnetRef(rgId, v.name), {
      location: v.location ?? location,
      properties: {
        addressSpace: { addressPrefixes: [v.addressPrefix] },
        subnets: v.subnets.map((s) => ({ name: s.name, properties: { addressPrefix: s.addressPrefix } })),
        dhcpOptions: { dnsServers: v.dnsServers ?? [] },
      },
    });
  }
  for (const z of zones) {
    const names = z.azureMonitor ? [...MONITOR_ZONES] : z.name ? [z.name] : [];
    for (const name of names) {
      const id = zoneRef(rgId, name);
      make(env, ZONE_TYPE, id, { location: 'global' });
      for (const l of z.links ?? []) {
        const vnet = vnetRef(rgId, l);
        make(env, ZONE_LINK_TYPE, `${id}/virtualNetworkLinks/${nameOf(vnet)}-link`, { location: 'global', properties: { virtualNetwork: { id: vnet }, registrationEnabled: false } });
      }
    }
  }
}

export function loadEndpoints(env: Env, make: Materialise, rgId: string, location: string, endpoints: EstatePrivateEndpoint[]): void {
  for (const e of endpoints) {
    const id = `${rgId}/providers/${PE_TYPE}/${e.name}`;
    const scope = e.privateLinkScope.startsWith('/') ? e.privateLinkScope : `${rgId}/providers/Microsoft.Insights/privateLinkScopes/${e.privateLinkScope}`;
    const connection = { name: `${e.name}-connection`, properties: { privateLinkServiceId: scope, groupIds: ['azuremonitor'], requestMessage: 'Please approve.' } };
    make(env, PE_TYPE, id, {
      location: e.location ?? location,
      properties: {
        subnet: { id: sub(rgId, e.subnet) },
        [e.manualApproval ? 'manualPrivateLinkServiceConnections' : 'privateLinkServiceConnections']: [connection],
      },
    });
    const zones = e.zones === 'azureMonitor' ? [...MONITOR_ZONES] : (e.zones ?? []);
    if (zones.length === 0) continue;
    make(env, ZONE_GROUP_TYPE, `${id}/privateDnsZoneGroups/default`, {
      properties: { privateDnsZoneConfigs: zones.map((z) => ({ name: nameOf(zoneRef(rgId, z)).replace(/\./g, '-'), properties: { privateDnsZoneId: zoneRef(rgId, z) } })) },
    });
  }
}

/** The NIC a machine gets in `subnet`; returns the networkProfile to put on the machine. */
export function machineNic(env: Env, make: Materialise, rgId: string, machine: string, location: string, subnet: string): Json {
  const id = `${rgId}/providers/${NIC_TYPE}/${machine}-nic`;
  make(env, NIC_TYPE, id, { location, properties: { ipConfigurations: [{ name: 'ipconfig1', properties: { subnet: { id: sub(rgId, subnet) } } }] } });
  return { networkInterfaces: [{ id, properties: { primary: true } }] };
}

