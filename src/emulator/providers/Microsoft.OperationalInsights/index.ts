// Microsoft.OperationalInsights: Log Analytics workspaces.
import type { Provider } from '../../arm/kind.ts';
import { workspaces } from './workspaces.ts';

export { WORKSPACE_TYPE } from './workspaces.ts';

export const operationalInsights: Provider = { namespace: 'Microsoft.OperationalInsights', kinds: [workspaces] };
