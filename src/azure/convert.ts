// SDK models to the snapshot's observed shapes; everything the plan compares, nothing more.
import { tableOfStream } from '../model/evidence.ts';
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
import { isRecord, lastSegment, ownString, sharedInterner as pool } from '../model/index.ts';
import { AgentExtensionRecord, AssociationRecord, MachineRecord, attachAgent } from './records.ts';
import { idKey } from '../model/index.ts';

export const AGENT_PUBLISHER = 'Microsoft.Azure.Monitor';
const AGENT_TYPES = new Set(['azuremonitorlinuxagent', 'azuremonitorwindowsagent']);
const ASSOCIATION_SEGMENT = '/providers/microsoft.insights/datacollectionruleassociations/';

/** An ARM answer whose field has the wrong type: that one resource is skipped and reported, never the whole pass. */
export class MalformedArmResource extends Error {
  override readonly name = 'MalformedArmResource';
  readonly code = 'MalformedArmResource';
}

/** The dotted paths checked, split once: each machine of a bulk read checks the same few. */
const splitPaths = new Map<string, string[]>();

/** The value at a dotted path of an SDK model (SDK models are plain objects deserialised from ARM's JSON). */
function at(model: unknown, path: string): unknown {
  let keys = splitPaths.get(path);
  if (keys === undefined) splitPaths.set(path, (keys = path.split('.')));
  let v: unknown = model;
  for (const k of keys) v = isRecord(v) ? v[k] : undefined;
  return v;
}

/** Throws `MalformedArmResource` unless each path holds a string or nothing. */
export function expectStrings(what: string, model: unknown, paths: readonly string[]): void {
  for (const p of paths) {
    const v = at(model, p);
    if (v !== undefined && v !== null && typeof v !== 'string') {
      throw new MalformedArmResource(`ARM returned ${what} whose ${p} is ${Array.isArray(v) ? 'an array' : typeof v}, not a string: skipped`);
    }
  }
}

/** Throws `MalformedArmResource` unless the path holds a string-valued map (tags) or nothing. */
function expectStringMap(what: string, model: unknown, path: string): void {
  const v = at(model, path);
  if (v === undefined || v === null) return;
  if (!isRecord(v) || Object.values(v).some((x) => typeof x !== 'string')) {
    throw new MalformedArmResource(`ARM returned ${what} whose ${path} is not a map of strings: skipped`);
  }
}

function accessMode(v: string | undefined): AccessMode {
  return v?.toLowerCase() === 'privateonly' ? 'PrivateOnly' : 'Open';
}

export function toScope(scope: AzureMonitorPrivateLinkScope, fallbackId: string, scoped: ScopedResource[]): ObservedScope {
  expectStrings('a private link scope', scope, ['id', 'accessModeSettings.ingestionAccessMode', 'accessModeSettings.queryAccessMode']);
  for (const e of scope.accessModeSettings?.exclusions ?? []) {
    expectStrings('a private link scope exclusion', e, ['privateEndpointConnectionName', 'ingestionAccessMode', 'queryAccessMode']);
  }
  for (const r of scoped) expectStrings('a scoped resource', r, ['id', 'name', 'linkedResourceId', 'kind']);
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
  expectStrings('a workspace', body, ['id']);
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
  expectStrings('a data collection rule', rule, ['id', 'kind', 'dataCollectionEndpointId']);
  for (const d of rule.destinations?.logAnalytics ?? []) expectStrings('a data collection rule destination', d, ['name', 'workspaceResourceId']);
  for (const f of rule.dataFlows ?? []) {
    if ([...(f.streams ?? []), ...(f.destinations ?? [])].some((x) => typeof x !== 'string')) {
      throw new MalformedArmResource('ARM returned a data collection rule whose dataFlows hold a non-string stream or destination: skipped');
    }
  }
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
  const streamTables: Record<string, string> = {};
  for (const flow of rule.dataFlows ?? []) {
    // Learn, DCR structure: a flow's outputStream names the table; else the stream's own name does (Microsoft-Syslog → Syslog).
    for (const stream of flow.streams ?? []) streamTables[stream] = tableOfStream(flow.outputStream ?? stream);
    const workspaces = (flow.destinations ?? []).flatMap((n) => {
      const w = workspaceByDestination.get(n);
      return w ? [w] : [];
    });
    for (const stream of flow.streams ?? []) {
      const list = (streamDestinations[stream] ??= []);
      for (const w of workspaces) if (!list.some((x) => idKey(x) === idKey(w))) list.push(w);
    }
  }
  const out: ObservedRule = { id: rule.id ?? fallbackId, dataSources, streamDestinations, streamTables };
  if (rule.kind) out.kind = rule.kind;
  if (rule.dataCollectionEndpointId) out.dataCollectionEndpointId = rule.dataCollectionEndpointId;
  return out;
}

