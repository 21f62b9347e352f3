// The agent's lifecycle, stage by stage, read from the emulated configuration: what one machine can send, and where.
// Stage numbers are the field report's "AMA Data Flow Lifecycle" table (seed 000).
type Json = Record<string, unknown>;
import type { ResourceStore, StoredResource } from '../arm/store.ts';
import type { GuestFault } from '../types.ts';
import { reach, type Origin } from '../providers/Microsoft.Insights/private-link-access.ts';


export interface Machine {
  readonly id: string;
  readonly computer: string;
  readonly osType: 'Linux' | 'Windows';
  /** Where the agent reads its extension, identity and associations: the VM, or the Uniform scale set. */
  readonly resource: StoredResource;
  readonly instances: number;
}

export interface StreamFlow {
  readonly rule: string;
  readonly stream: string;
  readonly table: string;
  readonly workspace: string;
}

export interface Lifecycle {
  /** Workspaces (ARM ids) that receive heartbeats; empty when the agent stops before stage 7. */
  readonly heartbeatTo: readonly string[];
  readonly flows: readonly StreamFlow[];
  /** The first failing stage of the whole agent (no heartbeat anywhere), with why. */
  readonly stopped?: { readonly stage: number; readonly reason: string };
  /** Streams that do not arrive although heartbeats do (stages 8 to 10). */
  readonly missing: readonly { readonly rule: string; readonly stream: string; readonly stage: number; readonly reason: string }[];
}

const ASSOCIATION_TYPE = 'Microsoft.Insights/dataCollectionRuleAssociations';
const EXTENSION_TYPE = 'Microsoft.Compute/virtualMachines/extensions';
const ARC_EXTENSION_TYPE = 'Microsoft.HybridCompute/machines/extensions';
const ARC_MACHINE = 'microsoft.hybridcompute/machines';
const props = (r: StoredResource | Json | undefined): Json => ((r && 'body' in r ? (r.body as Json).properties : r?.properties) ?? {}) as Json;
const lower = (s: unknown): string => (typeof s === 'string' ? s.toLowerCase() : '');

// Where each built-in stream lands (Learn, "Data collection rule structure": Microsoft-<Table> streams).
export function tableOfStream(stream: string, outputStream?: string): string {
  const s = outputStream ?? stream;
  if (s.startsWith('Microsoft-')) return s.slice('Microsoft-'.length);
  if (s.startsWith('Custom-')) return s.slice('Custom-'.length);
  return s;
}

// Which data source kinds produce data on which OS (Learn, "Collect data with Azure Monitor Agent": syslog on Linux, Windows event logs on Windows).
const SOURCE_OS: Record<string, readonly ('Linux' | 'Windows')[]> = {
  syslog: ['Linux'],
  windowsEventLogs: ['Windows'],
  performanceCounters: ['Linux', 'Windows'],
  logFiles: ['Linux', 'Windows'],
  iisLogs: ['Windows'],
};

function agentExtension(store: ResourceStore, m: Machine): Json | undefined {
  const wanted = m.osType === 'Windows' ? 'azuremonitorwindowsagent' : 'azuremonitorlinuxagent';
  if (m.resource.type.toLowerCase() === 'microsoft.compute/virtualmachinescalesets') {
    const profile = (props(m.resource).virtualMachineProfile ?? {}) as Json;
    const exts = (((profile.extensionProfile ?? {}) as Json).extensions ?? []) as Json[];
    return exts.map((e) => props(e)).find((p) => lower(p.type) === wanted);
  }
  const type = m.resource.type.toLowerCase() === ARC_MACHINE ? ARC_EXTENSION_TYPE : EXTENSION_TYPE;
  return store.list(m.resource.id, type).map((e) => props(e)).find((p) => lower(p.type) === wanted);
}

