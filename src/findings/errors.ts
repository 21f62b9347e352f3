// What only Azure can tell: failed reads become findings with a clear next step, never a crash.
import type { Finding } from '../api/types.ts';
import type { ReadError } from '../model/index.ts';
import { describe, finding, stageOfResource } from './finding.ts';

export function readErrorFinding(error: ReadError): Finding {
  const what = describe(error.resourceId);
  const stage = stageOfResource(error.resourceId);
  switch (error.code) {
    case 'NotFound':
      return finding(
        'ReferencedResourceNotFound',
        'Error',
        error.resourceId,
        stage,
        `The ${what} referenced by the spec does not exist: correct the id in the spec or create the resource (${error.message}).`,
      );
    case 'Forbidden':
      return finding(
        'AuthorizationFailed',
        'Error',
        error.resourceId,
        stage,
        `The controller's identity is not authorized to read or change the ${what}: grant it the role it needs on that resource (${error.message}).`,
      );
    case 'Failed':
      return finding(
        'ArmRequestFailed',
        'Error',
        error.resourceId,
        stage,
        `Azure Resource Manager failed a request for the ${what}; it is retried on the next resync (${error.message}).`,
      );
    case 'Malformed':
      return finding(
        'MalformedArmResource',
        'Warning',
        error.resourceId,
        stage,
        `Azure Resource Manager returned the ${what} in a shape the controller does not understand; it is skipped and left untouched (${error.message}).`,
      );
  }
}

export function readErrorFindings(errors: readonly ReadError[]): Finding[] {
  return errors.map(readErrorFinding);
}
