// The MonitoringTopology API (monitoring.ampls.dev/v1alpha1): the TypeScript view of the CRD.
// src/api/schema.ts holds the OpenAPI schema; test/unit/api-schema.test.ts proves the two agree.

export const GROUP = 'monitoring.ampls.dev';
export const VERSION = 'v1alpha1';
export const API_VERSION = `${GROUP}/${VERSION}`;
export const KIND = 'MonitoringTopology';
export const PLURAL = 'monitoringtopologies';
export const SHORT_NAME = 'mtopo';
export const FINALIZER = 'monitoring.ampls.dev/finalizer';
/** Changing this annotation (any annotation, in fact) asks for a reconcile now rather than at the next resync. */
export const RECONCILE_REQUESTED_AT = 'monitoring.ampls.dev/reconcile-requested-at';

export type Mode = 'Enforce' | 'Audit';
export type AccessMode = 'Open' | 'PrivateOnly';
export type DeletionPolicy = 'Orphan' | 'Delete';

export interface AccessModeExclusion {
  /** Name of a private endpoint connection on the scope that gets its own access modes. */
  privateEndpointConnectionName: string;
  ingestion: AccessMode;
  query: AccessMode;
}

export interface AccessModes {
  ingestion: AccessMode;
  query: AccessMode;
  exclusions?: AccessModeExclusion[];
}

export interface ResourceRef {
  resourceId: string;
}

export interface PrivateLinkScopeSpec {
  resourceId: string;
  dnsBoundary?: string;
  accessModes?: AccessModes;
  scopedResources?: ResourceRef[];
  alsoLinkTo?: string[];
}

export interface TagSelector {
  subscriptions: string[];
  matchTags: Record<string, string>;
}

export interface Targets {
  virtualMachines?: string[];
  virtualMachineScaleSets?: string[];
  /** Azure Arc-enabled servers (`Microsoft.HybridCompute/machines`). */
  arcMachines?: string[];
  resourceGroups?: string[];
  tagSelector?: TagSelector;
  exclude?: string[];
}

export interface AgentSpec {
  userAssignedIdentity?: string;
  manageExtension?: boolean;
}

export interface EvidenceSpec {
  /** Go-style duration, defaulted to 5m, at least 30s. */
  interval?: string;
  /** Go-style duration, defaulted to 15m, at least 1m and at least `interval`. */
  window?: string;
}

export interface MonitoringTopologySpec {
  /** Defaulted by the CRD to Enforce. */
  mode?: Mode;
  /** Go-style duration, defaulted to 10m. */
  resyncInterval?: string;
  /** Go-style duration, defaulted to 30s. */
  discoveryInterval?: string;
  /** Proof of delivery from Log Analytics; absent: configuration only. */
  evidence?: EvidenceSpec;
  privateLinkScope: PrivateLinkScopeSpec;
  configurationEndpoint: ResourceRef;
  dataCollectionRules: ResourceRef[];
  targets: Targets;
  agent?: AgentSpec;
  /** Defaulted by the CRD to Orphan. */
  deletionPolicy?: DeletionPolicy;
  /** Remove the associations this topology created for a rule or target the spec no longer names (default false). */
  prune?: boolean;
}

export type ConditionStatus = 'True' | 'False' | 'Unknown';

export interface Condition {
  type: string;
  status: ConditionStatus;
  reason: string;
  message: string;
  lastTransitionTime: string;
  observedGeneration?: number;
}

export const ConditionType = {
  Ready: 'Ready',
  Reconciling: 'Reconciling',
  Stalled: 'Stalled',
  PrivateLinkScopeReady: 'PrivateLinkScopeReady',
  AssociationsReady: 'AssociationsReady',
  AgentIdentityReady: 'AgentIdentityReady',
  DnsBoundaryReady: 'DnsBoundaryReady',
  DataDelivered: 'DataDelivered',
} as const;
export type ConditionType = (typeof ConditionType)[keyof typeof ConditionType];

export type Severity = 'Error' | 'Warning' | 'Info';

/** The agent lifecycle in the order the field report troubleshoots it; a finding names the first failing stage. */
export const LIFECYCLE_STAGES = [
  'Extension',
  'Identity',
  'ConfigurationEndpoint',
  'Rules',
  'Collection',
  'Ingestion',
  // What only the machine can show (agent service, IMDS token, DNS, port 443, agent logs).
  'Guest',
] as const;
export type LifecycleStage = (typeof LIFECYCLE_STAGES)[number];

