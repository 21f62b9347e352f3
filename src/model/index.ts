// The domain model at the centre: ARM ids, the observed snapshot, actions, owner and finding shape.
// Imports nothing from the project but src/api; every other folder may import it.
export type { Action, ActionError, ActionKind, ActionOutcome } from './actions.ts';
export { actionTarget, CHANGED_SINCE_OBSERVED, isTransientError } from './actions.ts';
export type { AssessedFinding, Finding, FindingCode, LifecycleStage, Severity } from './finding.ts';
export type { ArmId, IdSetOptions } from './ids.ts';
export { isRecord } from './json.ts';
export { Interner, flatString, ownString, shared as sharedInterner, stableJson } from './intern.ts';
export { SHARDS, SPLIT, ShardedMap, ShardedSet } from './sharded.ts';
export { CONFIGURATION_ACCESS_ENDPOINT, IdMap, IdSet, ResourceTypes, associationSources, dedupe, groupOf, idHash, idHash53, idKey, idMatcher, joinedHash53, isType, lastSegment, parseArmId, resourceGroupId, sameId, sameName } from './ids.ts';
export type { Owner } from './owner.ts';
export type {
  MachineKind,
  ObservedAgentExtension,
  ObservedAssociation,
  ObservedDataSource,
  ObservedEndpoint,
  ObservedIdentity,
  ObservedMachine,
  ObservedRule,
  ObservedScaleSet,
  ObservedScope,
  ObservedScopedResource,
  ObservedWorkspace,
  OsType,
  ReadError,
  ReadErrorCode,
  Snapshot,
  GraphFingerprint,
} from './snapshot.ts';
export type {
  NetworkSnapshot,
  ObservedDnsZone,
  ObservedMachineNetwork,
  ObservedPrivateEndpoint,
  ObservedScopeConnection,
  ObservedVirtualNetwork,
  RequiredRecord,
} from './network.ts';
