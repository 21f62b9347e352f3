// Microsoft.OperationalInsights Log Analytics workspaces (the ARM resource; the query API is a data plane).
import { errors } from '../../arm/errors.ts';
import { guid, isObject, keep, props, withoutReadOnly } from '../../arm/json.ts';
import type { Kind } from '../../arm/kind.ts';

export const WORKSPACE_TYPE = 'Microsoft.OperationalInsights/workspaces';

const publicAccess = ['enabled', 'disabled', 'securedbyperimeter'];

export const workspaces: Kind = {
  emptyTags: true,
  type: WORKSPACE_TYPE,
  apiVersions: ['2015-11-01-preview', '2020-03-01-preview', '2020-08-01', '2020-10-01', '2021-06-01', '2021-12-01-preview', '2022-10-01', '2023-09-01', '2025-02-01', '2025-07-01'],
  locationRequired: true,
  patch: true,
  list: 'paged',
  build(ctx) {
    const body = withoutReadOnly(ctx.input);
    const p = props(body);
    // rule: workspace.network-access — invented: both settings default to Enabled; the workspace spec is not in the saved reference
    for (const field of ['publicNetworkAccessForIngestion', 'publicNetworkAccessForQuery']) {
      if (p[field] === undefined) p[field] = 'Enabled';
      if (typeof p[field] !== 'string' || !publicAccess.includes(p[field].toLowerCase())) {
        throw errors.badRequest('InvalidParameter', `The value of '${field}' must be 'Enabled' or 'Disabled'.`);
      }
    }
    p.customerId = keep(ctx.existing, ['properties', 'customerId']) ?? guid();
    if (!isObject(p.sku)) p.sku = { name: 'PerGB2018' };
    if (p.retentionInDays === undefined) p.retentionInDays = 30;
    p.createdDate = keep(ctx.existing, ['properties', 'createdDate']) ?? new Date().toISOString();
    p.modifiedDate = new Date().toISOString();
    p.provisioningState = 'Succeeded';
    return body;
  },
};
