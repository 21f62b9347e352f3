// Configuration endpoint checks (stage ConfigurationEndpoint): the agent reads only `configurationAccessEndpoint`.
import type { Finding } from '../api/types.ts';
import { CONFIGURATION_ACCESS_ENDPOINT } from '../model/index.ts';
import type { ObservedAssociation } from '../model/index.ts';
import { describe, finding, listNames, machineFinding } from './finding.ts';

export type EndpointGap =
  /** Enforce mode creates it. */
  | 'willCreate'
  /** The endpoint could not be read: nothing is written until it can. */
  | 'endpointUnavailable'
  /** Only bulk lists were read for the machine: it is listed in full before anything is written. */
  | 'awaitingFullListing';

export function endpointAssociationMissing(machineId: string, endpointId: string, gap: EndpointGap): Finding {
  const base = ` has no ${CONFIGURATION_ACCESS_ENDPOINT} association, so its agent cannot fetch configuration through the private link`;
  const next: Record<EndpointGap, string> = {
    willCreate: `Enforce mode creates it with ${describe(endpointId)}.`,
    endpointUnavailable: `the controller creates it once ${describe(endpointId)} can be read.`,
    awaitingFullListing: `the controller lists the machine's associations in full, then creates it.`,
  };
  return machineFinding('EndpointAssociationMissing', 'Error', machineId, 'ConfigurationEndpoint', `${base}: ${next[gap]}`);
}

export function endpointAssociationMisnamed(machineId: string, association: ObservedAssociation): Finding {
  return finding(
    'EndpointAssociationMisnamed',
    'Warning',
    machineId,
    'ConfigurationEndpoint',
    `${describe(machineId)} has an association ${association.name} with ${describe(association.dataCollectionEndpointId ?? '')}, ` +
      `but the agent reads only the one named ${CONFIGURATION_ACCESS_ENDPOINT}: the controller leaves ${association.name} untouched ` +
      `and manages ${CONFIGURATION_ACCESS_ENDPOINT}; delete ${association.name} when convenient.`,
  );
}

export function configurationEndpointConflict(
  machineId: string,
  wantedEndpointId: string,
  otherEndpointIds: readonly string[],
  why: 'foreignAssociation' | 'competingTopology',
): Finding {
  const detail =
    why === 'foreignAssociation'
      ? `its ${CONFIGURATION_ACCESS_ENDPOINT} association points to ${listNames(otherEndpointIds)} and was not created by this topology`
      : `another topology wants ${listNames(otherEndpointIds)} as its configuration endpoint`;
  return finding(
    'ConfigurationEndpointConflict',
    'Error',
    machineId,
    'ConfigurationEndpoint',
    `${describe(machineId)} cannot use ${describe(wantedEndpointId)}: ${detail}. A machine has one configuration endpoint: ` +
      `exclude the machine from one topology or make both name the same endpoint; the controller changes nothing until then.`,
  );
}

export function endpointAssociationStale(machineId: string, currentEndpointId: string | undefined, wantedEndpointId: string): Finding {
  return finding(
    'EndpointAssociationMissing',
    'Error',
    machineId,
    'ConfigurationEndpoint',
    `The ${CONFIGURATION_ACCESS_ENDPOINT} association this topology created on ${describe(machineId)} points to ` +
      `${currentEndpointId ? describe(currentEndpointId) : 'no endpoint'} instead of ${describe(wantedEndpointId)}: Enforce mode updates it.`,
  );
}

/** The controller's deterministic name is held by an association it may not change: nothing is written there. */
export function associationNameTaken(machineId: string, taken: ObservedAssociation, ruleId: string): Finding {
  const points = taken.dataCollectionRuleId ?? taken.dataCollectionEndpointId;
  return finding(
    'AssociationNameTaken',
    'Error',
    machineId,
    'Rules',
    `${describe(machineId)} already has an association named ${taken.name}${points ? ` (to ${describe(points)})` : ''}, the name this topology would give its association with ${describe(ruleId)}; it is left untouched and ${describe(ruleId)} is not associated. Rename or remove that association, or associate the rule yourself.`,
  );
}
