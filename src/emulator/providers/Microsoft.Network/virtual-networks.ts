// Microsoft.Network virtual networks (subnets inline, DNS servers) and network interfaces (arm-contract-wave2.md §7).
import { errors } from '../../arm/errors.ts';
import { key, nameOf } from '../../arm/ids.ts';
import { hex, isObject, keep, props, str } from '../../arm/json.ts';
import type { Env, Kind, WriteContext } from '../../arm/kind.ts';
import type { Json } from '../../types.ts';

// rule: network.api-versions — source: reference/arm-contract-wave2.md §7 (2025-03-01 and 2025-05-01 hold the saved examples); @azure/arm-network sends 2026-01-01, a stable folder of Azure/azure-rest-api-specs
export const NETWORK_API_VERSIONS = ['2023-09-01', '2024-01-01', '2024-03-01', '2024-05-01', '2024-07-01', '2024-10-01', '2025-01-01', '2025-03-01', '2025-05-01', '2026-01-01'] as const;

export const VNET_TYPE = 'Microsoft.Network/virtualNetworks';
export const NIC_TYPE = 'Microsoft.Network/networkInterfaces';

export function networkBase(ctx: WriteContext): Json {
  const { id: _i, name: _n, type: _t, etag: _e, ...rest } = ctx.input;
  return rest;
}

function ipToInt(ip: string): number {
  return ip.split('.').reduce((n, part) => n * 256 + Number(part), 0);
}

function intToIp(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}

function parsePrefix(prefix: string): { base: number; size: number } | undefined {
  const m = /^(\d{1,3}(?:\.\d{1,3}){3})\/(\d{1,2})$/.exec(prefix.trim());
  if (!m?.[1] || !m[2]) return undefined;
  const bits = Number(m[2]);
  const size = 2 ** (32 - bits);
  return { base: Math.floor(ipToInt(m[1]) / size) * size, size };
}

export const vnetOfSubnet = (subnetId: string): string => subnetId.replace(/\/subnets\/[^/]+\/?$/i, '');

export function findSubnet(env: Env, subnetId: string): Json | undefined {
  const vnet = env.store.get(vnetOfSubnet(subnetId));
  const subnets = ((vnet?.body.properties as Json | undefined)?.subnets ?? []) as Json[];
  return subnets.find((s) => key(str(s.id)) === key(subnetId));
}

/** Private IPs already taken in a subnet, from every network interface placed in it. */
function usedIps(env: Env, subnetId: string): Set<string> {
  const used = new Set<string>();
  for (const nic of env.store.byIndex('subnet', subnetId)) {
    for (const c of ((nic.body.properties as Json | undefined)?.ipConfigurations ?? []) as Json[]) {
      const p = (c.properties ?? {}) as Json;
      if (key(str((p.subnet as Json | undefined)?.id)) === key(subnetId) && typeof p.privateIPAddress === 'string') used.add(p.privateIPAddress);
    }
  }
  return used;
}

/** The next free address of a subnet; Azure keeps the first four and the last address of every subnet (Learn: virtual networks FAQ). */
export function allocateIp(env: Env, subnetId: string, alsoTaken: ReadonlySet<string> = new Set()): string {
  const subnet = findSubnet(env, subnetId);
  const range = parsePrefix(str((subnet?.properties as Json | undefined)?.addressPrefix));
  if (!range) throw errors.badRequest('InvalidResourceReference', `Resource ${subnetId} referenced by the request was not found.`);
  const used = usedIps(env, subnetId);
  for (let n = range.base + 4; n < range.base + range.size - 1; n++) {
    const ip = intToIp(n);
    if (!used.has(ip) && !alsoTaken.has(ip)) return ip;
  }
  // rule: network.subnet-full — invented: the message; the code is Network's SubnetIsFull family
  throw errors.badRequest('SubnetIsFull', `Subnet ${nameOf(subnetId)} has no free IP address.`);
}

export const virtualNetworks: Kind = {
  type: VNET_TYPE,
  apiVersions: NETWORK_API_VERSIONS,
  locationRequired: true,
  // rule: network.vnet-nic.lro — source: reference/arm-contract-wave2.md §7 (network PUT and DELETE are long-running, as for private endpoints)
  putLro: true,
  deleteLro: true,
  patch: true,
  list: 'paged',
  etagInBody: true,
  build(ctx) {
    const body = networkBase(ctx);
    const p = props(body);
    const space = isObject(p.addressSpace) ? p.addressSpace : {};
    const prefixes = Array.isArray(space.addressPrefixes) ? (space.addressPrefixes as unknown[]) : [];
    if (prefixes.length === 0 || !prefixes.every((x) => typeof x === 'string' && parsePrefix(x))) {
      throw errors.badRequest('InvalidAddressPrefixFormat', "The property 'addressSpace.addressPrefixes' needs at least one IPv4 prefix such as 10.0.0.0/16.");
    }
    const subnets = Array.isArray(p.subnets) ? (p.subnets as unknown[]) : [];
    p.subnets = subnets.map((s) => {
      if (!isObject(s) || typeof s.name !== 'string') throw errors.badRequest('InvalidRequestFormat', 'Every subnet needs a name.');
      const sp = isObject(s.properties) ? s.properties : {};
      if (typeof sp.addressPrefix !== 'string' || !parsePrefix(sp.addressPrefix)) throw errors.badRequest('InvalidAddressPrefixFormat', `Subnet ${s.name} needs an addressPrefix.`);
      return { name: s.name, id: `${ctx.id}/subnets/${s.name}`, properties: { ...sp, provisioningState: 'Succeeded' } };
    });
    // rule: network.vnet.dns-servers — source: reference/arm-contract-wave2.md §7 (dhcpOptions.dnsServers always returned, empty for Azure-provided DNS)
    const dhcp = isObject(p.dhcpOptions) ? p.dhcpOptions : {};
    p.dhcpOptions = { dnsServers: Array.isArray(dhcp.dnsServers) ? dhcp.dnsServers : [] };
    if (!Array.isArray(p.virtualNetworkPeerings)) p.virtualNetworkPeerings = [];
    p.resourceGuid = keep(ctx.existing, ['properties', 'resourceGuid']) ?? crypto.randomUUID();
    p.provisioningState = 'Succeeded';
    return body;
  },
};

