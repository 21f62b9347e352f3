// What observe (src/azure) saw of the Azure state a topology touches: the input of plan and findings.
import type { AccessMode } from '../api/types.ts';

export type OsType = 'Linux' | 'Windows';

export interface ObservedIdentity {
  /** `SystemAssigned`, `UserAssigned`, `SystemAssigned, UserAssigned` or `None`, as ARM reports it. */
  type: string;
  /** Present when a system-assigned identity exists. */
  principalId?: string;
  /** ARM ids of the user-assigned identities, as ARM reports them. */
  userAssignedIdentities: string[];
}

/** The Azure Monitor Agent extension of a machine (or a scale set's extension profile). */
export interface ObservedAgentExtension {
  /** Extension resource id; for a scale set's profile, the scale set id + `/extensions/{name}`. */
  id: string;
  name: string;
  /** `AzureMonitorLinuxAgent` or `AzureMonitorWindowsAgent`. */
  type: string;
  publisher: string;
  typeHandlerVersion?: string;
  provisioningState?: string;
  /** `settings` verbatim; `settings.authentication.managedIdentity` names the identity the agent uses. */
  settings: Record<string, unknown>;
}

export type MachineKind =
  /** A standalone VM or a Flexible scale-set member (then `scaleSetId` is set): associated per VM. */
  | 'VirtualMachine'
  /** A Uniform scale set: associated at the scale-set level. */
  | 'UniformScaleSet'
  /** An Azure Arc-enabled server (`Microsoft.HybridCompute/machines`): associated per machine, system identity only. */
  | 'ArcMachine';

/** What the connected-machine agent of an Arc machine reports. */
export interface ObservedArcState {
  /** `Connected`, `Disconnected` or `Error`, as ARM reports it. */
  status?: string;
  /** ISO 8601. */
  lastStatusChange?: string;
  /** The Arc private link scope the machine is bound to (`Microsoft.HybridCompute/privateLinkScopes`). */
  privateLinkScopeId?: string;
  location?: string;
}

/** Something that gets associations: a VM (standalone or Flexible member) or a Uniform scale set. */
export interface ObservedMachine {
  id: string;
  kind: MachineKind;
  osType?: OsType;
  /** For a Flexible member, the scale set it belongs to. */
  scaleSetId?: string;
  /** For a Flexible member, the orchestration mode of its scale set is always Flexible. */
  identity: ObservedIdentity;
  tags: Record<string, string>;
  /** undefined = not read (unknown); null = read and absent. */
  agentExtension?: ObservedAgentExtension | null;
  /** Extension ids a VM list reported without their settings (ARM lists name extensions by id only). */
  extensionIds?: string[];
  /** For an Arc machine, its agent's state. */
  arc?: ObservedArcState;
  /** Why the machine is a target: `virtualMachines`, `virtualMachineScaleSets`, `arcMachines`, `resourceGroups`, `tagSelector`. */
  selectedBy: string;
}

/** A Flexible scale set (its own identity matters for requirement 5; its members are machines). */
export interface ObservedScaleSet {
  id: string;
  orchestrationMode: 'Uniform' | 'Flexible';
  identity: ObservedIdentity;
  osType?: OsType;
  agentExtension?: ObservedAgentExtension | null;
}

export interface ObservedAssociation {
  /** Full association id: `{resourceId}/providers/Microsoft.Insights/dataCollectionRuleAssociations/{name}`. */
  id: string;
  name: string;
  /** The resource the association is on (the part of `id` before `/providers/Microsoft.Insights/...`). */
  resourceId: string;
  dataCollectionRuleId?: string;
  dataCollectionEndpointId?: string;
  description?: string;
  /** ARM's etag, for a conditional write over it: on an association read one by one; bulk lists leave it out. */
  etag?: string;
}

export interface ObservedScopedResource {
  id: string;
  name: string;
  linkedResourceId: string;
  kind?: string;
}

export interface ObservedScope {
  id: string;
  ingestionAccessMode: AccessMode;
  queryAccessMode: AccessMode;
  exclusions: { privateEndpointConnectionName: string; ingestionAccessMode: AccessMode; queryAccessMode: AccessMode }[];
  scopedResources: ObservedScopedResource[];
}

