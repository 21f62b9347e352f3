// Microsoft.Insights private link scopes (AMPLS): the scope, its scoped resources, its private endpoint
// connections, its static private link resource and its own operation-status resource.
import { createHash } from 'node:crypto';
import { checkApiVersion } from '../../arm/api-version.ts';
import { errors } from '../../arm/errors.ts';
import { key, nameOf, parsePath } from '../../arm/ids.ts';
import type { ParsedPath } from '../../arm/ids.ts';
import { isObject, keep, props, str, withoutReadOnly } from '../../arm/json.ts';
import type { Kind } from '../../arm/kind.ts';
import { operationStatusRoute } from '../../arm/operations.ts';
import type { Route } from '../../arm/kind.ts';
import { notFound, requireReadable } from '../../arm/resources.ts';
import { describeId } from '../../arm/store.ts';
import { systemDataOf } from '../../arm/system-data.ts';
import type { Json } from '../../types.ts';

export const SCOPE_API_VERSIONS = ['2019-10-17-preview', '2021-07-01-preview', '2023-06-01-preview'] as const;

export const SCOPE_TYPE = 'Microsoft.Insights/privateLinkScopes';
export const SCOPED_RESOURCE_TYPE = 'Microsoft.Insights/privateLinkScopes/scopedResources';
export const PE_CONNECTION_TYPE = 'Microsoft.Insights/privateLinkScopes/privateEndpointConnections';

const accessModes = ['open', 'privateonly'];

// rule: insights.scope.access-modes — source: reference/arm-contract.md §1 (accessModeSettings: Open | PrivateOnly, required in 2023-06-01-preview; exclusions name a connection)
function checkAccessMode(value: unknown, field: string): void {
  if (typeof value !== 'string' || !accessModes.includes(value.toLowerCase())) {
    throw errors.badRequest('InvalidPayload', `The value '${str(value)}' of '${field}' is invalid. Allowed values are 'Open' and 'PrivateOnly'.`);
  }
}

