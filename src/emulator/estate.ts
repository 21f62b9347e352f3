// Estate files: a concise declaration of subscriptions and resources, loaded at start and exportable.
//
// Format (YAML or JSON); names resolve inside the same resource group, values starting with `/` are ARM ids:
//   tenantId: <guid>
//   subscriptions:
//     - id: <guid>
//       resourceGroups:
//         - name: rg, location: eastus
//           userAssignedIdentities: [uami-a]
//           workspaces: [{ name, publicNetworkAccessForIngestion, publicNetworkAccessForQuery }]
//           dataCollectionEndpoints: [{ name, publicNetworkAccess }]
//           dataCollectionRules: [{ name, kind: Linux|Windows, dataCollectionEndpoint, workspace, dataSources?, destinations?, dataFlows? }]
//           privateLinkScopes: [{ name, ingestionAccessMode, queryAccessMode, exclusions?, scopedResources: [workspace or DCE] }]
//           virtualMachineScaleSets: [{ name, orchestrationMode, capacity, osType, identity, extensions, associations }]
//           virtualMachines: [{ name, osType, identity: { systemAssigned, userAssigned: [..] }, tags, extensions, associations, subnet }]
//           virtualNetworks: [{ name, addressPrefix, subnets: [{ name, addressPrefix }], dnsServers? }]
//           privateDnsZones: [{ name | azureMonitor: true, links: [vnet] }]
//           privateEndpoints: [{ name, subnet: vnet/subnet, privateLinkScope, manualApproval?, zones: azureMonitor | [zone] }]
//           arcPrivateLinkScopes: [{ name, publicNetworkAccess }]
//           arcMachines: [{ name, osType, status, lastStatusChange, privateLinkScope, tags, systemAssignedIdentity, extensions, associations }]
//   resources: [ raw ARM bodies as GET returns them ]     # what exportState() writes
import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { nameOf, parsePath, resourceGroupId } from './arm/ids.ts';
import type { Env } from './arm/kind.ts';
import { RESOURCE_GROUP_TYPE } from './arm/store.ts';
import { EXTENSION_TYPE, VM_TYPE, VMSS_TYPE } from './providers/Microsoft.Compute/index.ts';
import { ASSOCIATION_TYPE, DCE_TYPE, DCR_TYPE, SCOPE_TYPE, SCOPED_RESOURCE_TYPE } from './providers/Microsoft.Insights/index.ts';
import { UAMI_TYPE } from './providers/Microsoft.ManagedIdentity/index.ts';
import { loadEndpoints, loadNetworks, machineNic } from './providers/Microsoft.Network/index.ts';
import { WORKSPACE_TYPE } from './providers/Microsoft.OperationalInsights/index.ts';
import { resourceGroupBody } from './providers/Microsoft.Resources/index.ts';
import { ARC_EXTENSION_TYPE, ARC_SCOPE_TYPE, MACHINE_TYPE } from './providers/Microsoft.HybridCompute/index.ts';
import type { Estate, EstateAssociation, EstateExtension, EstateIdentity, EstateResourceGroup, Json } from './types.ts';

export async function readEstate(source: Estate | string): Promise<Estate> {
  if (typeof source !== 'string') return source;
  return parse(await readFile(source, 'utf8')) as Estate;
}

/** Creates a resource as a completed PUT would. */
export function materialise(env: Env, type: string, id: string, input: Json): Json {
  const kind = env.kinds.get(type);
  if (!kind) throw new Error(`no kind registered for ${type}`);
  const existing = env.store.get(id);
  const body = kind.build({
    env, id, name: nameOf(id), input: structuredClone(input), existing, method: 'PUT',
    query: new URLSearchParams(), apiVersion: kind.apiVersions[kind.apiVersions.length - 1] ?? '', principal: 'estate', fromEstate: true,
  });
  const stored = env.store.put({ id, name: nameOf(id), type: kind.type, ...body });
  kind.afterWrite?.(env, stored, existing?.body);
  return stored.body;
}

