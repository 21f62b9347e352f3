// Microsoft.HybridCompute/privateLinkScopes: the Arc private link scope a machine points to (referenced, never written by the controller).
import { errors } from '../../arm/errors.ts';
import { guid, keep, props, str } from '../../arm/json.ts';
import type { Kind } from '../../arm/kind.ts';
import type { Json } from '../../types.ts';

export const ARC_SCOPE_TYPE = 'Microsoft.HybridCompute/privateLinkScopes';
export const ARC_PRIVATE_LINK_RESOURCE_TYPE = 'Microsoft.HybridCompute/privateLinkScopes/privateLinkResources';

// The one group of an Arc scope (PrivateLinkScopePrivateLinkResource_Get, 2025-01-13).
const HYBRID_COMPUTE_GROUP: Json = {
  groupId: 'hybridcompute',
  requiredMembers: ['HybridCompute.Server', 'HybridCompute.K8sConfiguration', 'GuestConfig.DP'],
  requiredZoneNames: ['privatelink.his.arc.azure.com', 'privatelink.kubernetesconfiguration.azure.com', 'privatelink.Guestconfiguration.azure.com'],
};

export const scopes: Kind = {
  type: ARC_SCOPE_TYPE,
  // privateLinkScopes.json ships with each HybridCompute version (stable/2021-05-20, stable/2025-01-13).
  apiVersions: ['2021-05-20', '2025-01-13'],
  locationRequired: true,
  patch: true,
  list: 'paged',
  emptyTags: true,
  build(ctx) {
    const { id: _i, name: _n, type: _t, etag: _e, ...body } = ctx.input;
    const p = props(body);
    // rule: hybridcompute.scope.public-access — source: privateLinkScopes.json 2025-01-13 (publicNetworkAccess Enabled or Disabled, default Disabled)
    p.publicNetworkAccess ??= keep(ctx.existing, ['properties', 'publicNetworkAccess']) ?? 'Disabled';
    if (!['Enabled', 'Disabled'].includes(str(p.publicNetworkAccess))) {
      throw errors.badRequest('InvalidParameter', `The value '${str(p.publicNetworkAccess)}' of 'publicNetworkAccess' must be 'Enabled' or 'Disabled'.`);
    }
    p.privateLinkScopeId = keep(ctx.existing, ['properties', 'privateLinkScopeId']) ?? guid();
    p.privateEndpointConnections = keep(ctx.existing, ['properties', 'privateEndpointConnections']) ?? [];
    p.provisioningState = 'Succeeded';
    return body;
  },
  // rule: hybridcompute.scope.link-resources — source: PrivateLinkScopePrivateLinkResource_Get.json (one group, hybridcompute, made with the scope)
  afterWrite(env, resource) {
    const id = `${resource.id}/privateLinkResources/hybridcompute`;
    if (!env.store.get(id)) {
      env.store.put({ id, name: 'hybridcompute', type: ARC_PRIVATE_LINK_RESOURCE_TYPE, properties: structuredClone(HYBRID_COMPUTE_GROUP) });
    }
  },
};

/** Read-only: the platform defines a scope's private link resources, created with the scope. */
export const privateLinkResources: Kind = {
  type: ARC_PRIVATE_LINK_RESOURCE_TYPE,
  apiVersions: ['2021-05-20', '2025-01-13'],
  parentType: ARC_SCOPE_TYPE,
  // PrivateLinkResources_ListByPrivateLinkScope is pageable (arm-contract-wave2.md §13).
  list: 'paged',
  build() {
    throw errors.methodNotAllowed('PUT');
  },
};

