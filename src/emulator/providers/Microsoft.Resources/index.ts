// Microsoft.Resources: subscriptions (read-only) and resource groups, which sit outside any `/providers/` segment.
import { checkApiVersion } from '../../arm/api-version.ts';
import { errors } from '../../arm/errors.ts';
import { key, nameOf, resourceGroupId } from '../../arm/ids.ts';
import type { ParsedPath } from '../../arm/ids.ts';
import { isObject, str } from '../../arm/json.ts';
import type { Env, Provider, Route } from '../../arm/kind.ts';
import { listResponse } from '../../arm/paging.ts';
import { actionVerb } from '../../arm/request.ts';
import type { ArmRequest, Reply, Routed } from '../../arm/request.ts';
import { newEtag, RESOURCE_GROUP_TYPE } from '../../arm/store.ts';
import type { Json } from '../../types.ts';

export const RESOURCE_API_VERSIONS = ['2016-06-01', '2019-10-01', '2020-01-01', '2021-01-01', '2021-04-01', '2022-01-01', '2022-09-01', '2022-12-01', '2023-07-01', '2024-03-01', '2024-07-01', '2024-11-01', '2025-03-01', '2025-04-01'];

export function resourceGroupBody(id: string, location: string, tags?: unknown): Json {
  return { id, name: nameOf(id), type: RESOURCE_GROUP_TYPE, location, tags: tags ?? {}, properties: { provisioningState: 'Succeeded' } };
}

function subscriptionBody(env: Env, s: { id: string; subscriptionId: string; displayName: string }): Json {
  return { ...s, state: 'Enabled', tenantId: env.tenantId, subscriptionPolicies: { locationPlacementId: 'Public_2014-09-01', quotaId: 'PayAsYouGo_2014-09-01', spendingLimit: 'Off' }, authorizationSource: 'RoleBased' };
}

// rule: resources.subscriptions — invented: subscription reads as the SDKs expect; not in the saved reference
const subscriptionList: Route = {
  match(env, req, parsed) {
    if (parsed || key(req.path) !== '/subscriptions') return undefined;
    return {
      operation: 'LIST Microsoft.Resources/subscriptions',
      run: () => {
        checkApiVersion(req, RESOURCE_API_VERSIONS, 'subscriptions');
        return { status: 200, body: { value: [...env.store.subscriptions.values()].map((s) => subscriptionBody(env, s)) } };
      },
    };
  },
};

/** `/subscriptions/{id}` and `/subscriptions/{id}/resourceGroups[/{name}]`: every path without a provider segment. */
const subscriptionsAndGroups: Route = {
  match(env, req, parsed) {
    if (!parsed || parsed.namespace !== undefined) return undefined;
    if (parsed.segments.length === 2) {
      return {
        operation: 'GET Microsoft.Resources/subscriptions',
        run: () => {
          checkApiVersion(req, RESOURCE_API_VERSIONS, 'subscriptions');
          const s = env.store.subscriptions.get(parsed.subscriptionId.toLowerCase());
          if (!s) throw errors.subscriptionNotFound(parsed.subscriptionId);
          return { status: 200, body: subscriptionBody(env, s) };
        },
      };
    }
    if (parsed.segments[2]?.toLowerCase() !== 'resourcegroups' || parsed.segments.length > 4) throw errors.pathNotFound(req.path);
    return resourceGroups(env, req, parsed);
  },
};

// rule: resources.resource-groups — invented: resource group create/read/delete as the SDKs expect; not in the saved reference
function resourceGroups(env: Env, req: ArmRequest, parsed: ParsedPath): Routed {
  const collection = parsed.segments.length === 3;
  return {
    operation: `${collection && req.method === 'GET' ? 'LIST' : req.method} ${RESOURCE_GROUP_TYPE}`,
    run: (): Reply => {
      checkApiVersion(req, RESOURCE_API_VERSIONS, 'resourceGroups');
      if (!env.store.hasSubscription(parsed.subscriptionId)) throw errors.subscriptionNotFound(parsed.subscriptionId);
      const sub = `/subscriptions/${parsed.subscriptionId}`;
      if (collection) return listResponse(env, req, env.store.list(sub, RESOURCE_GROUP_TYPE), (r) => r.body);
      const id = resourceGroupId(parsed.subscriptionId, parsed.resourceGroup ?? '');
      req.authorize(`Microsoft.Resources/subscriptions/resourceGroups/${actionVerb(req.method)}`, id);
      const existing = env.store.get(id);
      if (req.method === 'GET' || req.method === 'HEAD') {
        if (!existing) throw errors.resourceGroupNotFound(parsed.resourceGroup ?? '');
        return { status: req.method === 'HEAD' ? 204 : 200, body: existing.body };
      }
      if (req.method === 'PUT' || req.method === 'PATCH') {
        const input: Json = isObject(req.body) ? req.body : {};
        if (!existing && typeof input.location !== 'string') throw errors.locationRequired();
        const body = resourceGroupBody(existing?.id ?? id, str(input.location ?? existing?.body.location), input.tags ?? existing?.body.tags);
        env.store.put(body, newEtag());
        return { status: existing ? 200 : 201, body };
      }
      if (req.method === 'DELETE') {
        if (!existing) throw errors.resourceGroupNotFound(parsed.resourceGroup ?? '');
        env.store.delete(id);
        return { status: 200 };
      }
      throw errors.methodNotAllowed(req.method);
    },
  };
}

export const resources: Provider = { namespace: 'Microsoft.Resources', kinds: [], routes: [subscriptionList, subscriptionsAndGroups] };
