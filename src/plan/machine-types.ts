// What per-machine planning works from and gives: apart from machines.ts so the plan's input can name the outcomes it reuses.
import type { AssessedFinding, Action, ObservedAssociation, ObservedRule, ObservedScaleSet, Owner } from '../model/index.ts';
import type { IdMap } from '../model/index.ts';

export type MachineState = 'compliant' | 'pending' | 'failing';

export interface MachineOutcome {
  actions: Action[];
  findings: AssessedFinding[];
  state: MachineState;
  /** The machine lacks a configuration endpoint association in the bulk view and was not listed in full. */
  awaitingFullListing: boolean;
}

/** Everything the per-machine planning looks up, indexed once so each machine costs O(rules + its associations). */
export interface MachineIndex {
  endpointId: string;
  endpointReadable: boolean;
  description: string;
  /** Declared rules that were read, in spec order. */
  rules: ObservedRule[];
  /** The association name of each rule, computed once. */
  associationNames: IdMap<string>;
  /** Declared rules that could not be read. */
  unavailableRules: string[];
  /** Per machine, by `idKey` of its id (computed once per machine by the caller). */
  associations: Map<string, ObservedAssociation[]>;
  fullyListed: Set<string>;
  scaleSets: IdMap<ObservedScaleSet>;
  competing: Map<string, string[]>;
  competingIdentities: Map<string, { topology: string; identity: string }[]>;
  unreadable: Set<string>;
  userAssignedIdentity?: string;
  manageExtension: boolean;
  identityReadable: boolean;
  owner: Owner;
  /** The primary scope still lacks a resource on the data path: no machine is compliant yet. */
  dataPathIncomplete: boolean;
  /** The primary scope takes ingestion over private links only. */
  privateIngestion: boolean;
}
