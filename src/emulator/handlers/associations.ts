// Data collection rule associations: extension resources on any resource, indexed by rule and endpoint.
import { errors } from '../errors.ts';
import { props, registerKind, str } from '../kind.ts';
import type { Kind } from '../kind.ts';
import type { ResourceStore } from '../store.ts';
import { DCE_TYPE, DCR_API_VERSIONS, DCR_TYPE, systemDataOf } from './insights.ts';

export const ASSOCIATION_TYPE = 'Microsoft.Insights/dataCollectionRuleAssociations';
export const ENDPOINT_ASSOCIATION_NAME = 'configurationAccessEndpoint';

const isType = (store: ResourceStore, id: string, type: string): boolean => store.get(id)?.type.toLowerCase() === type.toLowerCase();

const associations: Kind = {
  type: ASSOCIATION_TYPE,
  apiVersions: DCR_API_VERSIONS,
  extension: true,
  list: 'paged',
  etagInBody: true,
  build(ctx) {
    const { id: _i, name: _n, type: _t, etag: _e, systemData: _s, ...body } = ctx.input;
    const p = props(body);
    const rule = p.dataCollectionRuleId;
    const endpoint = p.dataCollectionEndpointId;
    if (rule !== undefined && endpoint !== undefined) {
      throw errors.invalidAssociation('An association can reference either a data collection rule or a data collection endpoint, not both.');
    }
    if (rule === undefined && endpoint === undefined) {
      throw errors.invalidAssociation("An association must reference a data collection rule ('dataCollectionRuleId') or a data collection endpoint ('dataCollectionEndpointId').");
    }
    if (endpoint !== undefined) {
      if (!ctx.fromEstate && ctx.name.toLowerCase() !== ENDPOINT_ASSOCIATION_NAME.toLowerCase()) throw errors.invalidEndpointAssociationName(ctx.name);
      if (typeof endpoint !== 'string' || !isType(ctx.env.store, endpoint, DCE_TYPE)) throw errors.linkedResourceNotFound(str(endpoint));
    }
    if (rule !== undefined && (typeof rule !== 'string' || !isType(ctx.env.store, rule, DCR_TYPE))) throw errors.linkedResourceNotFound(str(rule));
    p.provisioningState = 'Succeeded';
    body.systemData = systemDataOf(ctx);
    return body;
  },
};

export function registerAssociations(store: ResourceStore): void {
  registerKind(associations);
  store.addIndexer(ASSOCIATION_TYPE, (r) => {
    const p = (r.body.properties ?? {}) as Record<string, unknown>;
    const out: [string, string][] = [];
    if (typeof p.dataCollectionRuleId === 'string') out.push(['rule', p.dataCollectionRuleId]);
    if (typeof p.dataCollectionEndpointId === 'string') out.push(['endpoint', p.dataCollectionEndpointId]);
    return out;
  });
}
