// Microsoft.Network: virtual networks, network interfaces, private endpoints with DNS zone groups, and private DNS
// zones (privateDnsZones) with A record sets and virtual network links.
import type { Provider } from '../../arm/kind.ts';
import { aRecords, links, zones } from './private-dns.ts';
import { privateEndpoints, zoneGroups } from './private-endpoints.ts';
import { networkInterfaces, virtualNetworks } from './virtual-networks.ts';

export { MONITOR_ZONES } from './monitor-dns.ts';
export { PE_TYPE, ZONE_GROUP_TYPE, scopeChanged, syncEndpoint } from './private-endpoints.ts';
export { A_RECORD_TYPE, PRIVATE_DNS_API_VERSIONS, ZONE_LINK_TYPE, ZONE_TYPE } from './private-dns.ts';
export { NETWORK_API_VERSIONS, NIC_TYPE, VNET_TYPE } from './virtual-networks.ts';
export { loadEndpoints, loadNetworks, machineNic } from './estate.ts';

export const network: Provider = {
  namespace: 'Microsoft.Network',
  kinds: [virtualNetworks, networkInterfaces, privateEndpoints, zoneGroups, zones, aRecords, links],
};
