// What per-machine planning works from and gives: apart from machines.ts so the plan's input can name the outcomes it reuses.
import type { AssessedFinding, Action, ObservedAssociation, ObservedRule, ObservedScaleSet, Owner } from '../model/index.ts';
import type { IdMap, IdSet } from '../model/index.ts';

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
  /**
   * Why a machine's write is planned, one text per rule and per kind, shared by every machine's action (the action
   * names its machine): a cold estate of 100,000 machines plans 300,000 writes, which held a sentence each.
   */
  reasons: { rule: IdMap<string>; endpointMissing: string; identity: string };
  /** Declared rules that could not be read. */
  unavailableRules: string[];
  /** Per machine id: hashed, so 100,000 machines cost no lower-case copy of their ids. */
  associations: IdMap<ObservedAssociation[]>;
  fullyListed: IdSet;
  scaleSets: IdMap<ObservedScaleSet>;
  competing: IdMap<string[]>;
  competingIdentities: IdMap<{ topology: string; identity: string }[]>;
  unreadable: IdSet;
  userAssignedIdentity?: string;
  manageExtension: boolean;
  identityReadable: boolean;
  owner: Owner;
  /** The primary scope still lacks a resource on the data path: no machine is compliant yet. */
  dataPathIncomplete: boolean;
  /** The primary scope takes ingestion over private links only. */
  privateIngestion: boolean;
}