const typeSegment: Record<string, string> = {
  [UAMI_TYPE]: 'Microsoft.ManagedIdentity/userAssignedIdentities',
  [WORKSPACE_TYPE]: 'Microsoft.OperationalInsights/workspaces',
  [DCE_TYPE]: 'Microsoft.Insights/dataCollectionEndpoints',
  [DCR_TYPE]: 'Microsoft.Insights/dataCollectionRules',
  [SCOPE_TYPE]: 'Microsoft.Insights/privateLinkScopes',
  [VM_TYPE]: 'Microsoft.Compute/virtualMachines',
  [VMSS_TYPE]: 'Microsoft.Compute/virtualMachineScaleSets',
  [MACHINE_TYPE]: 'Microsoft.HybridCompute/machines',
  [ARC_SCOPE_TYPE]: 'Microsoft.HybridCompute/privateLinkScopes',
};

const ref = (rgId: string, type: string, nameOrId: string): string => (nameOrId.startsWith('/') ? nameOrId : `${rgId}/providers/${typeSegment[type] ?? type}/${nameOrId}`);

function identityBlock(rgId: string, identity: EstateIdentity | undefined): Json | undefined {
  if (!identity) return undefined;
  const user = identity.userAssigned ?? [];
  const type = identity.systemAssigned && user.length > 0 ? 'SystemAssigned, UserAssigned' : identity.systemAssigned ? 'SystemAssigned' : user.length > 0 ? 'UserAssigned' : 'None';
  const block: Json = { type };
  if (user.length > 0) block.userAssignedIdentities = Object.fromEntries(user.map((u) => [ref(rgId, UAMI_TYPE, u), {}]));
  return block;
}

function extensionProperties(e: EstateExtension): Json {
  const p: Json = { publisher: e.publisher ?? 'Microsoft.Azure.Monitor', type: e.type, typeHandlerVersion: e.typeHandlerVersion ?? '1.0', autoUpgradeMinorVersion: true, enableAutomaticUpgrade: true };
  if (e.settings) p.settings = e.settings;
  return p;
}

function associate(env: Env, rgId: string, resourceId: string, associations: EstateAssociation[] | undefined): void {
  for (const a of associations ?? []) {
    const p: Json = {};
    if (a.rule) p.dataCollectionRuleId = ref(rgId, DCR_TYPE, a.rule);
    if (a.endpoint) p.dataCollectionEndpointId = ref(rgId, DCE_TYPE, a.endpoint);
    if (a.description) p.description = a.description;
    materialise(env, ASSOCIATION_TYPE, `${resourceId}/providers/Microsoft.Insights/dataCollectionRuleAssociations/${a.name}`, { properties: p });
  }
}

function defaultRule(kind: string | undefined): { dataSources: Json; streams: string[] } {
  if (kind?.toLowerCase() === 'windows') {
    return {
      dataSources: {
        windowsEventLogs: [{ name: 'eventLogs', streams: ['Microsoft-Event'], xPathQueries: ['System!*[System[(Level=1 or Level=2 or Level=3)]]'] }],
        performanceCounters: [{ name: 'perfWindows', streams: ['Microsoft-Perf'], samplingFrequencyInSeconds: 60, counterSpecifiers: ['\\Processor Information(_Total)\\% Processor Time'] }],
      },
      streams: ['Microsoft-Event', 'Microsoft-Perf'],
    };
  }
  return {
    dataSources: {
      syslog: [{ name: 'syslog', streams: ['Microsoft-Syslog'], facilityNames: ['*'], logLevels: ['Warning', 'Error', 'Critical', 'Alert', 'Emergency'] }],
      performanceCounters: [{ name: 'perfLinux', streams: ['Microsoft-Perf'], samplingFrequencyInSeconds: 60, counterSpecifiers: ['Processor(*)\\% Processor Time', 'Memory(*)\\% Used Memory'] }],
    },
    streams: ['Microsoft-Syslog', 'Microsoft-Perf'],
  };
}

type Stage = (env: Env, rgId: string, rg: EstateResourceGroup, location: string) => void;

