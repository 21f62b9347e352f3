// Public types of the ARM emulator: options, the running handle, counters, faults and the estate format.

export type Json = Record<string, unknown>;

/** A token bucket: `burst` tokens, refilled at `perSecond`. */
export interface BucketConfig {
  burst: number;
  perSecond: number;
}

export interface ThrottlingConfig {
  /** Per subscription and principal. */
  reads?: BucketConfig;
  writes?: BucketConfig;
  deletes?: BucketConfig;
  /** The subscription-wide bucket every principal shares is this many times the per-principal one (Azure: 15). */
  globalFactor?: number;
  /** Multiplies every refill rate, ARM's and Compute's (benchmarks and tests speed time up with it). */
  scale?: number;
}

/** A Compute token bucket: `burst` tokens, refilled at `perMinute`. */
export interface MinuteBucketConfig {
  burst: number;
  perMinute: number;
}

/** Compute's own per-subscription, per-region buckets; `false` turns one off. */
export interface ComputeLimitsConfig {
  /** VM Get, VM instance view, VM extension Get ("VM Low Cost Get"). */
  vmGet?: MinuteBucketConfig | false;
  /** VM List, List All, List By Location ("VM High Cost Get"). */
  vmList?: MinuteBucketConfig | false;
  /** Scale set List, List All ("VMSS High Cost Get"). */
  scaleSetList?: MinuteBucketConfig | false;
}

/** Injected misbehaviour; every probability is drawn from the seeded PRNG. */
export interface FaultConfig {
  /** Added latency per ARM request, fixed or uniformly drawn from [min, max]. */
  latencyMs?: number | { min: number; max: number };
  /** Probability of answering with a 5xx instead of handling the request. */
  serverErrorRate?: number;
  serverErrorStatus?: 500 | 502 | 503;
  /** Probability of a 429 regardless of the buckets (a throttling storm). */
  throttleRate?: number;
  throttleRetryAfterSeconds?: number;
  /** Probability of destroying the connection without a response. */
  connectionResetRate?: number;
  /** Multiplies the long-running operation delay. */
  lroDelayFactor?: number;
  /** Probability that a long-running operation ends Failed (the resource is left in provisioningState Failed). */
  lroFailureRate?: number;
  /** Probability that a write is carried out (the store changes) but its answer is replaced by a 5xx. */
  serverErrorAfterCommitRate?: number;
  /** Probability that a write is carried out but the connection is destroyed instead of answering. */
  connectionResetAfterCommitRate?: number;
  /** Only requests whose path matches (case-insensitive regular expression) are affected. */
  pathPattern?: string;
}

export interface RoleAssignment {
  /** ARM id prefix the actions apply to, e.g. `/subscriptions/x` or a resource group id. */
  scope: string;
  /** Actions such as `Microsoft.Compute/virtualMachines/read`, `Microsoft.Insights/*`, `*`, `*\/read`. */
  actions: string[];
}

export interface Principal {
  tenantId: string;
  clientId: string;
  /** Without a secret only client assertions (workload identity) are accepted. */
  clientSecret?: string;
  objectId?: string;
  /** Absent: the principal may do everything. */
  roles?: RoleAssignment[];
}

/** Behaviour an estate file or the command line can set as well as code. */
export interface EmulatorSettings {
  pageSize?: number;
  /** Duration of every long-running operation. */
  lroDelayMs?: number;
  /** Per resource type (e.g. `Microsoft.Insights/privateLinkScopes/scopedResources`), overriding `lroDelayMs`. */
  lroDelays?: Record<string, number>;
  throttling?: ThrottlingConfig | false;
  computeLimits?: ComputeLimitsConfig | false;
  faults?: FaultConfig;
  seed?: number;
  /** Token audiences ARM accepts; Azure public cloud's by default. */
  armAudiences?: string[];
  /** Resource Graph: how far its view lags behind ARM, its per-user quota, and whether it refuses every query. */
  resourceGraph?: ResourceGraphSettings;
}

export interface ResourceGraphSettings {
  /** ARM writes become visible to Resource Graph queries after this many ms (default 0). */
  lagMs?: number;
  /** Per-user query quota (default 15 queries per 5 s). */
  quota?: { limit?: number; windowMs?: number };
  /** Every query answers 403 (a tenant that blocks Resource Graph). */
  denied?: boolean;
}

export interface EmulatedResourceGraph {
  setLagMs(ms: number): void;
  setQuota(quota: { limit?: number; windowMs?: number }): void;
  setDenied(denied: boolean): void;
  /** Queries answered (200), refused by the quota (429), and rows returned. */
  stats(): { queries: number; throttled: number; rows: number };
  resetStats(): void;
}

