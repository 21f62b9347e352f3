// Managed identity blocks on compute resources, resolved against the user-assigned identities in the store.
import { errors } from '../../arm/errors.ts';
import { guid, isObject, str } from '../../arm/json.ts';
import type { Env } from '../../arm/kind.ts';
import type { Json } from '../../types.ts';

/** Normalises an identity block as ARM returns it; undefined when the resource has none. */
// rule: identity.block — source: reference/arm-contract.md §4 (identity type enum; userAssignedIdentities map ids to read-only { principalId, clientId })
export function normaliseIdentity(env: Env, identity: unknown, existing: unknown): Json | undefined {
  if (!isObject(identity)) return undefined;
  const type = str(identity.type ?? 'None');
  const system = /systemassigned/i.test(type);
  const user = /userassigned/i.test(type);
  if (!system && !user) return undefined;
  const out: Json = { type: system && user ? 'SystemAssigned, UserAssigned' : system ? 'SystemAssigned' : 'UserAssigned' };
  if (system) {
    const previous = isObject(existing) && /systemassigned/i.test(str(existing.type)) ? existing.principalId : undefined;
    out.principalId = typeof previous === 'string' ? previous : guid();
    out.tenantId = env.tenantId;
  }
  if (user) {
    const requested = isObject(identity.userAssignedIdentities) ? identity.userAssignedIdentities : {};
    const resolved: Json = {};
    for (const id of Object.keys(requested)) {
      const uami = env.store.get(id);
      if (!uami) {
        throw errors.badRequest('FailedIdentityOperation', `Identity operation for resource failed with error 'Failed to perform resource identity operation. Status: 'NotFound'. Response: '{"error":{"code":"NotFound","message":"Resource '${id}' was not found."}}''.`);
      }
      const p = (uami.body.properties ?? {}) as Json;
      resolved[uami.id] = { principalId: p.principalId, clientId: p.clientId };
    }
    if (Object.keys(resolved).length === 0) throw errors.badRequest('InvalidIdentityValues', "Invalid value for the identities 'userAssignedIdentities'. The 'userAssignedIdentities' property must be set when the identity type is UserAssigned.");
    out.userAssignedIdentities = resolved;
  }
  return out;
}