/** Stages 2 to 5: the identity the agent asks IMDS for, and whether IMDS can give a token for it. */
function token(m: Machine, extension: Json): { ok: true } | { ok: false; stage: number; reason: string } {
  const identity = (m.resource.body.identity ?? {}) as Json;
  const type = lower(identity.type);
  const assigned = (identity.userAssignedIdentities ?? {}) as Record<string, Json>;
  const settings = (extension.settings ?? {}) as Json;
  const managed = (((settings.authentication ?? {}) as Json).managedIdentity ?? undefined) as Json | undefined;
  if (managed !== undefined) {
    // Seed: "AMA calls IMDS requesting a token for that exact UAMI resource ID. It will not fall back to any other identity on the VM."
    const name = lower(managed['identifier-name']);
    const value = lower(managed['identifier-value']);
    const found = Object.entries(assigned).some(([id, v]) =>
      name === 'mi_res_id' ? lower(id) === value : name === 'client_id' ? lower(v.clientId) === value : name === 'object_id' ? lower(v.principalId) === value : false,
    );
    if (!found) return { ok: false, stage: 3, reason: `IMDS has no token for ${String(managed['identifier-value'])}: identity not found on the machine` };
    return { ok: true };
  }
  // Seed: "If no identity is specified, AMA defaults to the system-assigned managed identity (SAMI). If the SAMI is disabled, authentication fails silently."
  if (!type.includes('systemassigned')) {
    const reason = Object.keys(assigned).length > 1 ? 'no identity named and several user-assigned identities: IMDS cannot choose' : 'no identity named and no system-assigned identity';
    return { ok: false, stage: 4, reason };
  }
  return { ok: true };
}

interface Rule {
  id: string;
  body: Json;
}

