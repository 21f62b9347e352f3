// Microsoft.Insights: private link scopes, scoped resources, private endpoint connections, DCEs and DCRs.
import { createHash } from 'node:crypto';
import { errors } from '../errors.ts';
import { key, nameOf, parsePath } from '../ids.ts';
import { guid, hex, isObject, keep, kindOf, props, registerKind, str } from '../kind.ts';
import type { Kind, WriteContext } from '../kind.ts';
import { describeId } from '../store.ts';
import type { Json } from '../types.ts';

export const SCOPE_API_VERSIONS = ['2019-10-17-preview', '2021-07-01-preview', '2023-06-01-preview'] as const;
export const DCR_API_VERSIONS = ['2019-11-01-preview', '2021-04-01', '2021-09-01-preview', '2022-06-01', '2023-03-11', '2024-03-11'] as const;

export const SCOPE_TYPE = 'Microsoft.Insights/privateLinkScopes';
export const SCOPED_RESOURCE_TYPE = 'Microsoft.Insights/privateLinkScopes/scopedResources';
export const PE_CONNECTION_TYPE = 'Microsoft.Insights/privateLinkScopes/privateEndpointConnections';
export const DCE_TYPE = 'Microsoft.Insights/dataCollectionEndpoints';
export const DCR_TYPE = 'Microsoft.Insights/dataCollectionRules';

const accessModes = ['open', 'privateonly'];

function base(ctx: WriteContext): Json {
  const { id: _i, name: _n, type: _t, etag: _e, systemData: _s, ...rest } = ctx.input;
  return rest;
}

function checkAccessMode(value: unknown, field: string): void {
  if (typeof value !== 'string' || !accessModes.includes(value.toLowerCase())) {
    throw errors.badRequest('InvalidPayload', `The value '${str(value)}' of '${field}' is invalid. Allowed values are 'Open' and 'PrivateOnly'.`);
  }
}

/** The immutable id ARM gives a scope, derived from its resource id so it is stable across reads. */
export function scopeImmutableId(scopeId: string): string {
  const h = createHash('sha256').update(key(scopeId)).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

const privateLinkScopes: Kind = {
  emptyTags: true,
  type: SCOPE_TYPE,
  apiVersions: SCOPE_API_VERSIONS,
  locationRequired: true,
  deleteLro: true,
  patch: true,
  list: 'paged',
  build(ctx) {
    const body = base(ctx);
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

const scopedResources: Kind = {
  type: SCOPED_RESOURCE_TYPE,
  apiVersions: SCOPE_API_VERSIONS,
  parentType: SCOPE_TYPE,
  putLro: true,
  deleteLro: true,
  list: 'paged',
  build(ctx) {
    const body = base(ctx);
    const p = props(body);
    const linked = p.linkedResourceId;
    if (typeof linked !== 'string' || !linked.startsWith('/')) throw errors.badRequest('InvalidPayload', "The property 'linkedResourceId' is required and must be an ARM resource id.");
    const parsed = parsePath(linked);
    const linkedKind = parsed?.namespace ? kindOf([parsed.namespace, ...parsed.types].join('/')) : undefined;
    if (linkedKind && !ctx.env.store.get(linked)) throw errors.linkedResourceNotFound(linked);
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

const endpointConnections: Kind = {
  type: PE_CONNECTION_TYPE,
  apiVersions: SCOPE_API_VERSIONS,
  parentType: SCOPE_TYPE,
  putLro: true,
  deleteLro: true,
  list: 'plain',
  build(ctx) {
    const body = base(ctx);
    const p = props(body);
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

const dataCollectionEndpoints: Kind = {
  emptyTags: true,
  type: DCE_TYPE,
  apiVersions: DCR_API_VERSIONS,
  locationRequired: true,
  patch: true,
  list: 'paged',
  etagInBody: true,
  build(ctx) {
    const body = base(ctx);
    const p = props(body);
    const location = str(body.location).toLowerCase().replace(/\s+/g, '');
    const host = (keep(ctx.existing, ['properties', 'configurationAccess', 'endpoint']) as string | undefined)?.replace(/^https:\/\/([^.]+)\..*$/, '$1') ??
      `${ctx.name.toLowerCase()}-${hex(4)}`;
    p.immutableId = keep(ctx.existing, ['properties', 'immutableId']) ?? `dce-${hex(32)}`;
    p.configurationAccess = { endpoint: `https://${host}.${location}-1.handler.control.monitor.azure.com` };
    p.logsIngestion = { endpoint: `https://${host}.${location}-1.ingest.monitor.azure.com` };
    p.metricsIngestion = { endpoint: `https://${host}.${location}-1.metrics.ingest.monitor.azure.com` };
    if (!isObject(p.networkAcls)) p.networkAcls = { publicNetworkAccess: 'Enabled' };
    delete p.privateLinkScopedResources;
    p.provisioningState = 'Succeeded';
    body.systemData = systemDataOf(ctx);
    return body;
  },
  view(env, resource) {
    const scoped = env.store.byIndex('scopedBy', resource.id).map((sr) => {
      const scope = describeId(sr.id).parent;
      return { resourceId: sr.id, scopeId: scopeImmutableId(scope) };
    });
    const body: Json = { ...resource.body, properties: { ...(resource.body.properties as Json) } };
    if (scoped.length > 0) (body.properties as Json).privateLinkScopedResources = scoped;
    return body;
  },
};

const dataCollectionRules: Kind = {
  emptyTags: true,
  type: DCR_TYPE,
  apiVersions: DCR_API_VERSIONS,
  locationRequired: true,
  patch: true,
  list: 'paged',
  etagInBody: true,
  build(ctx) {
    const body = base(ctx);
    const p = props(body);
    const dce = p.dataCollectionEndpointId;
    if (dce !== undefined && (typeof dce !== 'string' || !ctx.env.store.get(dce))) throw errors.linkedResourceNotFound(str(dce));
    p.immutableId = keep(ctx.existing, ['properties', 'immutableId']) ?? `dcr-${hex(32)}`;
    const destinations = isObject(p.destinations) ? p.destinations : {};
    for (const la of (Array.isArray(destinations.logAnalytics) ? destinations.logAnalytics : []) as Json[]) {
      if (!isObject(la) || typeof la.workspaceResourceId !== 'string') continue;
      const ws = ctx.env.store.get(la.workspaceResourceId);
      la.workspaceId = (ws?.body.properties as Json | undefined)?.customerId ?? guid();
    }
    p.provisioningState = 'Succeeded';
    body.systemData = systemDataOf(ctx);
    return body;
  },
  beforeDelete(env, resource, query) {
    if (query.get('deleteAssociations')?.toLowerCase() !== 'true') return;
    for (const a of env.store.byIndex('rule', resource.id)) env.store.delete(a.id);
  },
};

export function systemDataOf(ctx: WriteContext): Json {
  const now = new Date().toISOString();
  const before = (ctx.existing?.body.systemData ?? {}) as Json;
  return {
    createdBy: before.createdBy ?? ctx.principal,
    createdByType: before.createdByType ?? 'Application',
    createdAt: before.createdAt ?? now,
    lastModifiedBy: ctx.principal,
    lastModifiedByType: 'Application',
    lastModifiedAt: now,
  };
}

export function registerInsights(): void {
  for (const k of [privateLinkScopes, scopedResources, endpointConnections, dataCollectionEndpoints, dataCollectionRules]) registerKind(k);
}