/** The immutable id ARM gives a scope, derived from its resource id so it is stable across reads. */
// rule: insights.scope.immutable-id — invented: a stable GUID derived from the scope id, so the DCE's scopeId matches across reads
export function scopeImmutableId(scopeId: string): string {
  const h = createHash('sha256').update(key(scopeId)).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** Scope writes are polled through the resource group's `privateLinkScopeOperationStatuses`, not ARM's generic path. */
// rule: insights.scope.operation-status — source: reference/arm-contract.md §1 (scope operations are polled at …/privateLinkScopeOperationStatuses/{id})
function scopeOperationPath(parsed: ParsedPath, opId: string): string | undefined {
  if (parsed.resourceGroup === undefined) return undefined;
  return `/subscriptions/${parsed.subscriptionId}/resourceGroups/${parsed.resourceGroup}/providers/Microsoft.Insights/privateLinkScopeOperationStatuses/${opId}`;
}

const operationStatuses: Route = {
  match(env, req, parsed) {
    const t = parsed?.types ?? [];
    if (!parsed || parsed.namespace?.toLowerCase() !== 'microsoft.insights' || t.length !== 1 || t[0]?.toLowerCase() !== 'privatelinkscopeoperationstatuses' || parsed.names.length !== 1) return undefined;
    return operationStatusRoute(env, req, parsed, `GET ${parsed.namespace}/operationStatuses`);
  },
};

// rule: insights.scope.private-link-resources — source: reference/arm-contract-wave2.md §9 (the azuremonitor group, its required members and zones)
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

/** `privateLinkScopes/{scope}/privateLinkResources[/{group}]`: the one static `azuremonitor` group. */
const privateLinkResources: Route = {
  match(env, req, parsed) {
    const t = parsed?.types.map((x) => x.toLowerCase()) ?? [];
    if (!parsed || req.method !== 'GET' || parsed.namespace?.toLowerCase() !== 'microsoft.insights' || t.length !== 2 || t[0] !== 'privatelinkscopes' || t[1] !== 'privatelinkresources' || parsed.names.length < 1) {
      return undefined;
    }
    const scopeId = `${parsed.scope}/providers/${parsed.namespace}/${parsed.types[0] ?? ''}/${parsed.names[0] ?? ''}`;
    return {
      operation: `${parsed.names.length === 1 ? 'LIST' : 'GET'} Microsoft.Insights/privateLinkScopes/privateLinkResources`,
      run: () => {
        checkApiVersion(req, SCOPE_API_VERSIONS, 'privateLinkScopes/privateLinkResources');
        requireReadable(env, req, parsed, scopeId);
        const item: Json = { id: `${scopeId}/privateLinkResources/azuremonitor`, name: 'azuremonitor', type: 'Microsoft.Insights/privateLinkScopes/privateLinkResources', properties: MONITOR_GROUP };
        if (parsed.names.length === 1) return { status: 200, body: { value: [item] } };
        if (parsed.names[1]?.toLowerCase() !== 'azuremonitor') throw notFound(`${scopeId}/privateLinkResources/${parsed.names[1] ?? ''}`, parsed);
        return { status: 200, body: item };
      },
    };
  },
};

// rule: insights.scope.lro — source: reference/arm-contract.md §1 (scope PUT synchronous, DELETE long-running; scoped resources and connections PUT/DELETE long-running)
export const privateLinkScopes: Kind = {
  emptyTags: true,
  type: SCOPE_TYPE,
  apiVersions: SCOPE_API_VERSIONS,
  locationRequired: true,
  deleteLro: true,
  patch: true,
  list: 'paged',
  asyncOperationPath: scopeOperationPath,
  routes: [operationStatuses, privateLinkResources],
  build(ctx) {
    const body = withoutReadOnly(ctx.input);
    const p = props(body);
    if (!isObject(p.accessModeSettings)) {
      if (ctx.apiVersion.startsWith('2023')) throw errors.badRequest('InvalidPayload', "The property 'accessModeSettings' is required.");
      p.accessModeSettings = { queryAccessMode: 'Open', ingestionAccessMode: 'Open', exclusions: [] };
    }
    const modes = p.accessModeSettings as Json;
    checkAccessMode(modes.queryAccessMode, 'accessModeSettings.queryAccessMode');
    checkAccessMode(modes.ingestionAccessMode, 'accessModeSettings.ingestionAccessMode');
    if (modes.exclusions === undefined) modes.exclusions = [];
    if (!Array.isArray(modes.exclusions)) throw errors.badRequest('InvalidPayload', "The property 'accessModeSettings.exclusions' must be an array.");
    for (const ex of modes.exclusions as unknown[]) {
      if (!isObject(ex) || typeof ex.privateEndpointConnectionName !== 'string') {
        throw errors.badRequest('InvalidPayload', "Each exclusion needs a 'privateEndpointConnectionName'.");
      }
      if (ex.queryAccessMode !== undefined) checkAccessMode(ex.queryAccessMode, 'exclusions.queryAccessMode');
      if (ex.ingestionAccessMode !== undefined) checkAccessMode(ex.ingestionAccessMode, 'exclusions.ingestionAccessMode');
    }
    delete p.privateEndpointConnections;
    p.provisioningState = 'Succeeded';
    body.systemData = systemDataOf(ctx);
    return body;
  },
  view(env, resource) {
    const connections = env.store.list(resource.id, PE_CONNECTION_TYPE).map((c) => c.body);
    return { ...resource.body, properties: { ...(resource.body.properties as Json), privateEndpointConnections: connections } };
  },
};

export const scopedResources: Kind = {
  type: SCOPED_RESOURCE_TYPE,
  apiVersions: SCOPE_API_VERSIONS,
  parentType: SCOPE_TYPE,
  putLro: true,
  deleteLro: true,
  list: 'paged',
  asyncOperationPath: scopeOperationPath,
  index(r) {
    const id = (r.body.properties as Json | undefined)?.linkedResourceId;
    return typeof id === 'string' ? [['scopedBy', id]] : [];
  },
  linkedIds(input) {
    const id = isObject(input.properties) ? input.properties.linkedResourceId : undefined;
    return typeof id === 'string' ? [id] : [];
  },
  // rule: insights.scope.exclusive — source: hashicorp/terraform-provider-azurerm#22236 (parallel scopedResources writes to one scope: "Cannot modify resource while in provisioning state"; status and code cut off in the thread, 409 Conflict invented)
  exclusive: (id) => ({ key: `scope|${key(describeId(id).parent)}`, conflict: errors.provisioningInProgress }),
  build(ctx) {
    const body = withoutReadOnly(ctx.input);
    const p = props(body);
    const linked = p.linkedResourceId;
    if (typeof linked !== 'string' || !linked.startsWith('/')) throw errors.badRequest('InvalidPayload', "The property 'linkedResourceId' is required and must be an ARM resource id.");
    if (ctx.env.kinds.ofId(parsePath(linked)) && !ctx.env.store.get(linked)) throw errors.linkedResourceNotFound(linked);
    // rule: insights.scope.duplicate-link — source: Azure/azure-rest-api-specs#28176 (409 Conflict "Scoped resource with same linked resource id already exists in this private link scope")
    const twin = ctx.env.store.list(describeId(ctx.id).parent, SCOPED_RESOURCE_TYPE).find((r) => key(str(props(r.body).linkedResourceId)) === key(linked) && key(r.id) !== key(ctx.id));
    if (twin) throw errors.duplicateScopedResource();
    // rule: insights.scoped-resource.kind — source: reference/arm-contract.md §1 (2023-06-01-preview adds kind; the list filters by it)
    if (ctx.apiVersion.startsWith('2023') && p.kind === undefined) p.kind = 'Resource';
    p.provisioningState = 'Succeeded';
    body.systemData = systemDataOf(ctx);
    return body;
  },
  listFrom(env, parentId, query) {
    const kind = query.get('kind');
    if (kind === null) return undefined;
    return env.store.list(parentId, SCOPED_RESOURCE_TYPE).filter((r) => str(props(r.body).kind ?? 'Resource').toLowerCase() === kind.toLowerCase());
  },
};

export const endpointConnections: Kind = {
  type: PE_CONNECTION_TYPE,
  apiVersions: SCOPE_API_VERSIONS,
  parentType: SCOPE_TYPE,
  putLro: true,
  deleteLro: true,
  list: 'plain',
  asyncOperationPath: scopeOperationPath,
  build(ctx) {
    const body = withoutReadOnly(ctx.input);
    const p = props(body);
    // rule: insights.pe-connection.no-create — source: reference/arm-contract-wave2.md §7 (connections come from a private endpoint's privateLinkServiceConnections; the scope's owner approves or removes them)
    // Connections are created by private endpoints; the scope's owner can only approve, reject or remove them.
    if (!ctx.existing) throw errors.resourceNotFound(`Microsoft.Insights/privateLinkScopes/${nameOf(describeId(ctx.id).parent)}/privateEndpointConnections/${ctx.name}`, parsePath(ctx.id)?.resourceGroup);
    const state = p.privateLinkServiceConnectionState;
    if (!isObject(state)) throw errors.badRequest('InvalidPayload', "The property 'privateLinkServiceConnectionState' is required.");
    if (state.actionsRequired === undefined) state.actionsRequired = 'None';
    if (p.privateEndpoint === undefined) p.privateEndpoint = keep(ctx.existing, ['properties', 'privateEndpoint']);
    p.provisioningState = 'Succeeded';
    body.systemData = systemDataOf(ctx);
    return body;
  },
};
