// Microsoft.HybridCompute: Azure Arc-enabled servers, their extensions and Arc private link scopes.
import type { Provider } from '../../arm/kind.ts';
import { extensions } from './extensions.ts';
import { machines } from './machines.ts';
import { privateLinkResources, scopes } from './private-link-scopes.ts';

export { EXTENSION_TYPE as ARC_EXTENSION_TYPE } from './extensions.ts';
export { HYBRID_COMPUTE_API_VERSIONS, MACHINE_STATUSES, MACHINE_TYPE } from './machines.ts';
export { ARC_SCOPE_TYPE } from './private-link-scopes.ts';

export const hybridCompute: Provider = { namespace: 'Microsoft.HybridCompute', kinds: [machines, extensions, scopes, privateLinkResources] };
