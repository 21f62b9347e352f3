// SDK models to the snapshot's observed shapes; everything the plan compares, nothing more.
import type {
  VirtualMachine,
  VirtualMachineExtension,
  VirtualMachineScaleSet,
  VirtualMachineScaleSetExtension,
} from '@azure/arm-compute';
import type {
  AzureMonitorPrivateLinkScope,
  DataCollectionEndpointResource,
  DataCollectionRuleAssociationProxyOnlyResource,
  DataCollectionRuleResource,
  ScopedResource,
} from '@azure/arm-monitor';
import type { AccessMode } from '../api/types.ts';
import type { ObservedAgentExtension, ObservedAssociation, ObservedDataSource, ObservedEndpoint, ObservedIdentity, ObservedMachine, ObservedRule, ObservedScaleSet, ObservedScope, ObservedScopedResource, ObservedWorkspace, OsType } from '../model/index.ts';
import { isRecord } from './clients.ts';
import { idKey } from '../model/index.ts';

export const AGENT_PUBLISHER = 'Microsoft.Azure.Monitor';
const AGENT_TYPES = new Set(['azuremonitorlinuxagent', 'azuremonitorwindowsagent']);
const ASSOCIATION_SEGMENT = '/providers/microsoft.insights/datacollectionruleassociations/';

function accessMode(v: string | undefined): AccessMode {
  return v?.toLowerCase() === 'privateonly' ? 'PrivateOnly' : 'Open';
}

export function toScope(scope: AzureMonitorPrivateLinkScope, fallbackId: string, scoped: ScopedResource[]): ObservedScope {
  const s = scope.accessModeSettings as AzureMonitorPrivateLinkScope['accessModeSettings'] | undefined;
  return {
    id: scope.id ?? fallbackId,
    ingestionAccessMode: accessMode(s?.ingestionAccessMode),
    queryAccessMode: accessMode(s?.queryAccessMode),
    exclusions: (s?.exclusions ?? []).map((e) => ({
      privateEndpointConnectionName: e.privateEndpointConnectionName ?? '',
      ingestionAccessMode: accessMode(e.ingestionAccessMode),
      queryAccessMode: accessMode(e.queryAccessMode),
    })),
    scopedResources: scoped.flatMap((r): ObservedScopedResource[] =>
      r.id && r.linkedResourceId
        ? [{ id: r.id, name: r.name ?? r.id.split('/').pop() ?? '', linkedResourceId: r.linkedResourceId, ...(r.kind ? { kind: r.kind } : {}) }]
        : [],
    ),
  };
}

