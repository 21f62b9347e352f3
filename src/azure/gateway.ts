// The controller's view of Azure: observe a topology's estate in bulk, list its targets cheaply, act on a plan.
import type { MonitoringTopologySpec } from '../api/types.ts';
import type { Action, ActionOutcome, GraphFingerprint, NetworkSnapshot, Snapshot } from '../model/index.ts';

export type { ActionError, ActionOutcome } from '../model/index.ts';

export interface ObserveOptions {
  refresh?: boolean;
  /** The target machine ids, once known and before any per-machine read. */
  onTargets?: (machineIds: string[]) => void;
  /** Each chunk of machines whose own reads are done, with every topology-wide part: enough to plan those machines. */
  onMachinesRead?: (partial: Snapshot) => void;
  /** Bulk reads through ARM even when Resource Graph would serve them (deletion must see the newest writes). */
  armOnly?: boolean;
  /** Rules and endpoints the spec no longer names whose associations are listed too (an earlier pass used them). */
  alsoList?: AssociationSources;
}

/** Where associations are listed from: the rules and endpoints they point to. */
export interface AssociationSources {
  dataCollectionRules: string[];
  dataCollectionEndpoints: string[];
}

/** Discovery's look through Resource Graph, and the members of the named scale sets as ARM lists them (two reads a set). */
export type DiscoveryLook = GraphFingerprint & {
  /** Scale-out instances reach Resource Graph late: compared with the machines the last pass observed. */
  members?: string[];
};

export interface ArmGateway {
  /**
   * Full read of the Azure state the spec touches, in bulk (lists per rule, per endpoint, per resource group, per scale set).
   * `refresh` re-reads what is otherwise remembered across passes (agent extension settings).
   */
  observe(spec: MonitoringTopologySpec, signal?: AbortSignal, options?: ObserveOptions): Promise<Snapshot>;
  /**
   * The network the topology depends on, read only: the scope's endpoint connections, private endpoints and their
   * zone groups, the Azure Monitor private DNS zones, and the interfaces and networks of the snapshot's machines.
   */
  observeNetwork(spec: MonitoringTopologySpec, snapshot: Snapshot, signal?: AbortSignal): Promise<NetworkSnapshot>;
  /** The light discovery pass: the ids of the current target machines only. */
  listTargets(spec: MonitoringTopologySpec, signal?: AbortSignal): Promise<string[]>;
  /**
   * The light discovery pass: ids of the associations listed through the spec's rules and endpoint (one paged list
   * each); undefined when a list could not be read, so a failed read never looks like a deletion.
   */
  listAssociations?(spec: MonitoringTopologySpec, signal?: AbortSignal): Promise<string[] | undefined>;
  /**
   * The light discovery pass of a topology whose passes read through Resource Graph: its summary there (two small
   * queries). Undefined when its passes read through ARM or Resource Graph is unavailable: discovery then lists.
   */
  fingerprint?(spec: MonitoringTopologySpec, signal?: AbortSignal): Promise<DiscoveryLook | undefined>;
  /** One GET through the shared budget, for resources no SDK here covers (a workspace's customerId). */
  readResource?(resourceId: string, apiVersion: string): Promise<Record<string, unknown>>;
  /** Forgets what is remembered about machines that left a topology's targets (their agent extension settings). */
  forgetMachines?(machineIds: string[]): void;
  /** Runs actions through the shared budget with bounded parallelism; one failure never blocks the others. */
  act(actions: Action[], signal?: AbortSignal): Promise<ActionOutcome[]>;
}