export function evaluate(store: ResourceStore, m: Machine, origin: Origin, fault: GuestFault | undefined, rules: (id: string) => Rule | undefined): Lifecycle {
  const stop = (stage: number, reason: string): Lifecycle => ({ heartbeatTo: [], flows: [], stopped: { stage, reason }, missing: [] });
  // Seed checklist: "Is the AMA service/extension running?" — stage 1.
  if (fault === 'agentStopped') return stop(1, 'the agent service is not running in the guest');
  const extension = agentExtension(store, m);
  // Seed stage 1: "AMA binary installed on guest OS".
  if (extension === undefined) return stop(1, 'the Azure Monitor Agent extension is not installed');
  if (extension.provisioningState !== undefined && extension.provisioningState !== 'Succeeded') return stop(1, `the agent extension is ${JSON.stringify(extension.provisioningState)}`);
  if (m.resource.type.toLowerCase() === ARC_MACHINE) {
    const status = props(m.resource).status;
    // rule: agents.arc-disconnected — source: Learn, "Azure Connected Machine agent overview" (himds serves the managed identity token; Disconnected: no heartbeat from the agent for 15 minutes)
    if (status !== 'Connected') return stop(3, `the connected-machine agent is ${String(status)}: its identity endpoint gives the agent no token`);
  }
  const tok = token(m, extension);
  if (!tok.ok) return stop(tok.stage, tok.reason);
  // Seed checklist: "Do the DCE endpoints resolve to private IPs? Can the VM reach those IPs on port 443?" — stage 6.
  if (fault === 'dns') return stop(6, 'the endpoints do not resolve to the private endpoint from the guest');
  if (fault === 'firewall') return stop(6, 'the guest cannot reach the endpoints on port 443');

  const associations = store.list(m.resource.id, ASSOCIATION_TYPE);
  const endpointAssociation = associations.find((a) => a.id.toLowerCase().endsWith('/configurationaccessendpoint') && typeof props(a).dataCollectionEndpointId === 'string');
  if (endpointAssociation !== undefined) {
    // Seed: "The DCE association tells AMA where to retrieve its configuration from over the private link path."
    const dce = String(props(endpointAssociation).dataCollectionEndpointId);
    const r = reach(store, origin, dce, 'ingestion');
    if (!r.ok) return stop(6, `the configuration endpoint ${dce} is unreachable: ${r.reason}`);
  } else if (origin.privateLinkScope !== undefined) {
    // Seed: "Without the DCE association, AMA falls back to the default global Azure Monitor endpoint, which is blocked by the AMPLS Private Only policy."
    const scope = store.get(origin.privateLinkScope);
    const mode = ((props(scope).accessModeSettings ?? {}) as Json).ingestionAccessMode;
    if (mode === 'PrivateOnly') return stop(6, 'no configurationAccessEndpoint association: the global configuration endpoint is blocked by the PrivateOnly scope');
  }
  // Seed: "The control plane looks for DCRAs scoped to that specific VM resource ID ... AMA has no configuration and collects nothing".
  const associated = associations
    .map((a) => props(a).dataCollectionRuleId)
    .filter((x): x is string => typeof x === 'string')
    .map((id) => rules(id))
    .filter((r): r is Rule => r !== undefined);
  if (associated.length === 0) return stop(7, 'no data collection rule is associated: the agent has no configuration');

  // Seed: "AMA downloads the configuration from every associated DCR and processes them independently."
  const heartbeatTo = new Set<string>();
  const flows: StreamFlow[] = [];
  const missing: { rule: string; stream: string; stage: number; reason: string }[] = [];
  for (const rule of associated) {
    const p = props(rule.body);
    const destinations = (p.destinations ?? {}) as Json;
    const workspaces = new Map<string, string>();
    for (const d of (destinations.logAnalytics ?? []) as Json[]) workspaces.set(String(d.name), String(d.workspaceResourceId));
    // invented: heartbeats go to every workspace an associated rule names; the seed says only that they do not depend on the rule's data sources.
    for (const ws of workspaces.values()) if (reach(store, origin, ws, 'ingestion').ok) heartbeatTo.add(ws);
    const sources = (p.dataSources ?? {}) as Json;
    const kind = lower(rule.body.kind);
    for (const flow of (p.dataFlows ?? []) as Json[]) {
      for (const stream of (flow.streams ?? []) as string[]) {
        for (const dest of (flow.destinations ?? []) as string[]) {
          const workspace = workspaces.get(dest);
          if (workspace === undefined) continue; // Azure Monitor Metrics or another non-Logs destination.
          const say = (stage: number, reason: string): void => void missing.push({ rule: rule.id, stream, stage, reason });
          // Seed stage 8 "Collection Configured": a data source of this OS must produce the stream.
          if ((kind === 'linux' && m.osType !== 'Linux') || (kind === 'windows' && m.osType !== 'Windows')) {
            say(8, `the rule is for ${String(rule.body.kind)} and the machine runs ${m.osType}`);
            continue;
          }
          const produced = Object.entries(sources).some(
            ([k, list]) => (SOURCE_OS[k] ?? []).includes(m.osType) && Array.isArray(list) && (list as Json[]).some((s) => ((s.streams ?? []) as string[]).includes(stream)),
          );
          if (!produced) {
            say(8, `no data source of the rule produces ${stream} on ${m.osType}`);
            continue;
          }
          // Seed stage 9 "Data Ingestion per DCR: AMA pushes data to DCE ingestion endpoint for each DCR".
          const dce = p.dataCollectionEndpointId;
          if (typeof dce === 'string') {
            const r = reach(store, origin, dce, 'ingestion');
            if (!r.ok) {
              say(9, `the rule's ingestion endpoint ${dce} is unreachable: ${r.reason}`);
              continue;
            }
          }
          const w = reach(store, origin, workspace, 'ingestion');
          if (!w.ok) {
            say(9, `the workspace ${workspace} is unreachable: ${w.reason}`);
            continue;
          }
          flows.push({ rule: rule.id, stream, table: tableOfStream(stream, typeof flow.outputStream === 'string' ? flow.outputStream : undefined), workspace });
        }
      }
    }
  }
  return { heartbeatTo: [...heartbeatTo], flows, missing };
}
