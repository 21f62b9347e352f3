// Paths that are not plain resource collections: association lists by rule and endpoint, VM instance view,
// and the static private link resources of a scope.
import type { ArmRequest, Routed } from '../arm.ts';
import { checkApiVersion, notFound, render } from '../arm.ts';
import { errors } from '../errors.ts';
import { resourceGroupId } from '../ids.ts';
import type { ParsedPath } from '../ids.ts';
import { kindOf } from '../kind.ts';
import type { Env, Kind } from '../kind.ts';
import { listResponse } from '../paging.ts';
import type { Json } from '../types.ts';
import { ASSOCIATION_TYPE } from './associations.ts';
import { COMPUTE_API_VERSIONS, EXTENSION_TYPE, VM_TYPE } from './compute.ts';
import { vmInstanceView } from './instance-view.ts';
import { DCR_API_VERSIONS, SCOPE_API_VERSIONS } from './insights.ts';

const MONITOR_GROUP = {
  groupId: 'azuremonitor',
  requiredMembers: ['api', 'global.in.ai', 'profiler', 'live', 'snapshot', 'agentsolutionpackstore', 'dce-global'],
  requiredZoneNames: [
    'privatelink.monitor.azure.com',
    'privatelink.oms.opinsights.azure.com',
    'privatelink.ods.opinsights.azure.com',
    'privatelink.agentsvc.azure-automation.net',
    'privatelink.blob.core.windows.net',
  ],
};

function requireResource(env: Env, req: ArmRequest, parsed: ParsedPath, id: string): void {
  if (!env.store.hasSubscription(parsed.subscriptionId)) throw errors.subscriptionNotFound(parsed.subscriptionId);
  if (parsed.resourceGroup !== undefined && !env.store.get(resourceGroupId(parsed.subscriptionId, parsed.resourceGroup))) {
    throw errors.resourceGroupNotFound(parsed.resourceGroup);
  }
  req.authorize(`${parsed.namespace ?? ''}/${parsed.types[0] ?? ''}/read`, id);
  if (!env.store.get(id)) throw notFound(id, parsed);
}

export function handleSpecial(env: Env, req: ArmRequest, parsed: ParsedPath): Routed | undefined {
  const ns = parsed.namespace?.toLowerCase();
  const t = parsed.types.map((x) => x.toLowerCase());
  if (t.length !== 2 || parsed.names.length < 1 || req.method !== 'GET') return undefined;
  const parentId = `${parsed.scope}/providers/${parsed.namespace ?? ''}/${parsed.types[0] ?? ''}/${parsed.names[0] ?? ''}`;
  if (ns === 'microsoft.insights' && t[1] === 'associations' && parsed.names.length === 1 && (t[0] === 'datacollectionrules' || t[0] === 'datacollectionendpoints')) {
    const byRule = t[0] === 'datacollectionrules';
    return {
      operation: `LIST ${ASSOCIATION_TYPE}/${byRule ? 'byRule' : 'byEndpoint'}`,
      run: () => {
        const apiVersion = checkApiVersion(req, DCR_API_VERSIONS, `${parsed.types[0] ?? ''}/associations`);
        requireResource(env, req, parsed, parentId);
        const kind = kindOf(ASSOCIATION_TYPE) as Kind;
        return listResponse(env, req, env.store.byIndex(byRule ? 'rule' : 'endpoint', parentId), (r) => render(env, kind, r), apiVersion);
      },
    };
  }
  if (ns === 'microsoft.compute' && t[0] === 'virtualmachines' && t[1] === 'instanceview' && parsed.names.length === 1) {
    return {
      operation: 'GET Microsoft.Compute/virtualMachines/instanceView',
      run: () => {
        checkApiVersion(req, COMPUTE_API_VERSIONS, 'virtualMachines/instanceView');
        requireResource(env, req, parsed, parentId);
        return { status: 200, body: vmInstanceView(env, env.store.get(parentId)!, EXTENSION_TYPE) };
      },
    };
  }
  if (ns === 'microsoft.compute' && t[0] === 'locations' && t[1] === 'virtualmachines' && parsed.names.length === 1 && parsed.resourceGroup === undefined) {
    return {
      operation: 'LIST Microsoft.Compute/virtualMachines/byLocation',
      run: () => {
        const apiVersion = checkApiVersion(req, COMPUTE_API_VERSIONS, 'locations/virtualMachines');
        if (!env.store.hasSubscription(parsed.subscriptionId)) throw errors.subscriptionNotFound(parsed.subscriptionId);
        req.authorize('Microsoft.Compute/virtualMachines/read', `/subscriptions/${parsed.subscriptionId}`);
        const location = (parsed.names[0] ?? '').toLowerCase().replace(/\s+/g, '');
        const kind = kindOf(VM_TYPE) as Kind;
        const vms = env.store.listInSubscription(parsed.subscriptionId, VM_TYPE).filter((r) => String(r.body.location).toLowerCase().replace(/\s+/g, '') === location);
        return listResponse(env, req, vms, (r) => render(env, kind, r, req.query), apiVersion);
      },
    };
  }
  if (ns === 'microsoft.insights' && t[0] === 'privatelinkscopes' && t[1] === 'privatelinkresources') {
    return {
      operation: `${parsed.names.length === 1 ? 'LIST' : 'GET'} Microsoft.Insights/privateLinkScopes/privateLinkResources`,
      run: () => {
        checkApiVersion(req, SCOPE_API_VERSIONS, 'privateLinkScopes/privateLinkResources');
        requireResource(env, req, parsed, parentId);
        const item: Json = { id: `${parentId}/privateLinkResources/azuremonitor`, name: 'azuremonitor', type: 'Microsoft.Insights/privateLinkScopes/privateLinkResources', properties: MONITOR_GROUP };
        if (parsed.names.length === 1) return { status: 200, body: { value: [item] } };
        if (parsed.names[1]?.toLowerCase() !== 'azuremonitor') throw notFound(`${parentId}/privateLinkResources/${parsed.names[1] ?? ''}`, parsed);
        return { status: 200, body: item };
      },
    };
  }
  return undefined;
}
