// Findings from what acting did: a failed write says what to fix, and whether the spec can be met as it stands.
import type { Finding, FindingCode } from '../api/types.ts';
import { actionTarget, CHANGED_SINCE_OBSERVED, isTransientError } from '../model/index.ts';
import type { Action, ActionError, ActionOutcome } from '../model/index.ts';
import { associationNameTaken, configurationEndpointConflict } from './associations.ts';
import { describe, finding, stageOfResource } from './finding.ts';

/** A create that found someone else's association in its place: the same finding the next observe will give. */
function lostRace(action: Action, error: ActionError): Finding | undefined {
  const found = error.found;
  if (action.kind === 'CreateEndpointAssociation') {
    const elsewhere = found ? [found.dataCollectionEndpointId ?? 'no endpoint'] : ['an endpoint not yet read'];
    return configurationEndpointConflict(action.resourceId, action.dataCollectionEndpointId, elsewhere, 'foreignAssociation');
  }
  if (action.kind === 'CreateRuleAssociation') {
    return associationNameTaken(action.resourceId, found ?? { id: actionTarget(action), name: action.name, resourceId: action.resourceId }, action.dataCollectionRuleId);
  }
  return undefined;
}

/** A failed write becomes a finding; a 403 or 404 says the spec cannot be satisfied as it stands. */
export function outcomeFindings(outcomes: readonly ActionOutcome[]): Finding[] {
  return outcomes
    .filter((o) => !o.ok)
    .map(({ action, error }) => {
      const target = actionTarget(action);
      const raced = error?.code === CHANGED_SINCE_OBSERVED ? lostRace(action, error) : undefined;
      if (raced) return raced;
      const detail = `${action.kind} on ${describe(target)} failed: ${error?.code ?? 'Error'}: ${error?.message ?? ''}`;
      if (error?.status === 403 || error?.code === 'AuthorizationFailed' || error?.code === 'LinkedAuthorizationFailed') {
        return finding('AuthorizationFailed', 'Error', target, stageOfResource(target), `${detail}. Grant the controller's identity write access to it.`);
      }
      if (error?.status === 404) {
        return finding('ReferencedResourceNotFound', 'Error', target, stageOfResource(target), `${detail}. Check that the resources the spec names exist.`);
      }
      const next = isTransientError(error)
        ? 'It is retried with backoff.'
        : 'Azure refused the request itself: it is not retried before the next resync, a spec change or a reconcile request.';
      return finding('ArmRequestFailed', 'Error', target, stageOfResource(target), `${detail}. ${next}`);
    });
}

/** Codes that mean the spec cannot be satisfied as written until someone changes the spec or Azure. */
export const STALLING_CODES: ReadonlySet<FindingCode> = new Set(['ReferencedResourceNotFound', 'AuthorizationFailed']);

/** The findings that stall a topology: retrying cannot help until the spec or Azure changes. */
export function stallingFindings(findings: readonly Finding[]): Finding[] {
  return findings.filter((f) => f.severity === 'Error' && STALLING_CODES.has(f.code));
}