export const networkInterfaces: Kind = {
  type: NIC_TYPE,
  apiVersions: NETWORK_API_VERSIONS,
  locationRequired: true,
  putLro: true,
  deleteLro: true,
  patch: true,
  list: 'paged',
  etagInBody: true,
  // NICs by subnet, to allocate a subnet's next free address.
  index(r) {
    return ((((r.body.properties as Json | undefined)?.ipConfigurations ?? []) as Json[]).map((c) => str(((c.properties as Json | undefined)?.subnet as Json | undefined)?.id)))
      .filter((s) => s !== '')
      .map((s): [string, string] => ['subnet', s]);
  },
  build(ctx) {
    const body = networkBase(ctx);
    const p = props(body);
    const configs = Array.isArray(p.ipConfigurations) ? (p.ipConfigurations as unknown[]) : [];
    if (configs.length === 0) throw errors.badRequest('InvalidRequestFormat', 'A network interface needs at least one IP configuration.');
    const taken = new Set<string>();
    const previous = (keep(ctx.existing, ['properties', 'ipConfigurations']) ?? []) as Json[];
    p.ipConfigurations = configs.map((c, i) => {
      if (!isObject(c) || typeof c.name !== 'string') throw errors.badRequest('InvalidRequestFormat', 'Every IP configuration needs a name.');
      const cp: Json = isObject(c.properties) ? { ...c.properties } : {};
      const subnetId = isObject(cp.subnet) ? cp.subnet.id : undefined;
      // rule: network.nic.subnet-must-exist — invented: the wording, after Network's InvalidResourceReference; a subnet that does not exist is refused
      if (typeof subnetId !== 'string' || !findSubnet(ctx.env, subnetId)) {
        throw errors.badRequest('InvalidResourceReference', `Resource ${str(subnetId)} referenced by resource ${ctx.id} was not found.`);
      }
      cp.privateIPAllocationMethod ??= 'Dynamic';
      const kept = previous.find((x) => x.name === c.name)?.properties as Json | undefined;
      if (cp.privateIPAllocationMethod === 'Dynamic' || typeof cp.privateIPAddress !== 'string') {
        cp.privateIPAddress = typeof kept?.privateIPAddress === 'string' ? kept.privateIPAddress : allocateIp(ctx.env, subnetId, taken);
      }
      taken.add(str(cp.privateIPAddress));
      cp.privateIPAddressVersion ??= 'IPv4';
      cp.primary ??= i === 0;
      cp.provisioningState = 'Succeeded';
      return { name: c.name, id: `${ctx.id}/ipConfigurations/${c.name}`, properties: cp };
    });
    const dns = isObject(p.dnsSettings) ? p.dnsSettings : {};
    p.dnsSettings = {
      dnsServers: Array.isArray(dns.dnsServers) ? dns.dnsServers : [],
      internalDomainNameSuffix: keep(ctx.existing, ['properties', 'dnsSettings', 'internalDomainNameSuffix']) ?? `${hex(12)}.bx.internal.cloudapp.net`,
    };
    p.macAddress = keep(ctx.existing, ['properties', 'macAddress']) ?? `00-0D-3A-${hex(2)}-${hex(2)}-${hex(2)}`.toUpperCase();
    // rule: network.nic.virtual-machine — source: NetworkInterfaceGet.json (virtualMachine is read-only: the VM listing this NIC)
    if (!ctx.fromEstate) delete p.virtualMachine;
    p.primary ??= true;
    p.provisioningState = 'Succeeded';
    return body;
  },
  view(env, resource) {
    const p: Json = { ...(resource.body.properties as Json) };
    const vm = env.store.byIndex('nic', resource.id)[0];
    if (vm) p.virtualMachine = { id: vm.id };
    // rule: network.nic.applied-dns — source: reference/arm-contract-wave2.md §7 (NIC DNS servers override the network's; appliedDnsServers shows the result)
    const dns = (p.dnsSettings ?? {}) as Json;
    const own = Array.isArray(dns.dnsServers) ? (dns.dnsServers as string[]) : [];
    const primary = ((p.ipConfigurations ?? []) as Json[]).find((c) => (c.properties as Json | undefined)?.primary === true) ?? ((p.ipConfigurations ?? []) as Json[])[0];
    const subnetId = str(((primary?.properties as Json | undefined)?.subnet as Json | undefined)?.id);
    const vnet = subnetId ? env.store.get(vnetOfSubnet(subnetId)) : undefined;
    const inherited = ((((vnet?.body.properties as Json | undefined)?.dhcpOptions as Json | undefined)?.dnsServers ?? []) as string[]);
    p.dnsSettings = { ...dns, appliedDnsServers: own.length > 0 ? own : inherited };
    return { ...resource.body, properties: p };
  },
};