export function toEndpoint(dce: DataCollectionEndpointResource, fallbackId: string): ObservedEndpoint {
  expectStrings('a data collection endpoint', dce, ['id']);
  for (const r of dce.privateLinkScopedResources ?? []) expectStrings('a data collection endpoint scope', r, ['scopeId']);
  return {
    id: dce.id ?? fallbackId,
    scopeIds: (dce.privateLinkScopedResources ?? []).flatMap((r) => (r.scopeId ? [r.scopeId] : [])),
  };
}

/** The resource an association is on: the id before `/providers/Microsoft.Insights/dataCollectionRuleAssociations/`. */
export function associationTarget(associationId: string): string | undefined {
  // Found in the id itself: in a lower-case copy, a letter such as 'İ' (two characters in lower case) shifts the index.
  const i = lastSegment(associationId, ASSOCIATION_SEGMENT);
  return i > 0 ? associationId.slice(0, i) : undefined;
}

export function toAssociation(a: DataCollectionRuleAssociationProxyOnlyResource): ObservedAssociation | undefined {
  return association(a, true);
}

function association(a: DataCollectionRuleAssociationProxyOnlyResource, withEtag: boolean): ObservedAssociation | undefined {
  expectStrings('an association', a, ['id', 'name', 'dataCollectionRuleId', 'dataCollectionEndpointId', 'description']);
  if (!a.id) return undefined;
  const target = associationTarget(a.id);
  if (!target) return undefined;
  // A copy, not a slice: a slice would keep the whole id alive until the association is filed under its machine.
  const resourceId = ownString(target);
  const out = withProperties(new AssociationRecord(a.id, pool.string(a.name ?? a.id.split('/').pop() ?? ''), resourceId), a);
  if (withEtag && typeof a.etag === 'string' && a.etag !== '') out.etag = a.etag;
  return out;
}

/** The rule, endpoint and description of an association's properties, on its record. */
function withProperties(out: ObservedAssociation, p: { dataCollectionRuleId?: unknown; dataCollectionEndpointId?: unknown; description?: unknown }): ObservedAssociation {
  // Names, rule and endpoint ids and the owner marker repeat on every machine: one copy each.
  if (typeof p.dataCollectionRuleId === 'string' && p.dataCollectionRuleId !== '') out.dataCollectionRuleId = pool.string(p.dataCollectionRuleId);
  if (typeof p.dataCollectionEndpointId === 'string' && p.dataCollectionEndpointId !== '') out.dataCollectionEndpointId = pool.string(p.dataCollectionEndpointId);
  // Resource Graph's projection gives null for an absent description.
  if (typeof p.description === 'string') out.description = pool.string(p.description);
  return out;
}

/**
 * An association of the machine `resourceId` named `name`, with these properties (Resource Graph's rows): its id is the
 * machine's, the segment and the name, so the record is built without spelling it, and refers to `resourceId` itself.
 */
export function toMachineAssociation(resourceId: string, name: string, properties: Record<string, unknown>): ObservedAssociation {
  expectStrings('an association', properties, ['dataCollectionRuleId', 'dataCollectionEndpointId', 'description']);
  return withProperties(new AssociationRecord(undefined, pool.string(name), resourceId), properties);
}

/**
 * An association of a bulk list, without its etag: a write takes the etag of the association it re-reads just before
 * (src/azure/act.ts), never the list's, so the list's would cost a string per association for nothing.
 */
export function toListedAssociation(a: DataCollectionRuleAssociationProxyOnlyResource): ObservedAssociation | undefined {
  return association(a, false);
}

interface IdentityLike {
  type?: string;
  principalId?: string;
  userAssignedIdentities?: Record<string, unknown>;
}

