// Microsoft.Insights data collection endpoints (DCE) and data collection rules (DCR).
import { errors } from '../../arm/errors.ts';
import { guid, hex, isObject, keep, props, str, withoutReadOnly } from '../../arm/json.ts';
import type { Kind } from '../../arm/kind.ts';
import { describeId } from '../../arm/store.ts';
import { systemDataOf } from '../../arm/system-data.ts';
import type { Json } from '../../types.ts';
import { scopeImmutableId } from './private-link-scopes.ts';

export const DCR_API_VERSIONS = ['2019-11-01-preview', '2021-04-01', '2021-09-01-preview', '2022-06-01', '2023-03-11', '2024-03-11'] as const;

export const DCE_TYPE = 'Microsoft.Insights/dataCollectionEndpoints';
export const DCR_TYPE = 'Microsoft.Insights/dataCollectionRules';

export const dataCollectionEndpoints: Kind = {
  emptyTags: true,
  type: DCE_TYPE,
  apiVersions: DCR_API_VERSIONS,
  locationRequired: true,
  patch: true,
  list: 'paged',
  etagInBody: true,
  // rule: insights.dce.etag — invented: DCE and DCR specs (2023-03-11) carry a read-only etag but declare no conditional headers; the RPC's ETag table is assumed
  conditional: true,
  build(ctx) {
    const body = withoutReadOnly(ctx.input);
    const p = props(body);
    const location = str(body.location).toLowerCase().replace(/\s+/g, '');
    const host = (keep(ctx.existing, ['properties', 'configurationAccess', 'endpoint']) as string | undefined)?.replace(/^https:\/\/([^.]+)\..*$/, '$1') ??
      `${ctx.name.toLowerCase()}-${hex(4)}`;
    p.immutableId = keep(ctx.existing, ['properties', 'immutableId']) ?? `dce-${hex(32)}`;
    // rule: insights.dce.endpoints — source: reference/arm-contract.md §3 (configurationAccess, logsIngestion, metricsIngestion endpoint formats; immutableId dce-…)
    p.configurationAccess = { endpoint: `https://${host}.${location}-1.handler.control.monitor.azure.com` };
    p.logsIngestion = { endpoint: `https://${host}.${location}-1.ingest.monitor.azure.com` };
    p.metricsIngestion = { endpoint: `https://${host}.${location}-1.metrics.ingest.monitor.azure.com` };
    if (!isObject(p.networkAcls)) p.networkAcls = { publicNetworkAccess: 'Enabled' };
    delete p.privateLinkScopedResources;
    p.provisioningState = 'Succeeded';
    body.systemData = systemDataOf(ctx);
    return body;
  },
  // rule: insights.dce.scoped-view — source: reference/arm-contract.md §3 (read-only privateLinkScopedResources { resourceId, scopeId } links a DCE to its scopes)
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

export const dataCollectionRules: Kind = {
  emptyTags: true,
  type: DCR_TYPE,
  apiVersions: DCR_API_VERSIONS,
  locationRequired: true,
  patch: true,
  list: 'paged',
  etagInBody: true,
  // rule: insights.dcr.etag — invented: DCE and DCR specs (2023-03-11) carry a read-only etag but declare no conditional headers; the RPC's ETag table is assumed
  conditional: true,
  build(ctx) {
    const body = withoutReadOnly(ctx.input);
    const p = props(body);
    const dce = p.dataCollectionEndpointId;
    if (dce !== undefined && (typeof dce !== 'string' || !ctx.env.store.get(dce))) throw errors.linkedResourceNotFound(str(dce));
    p.immutableId = keep(ctx.existing, ['properties', 'immutableId']) ?? `dcr-${hex(32)}`;
    const destinations = isObject(p.destinations) ? p.destinations : {};
    for (const la of (Array.isArray(destinations.logAnalytics) ? destinations.logAnalytics : []) as Json[]) {
      if (!isObject(la) || typeof la.workspaceResourceId !== 'string') continue;
      const ws = ctx.env.store.get(la.workspaceResourceId);
      // rule: insights.dcr.workspace-id — source: reference/arm-contract.md §3 (logAnalytics destinations gain the read-only workspaceId)
      la.workspaceId = (ws?.body.properties as Json | undefined)?.customerId ?? guid();
    }
    p.provisioningState = 'Succeeded';
    body.systemData = systemDataOf(ctx);
    return body;
  },
  // rule: insights.dcr.delete-associations — source: reference/arm-contract.md §3 (DELETE takes deleteAssociations, default false)
  beforeDelete(env, resource, query) {
    if (query.get('deleteAssociations')?.toLowerCase() !== 'true') return;
    for (const a of env.store.byIndex('rule', resource.id)) env.store.delete(a.id);
  },
};
