// The plan's input and output: spec + snapshot in, actions + findings + counts out.
import type { Finding, InstanceCounts, MonitoringTopologySpec } from '../api/types.ts';
import type { SharedDeclaration } from '../findings/index.ts';
import type { Action, Owner, Snapshot } from '../model/index.ts';
import type { MachinePlans } from './reuse.ts';

/** The pure plan: actions that converge Azure toward the spec, plus what cannot be fixed. */
export interface Plan {
  actions: Action[];
  findings: Finding[];
  instances: InstanceCounts;
  /** Scoped resources the spec wants (for the inventory and for Delete). */
  desiredScopedResources: { scopeId: string; linkedResourceId: string }[];
  /** Machines that lack a configuration endpoint association in the bulk view and were not listed in full (see `Snapshot.fullyListedMachines`). */
  awaitingFullListing?: string[];
}

export interface PlanInput {
  spec: MonitoringTopologySpec;
  owner: Owner;
  snapshot: Snapshot;
  /** Scoped resources this topology added earlier (status.inventory), to recognise what it owns. */
  ownedScopedResources: { scopeId: string; name: string; linkedResourceId: string }[];
  /** Links (scope, linked resource) other topologies want: deletion and pruning never remove them. */
  linksNeededByOthers?: { scopeId: string; linkedResourceId: string }[];
  /**
   * Other topologies' configuration endpoints for machines this topology also targets
   * (machine id -> endpoint ids), from the controller's in-memory registry.
   */
  competingEndpoints?: Record<string, string[]>;
  /** What other topologies declare about shared resources (access modes of a scope), from the registry. */
  sharedDeclarations?: SharedDeclaration[];
  /** Other topologies' agent identities for machines this topology also targets (machine id -> topology, identity). */
  competingIdentities?: Record<string, { topology: string; identity: string }[]>;
  /** Machines this pass planned already (for early writes): reused by the full plan where their inputs are unchanged. */
  planned?: MachinePlans;
}