export interface ObservedWorkspace {
  id: string;
  /** `Enabled` or `Disabled` as ARM reports it (other values kept verbatim). */
  publicNetworkAccessForIngestion?: string;
  /** `Enabled` or `Disabled` as ARM reports it (other values kept verbatim). */
  publicNetworkAccessForQuery?: string;
}

/** One data source of a rule, flattened for overlap checks. */
export interface ObservedDataSource {
  /** `performanceCounters`, `windowsEventLogs`, `syslog`, ... */
  family: string;
  name: string;
  streams: string[];
  /** Syslog facilities / levels when family is `syslog`. */
  facilityNames?: string[];
  logLevels?: string[];
}

export interface ObservedRule {
  id: string;
  /** `Linux`, `Windows`, or undefined for a rule with no kind (combined). Other values kept verbatim. */
  kind?: string;
  dataCollectionEndpointId?: string;
  dataSources: ObservedDataSource[];
  /** Destination workspace ids per stream: stream -> workspace ids (from dataFlows + destinations). */
  streamDestinations: Record<string, string[]>;
  /** The table each stream lands in (from `outputStream`, else the stream's name); absent when not read. */
  streamTables?: Record<string, string>;
}

export interface ObservedEndpoint {
  id: string;
  /** Scope ids the DCE is linked to (read-only `privateLinkScopedResources[].scopeId`). */
  scopeIds: string[];
}

/** `Malformed`: ARM answered, but with a field of the wrong type; that resource is skipped, the pass goes on. */
export type ReadErrorCode = 'NotFound' | 'Forbidden' | 'Failed' | 'Malformed';

/** A read that failed: becomes a finding/condition, never a crash. */
export interface ReadError {
  resourceId: string;
  code: ReadErrorCode;
  message: string;
}

/** What observe saw. Every collection is complete for what the spec references; ids as ARM returned them. */
export interface Snapshot {
  /** The primary scope; undefined when it could not be read (see errors). */
  scope?: ObservedScope;
  /** The `alsoLinkTo` scopes that could be read. */
  alsoLinkScopes: ObservedScope[];
  workspaces: ObservedWorkspace[];
  rules: ObservedRule[];
  endpoint?: ObservedEndpoint;
  /** All targets after include/exclude (excluded ones are counted in `excludedCount`). */
  machines: ObservedMachine[];
  excludedCount: number;
  scaleSets: ObservedScaleSet[];
  /**
   * Associations on target machines: every association of every declared rule and of the configuration
   * endpoint (bulk lists), plus, for machines whose bulk view is incomplete, their full ListByResource.
   */
  associations: ObservedAssociation[];
  /**
   * Machines whose associations were listed in full (ListByResource); others are known only via bulk lists.
   * Contract: observe lists in full every target with no `configurationAccessEndpoint` in the bulk view, because
   * one pointing to another endpoint is invisible there; plan never creates that association on a machine not listed
   * here (it reports it in `Plan.awaitingFullListing` and counts the machine pending instead).
   */
  fullyListedMachines: string[];
  /**
   * Associations carrying an owner marker (any topology's) that `associations` leaves out: listed through the spec's
   * rules and endpoint on machines that are not targets, or through rules and endpoints the spec no longer names
   * (read because an earlier pass used them). Deletion and pruning find what a topology made here, whatever the spec says now.
   */
  markedElsewhere?: ObservedAssociation[];
  /** Rules and endpoints whose association lists were read in full (a 404 counts: nothing can be associated with it). */
  listedSources?: string[];
  errors: ReadError[];
  /** What Resource Graph showed the pass, summarized (present when the pass read through it): discovery compares it. */
  graphFingerprint?: GraphFingerprint;
}

/**
 * A small summary of what Resource Graph shows of a topology, cheap to ask for again: the machine query's rows (count,
 * newest creation time) and the associations through the spec's rules and endpoint in the target subscriptions.
 */
export interface GraphFingerprint {
  machines: number;
  /** Newest `properties.timeCreated` among the machine rows, in epoch milliseconds (null when none carries one). */
  newestMs: number | null;
  associations: number;
  /** Of `associations`, those on the pass's targets (a pass's own writes replace these; set by the pass only). */
  onTargets?: number;
}
