// The `systemData` block ARM adds to resources of providers that report who created and last changed them.
import type { Json } from '../types.ts';
import type { WriteContext } from './kind.ts';

// rule: arm.system-data — source: reference/arm-contract.md §1, §2 (systemData on scopes, scoped resources, associations)
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
