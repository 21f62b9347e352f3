// What Microsoft.Compute's kinds share: api-versions, type names, and the body every compute write stores.
import { keep, props, withoutReadOnly } from '../../arm/json.ts';
import type { WriteContext } from '../../arm/kind.ts';
import type { Json } from '../../types.ts';
import { normaliseIdentity } from '../Microsoft.ManagedIdentity/identity-block.ts';

export const COMPUTE_API_VERSIONS = [
  '2021-03-01', '2021-07-01', '2021-11-01', '2022-03-01', '2022-08-01', '2022-11-01', '2023-03-01', '2023-07-01', '2023-09-01',
  '2024-03-01', '2024-07-01', '2024-11-01', '2025-04-01', '2025-11-01', '2026-04-01',
] as const;

export const VM_TYPE = 'Microsoft.Compute/virtualMachines';
export const VMSS_TYPE = 'Microsoft.Compute/virtualMachineScaleSets';
export const EXTENSION_TYPE = 'Microsoft.Compute/virtualMachines/extensions';

export function computeBody(ctx: WriteContext): Json {
  const body = withoutReadOnly(ctx.input);
  const identity = normaliseIdentity(ctx.env, body.identity, keep(ctx.existing, ['identity']));
  if (identity) body.identity = identity;
  else delete body.identity;
  const p = props(body);
  p.provisioningState = 'Succeeded';
  p.timeCreated = keep(ctx.existing, ['properties', 'timeCreated']) ?? new Date().toISOString();
  return body;
}
