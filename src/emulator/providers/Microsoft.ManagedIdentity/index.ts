// Microsoft.ManagedIdentity: user-assigned identities (and the identity blocks compute resources carry).
import type { Provider } from '../../arm/kind.ts';
import { userAssignedIdentities } from './user-assigned-identities.ts';

export { UAMI_TYPE } from './user-assigned-identities.ts';

export const managedIdentity: Provider = { namespace: 'Microsoft.ManagedIdentity', kinds: [userAssignedIdentities] };