const stages: Stage[] = [
  (env, rgId, rg, location) => loadNetworks(env, materialise, rgId, location, rg.virtualNetworks ?? [], rg.privateDnsZones ?? []),
  (env, rgId, rg, location) => {
    for (const u of rg.userAssignedIdentities ?? []) {
      const item = typeof u === 'string' ? { name: u } : u;
      materialise(env, UAMI_TYPE, ref(rgId, UAMI_TYPE, item.name), { location: item.location ?? location });
    }
    for (const w of rg.workspaces ?? []) {
      materialise(env, WORKSPACE_TYPE, ref(rgId, WORKSPACE_TYPE, w.name), {
        location: w.location ?? location,
        properties: { publicNetworkAccessForIngestion: w.publicNetworkAccessForIngestion ?? 'Enabled', publicNetworkAccessForQuery: w.publicNetworkAccessForQuery ?? 'Enabled' },
      });
    }
    for (const d of rg.dataCollectionEndpoints ?? []) {
      const input: Json = { location: d.location ?? location, properties: { networkAcls: { publicNetworkAccess: d.publicNetworkAccess ?? 'Enabled' } } };
      if (d.kind) input.kind = d.kind;
      materialise(env, DCE_TYPE, ref(rgId, DCE_TYPE, d.name), input);
    }
  },
  (env, rgId, rg, location) => {
    for (const r of rg.dataCollectionRules ?? []) {
      const defaults = defaultRule(r.kind);
      const p: Json = {
        dataSources: r.dataSources ?? defaults.dataSources,
        destinations: r.destinations ?? { logAnalytics: r.workspace ? [{ workspaceResourceId: ref(rgId, WORKSPACE_TYPE, r.workspace), name: 'workspace' }] : [] },
        dataFlows: r.dataFlows ?? (r.workspace ? [{ streams: defaults.streams, destinations: ['workspace'] }] : []),
      };
      if (r.description) p.description = r.description;
      if (r.dataCollectionEndpoint) p.dataCollectionEndpointId = ref(rgId, DCE_TYPE, r.dataCollectionEndpoint);
      const input: Json = { location: r.location ?? location, properties: p };
      if (r.kind) input.kind = r.kind;
      materialise(env, DCR_TYPE, ref(rgId, DCR_TYPE, r.name), input);
    }
  },
  (env, rgId, rg) => {
    for (const s of rg.privateLinkScopes ?? []) {
      const id = ref(rgId, SCOPE_TYPE, s.name);
      materialise(env, SCOPE_TYPE, id, {
        location: 'Global',
        properties: { accessModeSettings: { ingestionAccessMode: s.ingestionAccessMode ?? 'Open', queryAccessMode: s.queryAccessMode ?? 'Open', exclusions: s.exclusions ?? [] } },
      });
      for (const r of s.scopedResources ?? []) {
        const linked = r.startsWith('/') ? r : env.store.get(ref(rgId, WORKSPACE_TYPE, r)) ? ref(rgId, WORKSPACE_TYPE, r) : ref(rgId, DCE_TYPE, r);
        materialise(env, SCOPED_RESOURCE_TYPE, `${id}/scopedResources/${nameOf(linked)}-connection`, { properties: { linkedResourceId: linked, kind: 'Resource' } });
      }
    }
  },
  (env, rgId, rg, location) => loadEndpoints(env, materialise, rgId, location, rg.privateEndpoints ?? []),
  (env, rgId, rg, location) => {
    for (const s of rg.virtualMachineScaleSets ?? []) {
      const id = ref(rgId, VMSS_TYPE, s.name);
      const input: Json = {
        location: s.location ?? location,
        sku: { name: s.vmSize ?? 'Standard_D2s_v5', tier: 'Standard', capacity: s.capacity ?? 0 },
        properties: {
          orchestrationMode: s.orchestrationMode,
          platformFaultDomainCount: 1,
          virtualMachineProfile: {
            storageProfile: { osDisk: { osType: s.osType ?? 'Linux', createOption: 'FromImage' } },
            extensionProfile: { extensions: (s.extensions ?? []).map((e) => ({ name: e.name, properties: extensionProperties(e) })) },
          },
        },
      };
      if (s.tags) input.tags = s.tags;
      const identity = identityBlock(rgId, s.identity);
      if (identity) input.identity = identity;
      materialise(env, VMSS_TYPE, id, input);
      associate(env, rgId, id, s.associations);
    }
    for (const v of rg.virtualMachines ?? []) {
      const id = ref(rgId, VM_TYPE, v.name);
      const input: Json = {
        location: v.location ?? location,
        properties: {
          hardwareProfile: { vmSize: v.vmSize ?? 'Standard_D2s_v5' },
          storageProfile: { osDisk: { osType: v.osType ?? 'Linux', name: `${v.name}_OsDisk`, createOption: 'FromImage' } },
          osProfile: { computerName: v.name, adminUsername: 'azureuser' },
        },
      };
      if (v.tags) input.tags = v.tags;
      if (v.subnet) (input.properties as Json).networkProfile = machineNic(env, materialise, rgId, v.name, v.location ?? location, v.subnet);
      const identity = identityBlock(rgId, v.identity);
      if (identity) input.identity = identity;
      materialise(env, VM_TYPE, id, input);
      for (const e of v.extensions ?? []) materialise(env, EXTENSION_TYPE, `${id}/extensions/${e.name}`, { location: v.location ?? location, properties: extensionProperties(e) });
      associate(env, rgId, id, v.associations);
    }
  },
  (env, rgId, rg, location) => {
    for (const s of rg.arcPrivateLinkScopes ?? []) {
      materialise(env, ARC_SCOPE_TYPE, ref(rgId, ARC_SCOPE_TYPE, s.name), { location: s.location ?? location, properties: { publicNetworkAccess: s.publicNetworkAccess ?? 'Disabled' } });
    }
    for (const m of rg.arcMachines ?? []) {
      const id = ref(rgId, MACHINE_TYPE, m.name);
      const p: Json = { osType: (m.osType ?? 'Linux').toLowerCase(), status: m.status ?? 'Connected', osProfile: { computerName: m.name } };
      if (m.lastStatusChange) p.lastStatusChange = m.lastStatusChange;
      if (m.privateLinkScope) p.privateLinkScopeResourceId = ref(rgId, ARC_SCOPE_TYPE, m.privateLinkScope);
      const input: Json = { location: m.location ?? location, properties: p };
      if (m.systemAssignedIdentity !== false) input.identity = { type: 'SystemAssigned' };
      if (m.tags) input.tags = m.tags;
      materialise(env, MACHINE_TYPE, id, input);
      for (const e of m.extensions ?? []) {
        const props = extensionProperties(e);
        delete props.enableAutomaticUpgrade;
        materialise(env, ARC_EXTENSION_TYPE, `${id}/extensions/${e.name}`, { location: m.location ?? location, properties: props });
      }
      associate(env, rgId, id, m.associations);
    }
  },
];

