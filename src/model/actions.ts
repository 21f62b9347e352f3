// The idempotent actions that converge Azure toward a spec: planned by src/plan, executed by src/azure.
import type { AccessMode } from '../api/types.ts';
import type { ObservedAssociation, ObservedScope } from './snapshot.ts';

export type Action =
  | {
      kind: 'UpdateAccessModes';
      scopeId: string;
      ingestionAccessMode: AccessMode;
      queryAccessMode: AccessMode;
      exclusions: ObservedScope['exclusions'];
      reason: string;
    }
  | { kind: 'AddScopedResource'; scopeId: string; name: string; linkedResourceId: string; reason: string }
  | { kind: 'RemoveScopedResource'; scopeId: string; name: string; linkedResourceId: string; reason: string }
  | {
      kind: 'CreateRuleAssociation';
      resourceId: string;
      name: string;
      dataCollectionRuleId: string;
      description: string;
      reason: string;
    }
  | {
      kind: 'CreateEndpointAssociation';
      resourceId: string;
      /** Always `configurationAccessEndpoint`. */
      name: string;
      dataCollectionEndpointId: string;
      description: string;
      reason: string;
    }
  | { kind: 'DeleteAssociation'; resourceId: string; name: string; associationId: string; reason: string }
  | {
      kind: 'RepairExtensionIdentity';
      /** VM id (or scale-set id for a Uniform scale set's profile). */
      resourceId: string;
      extensionName: string;
      /** The full new `settings` object (existing settings with `authentication.managedIdentity` set). */
      settings: Record<string, unknown>;
      reason: string;
    };

export type ActionKind = Action['kind'];

/** The resource an action changes (for sorting, status samples and logs). */
export function actionTarget(a: Action): string {
  switch (a.kind) {
    case 'UpdateAccessModes':
      return a.scopeId;
    case 'AddScopedResource':
    case 'RemoveScopedResource':
      return `${a.scopeId}/scopedResources/${a.name}`;
    case 'CreateRuleAssociation':
    case 'CreateEndpointAssociation':
    case 'DeleteAssociation':
      return `${a.resourceId}/providers/Microsoft.Insights/dataCollectionRuleAssociations/${a.name}`;
    case 'RepairExtensionIdentity':
      return `${a.resourceId}/extensions/${a.extensionName}`;
  }
}

/** The code of a create that found someone else's association under its name just before writing. */
export const CHANGED_SINCE_OBSERVED = 'ChangedSinceObserved';

export interface ActionError {
  /** ARM error code, e.g. `AuthorizationFailed`, `ResourceNotFound`, `TooManyRequests`, or `ChangedSinceObserved`. */
  code: string;
  message: string;
  status?: number;
  /** For `ChangedSinceObserved`: the association found in the way, when the read before the write saw it. */
  found?: ObservedAssociation;
}

/** What executing one action did: done, or failed with ARM's answer. */
export interface ActionOutcome {
  action: Action;
  ok: boolean;
  error?: ActionError;
}

/**
 * An answer worth retrying soon (with backoff): no answer at all (network error, timeout), a timeout, a conflict,
 * throttling or a server error. Any other 4xx is about the request itself and waits for the next resync.
 */
export function isTransientError(error: ActionError | undefined): boolean {
  const status = error?.status;
  if (status === undefined) return true;
  return status === 408 || status === 409 || status === 429 || status >= 500;
}
