// Findings: small named checks, each returning what is wrong and how to fix it, plus ordering and diagnosis.
export { describe, finding, listNames, nameOf, stageOfResource } from './finding.ts';
export { compareFindings, sortFindings, sortFindingsWork, boundFindings, boundFindingsWork } from './sort.ts';
export type { Work } from './work.ts';
export { BATCH, eachWork, filterWork, groupByWork, mapWork, runSync, smallestWork, sortWork } from './work.ts';
export type { MachineDiagnosis } from './diagnosis.ts';
export { diagnoseMachine, primaryFindings, primaryFindingsWork } from './diagnosis.ts';
export { readErrorFinding, readErrorFindings } from './errors.ts';
export type { Exclusions } from './scope.ts';
export { checkAccessModes, checkWorkspacePublicAccess, desiredExclusions, linkedResources, resourceNotScoped } from './scope.ts';
export type { IdentityAssessment, IdentityContext } from './identity.ts';
export {
  MI_RES_ID,
  checkAgentExtension,
  checkAgentIdentity,
  checkDefaultIdentity,
  checkScaleSetProfile,
  checkUserAssignedIdentity,
  extensionIdentity,
  namesIdentity,
  withManagedIdentity,
} from './identity.ts';
export type { RuleFit } from './rules.ts';
export {
  MAX_RULE_ASSOCIATIONS,
  associationLimitExceeded,
  combinedOsRule,
  dataSourceOverlaps,
  osKindMismatch,
  overlappingDataSources,
  ruleAssociationMissing,
  ruleFit,
} from './rules.ts';
export type { EndpointGap } from './associations.ts';
export {
  associationNameTaken,
  configurationEndpointConflict,
  endpointAssociationMisnamed,
  endpointAssociationMissing,
  endpointAssociationStale,
} from './associations.ts';
export type { DnsBoundaryMember } from './dns.ts';
export { boundaryConflicts, checkDnsBoundary } from './dns.ts';
export type { AccessModeField, SharedDeclaration } from './shared.ts';
export { accessModeConflicts, differingAccessModes, identityConflict } from './shared.ts';
export { STALLING_CODES, outcomeFindings, stallingFindings } from './outcomes.ts';
export type { DeliveryMachine, DeliveryRule, MachineDelivery, MissingStream, RuleFlow } from './delivery.ts';
export { countStates, deliveries, deliveriesWork, deliveryOf, deliveryRulesOf, evidenceAsks, rulesFor } from './delivery.ts';
export { deliveryFindings, deliveryFindingsWork, guestChecklist } from './delivery-findings.ts';
export type { DnsBoundary } from './dns-boundary.ts';
export { deriveBoundaries, MONITOR_ZONES } from './dns-boundary.ts';
export type { BoundaryReport, NetworkAssessment, NetworkCheckInput } from './network.ts';
export { assessNetwork } from './network.ts';
export {
  arcAgentNotConnected,
  arcPrivateLinkScopeMissing,
  arcSystemIdentity,
  arcUserAssignedIdentityUnsupported,
} from './arc.ts';
