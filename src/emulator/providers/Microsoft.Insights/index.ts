// Microsoft.Insights: private link scopes and what hangs off them, data collection endpoints, rules and associations.
import type { Provider } from '../../arm/kind.ts';
import { associations } from './associations.ts';
import { dataCollectionEndpoints, dataCollectionRules } from './data-collection.ts';
import { endpointConnections, privateLinkScopes, scopedResources } from './private-link-scopes.ts';

export { ASSOCIATION_TYPE, ENDPOINT_ASSOCIATION_NAME } from './associations.ts';
export { DCE_TYPE, DCR_TYPE } from './data-collection.ts';
export { SCOPE_TYPE, SCOPED_RESOURCE_TYPE } from './private-link-scopes.ts';

export const insights: Provider = {
  namespace: 'Microsoft.Insights',
  kinds: [privateLinkScopes, scopedResources, endpointConnections, dataCollectionEndpoints, dataCollectionRules, associations],
};
