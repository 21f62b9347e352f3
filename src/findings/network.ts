// The network, read from Azure: the scope's private endpoints, the machines' networks and the private DNS zones they
// resolve through. The controller never writes DNS or networking; these are findings with the fix to apply.
import type { AccessMode, Finding } from '../api/types.ts';
import { idKey } from '../model/index.ts';
import type { NetworkSnapshot, ObservedMachineNetwork, ObservedPrivateEndpoint } from '../model/index.ts';
import {
  approvedScopes,
  boundaryOfNetwork,
  deriveBoundaries,
  endpointsByIp,
  MONITOR_ZONES,
  scopesInBoundary,
  SHARED_RECORDS,
  sharedRecordOwner,
  zoneIn,
} from './dns-boundary.ts';
import type { DnsBoundary } from './dns-boundary.ts';
import { describe, finding, listNames, nameOf } from './finding.ts';

// Azure's recursive resolver; a network "using" only it uses Azure-provided DNS (Learn: what is IP 168.63.129.16).
const AZURE_DNS = '168.63.129.16';

export interface NetworkCheckInput {
  scopeId: string;
  ingestionAccessMode: AccessMode;
  /** Resources linked to the topology's scope. */
  linkedResourceIds: readonly string[];
  /** The topology's `dnsBoundary`: the name given to the boundary the scope serves. */
  declaredBoundary?: string;
  network: NetworkSnapshot;
}

/** A DNS boundary as the status reports it. */
export interface BoundaryReport {
  name: string;
  /** Resource group of its private DNS zones. */
  zoneResourceGroup: string;
  virtualNetworks: string[];
  privateLinkScopes: string[];
  /** Target machines resolving through it. */
  machines: number;
}

export interface NetworkAssessment {
  findings: Finding[];
  boundaries: BoundaryReport[];
}

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

/** Target machines by the DNS they use: per virtual network and, when interfaces override it, per server list. */
interface NetworkGroup {
  networkId: string;
  dnsServers: string[];
  machines: ObservedMachineNetwork[];
}

function groupMachines(network: NetworkSnapshot): NetworkGroup[] {
  const servers = new Map(network.networks.map((n) => [idKey(n.id), n.dnsServers]));
  const groups = new Map<string, NetworkGroup>();
  for (const m of network.machines) {
    const applied = m.interfaceDnsServers.length > 0 ? m.interfaceDnsServers : (servers.get(idKey(m.virtualNetworkId)) ?? []);
    const k = `${idKey(m.virtualNetworkId)}|${applied.join(',')}`;
    let g = groups.get(k);
    if (!g) groups.set(k, (g = { networkId: m.virtualNetworkId, dnsServers: applied, machines: [] }));
    g.machines.push(m);
  }
  return [...groups.values()].sort((a, b) => (idKey(a.networkId) < idKey(b.networkId) ? -1 : 1));
}

const usesAzureDns = (servers: readonly string[]): boolean => servers.every((s) => s === AZURE_DNS);

function checkEndpoints(input: NetworkCheckInput): Finding[] {
  const { connections } = input.network;
  const privateOnly = input.ingestionAccessMode === 'PrivateOnly';
  if (connections.length === 0) {
    return [
      finding(
        'PrivateEndpointMissing',
        privateOnly ? 'Error' : 'Warning',
        input.scopeId,
        'ConfigurationEndpoint',
        `${describe(input.scopeId)} has no private endpoint: no network reaches it privately` +
          (privateOnly ? ' and its PrivateOnly ingestion blocks every agent. ' : ', so agents send over public routes. ') +
          'Create a private endpoint to the scope (group azuremonitor) in a network the machines can reach, with a DNS zone group for the five privatelink zones.',
      ),
    ];
  }
  const approved = connections.filter((c) => c.status === 'Approved').length;
  return connections
    .filter((c) => c.status !== 'Approved')
    .map((c) =>
      finding(
        'PrivateEndpointNotApproved',
        approved === 0 ? 'Error' : 'Warning',
        c.privateEndpointId,
        'ConfigurationEndpoint',
        `private endpoint ${nameOf(c.privateEndpointId)} is ${c.status} on ${describe(input.scopeId)}: it serves no private addresses until the connection is Approved. ` +
          (c.status === 'Pending'
            ? `The scope's owner approves it: az network private-endpoint-connection approve --id ${input.scopeId}/privateEndpointConnections/${c.name}.`
            : 'Recreate the connection from the endpoint and have the scope owner approve it.'),
      ),
    );
}

