// The api-version query parameter ARM requires on every request, checked against what a type supports.
import { errors } from './errors.ts';
import type { ArmRequest } from './request.ts';

export function checkApiVersion(req: ArmRequest, supported: readonly string[], type: string): string {
  const v = req.query.get('api-version');
  // rule: arm.api-version.required — source: reference/arm-contract.md (every ARM call takes ?api-version=<v>)
  if (v === null || v === '') throw errors.missingApiVersion();
  if (!/^\d{4}-\d{2}-\d{2}(-preview|-beta|-alpha)?$/i.test(v)) throw errors.invalidApiVersion(v, supported);
  // rule: arm.api-version.unsupported — invented: InvalidApiVersionParameter / NoRegisteredProviderFound wording follows answers ARM gives in the field; no saved spec states it
  if (!supported.some((s) => s.toLowerCase() === v.toLowerCase())) throw errors.noRegisteredProvider(v, type, supported);
  return v;
}
