// Resource Graph rows to the snapshot's observed shapes, and the queries that select a topology's targets: pure.
import type { Machine, MachineExtension } from '@azure/arm-hybridcompute';
import type { VirtualMachine, VirtualMachineExtension, VirtualMachineScaleSet } from '@azure/arm-compute';
import type { Targets } from '../api/types.ts';
import type { ObservedAgentExtension, ObservedAssociation, ObservedMachine, ObservedScaleSet } from '../model/index.ts';
import { dedupe, groupOf, idKey, isRecord, lastSegment, ownString, parseArmId } from '../model/index.ts';
import { toArcAgentExtension, toArcMachine } from './arc.ts';
import { matchesTags, toMachineAssociation, toScaleSet, toVmAgentExtension, toVmMachine, uniformScaleSetMachine } from './convert.ts';
import { AgentExtensionRecord } from './records.ts';

/** One row of a Resource Graph `objectArray` answer. */
export type GraphRow = Record<string, unknown>;

export const VM_TYPE = 'microsoft.compute/virtualmachines';
export const VMSS_TYPE = 'microsoft.compute/virtualmachinescalesets';
export const ARC_TYPE = 'microsoft.hybridcompute/machines';
const EXTENSION_TYPES = ['microsoft.compute/virtualmachines/extensions', 'microsoft.hybridcompute/machines/extensions'];
const ASSOCIATION_TYPE = 'microsoft.insights/datacollectionruleassociations';
/** The table and filter of `associationsQuery`, for queries that must select exactly the same rows. */
export const ASSOCIATION_ROWS: readonly string[] = ['insightsresources', `| where type =~ ${kqlString(ASSOCIATION_TYPE)}`];