function checkNetworks(input: NetworkCheckInput, groups: NetworkGroup[], boundaries: DnsBoundary[], home: DnsBoundary | undefined): Finding[] {
  const out: Finding[] = [];
  const privateOnly = input.ingestionAccessMode === 'PrivateOnly';
  for (const g of groups) {
    const count = plural(g.machines.length, 'target machine');
    if (!usesAzureDns(g.dnsServers)) {
      out.push(
        finding(
          'CustomDnsServers',
          'Info',
          g.networkId,
          'ConfigurationEndpoint',
          `network ${nameOf(g.networkId)} (${count}) uses the DNS servers ${g.dnsServers.join(', ')}: Azure cannot show what they resolve. ` +
            `Check that they forward ${MONITOR_ZONES.map((z) => z.replace(/^privatelink\./, '')).join(', ')} to ${AZURE_DNS} from a network linked to the private DNS zones` +
            `${home ? ` in ${home.name}` : ''}, and that a machine resolves its configuration endpoint to a private address.`,
        ),
      );
      continue;
    }
    const linked = new Set(
      boundaries.flatMap((b) => b.zones).filter((z) => z.linkedNetworkIds.some((n) => idKey(n) === idKey(g.networkId))).map((z) => z.name),
    );
    const missing = MONITOR_ZONES.filter((z) => !linked.has(z));
    if (missing.length === 0) continue;
    const target = home ? ` in ${home.name}` : '';
    out.push(
      finding(
        'PrivateDnsZoneNotLinked',
        privateOnly ? 'Error' : 'Warning',
        g.networkId,
        'ConfigurationEndpoint',
        `network ${nameOf(g.networkId)} (${count}) uses Azure-provided DNS and is not linked to ${missing.join(', ')}: its machines resolve the public addresses` +
          (privateOnly ? `, which ${describe(input.scopeId)} in PrivateOnly mode blocks. ` : ' and send over public routes. ') +
          `Link the network to the private DNS zones${target} (az network private-dns link vnet create --zone-name <zone> --virtual-network ${g.networkId} …).`,
      ),
    );
  }
  return out;
}

/** The records the scope's resources need, in every boundary target machines resolve through. */
function checkRecords(input: NetworkCheckInput, resolved: Map<string, { boundary: DnsBoundary; machines: number }>): Finding[] {
  const out: Finding[] = [];
  const { endpoints, otherScopes, requiredRecords } = input.network;
  const byIp = endpointsByIp(endpoints);
  const linksOf = new Map<string, Set<string>>([[idKey(input.scopeId), new Set(input.linkedResourceIds.map(idKey))]]);
  for (const o of otherScopes) linksOf.set(idKey(o.scopeId), new Set(o.linkedResourceIds.map(idKey)));
  const serves = (e: ObservedPrivateEndpoint | undefined, resourceId: string): boolean =>
    !!e && approvedScopes(e).some((s) => linksOf.get(idKey(s))?.has(idKey(resourceId)) === true);
  for (const { boundary, machines } of resolved.values()) {
    const missing = new Map<string, string[]>();
    const wrong = new Map<string, string[]>();
    for (const r of requiredRecords) {
      const zone = zoneIn(boundary, r.zone);
      if (!zone) continue;
      const ips = zone.records[r.name] ?? [];
      const bucket = ips.length === 0 ? missing : ips.some((ip) => serves(byIp.get(ip), r.resourceId)) ? undefined : wrong;
      if (!bucket) continue;
      const list = bucket.get(r.resourceId) ?? [];
      list.push(ips.length === 0 ? `${r.name}.${r.zone}` : `${r.name}.${r.zone} -> ${ips.join(', ')}`);
      bucket.set(r.resourceId, list);
    }
    for (const [resourceId, names] of missing) {
      out.push(
        finding(
          'PrivateDnsRecordMissing',
          'Error',
          resourceId,
          'ConfigurationEndpoint',
          `the private DNS zones in ${boundary.name} have no record for ${describe(resourceId)} (${names.join('; ')}): ${plural(machines, 'target machine')} resolve its public address. ` +
            "The scope's private endpoint writes these records through its DNS zone group once the resource is linked to the scope: check the endpoint's zone group names these zones.",
        ),
      );
    }
    for (const [resourceId, names] of wrong) {
      out.push(
        finding(
          'PrivateDnsRecordMismatch',
          'Error',
          resourceId,
          'ConfigurationEndpoint',
          `the records of ${describe(resourceId)} in ${boundary.name} (${names.join('; ')}) point to addresses of no private endpoint of a scope that links it: ` +
            `${plural(machines, 'target machine')} cannot reach it privately. Remove the stale records and let the scope's private endpoint zone group write them again.`,
        ),
      );
    }
    const absent = SHARED_RECORDS.filter((r) => zoneIn(boundary, r.zone) && (zoneIn(boundary, r.zone)?.records[r.name] ?? []).length === 0);
    if (absent.length > 0) {
      out.push(
        finding(
          'PrivateDnsRecordMissing',
          'Error',
          input.scopeId,
          'ConfigurationEndpoint',
          `the private DNS zones in ${boundary.name} lack the shared records ${absent.map((r) => `${r.name}.${r.zone}`).join(', ')}: no private endpoint with a zone group writes them. ` +
            "Add a DNS zone group naming the five privatelink zones to the scope's private endpoint.",
        ),
      );
    }
  }
  return out;
}