export const FINDING_CODES = [
  // Private link scope
  'WorkspacePublicAccessOverridden',
  'ResourceNotScoped',
  'AccessModeMismatch',
  'DnsBoundaryConflict',
  'ScopedResourceNameTaken',
  'SharedSettingConflict',
  // Network, read from Azure
  'PrivateEndpointMissing',
  'PrivateEndpointNotApproved',
  'PrivateDnsZoneNotLinked',
  'CustomDnsServers',
  'PrivateDnsRecordMissing',
  'PrivateDnsRecordMismatch',
  // Targets
  'NoMachinesMatched',
  'TargetOutsideSpec',
  // Associations
  'EndpointAssociationMissing',
  'EndpointAssociationMisnamed',
  'ConfigurationEndpointConflict',
  'RuleAssociationMissing',
  'OsKindMismatch',
  'CombinedOsRule',
  'OverlappingDataSources',
  'AssociationLimitExceeded',
  'AssociationNameTaken',
  'ConcurrentChange',
  // Agent identity
  'AgentExtensionMissing',
  'IdentityNotAssigned',
  'ExtensionIdentityMismatch',
  'SystemIdentityMissing',
  'FlexibleScaleSetNeedsUserAssignedIdentity',
  'AmbiguousIdentity',
  'ImplicitSystemIdentity',
  // Delivery evidence from Log Analytics
  'NoHeartbeat',
  'DeliveryStopped',
  'StreamNotArriving',
  'NoDeliveryExpected',
  // Azure Arc-enabled servers
  'ArcMachineDisconnected',
  'ArcPrivateLinkScopeMissing',
  'ArcUserAssignedIdentityUnsupported',
  // What only Azure can tell
  'ReferencedResourceNotFound',
  'AuthorizationFailed',
  'ArmRequestFailed',
  'MalformedArmResource',
] as const;
export type FindingCode = (typeof FINDING_CODES)[number];

export interface Finding {
  code: FindingCode;
  severity: Severity;
  /** The ARM id the finding is about (a machine, scope, rule, ...). */
  resourceId: string;
  stage: LifecycleStage;
  message: string;
}

export interface InstanceCounts {
  total: number;
  compliant: number;
  pending: number;
  failing: number;
  excluded: number;
  /** With spec.evidence: machines whose heartbeat and every rule's data arrive. */
  delivering?: number;
}

export interface DeliveryStatus {
  lastReadTime?: string;
  workspaces?: number;
  queries?: number;
  delivering?: number;
  heartbeatOnly?: number;
  silent?: number;
  notExpected?: number;
  unknown?: number;
}

export interface PlannedActionSummary {
  action: string;
  resourceId: string;
  reason: string;
}

export interface PlanSummary {
  /** Number of actions Enforce would take. */
  total: number;
  /** Action counts keyed by action kind. */
  counts: Record<string, number>;
  /** A bounded sample of the actions. */
  sample: PlannedActionSummary[];
}

/** A scoped resource the controller added to a private link scope; only these are ever removed. */
export interface OwnedScopedResource {
  scopeId: string;
  name: string;
  linkedResourceId: string;
}

export interface Inventory {
  scopedResources?: OwnedScopedResource[];
  /**
   * Rules and endpoints this topology has associated machines with, the current ones and those since dropped from the
   * spec: deletion and pruning list their associations. A cache of where to look; ownership is each association's marker.
   */
  dataCollectionRules?: string[];
  dataCollectionEndpoints?: string[];
}

/** A DNS boundary derived from Azure: the private DNS zones the scope's endpoint writes or the machines resolve through. */
export interface DnsBoundaryStatus {
  /** The topology's dnsBoundary for the scope's own boundary, otherwise the resource group of the zones. */
  name: string;
  /** Resource group holding the boundary's private DNS zones. */
  zoneResourceGroup: string;
  /** Virtual networks linked to the zones (at most 20 listed). */
  virtualNetworks: string[];
  /** Private link scopes whose private endpoints write the zones. */
  privateLinkScopes: string[];
  /** Target machines resolving through the boundary. */
  machines: number;
}

export interface MonitoringTopologyStatus {
  observedGeneration?: number;
  lastSyncTime?: string;
  conditions?: Condition[];
  instances?: InstanceCounts;
  /** Bounded list, most severe first. */
  findings?: Finding[];
  /** Number of findings before truncation (the FINDINGS printer column). */
  findingCount?: number;
  plan?: PlanSummary;
  inventory?: Inventory;
  delivery?: DeliveryStatus;
  /** DNS boundaries derived from Azure (private DNS zones and their virtual network links). */
  dnsBoundaries?: DnsBoundaryStatus[];
}

export interface ObjectMeta {
  name: string;
  namespace: string;
  uid?: string;
  generation?: number;
  resourceVersion?: string;
  deletionTimestamp?: string;
  finalizers?: string[];
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  creationTimestamp?: string;
}

export interface MonitoringTopology {
  apiVersion: typeof API_VERSION;
  kind: typeof KIND;
  metadata: ObjectMeta;
  spec: MonitoringTopologySpec;
  status?: MonitoringTopologyStatus;
}