export interface EmulatorOptions extends EmulatorSettings {
  host?: string;
  port?: number;
  estate?: Estate | string;
  caDir?: string;
  principals?: Principal[];
  /** The agent fleet behind the Log Analytics query API (heartbeat interval, ingestion delay, retention). */
  agents?: AgentOptions;
  /** The query API's per-user rate (default 200 queries per 30 s). */
  queryRate?: QueryRateConfig;
}

export interface RequestCounters {
  total: number;
  reads: number;
  writes: number;
  deletes: number;
  throttled: number;
  /** Token requests served by the identity endpoint (not ARM traffic). */
  tokens: number;
  byStatus: Record<string, number>;
  /** `METHOD Provider/type` (LIST for collections) → status → count. */
  byOperation: Record<string, Record<string, number>>;
}

export interface EmulatorStore {
  addSubscription(subscriptionId: string, displayName?: string): void;
  get(id: string): Json | undefined;
  put(resource: Json): Json;
  delete(id: string): boolean;
  list(parentId: string, type: string): Json[];
  count(type?: string): number;
  /** Sets a scale set's capacity as a completed ARM update would (Flexible sets gain or lose member VMs). */
  scaleVmss(id: string, capacity: number): void;
}

export interface RunningEmulator {
  url: string;
  authorityHost: string;
  tokenEndpoint: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  caCertPath: string;
  caCertPem: string;
  counters(): RequestCounters;
  resetCounters(): void;
  setFaults(faults: FaultConfig): void;
  /** Makes ARM treat every token issued so far as expired (a token that outlived its lifetime by ARM's clock). */
  expireIssuedTokens(): void;
  exportState(): Estate;
  store: EmulatorStore;
  logAnalytics: EmulatedLogAnalytics;
  resourceGraph: EmulatedResourceGraph;
  close(): Promise<void>;
}

// ---- Log Analytics data plane and agent fleet

export interface AgentOptions {
  /** Learn, Heartbeat queries: "agents on VMs generate Heartbeat event every minute". */
  heartbeatIntervalMs?: number;
  /** Seed stage 10: "Ingestion delay (typically a few minutes)"; shorter by default so tests stay quick. */
  ingestionDelayMs?: number;
  /** Rows older than this (emulated time) are dropped. */
  retentionMs?: number;
}

/** Reasons only the guest shows (the seed's zero-data checklist): agent service stopped, DNS, port 443. */
export type GuestFault = 'agentStopped' | 'dns' | 'firewall';

export interface QueryRateConfig {
  /** Queries allowed per window per user (default 200). */
  limit?: number;
  /** Window length in milliseconds (default 30 000). */
  windowMs?: number;
}

export interface QueryStats {
  total: number;
  byStatus: Record<string, number>;
  byWorkspace: Record<string, number>;
}

export interface MachineLifecycle {
  machineId: string;
  heartbeatTo: string[];
  tables: string[];
  stopped?: { stage: number; reason: string };
  missing: { rule: string; stream: string; stage: number; reason: string }[];
}

/** The Log Analytics data plane and its agent fleet, driven by tests. */
export interface EmulatedLogAnalytics {
  /** The query endpoint for LogsQueryClient's `endpoint` option (`<url>/v1`). */
  endpoint: string;
  /** Moves the emulated clock forward; every machine writes what its lifecycle lets it on each heartbeat tick crossed. */
  advance(ms: number): { rows: number; now: number };
  now(): number;
  /** Silences a machine for a reason only the guest shows, whatever its configuration; undefined clears it. */
  setGuestFault(machineId: string, fault: GuestFault | undefined): void;
  setMachineOrigin(machineId: string, origin: { privateLinkScope?: string } | undefined): void;
  /** Where query clients sit: `{}` on the internet (default), or behind a scope's private endpoint. */
  setQueryOrigin(origin: { privateLinkScope?: string }): void;
  setQueryRate(config: QueryRateConfig): void;
  queryStats(): QueryStats;
  resetQueryStats(): void;
  lifecycles(): MachineLifecycle[];
}

// ---- Estate format -------------------------------------------------------------------------
// Names resolve inside the same resource group; a value starting with `/` is a full ARM id.

export interface EstateIdentity {
  systemAssigned?: boolean;
  userAssigned?: string[];
}

export interface EstateExtension {
  name: string;
  publisher?: string;
  type: string;
  typeHandlerVersion?: string;
  settings?: Json;
}

export interface EstateAssociation {
  name: string;
  rule?: string;
  endpoint?: string;
  description?: string;
}

export interface EstateVirtualMachine {
  name: string;
  osType?: 'Linux' | 'Windows';
  location?: string;
  vmSize?: string;
  tags?: Record<string, string>;
  identity?: EstateIdentity;
  extensions?: EstateExtension[];
  associations?: EstateAssociation[];
  /** `<vnet>/<subnet>` in the same group (or a subnet id): the machine gets a NIC there. */
  subnet?: string;
}

