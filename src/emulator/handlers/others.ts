// Microsoft.ManagedIdentity user-assigned identities and Microsoft.OperationalInsights workspaces.
import { errors } from '../errors.ts';
import { guid, isObject, keep, props, registerKind } from '../kind.ts';
import type { Kind, WriteContext } from '../kind.ts';
import type { Json } from '../types.ts';

export const UAMI_TYPE = 'Microsoft.ManagedIdentity/userAssignedIdentities';
export const WORKSPACE_TYPE = 'Microsoft.OperationalInsights/workspaces';

function base(ctx: WriteContext): Json {
  const { id: _i, name: _n, type: _t, etag: _e, ...rest } = ctx.input;
  return rest;
}

const identities: Kind = {
  emptyTags: true,
  type: UAMI_TYPE,
  apiVersions: ['2018-11-30', '2021-09-30-preview', '2022-01-31-preview', '2023-01-31', '2023-07-31-preview', '2024-11-30', '2025-01-31-preview'],
  locationRequired: true,
  patch: true,
  list: 'paged',
  build(ctx) {
    const body = base(ctx);
    const p = props(body);
    p.tenantId = ctx.env.tenantId;
    p.principalId = keep(ctx.existing, ['properties', 'principalId']) ?? guid();
    p.clientId = keep(ctx.existing, ['properties', 'clientId']) ?? guid();
    if (ctx.apiVersion >= '2024-11-30' && p.isolationScope === undefined) p.isolationScope = 'None';
    return body;
  },
};

const publicAccess = ['enabled', 'disabled', 'securedbyperimeter'];

const workspaces: Kind = {
  emptyTags: true,
  type: WORKSPACE_TYPE,
  apiVersions: ['2015-11-01-preview', '2020-03-01-preview', '2020-08-01', '2020-10-01', '2021-06-01', '2021-12-01-preview', '2022-10-01', '2023-09-01', '2025-02-01', '2025-07-01'],
  locationRequired: true,
  patch: true,
  list: 'paged',
  build(ctx) {
    const body = base(ctx);
    const p = props(body);
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

export function registerOthers(): void {
  registerKind(identities);
  registerKind(workspaces);
}
