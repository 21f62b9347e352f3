// Microsoft.ManagedIdentity user-assigned identities.
import { guid, keep, props, withoutReadOnly } from '../../arm/json.ts';
import type { Kind } from '../../arm/kind.ts';

export const UAMI_TYPE = 'Microsoft.ManagedIdentity/userAssignedIdentities';

export const userAssignedIdentities: Kind = {
  emptyTags: true,
  type: UAMI_TYPE,
  apiVersions: ['2018-11-30', '2021-09-30-preview', '2022-01-31-preview', '2023-01-31', '2023-07-31-preview', '2024-11-30', '2025-01-31-preview'],
  locationRequired: true,
  patch: true,
  list: 'paged',
  build(ctx) {
    const body = withoutReadOnly(ctx.input);
    const p = props(body);
    // rule: identity.uami — source: reference/arm-contract.md §5 (read-only tenantId, principalId, clientId; isolationScope from 2024-11-30)
    p.tenantId = ctx.env.tenantId;
    p.principalId = keep(ctx.existing, ['properties', 'principalId']) ?? guid();
    p.clientId = keep(ctx.existing, ['properties', 'clientId']) ?? guid();
    if (ctx.apiVersion >= '2024-11-30' && p.isolationScope === undefined) p.isolationScope = 'None';
    return body;
  },
};
