// Microsoft.Insights data collection rule associations: extension resources on any resource, also listed by the
// rule or endpoint they reference.
import { checkApiVersion } from '../../arm/api-version.ts';
import { errors } from '../../arm/errors.ts';
import { props, str, withoutReadOnly } from '../../arm/json.ts';
import type { Env, Kind } from '../../arm/kind.ts';
import { listResponse } from '../../arm/paging.ts';
import { render } from '../../arm/render.ts';
import type { Route } from '../../arm/kind.ts';
import { requireReadable } from '../../arm/resources.ts';
import { systemDataOf } from '../../arm/system-data.ts';
import { DCE_TYPE, DCR_API_VERSIONS, DCR_TYPE } from './data-collection.ts';

export const ASSOCIATION_TYPE = 'Microsoft.Insights/dataCollectionRuleAssociations';
export const ENDPOINT_ASSOCIATION_NAME = 'configurationAccessEndpoint';

const isType = (env: Env, id: string, type: string): boolean => env.store.get(id)?.type.toLowerCase() === type.toLowerCase();

/** `dataCollectionRules/{name}/associations` and `dataCollectionEndpoints/{name}/associations`. */
const listByReference: Route = {
  match(env, req, parsed) {
    const t = parsed?.types.map((x) => x.toLowerCase()) ?? [];
    if (!parsed || req.method !== 'GET' || parsed.namespace?.toLowerCase() !== 'microsoft.insights' || t.length !== 2 || t[1] !== 'associations' || parsed.names.length !== 1) return undefined;
    if (t[0] !== 'datacollectionrules' && t[0] !== 'datacollectionendpoints') return undefined;
    const byRule = t[0] === 'datacollectionrules';
    const referenceId = `${parsed.scope}/providers/${parsed.namespace}/${parsed.types[0] ?? ''}/${parsed.names[0] ?? ''}`;
    return {
      operation: `LIST ${ASSOCIATION_TYPE}/${byRule ? 'byRule' : 'byEndpoint'}`,
      run: () => {
        checkApiVersion(req, DCR_API_VERSIONS, `${parsed.types[0] ?? ''}/associations`);
        requireReadable(env, req, parsed, referenceId);
        return listResponse(env, req, env.store.byIndex(byRule ? 'rule' : 'endpoint', referenceId), (r) => render(env, associations, r));
      },
    };
  },
};

export const associations: Kind = {
  type: ASSOCIATION_TYPE,
  apiVersions: DCR_API_VERSIONS,
  extension: true,
  list: 'paged',
  etagInBody: true,
  routes: [listByReference],
  index(r) {
    const p = (r.body.properties ?? {}) as Record<string, unknown>;
    const out: [string, string][] = [];
    if (typeof p.dataCollectionRuleId === 'string') out.push(['rule', p.dataCollectionRuleId]);
    if (typeof p.dataCollectionEndpointId === 'string') out.push(['endpoint', p.dataCollectionEndpointId]);
    return out;
  },
  build(ctx) {
    const body = withoutReadOnly(ctx.input);
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
      if (typeof endpoint !== 'string' || !isType(ctx.env, endpoint, DCE_TYPE)) throw errors.linkedResourceNotFound(str(endpoint));
    }
    if (rule !== undefined && (typeof rule !== 'string' || !isType(ctx.env, rule, DCR_TYPE))) throw errors.linkedResourceNotFound(str(rule));
    p.provisioningState = 'Succeeded';
    body.systemData = systemDataOf(ctx);
    return body;
  },
};