export function toWorkspace(id: string, body: Record<string, unknown>): ObservedWorkspace {
  const p = isRecord(body['properties']) ? body['properties'] : {};
  const out: ObservedWorkspace = { id: typeof body['id'] === 'string' ? body['id'] : id };
  if (typeof p['publicNetworkAccessForIngestion'] === 'string') out.publicNetworkAccessForIngestion = p['publicNetworkAccessForIngestion'];
  if (typeof p['publicNetworkAccessForQuery'] === 'string') out.publicNetworkAccessForQuery = p['publicNetworkAccessForQuery'];
  return out;
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

export function toRule(rule: DataCollectionRuleResource, fallbackId: string): ObservedRule {
  const dataSources: ObservedDataSource[] = [];
  const families: unknown = rule.dataSources ?? {};
  if (isRecord(families)) {
    for (const [family, list] of Object.entries(families)) {
      if (!Array.isArray(list)) continue;
      for (const item of list as unknown[]) {
        if (!isRecord(item)) continue;
        const ds: ObservedDataSource = {
          family,
          name: typeof item['name'] === 'string' ? item['name'] : '',
          streams: strings(item['streams']),
        };
        if (family === 'syslog') {
          ds.facilityNames = strings(item['facilityNames']);
          ds.logLevels = strings(item['logLevels']);
        }
        dataSources.push(ds);
      }
    }
  }
  const workspaceByDestination = new Map<string, string>();
  for (const d of rule.destinations?.logAnalytics ?? []) {
    if (d.name && d.workspaceResourceId) workspaceByDestination.set(d.name, d.workspaceResourceId);
  }
  const streamDestinations: Record<string, string[]> = {};
  for (const flow of rule.dataFlows ?? []) {
    const workspaces = (flow.destinations ?? []).flatMap((n) => {
      const w = workspaceByDestination.get(n);
      return w ? [w] : [];
    });
    for (const stream of flow.streams ?? []) {
      const list = (streamDestinations[stream] ??= []);
      for (const w of workspaces) if (!list.some((x) => idKey(x) === idKey(w))) list.push(w);
    }
  }
  const out: ObservedRule = { id: rule.id ?? fallbackId, dataSources, streamDestinations };
  if (rule.kind) out.kind = rule.kind;
  if (rule.dataCollectionEndpointId) out.dataCollectionEndpointId = rule.dataCollectionEndpointId;
  return out;
}

export function toEndpoint(dce: DataCollectionEndpointResource, fallbackId: string): ObservedEndpoint {
  return {
    id: dce.id ?? fallbackId,
    scopeIds: (dce.privateLinkScopedResources ?? []).flatMap((r) => (r.scopeId ? [r.scopeId] : [])),
  };
}

/** The resource an association is on: the id before `/providers/Microsoft.Insights/dataCollectionRuleAssociations/`. */
export function associationTarget(associationId: string): string | undefined {
  const i = associationId.toLowerCase().lastIndexOf(ASSOCIATION_SEGMENT);
  return i > 0 ? associationId.slice(0, i) : undefined;
}

export function toAssociation(a: DataCollectionRuleAssociationProxyOnlyResource): ObservedAssociation | undefined {
  if (!a.id) return undefined;
  const resourceId = associationTarget(a.id);
  if (!resourceId) return undefined;
  const out: ObservedAssociation = { id: a.id, name: a.name ?? a.id.split('/').pop() ?? '', resourceId };
  if (a.dataCollectionRuleId) out.dataCollectionRuleId = a.dataCollectionRuleId;
  if (a.dataCollectionEndpointId) out.dataCollectionEndpointId = a.dataCollectionEndpointId;
  if (a.description !== undefined) out.description = a.description;
  return out;
}

interface IdentityLike {
  type?: string;
  principalId?: string;
  userAssignedIdentities?: Record<string, unknown>;
}

export function toIdentity(identity: IdentityLike | undefined): ObservedIdentity {
  const out: ObservedIdentity = {
    type: identity?.type ?? 'None',
    userAssignedIdentities: Object.keys(identity?.userAssignedIdentities ?? {}),
  };
  if (identity?.principalId) out.principalId = identity.principalId;
  return out;
}

function osType(v: string | undefined): OsType | undefined {
  const l = v?.toLowerCase();
  return l === 'linux' ? 'Linux' : l === 'windows' ? 'Windows' : undefined;
}

function settingsOf(v: unknown): Record<string, unknown> {
  return isRecord(v) ? v : {};
}

function isAgent(publisher: string | undefined, type: string | undefined): boolean {
  return publisher?.toLowerCase() === AGENT_PUBLISHER.toLowerCase() && AGENT_TYPES.has(type?.toLowerCase() ?? '');
}

export function toVmAgentExtension(ext: VirtualMachineExtension): ObservedAgentExtension | undefined {
  if (!ext.id || !isAgent(ext.publisher, ext.typePropertiesType)) return undefined;
  return agentExtension(ext.id, ext.name ?? ext.id.split('/').pop() ?? '', ext);
}

export function toScaleSetAgentExtension(scaleSetId: string, ext: VirtualMachineScaleSetExtension): ObservedAgentExtension | undefined {
  if (!isAgent(ext.publisher, ext.typePropertiesType)) return undefined;
  const name = ext.name ?? ext.typePropertiesType ?? '';
  return agentExtension(`${scaleSetId}/extensions/${name}`, name, ext);
}

/** The agent extension of a VM or of a scale set's extension profile: the two SDK shapes share these fields. */
function agentExtension(id: string, name: string, ext: VirtualMachineExtension | VirtualMachineScaleSetExtension): ObservedAgentExtension {
  const out: ObservedAgentExtension = {
    id,
    name,
    type: ext.typePropertiesType ?? '',
    publisher: ext.publisher ?? AGENT_PUBLISHER,
    settings: settingsOf(ext.settings),
  };
  if (ext.typeHandlerVersion) out.typeHandlerVersion = ext.typeHandlerVersion;
  if (ext.provisioningState) out.provisioningState = ext.provisioningState;
  return out;
}

/**
 * A VM as a machine. `resources` (child extensions) comes in full with a VM GET: then the agent extension
 * is known (or known absent) without another read.
 */
export function toVmMachine(vm: VirtualMachine, selectedBy: string): ObservedMachine | undefined {
  if (!vm.id) return undefined;
  const m: ObservedMachine = {
    id: vm.id,
    kind: 'VirtualMachine',
    identity: toIdentity(vm.identity),
    tags: { ...(vm.tags ?? {}) },
    selectedBy,
  };
  const os = osType(vm.storageProfile?.osDisk?.osType);
  if (os) m.osType = os;
  if (vm.virtualMachineScaleSet?.id) m.scaleSetId = vm.virtualMachineScaleSet.id;
  if (vm.resources !== undefined) {
    // A GET carries extensions in full; a list only their ids, and then the settings are read separately.
    const detailed = vm.resources.every((r) => r.publisher !== undefined || r.typePropertiesType !== undefined);
    if (detailed) m.agentExtension = vm.resources.map(toVmAgentExtension).find((e) => e !== undefined) ?? null;
    else m.extensionIds = vm.resources.map((r) => r.id).filter((id): id is string => id !== undefined);
  }
  return m;
}

function scaleSetExtension(ss: VirtualMachineScaleSet, id: string): ObservedAgentExtension | null {
  const exts = ss.virtualMachineProfile?.extensionProfile?.extensions ?? [];
  return exts.map((e) => toScaleSetAgentExtension(id, e)).find((e) => e !== undefined) ?? null;
}

export function toScaleSet(ss: VirtualMachineScaleSet, fallbackId: string): ObservedScaleSet {
  const id = ss.id ?? fallbackId;
  const out: ObservedScaleSet = {
    id,
    orchestrationMode: ss.orchestrationMode?.toLowerCase() === 'flexible' ? 'Flexible' : 'Uniform',
    identity: toIdentity(ss.identity),
    agentExtension: scaleSetExtension(ss, id),
  };
  const os = osType(ss.virtualMachineProfile?.storageProfile?.osDisk?.osType);
  if (os) out.osType = os;
  return out;
}

/** A Uniform scale set is one machine: associations and the agent live at the scale-set level. */
export function uniformScaleSetMachine(ss: VirtualMachineScaleSet, fallbackId: string): ObservedMachine {
  const s = toScaleSet(ss, fallbackId);
  const m: ObservedMachine = {
    id: s.id,
    kind: 'UniformScaleSet',
    identity: s.identity,
    tags: { ...(ss.tags ?? {}) },
    agentExtension: s.agentExtension ?? null,
    selectedBy: 'virtualMachineScaleSets',
  };
  if (s.osType) m.osType = s.osType;
  return m;
}

/** Tag names are case-insensitive in ARM, values are compared exactly. */
export function matchesTags(tags: Record<string, string> | undefined, match: Record<string, string>): boolean {
  const lower = new Map(Object.entries(tags ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
  return Object.entries(match).every(([k, v]) => lower.get(k.toLowerCase()) === v);
}
