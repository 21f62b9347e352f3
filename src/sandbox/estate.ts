// A picture of the emulated estate as ARM holds it (not as the controller reports it): the scope, and per
// machine its identity, the identity the agent is told to use and its associations. Shown before and after.
import type { EmulatorStore, Json } from '../emulator/index.ts';
import { nameOf, table } from './output.ts';

const VM = 'Microsoft.Compute/virtualMachines';
const VMSS = 'Microsoft.Compute/virtualMachineScaleSets';
const EXTENSION = 'Microsoft.Compute/virtualMachines/extensions';
const ASSOCIATION = 'Microsoft.Insights/dataCollectionRuleAssociations';
const SCOPED = 'Microsoft.Insights/privateLinkScopes/scopedResources';
export const CONFIGURATION_ACCESS_ENDPOINT = 'configurationAccessEndpoint';

/** The ids of the broken estate (estates/seed-story.yaml) that the sandbox points at. */
const SUB = '/subscriptions/11111111-1111-1111-1111-111111111111';
export const SEED_STORY = {
  monitoringGroup: `${SUB}/resourceGroups/rg-monitoring`,
  workloadGroup: `${SUB}/resourceGroups/rg-workloads`,
  scope: `${SUB}/resourceGroups/rg-monitoring/providers/Microsoft.Insights/privateLinkScopes/ampls-central`,
  workspace: `${SUB}/resourceGroups/rg-monitoring/providers/Microsoft.OperationalInsights/workspaces/law-central`,
  endpoint: `${SUB}/resourceGroups/rg-monitoring/providers/Microsoft.Insights/dataCollectionEndpoints/dce-central`,
  flexibleScaleSet: `${SUB}/resourceGroups/rg-workloads/providers/Microsoft.Compute/virtualMachineScaleSets/vmss-flex-web`,
  /** Two user-assigned identities and an agent that names neither: only a person may choose. */
  ambiguousVm: `${SUB}/resourceGroups/rg-workloads/providers/Microsoft.Compute/virtualMachines/vm-windows-02`,
  agentExtension: 'AzureMonitorWindowsAgent',
  agentIdentity: `${SUB}/resourceGroups/rg-monitoring/providers/Microsoft.ManagedIdentity/userAssignedIdentities/uami-ama`,
  networkGroup: `${SUB}/resourceGroups/rg-network`,
  /** A spoke whose link to the private DNS zones was never made: its machines resolve public addresses. */
  unlinkedSpoke: `${SUB}/resourceGroups/rg-network/providers/Microsoft.Network/virtualNetworks/vnet-spoke`,
  /** The migration's scope: its private endpoint wrote the shared records last. */
  migrationScope: `${SUB}/resourceGroups/rg-monitoring/providers/Microsoft.Insights/privateLinkScopes/ampls-migration`,
  /** The zones an Azure Monitor private endpoint needs. */
  zones: [
    'privatelink.monitor.azure.com',
    'privatelink.oms.opinsights.azure.com',
    'privatelink.ods.opinsights.azure.com',
    'privatelink.agentsvc.azure-automation.net',
    'privatelink.blob.core.windows.net',
  ],
  /** An on-premises Arc server whose connected-machine agent is Disconnected: only a person on the server can fix it. */
  disconnectedArcServer: `${SUB}/resourceGroups/rg-onprem/providers/Microsoft.HybridCompute/machines/srv-onprem-02`,
} as const;

function obj(v: unknown): Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : {};
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

export interface MachineView {
  id: string;
  name: string;
  /** "VM", "Flexible member" or "Uniform scale set". */
  kind: string;
  os: string;
  /** The `onboarded` tag: before or after the scope was put in front of the workspace. */
  onboarded: string;
  identity: string;
  agentIdentity: string;
  rules: string[];
  /** Associations that carry an endpoint, by name. */
  endpointAssociations: string[];
}

function identityOf(body: Json): string {
  const identity = obj(body.identity);
  const parts: string[] = [];
  if (/systemassigned/i.test(str(identity.type))) parts.push('system');
  parts.push(...Object.keys(obj(identity.userAssignedIdentities)).map(nameOf));
  return parts.length > 0 ? parts.join(' + ') : 'none';
}

function agentSettings(extensions: Json[]): string {
  const agent = extensions.find((e) => /AzureMonitor(Linux|Windows)Agent/i.test(str(obj(e.properties).type)));
  if (!agent) return 'no agent';
  const mi = obj(obj(obj(obj(agent.properties).settings).authentication).managedIdentity);
  const value = str(mi['identifier-value']);
  return value ? nameOf(value) : '(not set)';
}

