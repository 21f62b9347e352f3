// The Microsoft.Network provider: virtual networks, network interfaces, private endpoints with DNS zone groups, and
// private DNS zones with A record sets and virtual network links.
import { kindOf } from '../kind.ts';
import type { Env, Kind } from '../kind.ts';
import type { ResourceStore, StoredResource } from '../store.ts';
import type { Json } from '../types.ts';
import { addEndpointIndexers, endpointsOf, registerPrivateEndpoints, syncEndpoint } from './private-endpoints.ts';
import { registerPrivateDns } from './private-dns.ts';
import { addNetworkIndexers, registerVirtualNetworks } from './virtual-networks.ts';

export { MONITOR_ZONES } from './monitor-dns.ts';
export { PE_TYPE, ZONE_GROUP_TYPE } from './private-endpoints.ts';
export { A_RECORD_TYPE, ZONE_LINK_TYPE, ZONE_TYPE } from './private-dns.ts';
export { NETWORK_API_VERSIONS, NIC_TYPE, VNET_TYPE } from './virtual-networks.ts';
export { PRIVATE_DNS_API_VERSIONS } from './private-dns.ts';

const hooked = new WeakSet<Kind>();

/** Runs `then` after every completed write of another provider's kind (once per kind, however often the store is built). */
function afterWriteOf(type: string, then: (env: Env, resource: StoredResource) => void): void {
  const kind = kindOf(type);
  if (!kind || hooked.has(kind)) return;
  hooked.add(kind);
  const own = kind.afterWrite?.bind(kind);
  kind.afterWrite = (env, resource, previous) => {
    own?.(env, resource, previous);
    then(env, resource);
  };
}

export function registerNetwork(store: ResourceStore): void {
  registerVirtualNetworks();
  registerPrivateDns();
  registerPrivateEndpoints();
  addNetworkIndexers(store);
  addEndpointIndexers(store);
  // When a scope gains a scoped resource, its private endpoints serve the resource's names and their zone groups
  // write its records, as Azure does for resource-specific endpoints (seed: "additive").
  afterWriteOf('Microsoft.Insights/privateLinkScopes/scopedResources', (env, link) => {
    const scopeId = link.id.replace(/\/scopedResources\/[^/]+$/i, '');
    for (const pe of endpointsOf(env, scopeId)) syncEndpoint(env, pe.id, false);
  });
  // The scope owner approving a Pending connection lets the endpoint serve the scope (Learn: manual approval workflow).
  afterWriteOf('Microsoft.Insights/privateLinkScopes/privateEndpointConnections', (env, connection) => {
    const peId = ((connection.body.properties as Json | undefined)?.privateEndpoint as Json | undefined)?.id;
    if (typeof peId === 'string') syncEndpoint(env, peId, false);
  });
}