/** An Azure Arc-enabled server as its connected-machine agent registered it. */
export interface EstateArcMachine {
  name: string;
  osType?: 'Linux' | 'Windows';
  location?: string;
  /** The agent's state; default Connected. */
  status?: 'Connected' | 'Disconnected' | 'Error';
  /** When the status last changed (ISO 8601); default now. */
  lastStatusChange?: string;
  /** Arc private link scope name (same resource group) or id. */
  privateLinkScope?: string;
  tags?: Record<string, string>;
  /** Arc machines have only a system-assigned identity; false leaves it out. Default true. */
  systemAssignedIdentity?: boolean;
  extensions?: EstateExtension[];
  associations?: EstateAssociation[];
}

export interface EstateArcPrivateLinkScope {
  name: string;
  location?: string;
  publicNetworkAccess?: 'Enabled' | 'Disabled';
}

export interface EstateScaleSet {
  name: string;
  orchestrationMode: 'Flexible' | 'Uniform';
  capacity?: number;
  osType?: 'Linux' | 'Windows';
  location?: string;
  vmSize?: string;
  tags?: Record<string, string>;
  identity?: EstateIdentity;
  extensions?: EstateExtension[];
  associations?: EstateAssociation[];
}

export interface EstatePrivateLinkScope {
  name: string;
  ingestionAccessMode?: 'Open' | 'PrivateOnly';
  queryAccessMode?: 'Open' | 'PrivateOnly';
  exclusions?: { privateEndpointConnectionName: string; ingestionAccessMode?: string; queryAccessMode?: string }[];
  /** Workspace or DCE names/ids linked to the scope. */
  scopedResources?: string[];
}

export interface EstateDataCollectionEndpoint {
  name: string;
  location?: string;
  kind?: string;
  publicNetworkAccess?: 'Enabled' | 'Disabled';
}

export interface EstateDataCollectionRule {
  name: string;
  location?: string;
  kind?: string;
  description?: string;
  dataCollectionEndpoint?: string;
  /** Default destination; default data sources are derived from `kind`. */
  workspace?: string;
  dataSources?: Json;
  destinations?: Json;
  dataFlows?: Json[];
}

export interface EstateWorkspace {
  name: string;
  location?: string;
  publicNetworkAccessForIngestion?: 'Enabled' | 'Disabled';
  publicNetworkAccessForQuery?: 'Enabled' | 'Disabled';
}

export interface EstateVirtualNetwork {
  name: string;
  location?: string;
  addressPrefix: string;
  subnets: { name: string; addressPrefix: string }[];
  /** Custom DNS servers; absent or empty: Azure-provided DNS. */
  dnsServers?: string[];
}

export interface EstatePrivateDnsZone {
  /** Zone name, e.g. privatelink.monitor.azure.com; `azureMonitor: true` declares the five Azure Monitor zones. */
  name?: string;
  azureMonitor?: boolean;
  /** Virtual networks (names in this group, or ids) linked to the zone(s). */
  links?: string[];
}

export interface EstatePrivateEndpoint {
  name: string;
  location?: string;
  /** `<vnet>/<subnet>` in this group, or a subnet id. */
  subnet: string;
  /** Private link scope name in this group, or its id. */
  privateLinkScope: string;
  /** Manual approval: the scope's connection starts Pending. */
  manualApproval?: boolean;
  /** Zones (names in this group or ids) the endpoint's zone group writes; `azureMonitor` for the five. */
  zones?: string[] | 'azureMonitor';
}

export interface EstateResourceGroup {
  name: string;
  location?: string;
  tags?: Record<string, string>;
  userAssignedIdentities?: (string | { name: string; location?: string })[];
  workspaces?: EstateWorkspace[];
  dataCollectionEndpoints?: EstateDataCollectionEndpoint[];
  dataCollectionRules?: EstateDataCollectionRule[];
  privateLinkScopes?: EstatePrivateLinkScope[];
  virtualMachines?: EstateVirtualMachine[];
  virtualMachineScaleSets?: EstateScaleSet[];
  virtualNetworks?: EstateVirtualNetwork[];
  privateDnsZones?: EstatePrivateDnsZone[];
  privateEndpoints?: EstatePrivateEndpoint[];
  arcPrivateLinkScopes?: EstateArcPrivateLinkScope[];
  arcMachines?: EstateArcMachine[];
}

export interface EstateSubscription {
  id: string;
  displayName?: string;
  resourceGroups?: EstateResourceGroup[];
}

export interface Estate {
  tenantId?: string;
  /** Emulator behaviour for this estate; options passed in code take precedence. */
  settings?: EmulatorSettings;
  subscriptions?: EstateSubscription[];
  /** Raw ARM resources (as GET returns them), loaded after the declarative part; exportState() uses this. */
  resources?: Json[];
}