function associations(store: EmulatorStore, id: string): Pick<MachineView, 'rules' | 'endpointAssociations'> {
  const list = store.list(id, ASSOCIATION);
  return {
    rules: list.flatMap((a) => {
      const rule = str(obj(a.properties).dataCollectionRuleId);
      return rule ? [nameOf(rule)] : [];
    }).sort(),
    endpointAssociations: list.filter((a) => str(obj(a.properties).dataCollectionEndpointId) !== '').map((a) => str(a.name)).sort(),
  };
}

/** Every machine in a resource group: VMs (Flexible members included) and Uniform scale sets. */
export function machines(store: EmulatorStore, resourceGroupId: string): MachineView[] {
  const out: MachineView[] = [];
  for (const vm of store.list(resourceGroupId, VM)) {
    const id = str(vm.id);
    const props = obj(vm.properties);
    out.push({
      id,
      name: str(vm.name),
      kind: props.virtualMachineScaleSet ? `${nameOf(str(obj(props.virtualMachineScaleSet).id))} instance` : 'VM',
      os: str(obj(obj(props.storageProfile).osDisk).osType) || '?',
      onboarded: str(obj(vm.tags).onboarded),
      identity: identityOf(vm),
      agentIdentity: agentSettings(store.list(id, EXTENSION)),
      ...associations(store, id),
    });
  }
  for (const ss of store.list(resourceGroupId, VMSS)) {
    const props = obj(ss.properties);
    if (str(props.orchestrationMode) !== 'Uniform') continue;
    const profile = obj(props.virtualMachineProfile);
    const id = str(ss.id);
    out.push({
      id,
      name: str(ss.name),
      kind: `Uniform scale set (${Number(obj(ss.sku).capacity ?? 0)})`,
      os: str(obj(obj(profile.storageProfile).osDisk).osType) || '?',
      onboarded: str(obj(ss.tags).onboarded),
      identity: identityOf(ss),
      agentIdentity: agentSettings(((obj(profile.extensionProfile).extensions ?? []) as Json[]).map(obj)),
      ...associations(store, id),
    });
  }
  // Hand-made machines first, then scale-set instances in creation order of their names.
  return out.sort((a, b) => Number(a.kind !== 'VM') - Number(b.kind !== 'VM') || a.name.localeCompare(b.name));
}

function endpointCell(m: MachineView): string {
  if (m.endpointAssociations.length === 0) return '-  (missing)';
  return m.endpointAssociations
    .map((n) => (n === CONFIGURATION_ACCESS_ENDPOINT ? n : `${n} (ignored by the agent)`))
    .join(', ');
}

/** Rows like kubectl prints them, one per machine. */
export function machineTable(list: MachineView[]): string[] {
  const tagged = list.some((m) => m.onboarded !== '');
  return table([
    ['MACHINE', 'KIND', 'OS', ...(tagged ? ['ONBOARDED'] : []), 'IDENTITIES', 'AGENT USES', 'RULE ASSOCIATIONS', 'ENDPOINT ASSOCIATION'],
    ...list.map((m) => [
      m.name,
      m.kind,
      m.os,
      ...(tagged ? [m.onboarded || '-'] : []),
      m.identity,
      m.agentIdentity === '(not set)' ? 'default' : m.agentIdentity,
      m.rules.length > 0 ? m.rules.join(', ') : '-  (missing)',
      endpointCell(m),
    ]),
  ]);
}

export interface ScopeView {
  name: string;
  ingestion: string;
  query: string;
  linked: string[];
}

export function scopeOf(store: EmulatorStore, scopeId: string): ScopeView {
  const scope = store.get(scopeId) ?? {};
  const modes = obj(obj(scope.properties).accessModeSettings);
  return {
    name: nameOf(scopeId),
    ingestion: str(modes.ingestionAccessMode) || '?',
    query: str(modes.queryAccessMode) || '?',
    linked: store.list(scopeId, SCOPED).map((r) => nameOf(str(obj(r.properties).linkedResourceId))).sort(),
  };
}

export function scopeLine(s: ScopeView): string {
  return `${s.name}: ingestion ${s.ingestion}, query ${s.query}; linked: ${s.linked.join(', ') || 'nothing'}`;
}

/** Machines whose agent can fetch configuration through the private link and has a rule to apply. */
export function associated(m: MachineView): boolean {
  return m.endpointAssociations.includes(CONFIGURATION_ACCESS_ENDPOINT) && m.rules.length > 0;
}

export function flexibleInstances(store: EmulatorStore, scaleSetId: string, resourceGroupId: string): MachineView[] {
  const scaleSet = nameOf(scaleSetId).toLowerCase();
  return machines(store, resourceGroupId).filter((m) => m.kind.toLowerCase() === `${scaleSet} instance`);
}

export function capacityOf(store: EmulatorStore, scaleSetId: string): number {
  return Number(obj(store.get(scaleSetId)?.sku).capacity ?? 0);
}