/** A KQL string literal. */
export function kqlString(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

export const kqlList = (xs: string[]): string => `(${xs.map(kqlString).join(', ')})`;

/** The subscriptions a topology's targets live in (Resource Graph is asked about these only). */
export function targetSubscriptions(targets: Targets): string[] {
  const subs: string[] = [];
  for (const id of [...(targets.virtualMachines ?? []), ...(targets.virtualMachineScaleSets ?? []), ...(targets.arcMachines ?? []), ...(targets.resourceGroups ?? [])]) {
    const p = parseArmId(id);
    if (p) subs.push(p.subscriptionId);
  }
  for (const s of targets.tagSelector && Object.keys(targets.tagSelector.matchTags).length > 0 ? targets.tagSelector.subscriptions : []) {
    subs.push(parseArmId(s)?.subscriptionId ?? s.replace(/^\/?subscriptions\//i, ''));
  }
  return dedupe(subs.map((s) => s.toLowerCase()));
}

/**
 * One query for every machine-like resource the targets may select: named ids, scale-set members, whole resource
 * groups, and (for a tag selector) whole subscriptions, whose tags are then matched here as ARM's path does.
 */
export function machinesQuery(targets: Targets): string {
  return [...machineRows(targets), `| project id, name, type, location, tags, identity, properties = ${MACHINE_PROPERTIES}`, '| order by id asc'].join('\n');
}

/**
 * The properties the conversions read, per type, under the paths ARM gives them (a page holds up to 1,000 machines,
 * and a VM's properties in full, with its OS, storage and network profiles, are several times these): VMs their OS
 * and scale set, scale sets their orchestration mode, OS and extension profile (whose agent names the identity), Arc
 * machines their status and OS. A path a resource lacks is null in the bag, which the conversions read as absent.
 */
const MACHINE_PROPERTIES = [
  'case(',
  `type =~ ${kqlString(VM_TYPE)}, pack('timeCreated', properties.timeCreated, 'storageProfile', pack('osDisk', pack('osType', properties.storageProfile.osDisk.osType)), 'virtualMachineScaleSet', properties.virtualMachineScaleSet),`,
  `type =~ ${kqlString(VMSS_TYPE)}, pack('timeCreated', properties.timeCreated, 'orchestrationMode', properties.orchestrationMode, 'virtualMachineProfile', pack('storageProfile', pack('osDisk', pack('osType', properties.virtualMachineProfile.storageProfile.osDisk.osType)), 'extensionProfile', properties.virtualMachineProfile.extensionProfile)),`,
  "pack('timeCreated', properties.timeCreated, 'status', properties.status, 'lastStatusChange', properties.lastStatusChange, 'privateLinkScopeResourceId', properties.privateLinkScopeResourceId, 'osType', properties.osType, 'osName', properties.osName))",
].join(' ');

/** The table and filters of `machinesQuery`, for queries that must select exactly the same rows. */
export function machineRows(targets: Targets): string[] {
  const ors: string[] = [];
  const named = dedupe([...(targets.virtualMachines ?? []), ...(targets.virtualMachineScaleSets ?? []), ...(targets.arcMachines ?? [])]).map((id) => id.toLowerCase());
  if (named.length > 0) ors.push(`tolower(id) in~ ${kqlList(named)}`);
  const sets = dedupe(targets.virtualMachineScaleSets ?? []).map((id) => id.toLowerCase());
  if (sets.length > 0) ors.push(`tolower(tostring(properties.virtualMachineScaleSet.id)) in~ ${kqlList(sets)}`);
  for (const g of dedupe(targets.resourceGroups ?? [])) {
    const p = parseArmId(g);
    if (p?.resourceGroup) ors.push(`(subscriptionId =~ ${kqlString(p.subscriptionId)} and resourceGroup =~ ${kqlString(p.resourceGroup)})`);
  }
  const selector = targets.tagSelector;
  if (selector && Object.keys(selector.matchTags).length > 0) {
    const subs = selector.subscriptions.map((s) => parseArmId(s)?.subscriptionId ?? s.replace(/^\/?subscriptions\//i, ''));
    if (subs.length > 0) ors.push(`subscriptionId in~ ${kqlList(subs)}`);
  }
  const where = ors.length > 0 ? ors.join(' or ') : 'false';
  return ['resources', `| where type in~ ${kqlList([VM_TYPE, VMSS_TYPE, ARC_TYPE])}`, `| where ${where}`];
}

/** The Azure Monitor Agent extensions of VMs and Arc machines (their public settings name the agent's identity). */
export function agentExtensionsQuery(): string {
  return [
    'resources',
    `| where type in~ ${kqlList(EXTENSION_TYPES)}`,
    "| where tostring(properties.publisher) =~ 'Microsoft.Azure.Monitor'",
    "| where tostring(properties.type) in~ ('AzureMonitorLinuxAgent', 'AzureMonitorWindowsAgent')",
    // What the conversions read: the agent's identity is in its public settings.
    "| project id, name, type, properties = pack('publisher', properties.publisher, 'type', properties.type, 'typeHandlerVersion', properties.typeHandlerVersion, 'provisioningState', properties.provisioningState, 'settings', properties.settings)",
    '| order by id asc',
  ].join('\n');
}

/**
 * Every data collection rule association in the subscriptions, one row per resource they sit on (a page holds up to
 * 1,000 machines, not 1,000 associations); kept only where they sit on targets. A row is the machine's id as ARM spells
 * it (the part of an association's id before the association segment; where lower case changes a name's length, as
 * some Unicode letters a resource group may hold do, its lower-case id, which ARM reads alike) and, per association,
 * its name and the properties the conversions read. Its id is the machine's, the segment and its name, so it does not
 * travel: three associations' ids would spell the machine's id three more times, about half the page.
 */
export function associationsQuery(): string {
  return [
    ...ASSOCIATION_ROWS,
    "| extend machineId = tostring(split(tolower(id), '/providers/microsoft.insights/datacollectionruleassociations/')[0])",
    '| extend spelled = substring(id, 0, strlen(machineId))',
    '| extend machine = iff(tolower(spelled) == machineId, spelled, machineId)',
    "| summarize id = take_any(machine), associations = make_list(pack('name', name, 'properties', pack('dataCollectionRuleId', properties.dataCollectionRuleId, 'dataCollectionEndpointId', properties.dataCollectionEndpointId, 'description', properties.description))) by machineId",
    '| order by machineId asc',
    '| project id, associations',
  ].join('\n');
}

const props = (row: GraphRow): Record<string, unknown> => (isRecord(row['properties']) ? row['properties'] : {});
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** A VM row as the SDK's flattened model (properties lifted to the top, as the SDK's deserializer does). */
export function rowToVirtualMachine(row: GraphRow): VirtualMachine {
  return { ...props(row), id: str(row['id']), name: str(row['name']), location: str(row['location']) ?? '', tags: row['tags'], identity: row['identity'] } as VirtualMachine;
}

export function rowToScaleSet(row: GraphRow): VirtualMachineScaleSet {
  const p = props(row);
  const profile = isRecord(p['virtualMachineProfile']) ? p['virtualMachineProfile'] : undefined;
  const extProfile = profile && isRecord(profile['extensionProfile']) ? profile['extensionProfile'] : undefined;
  const exts = extProfile && Array.isArray(extProfile['extensions']) ? (extProfile['extensions'] as unknown[]) : [];
  const flatExts = exts.filter(isRecord).map((e) => {
    const ep = isRecord(e['properties']) ? e['properties'] : {};
    return { ...ep, name: str(e['name']), typePropertiesType: str(ep['type']) };
  });
  const virtualMachineProfile = profile ? { ...profile, extensionProfile: { ...(extProfile ?? {}), extensions: flatExts } } : undefined;
  return { ...p, virtualMachineProfile, id: str(row['id']), name: str(row['name']), location: str(row['location']) ?? '', tags: row['tags'], identity: row['identity'] } as VirtualMachineScaleSet;
}

export function rowToExtension(row: GraphRow): VirtualMachineExtension {
  const p = props(row);
  return { ...p, id: str(row['id']), name: str(row['name']), typePropertiesType: str(p['type']) } as VirtualMachineExtension;
}

/** The agent extension a row holds, keyed by the machine it belongs to; undefined when the row is not one. */
export function toGraphAgentExtension(row: GraphRow): { machineId: string; extension: ObservedAgentExtension } | undefined {
  const id = str(row['id']);
  const i = id === undefined ? -1 : lastSegment(id, '/extensions/');
  if (id === undefined || i <= 0) return undefined;
  const type = str(row['type'])?.toLowerCase();
  const extension = type === 'microsoft.hybridcompute/machines/extensions' ? toArcAgentExtension(row as unknown as MachineExtension) : toVmAgentExtension(rowToExtension(row));
  if (!extension) return undefined;
  // One string of the machine's id for the key and the extension (a copy: a slice would keep the whole id alive).
  const cut = id.slice(0, i);
  const owner = extension instanceof AgentExtensionRecord ? extension.owner : undefined;
  return { machineId: owner !== undefined && owner === cut ? owner : ownString(cut), extension };
}

/** The associations of one row of the grouped association query; an association's id is the row's, the segment and its name. */
export function toGraphAssociations(row: GraphRow): ObservedAssociation[] {
  const list = Array.isArray(row['associations']) ? (row['associations'] as unknown[]) : [];
  const machine = str(row['id']);
  if (!machine) return [];
  const out: ObservedAssociation[] = [];
  for (const a of list) {
    if (!isRecord(a)) continue;
    const name = str(a['name']);
    // A row is one machine's: its associations share the row's string of the machine's id, and no id is spelled out
    // (300,000 ids, their lower-case copies and slices were a kilobyte of garbage per association).
    if (name !== undefined) out.push(toMachineAssociation(machine, name, props(a)));
  }
  return out;
}

/** Which selector picks a machine, in the spec's order (the first one names it, as on ARM's path). */
export interface Selection {
  named: Set<string>;
  scaleSets: Set<string>;
  groups: Set<string>;
  tagSubscriptions: Set<string>;
  matchTags?: Record<string, string>;
}

export function selectionOf(targets: Targets): Selection {
  const groups = new Set<string>();
  for (const g of targets.resourceGroups ?? []) {
    const { group } = groupOf(g);
    if (group) groups.add(group);
  }
  const selector = targets.tagSelector;
  const tagged = selector && Object.keys(selector.matchTags).length > 0 ? selector : undefined;
  return {
    named: new Set([...(targets.virtualMachines ?? []), ...(targets.arcMachines ?? [])].map(idKey)),
    scaleSets: new Set((targets.virtualMachineScaleSets ?? []).map(idKey)),
    groups,
    tagSubscriptions: new Set((tagged?.subscriptions ?? []).map((s) => (parseArmId(s)?.subscriptionId ?? s.replace(/^\/?subscriptions\//i, '')).toLowerCase())),
    ...(tagged ? { matchTags: tagged.matchTags } : {}),
  };
}

const tagsOf = (row: GraphRow): Record<string, string> | undefined =>
  isRecord(row['tags']) ? Object.fromEntries(Object.entries(row['tags']).filter((e): e is [string, string] => typeof e[1] === 'string')) : undefined;

/** What one machine-query row contributes: a machine (with the selector that picked it) and/or a Flexible scale set. */
export interface Classified {
  machine?: ObservedMachine;
  /** Order of the selector: 0 named, 1 scale set, 2 resource group, 3 tags (ARM's path merges in this order). */
  rank?: number;
  scaleSet?: ObservedScaleSet;
  /** A Flexible scale set not selected itself: kept only when one of its members is a target. */
  ownerOnly?: boolean;
}

export function classifyRow(row: GraphRow, sel: Selection): Classified {
  const id = str(row['id']);
  const type = str(row['type'])?.toLowerCase();
  if (id === undefined) return {};
  const { group, subscriptionId } = groupOf(id);
  const inGroup = sel.groups.has(group);
  const tagged = sel.matchTags !== undefined && sel.tagSubscriptions.has(subscriptionId.toLowerCase()) && matchesTags(tagsOf(row), sel.matchTags);
  const named = sel.named.size > 0 && sel.named.has(idKey(id));
  if (type === VMSS_TYPE) {
    const ss = rowToScaleSet(row);
    const observed = toScaleSet(ss, id);
    const explicit = sel.scaleSets.has(idKey(id));
    if (observed.orchestrationMode === 'Uniform') {
      const rank = explicit ? 1 : inGroup ? 2 : tagged ? 3 : undefined;
      if (rank === undefined) return {};
      return { machine: { ...uniformScaleSetMachine(ss, id), selectedBy: ['', 'virtualMachineScaleSets', 'resourceGroups', 'tagSelector'][rank] ?? '' }, rank };
    }
    return { scaleSet: observed, ownerOnly: !(explicit || inGroup || tagged) };
  }
  if (type === ARC_TYPE) {
    const rank = named ? 0 : inGroup ? 2 : tagged ? 3 : undefined;
    if (rank === undefined) return {};
    const m = toArcMachine(row as unknown as Machine, ['arcMachines', '', 'resourceGroups', 'tagSelector'][rank] ?? '');
    return m ? { machine: m, rank } : {};
  }
  if (type === VM_TYPE) {
    const vm = rowToVirtualMachine(row);
    const member = vm.virtualMachineScaleSet?.id !== undefined && sel.scaleSets.size > 0 && sel.scaleSets.has(idKey(vm.virtualMachineScaleSet.id));
    const rank = named ? 0 : member ? 1 : inGroup ? 2 : tagged ? 3 : undefined;
    if (rank === undefined) return {};
    const m = toVmMachine(vm, ['virtualMachines', 'virtualMachineScaleSets', 'resourceGroups', 'tagSelector'][rank] ?? '');
    return m ? { machine: m, rank } : {};
  }
  return {};
}