export function loadEstate(env: Env, estate: Estate): void {
  const groups: [string, EstateResourceGroup, string][] = [];
  for (const s of estate.subscriptions ?? []) {
    env.store.addSubscription(s.id, s.displayName);
    for (const rg of s.resourceGroups ?? []) {
      const rgId = resourceGroupId(s.id, rg.name);
      const location = rg.location ?? 'eastus';
      env.store.put(resourceGroupBody(rgId, location, rg.tags));
      groups.push([rgId, rg, location]);
    }
  }
  for (const stage of stages) for (const [rgId, rg, location] of groups) stage(env, rgId, rg, location);
  const raw = [...(estate.resources ?? [])].sort((a, b) => String(a.id).split('/').length - String(b.id).split('/').length);
  for (const r of raw) {
    const parsed = parsePath(String(r.id));
    if (!parsed) continue;
    if (!env.store.hasSubscription(parsed.subscriptionId)) env.store.addSubscription(parsed.subscriptionId);
    const { etag: _e, ...body } = r;
    env.store.put(structuredClone(body));
  }
}

export function exportEstate(env: Env): Estate {
  const subscriptions = [...env.store.subscriptions.values()].map((s) => ({
    id: s.subscriptionId,
    displayName: s.displayName,
    resourceGroups: env.store.list(s.id, RESOURCE_GROUP_TYPE).map((rg) => ({ name: nameOf(rg.id), location: String(rg.body.location), tags: rg.body.tags as Record<string, string> })),
  }));
  const resources = [...env.store.all()].filter((r) => r.type !== RESOURCE_GROUP_TYPE).map((r) => structuredClone(r.body));
  return { tenantId: env.tenantId, subscriptions, resources };
}
