// Microsoft.Insights data collection rule associations: extension resources on any resource, also listed by the
// rule or endpoint they reference.
import { checkApiVersion } from '../../arm/api-version.ts';
import { errors } from '../../arm/errors.ts';
import { parsePath } from '../../arm/ids.ts';
import { isObject, props, str, withoutReadOnly } from '../../arm/json.ts';
import type { Env, Kind } from '../../arm/kind.ts';
import { listResponse } from '../../arm/paging.ts';
import { render } from '../../arm/render.ts';
import type { Route } from '../../arm/kind.ts';
import { requireReadable } from '../../arm/resources.ts';
import { systemDataOf } from '../../arm/system-data.ts';
import { DCE_TYPE, DCR_API_VERSIONS, DCR_TYPE } from './data-collection.ts';

export const ASSOCIATION_TYPE = 'Microsoft.Insights/dataCollectionRuleAssociations';
export const ENDPOINT_ASSOCIATION_NAME = 'configurationAccessEndpoint';

// rule: insights.association.scope-types — source: Azure/azure-rest-api-specs#25261 ("Association cannot be created for resource of type …. Supported types are: Microsoft.AzureStackHCI/virtualmachines,…", also on GET; list truncated in the thread, completed from Learn samples: reference/arm-contract-wave2.md §15.1; status and code cut off, 400 InvalidPayload invented)
const SUPPORTED_SCOPES = [
  'Microsoft.AzureStackHCI/virtualmachines',
  'Microsoft.Compute/virtualMachines',
  'Microsoft.Compute/virtualMachineScaleSets',
  'Microsoft.HybridCompute/machines',
  'Microsoft.ContainerService/managedClusters',
];

const isType = (env: Env, id: string, type: string): boolean => env.store.get(id)?.type.toLowerCase() === type.toLowerCase();

/** `dataCollectionRules/{name}/associations` and `dataCollectionEndpoints/{name}/associations`. */
// rule: insights.association.list-by-reference — source: reference/arm-contract.md §2 (ListByRule and ListByDataCollectionEndpoint, pageable)
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
  // rule: insights.association.etag — invented: the spec (2024-03-11) gives associations a read-only etag but declares no If-Match/If-None-Match; the RPC's ETag table is assumed to hold for a provider that returns etags
  conditional: true,
  linkedIds(input) {
    const p = isObject(input.properties) ? input.properties : {};
    return [p.dataCollectionRuleId, p.dataCollectionEndpointId].filter((x): x is string => typeof x === 'string');
  },
  checkScope(env, scopeId) {
    const parsed = parsePath(scopeId);
    const type = parsed?.namespace ? [parsed.namespace, ...parsed.types].join('/') : 'Microsoft.Resources/resourceGroups';
    if (!SUPPORTED_SCOPES.some((t) => t.toLowerCase() === type.toLowerCase())) throw errors.unsupportedAssociationScope(type, SUPPORTED_SCOPES);
  },
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
    // rule: insights.association.rule-xor-endpoint — source: Azure/bicep#10542 via reference/arm-contract-wave2.md §15.2 (an endpoint association cannot include a rule)
    if (rule !== undefined && endpoint !== undefined) {
      throw errors.invalidAssociation('An association of data collection endpoint cannot include data collection rule');
    }
    // rule: insights.association.reference-required — invented: an association naming neither a rule nor an endpoint is refused (wording assumed)
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