export function toIdentity(identity: IdentityLike | undefined): ObservedIdentity {
  expectStrings('an identity', identity, ['type', 'principalId']);
  if (identity?.userAssignedIdentities !== undefined && identity.userAssignedIdentities !== null && !isRecord(identity.userAssignedIdentities)) {
    throw new MalformedArmResource('ARM returned an identity whose userAssignedIdentities is not a map: skipped');
  }
  const out: ObservedIdentity = {
    type: pool.string(identity?.type ?? 'None'),
    userAssignedIdentities: Object.keys(identity?.userAssignedIdentities ?? {}).map((id) => pool.string(id)),
  };
  if (identity?.principalId) out.principalId = identity.principalId;
  // Without a system identity of its own, a machine's identity is the fleet's (one user-assigned identity): shared.
  return out.principalId === undefined ? pool.object(out) : out;
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
  expectStrings('an extension', ext, ['id', 'name', 'publisher', 'typePropertiesType']);
  if (!ext.id || !isAgent(ext.publisher, ext.typePropertiesType)) return undefined;
  return agentExtension(ext.id, ext.name ?? ext.id.split('/').pop() ?? '', ext);
}

export function toScaleSetAgentExtension(scaleSetId: string, ext: VirtualMachineScaleSetExtension): ObservedAgentExtension | undefined {
  expectStrings('a scale set extension', ext, ['name', 'publisher', 'typePropertiesType']);
  if (!isAgent(ext.publisher, ext.typePropertiesType)) return undefined;
  const name = ext.name ?? ext.typePropertiesType ?? '';
  return agentExtension(`${scaleSetId}/extensions/${name}`, name, ext);
}

/** The agent extension of a VM or of a scale set's extension profile: the two SDK shapes share these fields. */
function agentExtension(id: string, name: string, ext: VirtualMachineExtension | VirtualMachineScaleSetExtension): ObservedAgentExtension {
  expectStrings('an agent extension', ext, ['typeHandlerVersion', 'provisioningState']);
  // Only the id is the machine's own: names, versions and (usually) settings are the fleet's, held once.
  const out: ObservedAgentExtension = new AgentExtensionRecord(
    id,
    pool.string(name),
    pool.string(ext.typePropertiesType ?? ''),
    pool.string(ext.publisher ?? AGENT_PUBLISHER),
    pool.object(settingsOf(ext.settings)),
  );
  if (ext.typeHandlerVersion) out.typeHandlerVersion = pool.string(ext.typeHandlerVersion);
  if (ext.provisioningState) out.provisioningState = pool.string(ext.provisioningState);
  return out;
}

/**
 * A VM as a machine. `resources` (child extensions) comes in full with a VM GET: then the agent extension
 * is known (or known absent) without another read.
 */
export function toVmMachine(vm: VirtualMachine, selectedBy: string): ObservedMachine | undefined {
  expectStrings('a virtual machine', vm, ['id', 'storageProfile.osDisk.osType', 'virtualMachineScaleSet.id']);
  expectStringMap('a virtual machine', vm, 'tags');
  if (vm.resources !== undefined && !Array.isArray(vm.resources)) throw new MalformedArmResource('ARM returned a virtual machine whose resources is not a list: skipped');
  for (const r of vm.resources ?? []) expectStrings('a virtual machine extension', r, ['id']);
  if (!vm.id) return undefined;
  const m: ObservedMachine = new MachineRecord(vm.id, 'VirtualMachine', toIdentity(vm.identity), pool.object({ ...(vm.tags ?? {}) }), selectedBy);
  const os = osType(vm.storageProfile?.osDisk?.osType);
  if (os) m.osType = os;
  if (vm.virtualMachineScaleSet?.id) m.scaleSetId = pool.string(vm.virtualMachineScaleSet.id);
  if (vm.resources !== undefined) {
    // A GET carries extensions in full; a list only their ids, and then the settings are read separately.
    const detailed = vm.resources.every((r) => r.publisher !== undefined || r.typePropertiesType !== undefined);
    if (detailed) attachAgent(m, vm.resources.map(toVmAgentExtension).find((e) => e !== undefined) ?? null);
    else m.extensionIds = vm.resources.map((r) => r.id).filter((id): id is string => id !== undefined);
  }
  return m;
}

function scaleSetExtension(ss: VirtualMachineScaleSet, id: string): ObservedAgentExtension | null {
  const exts = ss.virtualMachineProfile?.extensionProfile?.extensions ?? [];
  return exts.map((e) => toScaleSetAgentExtension(id, e)).find((e) => e !== undefined) ?? null;
}

export function toScaleSet(ss: VirtualMachineScaleSet, fallbackId: string): ObservedScaleSet {
  expectStrings('a scale set', ss, ['id', 'orchestrationMode', 'virtualMachineProfile.storageProfile.osDisk.osType']);
  expectStringMap('a scale set', ss, 'tags');
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
    tags: pool.object({ ...(ss.tags ?? {}) }),
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