/** Two scopes in one boundary: safe only when every resource is linked to both (the seed's table). */
function checkSharing(input: NetworkCheckInput, relevant: DnsBoundary[]): { findings: Finding[]; scopes: Map<string, string[]> } {
  const out: Finding[] = [];
  const scopes = new Map<string, string[]>();
  const own = new Set(input.linkedResourceIds.map(idKey));
  for (const b of relevant) {
    const present = scopesInBoundary(b, input.network.endpoints);
    present.set(idKey(input.scopeId), input.scopeId);
    scopes.set(b.key, [...present.values()]);
    const others = [...present.values()].filter((s) => idKey(s) !== idKey(input.scopeId));
    if (others.length === 0) continue;
    const onlyOurs: string[] = [];
    const onlyTheirs: string[] = [];
    for (const o of others) {
      const theirs = input.network.otherScopes.find((x) => idKey(x.scopeId) === idKey(o))?.linkedResourceIds ?? [];
      const theirKeys = new Set(theirs.map(idKey));
      for (const r of input.linkedResourceIds) if (!theirKeys.has(idKey(r)) && !onlyOurs.includes(r)) onlyOurs.push(r);
      for (const r of theirs) if (!own.has(idKey(r)) && !onlyTheirs.includes(r)) onlyTheirs.push(r);
    }
    // Row two of the seed's table: two scopes, same DNS, every resource in both: safe (the migration pattern).
    if (onlyOurs.length === 0 && onlyTheirs.length === 0) continue;
    const winner = sharedRecordOwner(b, input.network.endpoints);
    const winnerScopes = winner.endpoint ? approvedScopes(winner.endpoint) : [];
    const holder = winnerScopes.length > 0 ? winnerScopes.map((s) => describe(s)).join(', ') : 'no known private endpoint';
    const parts = [
      onlyOurs.length > 0 ? `linked only to ${nameOf(input.scopeId)}: ${listNames(onlyOurs, 5)}` : '',
      onlyTheirs.length > 0 ? `linked only to ${others.map(nameOf).join(', ')}: ${listNames(onlyTheirs, 5)}` : '',
    ].filter((p) => p !== '');
    out.push(
      finding(
        'DnsBoundaryConflict',
        'Error',
        input.scopeId,
        'ConfigurationEndpoint',
        `DNS boundary ${input.declaredBoundary ?? b.name} (networks ${listNames(b.networkIds, 4)}) holds the private endpoints of ${[input.scopeId, ...others].map(nameOf).join(' and ')}; ` +
          `its shared records (api, global.handler.control, …) point to ${holder}${winner.ip ? ` (${winner.ip})` : ''}, whichever wrote last. ` +
          `Resources ${parts.join('; ')} are unreachable through the shared endpoints from the other scope's side. ` +
          'Use one scope per DNS boundary, or link every resource to both scopes (privateLinkScope.alsoLinkTo) while migrating.',
      ),
    );
  }
  return { findings: out, scopes };
}

/** Every network conclusion for one topology, with the boundaries it touches for the status. */
export function assessNetwork(input: NetworkCheckInput): NetworkAssessment {
  const { network } = input;
  const boundaries = deriveBoundaries(network.zones);
  const scopeKey = idKey(input.scopeId);
  const ownEndpoints = network.endpoints.filter((e) => approvedScopes(e).some((s) => idKey(s) === scopeKey));
  const writes = new Set(ownEndpoints.flatMap((e) => e.zoneIds.map(idKey)));
  // The scope's home: the boundary its own endpoint's zone group writes.
  const home = boundaries.find((b) => b.zones.some((z) => writes.has(idKey(z.id))));
  const groups = groupMachines(network);
  const resolved = new Map<string, { boundary: DnsBoundary; machines: number }>();
  for (const g of groups) {
    if (!usesAzureDns(g.dnsServers)) continue;
    const b = boundaryOfNetwork(boundaries, g.networkId);
    if (!b) continue;
    const entry = resolved.get(b.key) ?? { boundary: b, machines: 0 };
    entry.machines += g.machines.length;
    resolved.set(b.key, entry);
  }
  const relevant = [...new Map([...(home ? [[home.key, home] as const] : []), ...[...resolved.values()].map((r) => [r.boundary.key, r.boundary] as const)]).values()];
  const sharing = checkSharing(input, relevant);
  const findings = [...checkEndpoints(input), ...checkNetworks(input, groups, boundaries, home), ...checkRecords(input, resolved), ...sharing.findings];
  const reports = relevant.map((b) => ({
    name: b === home && input.declaredBoundary ? input.declaredBoundary : b.name,
    zoneResourceGroup: b.name,
    virtualNetworks: b.networkIds,
    privateLinkScopes: sharing.scopes.get(b.key) ?? [],
    machines: resolved.get(b.key)?.machines ?? 0,
  }));
  return { findings, boundaries: reports };
}
