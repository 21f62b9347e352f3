// What the controller reads of the network: private endpoints and their connections, the Azure Monitor private
// DNS zones with their records and links, and each target machine's interface, subnet and virtual network.
import type { ReadError } from './snapshot.ts';

/** A connection on a private link scope, as the scope owner sees it. */
export interface ObservedScopeConnection {
  name: string;
  privateEndpointId: string;
  /** `Approved`, `Pending`, `Rejected` or `Disconnected` (other values kept verbatim). */
  status: string;
}

export interface ObservedPrivateEndpoint {
  id: string;
  /** The private link scopes the endpoint connects to, with the state the endpoint reports. */
  connections: { scopeId: string; status: string }[];
  /** The endpoint's FQDN -> private IP table (customDnsConfigs). */
  customDnsConfigs: { fqdn: string; ips: string[] }[];
  /** Private DNS zones its zone groups write. */
  zoneIds: string[];
}

export interface ObservedDnsZone {
  id: string;
  /** Lower-case zone name, e.g. `privatelink.monitor.azure.com`. */
  name: string;
  /** Virtual networks linked to the zone. */
  linkedNetworkIds: string[];
  /** A record sets: lower-case relative name -> IPv4 addresses. */
  records: Record<string, string[]>;
}

export interface ObservedVirtualNetwork {
  id: string;
  /** `dhcpOptions.dnsServers`; empty: Azure-provided DNS. */
  dnsServers: string[];
}

/** A target machine's primary network interface and where it sits. */
export interface ObservedMachineNetwork {
  machineId: string;
  networkInterfaceId: string;
  subnetId: string;
  virtualNetworkId: string;
  /** DNS servers set on the interface itself; they override the network's. */
  interfaceDnsServers: string[];
}

/** A record a scoped resource needs: its zone and relative name. */
export interface RequiredRecord {
  resourceId: string;
  zone: string;
  name: string;
}

export interface NetworkSnapshot {
  /** Connections on the topology's scope. */
  connections: ObservedScopeConnection[];
  /** Every private endpoint read (those of the scope and those found writing the same zones). */
  endpoints: ObservedPrivateEndpoint[];
  /** The Azure Monitor private DNS zones found. */
  zones: ObservedDnsZone[];
  /** Virtual networks of the target machines and of the zone links. */
  networks: ObservedVirtualNetwork[];
  /** Target machines whose interface was found. */
  machines: ObservedMachineNetwork[];
  /** Resources linked to each other scope found in the same zones (by scope id). */
  otherScopes: { scopeId: string; linkedResourceIds: string[] }[];
  /** Records the scope's own resources need (configuration and ingestion hosts of DCEs, workspace ids). */
  requiredRecords: RequiredRecord[];
  errors: ReadError[];
}
