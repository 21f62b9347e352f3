// Microsoft.HybridCompute: Azure Arc-enabled servers, their extensions and Arc private link scopes.
import { registerMachineExtensions } from './extensions.ts';
import { registerMachines } from './machines.ts';
import { registerArcPrivateLinkScopes } from './private-link-scopes.ts';

export { EXTENSION_TYPE as ARC_EXTENSION_TYPE } from './extensions.ts';
export { HYBRID_COMPUTE_API_VERSIONS, MACHINE_STATUSES, MACHINE_TYPE } from './machines.ts';
export { ARC_SCOPE_TYPE } from './private-link-scopes.ts';

export function registerHybridCompute(): void {
  registerMachines();
  registerMachineExtensions();
  registerArcPrivateLinkScopes();
}
