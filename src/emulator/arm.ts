// ARM request dispatch: routes a path to a resource kind and applies ARM's generic semantics.
import { errors, ArmError } from './errors.ts';
import { key, nameOf, parsePath, resourceGroupId, typeAndName } from './ids.ts';
import type { ParsedPath } from './ids.ts';
import { isObject, kindOf, knownNamespace, mergePatch, props, str } from './kind.ts';
import type { Env, Kind } from './kind.ts';
import { listResponse } from './paging.ts';
import { describeId, newEtag, RESOURCE_GROUP_TYPE } from './store.ts';
import type { StoredResource } from './store.ts';
import { handleOperation, lroHeaders } from './operations.ts';
import { handleSpecial } from './handlers/special.ts';
import type { Json } from './types.ts';

export interface ArmRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  body: unknown;
  headers: Record<string, string | string[] | undefined>;
  baseUrl: string;
  principal: string;
  authorize(action: string, scope: string): void;
}

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface Routed {
  /** Counter name, e.g. `GET Microsoft.Compute/virtualMachines` or `LIST …`. */
  operation: string;
  run(): Reply;
}

const actionVerb = (method: string): string => (method === 'DELETE' ? 'delete' : method === 'GET' || method === 'HEAD' ? 'read' : 'write');

export function checkApiVersion(req: ArmRequest, supported: readonly string[], type: string): string {
  const v = req.query.get('api-version');
  if (v === null || v === '') throw errors.missingApiVersion();
  if (!/^\d{4}-\d{2}-\d{2}(-preview|-beta|-alpha)?$/i.test(v)) throw errors.invalidApiVersion(v, supported);
  if (!supported.some((s) => s.toLowerCase() === v.toLowerCase())) throw errors.noRegisteredProvider(v, type, supported);
  return v;
}

/** Resolves the request to an operation name and a runner; throws ArmError for unroutable paths. */
export function route(env: Env, req: ArmRequest): Routed {
  const parsed = parsePath(req.path);
  if (!parsed) {
    if (key(req.path) === '/subscriptions') return { operation: 'LIST Microsoft.Resources/subscriptions', run: () => listSubscriptions(env, req) };
    throw new ArmError(404, 'NotFound', `The requested path '${req.path}' was not found.`);
  }
  const operation = handleOperation(env, req, parsed);
  if (operation) return operation;
  const special = handleSpecial(env, req, parsed);
  if (special) return special;
  if (!parsed.namespace) return routeResourceGroups(env, req, parsed);
  const type = [parsed.namespace, ...parsed.types].join('/');
  const kind = kindOf(type);
  if (!kind) {
    if (!knownNamespace(parsed.namespace)) throw errors.invalidResourceNamespace(parsed.namespace);
    throw errors.invalidResourceType(parsed.types.join('/'), parsed.namespace, req.query.get('api-version') ?? '');
  }
  const collection = parsed.types.length > parsed.names.length;
  const verb = collection && req.method === 'GET' ? 'LIST' : req.method;
  return { operation: `${verb} ${kind.type}`, run: () => runKind(env, req, parsed, kind, collection) };
}

function requireScope(env: Env, parsed: ParsedPath): void {
  if (!env.store.hasSubscription(parsed.subscriptionId)) throw errors.subscriptionNotFound(parsed.subscriptionId);
  if (parsed.resourceGroup !== undefined && !env.store.get(resourceGroupId(parsed.subscriptionId, parsed.resourceGroup))) {
    throw errors.resourceGroupNotFound(parsed.resourceGroup);
  }
}

function runKind(env: Env, req: ArmRequest, parsed: ParsedPath, kind: Kind, collection: boolean): Reply {
  const apiVersion = checkApiVersion(req, kind.apiVersions, kind.type);
  requireScope(env, parsed);
  const pairs = parsed.names.map((n, i) => `${parsed.types[i]}/${n}`);
  if (collection) {
    const parentId = parsed.types.length === 1 ? parsed.scope : `${parsed.scope}/providers/${parsed.namespace}/${pairs.join('/')}`;
    if (req.method !== 'GET') throw errors.methodNotAllowed(req.method);
    req.authorize(`${kind.type}/read`, parentId);
    requireParent(env, parentId, parsed);
    return listKind(env, req, kind, parentId, apiVersion);
  }
  const id = `${parsed.scope}/providers/${parsed.namespace}/${pairs.join('/')}`;
  req.authorize(`${kind.type}/${actionVerb(req.method)}`, id);
  requireParent(env, describeId(id).parent, parsed);
  const existing = env.store.get(id);
  switch (req.method) {
    case 'GET':
    case 'HEAD':
      if (!existing) throw notFound(id, parsed);
      return { status: 200, body: render(env, kind, existing, req.query), headers: { etag: `"${existing.etag}"` } };
    case 'PUT':
    case 'PATCH':
      return write(env, req, kind, id, existing, apiVersion, parsed);
    case 'DELETE':
      return remove(env, req, kind, existing, apiVersion);
    default:
      throw errors.methodNotAllowed(req.method);
  }
}

function requireParent(env: Env, parentId: string, parsed: ParsedPath): void {
  const d = parsePath(parentId);
  if (!d?.namespace) return;
  if (!env.store.get(parentId)) {
    if (parsed.types.length > 1 || parsed.scope.toLowerCase().includes('/providers/')) throw errors.parentResourceNotFound(nameOf(parentId));
  }
}

export function notFound(id: string, parsed: ParsedPath): ArmError {
  return errors.resourceNotFound(typeAndName(id), parsed.resourceGroup);
}

export function render(env: Env, kind: Kind, resource: StoredResource, query?: URLSearchParams, listed = false): Json {
  const body = kind.view ? kind.view(env, resource, query, listed) : resource.body;
  if (kind.etagInBody) return { ...body, etag: resource.etag };
  return body;
}

function listKind(env: Env, req: ArmRequest, kind: Kind, parentId: string, apiVersion: string): Reply {
  if (kind.list === 'none') throw errors.methodNotAllowed('GET');
  const parentIsSubscription = parsePath(parentId)?.segments.length === 2;
  const items =
    kind.listFrom?.(env, parentId, req.query, parentIsSubscription) ??
    (parentIsSubscription && !kind.extension ? env.store.listInSubscription(parsePath(parentId)?.subscriptionId ?? '', kind.type) : env.store.list(parentId, kind.type));
  if (kind.list === 'plain') return { status: 200, body: { value: items.map((r) => render(env, kind, r, req.query, true)) } };
  return listResponse(env, req, items, (r) => render(env, kind, r, req.query, true), apiVersion, kind.lastPageNextLink);
}

function write(env: Env, req: ArmRequest, kind: Kind, id: string, existing: StoredResource | undefined, apiVersion: string, parsed: ParsedPath): Reply {
  const method = req.method as 'PUT' | 'PATCH';
  if (method === 'PATCH' && !kind.patch) throw errors.methodNotAllowed('PATCH');
  if (method === 'PATCH' && !existing) throw notFound(id, parsed);
  const ifMatch = header(req, 'if-match');
  const ifNoneMatch = header(req, 'if-none-match');
  if (ifMatch && ifMatch !== '*' && (!existing || ifMatch.replace(/^W\//, '').replace(/"/g, '') !== existing.etag)) throw errors.preconditionFailed(id);
  if (ifMatch === '*' && !existing) throw errors.preconditionFailed(id);
  if (ifNoneMatch === '*' && existing) throw errors.preconditionFailed(id);
  if (req.body !== undefined && !isObject(req.body)) throw errors.invalidRequestContent('The request body must be a JSON object.');
  const sent: Json = isObject(req.body) ? req.body : {};
  const input = method === 'PATCH' ? (mergePatch(existing?.body, sent) as Json) : structuredClone(sent);
  if (kind.locationRequired && typeof input.location !== 'string') throw errors.locationRequired();
  const name = nameOf(id);
  const body = kind.build({ env, id: existing?.id ?? id, name, input, existing, method, query: req.query, apiVersion, principal: req.principal });
  const canonicalId = existing?.id ?? id;
  if (kind.emptyTags && body.tags === undefined) body.tags = {};
  // id, name and type lead the body as ARM serialises them, and nothing in the request overrides them.
  const ordered: Json = { id: canonicalId, name, type: kind.type, ...body };
  Object.assign(ordered, { id: canonicalId, name, type: kind.type });
  const previous = existing?.body;
  const lro = method === 'PUT' ? kind.putLro : kind.patchLro;
  const status = existing ? 200 : (kind.createStatus ?? 201);
  if (!lro) {
    const stored = env.store.put(ordered);
    kind.afterWrite?.(env, stored, previous);
    return { status: method === 'PATCH' ? 200 : status, body: render(env, kind, stored, req.query), headers: { etag: `"${stored.etag}"` } };
  }
  const p = props(ordered);
  p.provisioningState = existing ? 'Updating' : 'Creating';
  const stored = env.store.put(ordered);
  const response = render(env, kind, stored, req.query);
  const fails = env.lroFails();
  const op = env.operations.start(parsed.subscriptionId, canonicalId, 'put', env.lroDelayMs(), () => {
    const current = env.store.get(canonicalId);
    if (!current) return;
    const done = structuredClone(current.body);
    if (fails) {
      props(done).provisioningState = 'Failed';
      env.store.put(done);
      throw errors.operationFailed();
    }
    props(done).provisioningState = 'Succeeded';
    const final = env.store.put(done);
    kind.afterWrite?.(env, final, previous);
  });
  return { status: method === 'PATCH' ? 200 : status, body: response, headers: { etag: `"${stored.etag}"`, ...lroHeaders(req, parsed, op.id, apiVersion, false) } };
}

function remove(env: Env, req: ArmRequest, kind: Kind, existing: StoredResource | undefined, apiVersion: string): Reply {
  if (!existing) return { status: 204 };
  kind.beforeDelete?.(env, existing, req.query);
  if (!kind.deleteLro) {
    env.store.delete(existing.id);
    return { status: 200 };
  }
  const deleting = structuredClone(existing.body);
  props(deleting).provisioningState = 'Deleting';
  env.store.put(deleting, existing.etag);
  const parsed = parsePath(existing.id) as ParsedPath;
  const fails = env.lroFails();
  const op = env.operations.start(parsed.subscriptionId, existing.id, 'delete', env.lroDelayMs(), () => {
    if (fails) {
      const current = env.store.get(existing.id);
      if (current) {
        const failed = structuredClone(current.body);
        props(failed).provisioningState = 'Failed';
        env.store.put(failed);
      }
      throw errors.operationFailed();
    }
    env.store.delete(existing.id);
  });
  return { status: 202, headers: lroHeaders(req, parsed, op.id, apiVersion, true) };
}

function header(req: ArmRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function listSubscriptions(env: Env, req: ArmRequest): Reply {
  checkApiVersion(req, RESOURCE_API_VERSIONS, 'subscriptions');
  return { status: 200, body: { value: [...env.store.subscriptions.values()].map((s) => subscriptionBody(env, s)) } };
}

function subscriptionBody(env: Env, s: { id: string; subscriptionId: string; displayName: string }): Json {
  return { ...s, state: 'Enabled', tenantId: env.tenantId, subscriptionPolicies: { locationPlacementId: 'Public_2014-09-01', quotaId: 'PayAsYouGo_2014-09-01', spendingLimit: 'Off' }, authorizationSource: 'RoleBased' };
}

export const RESOURCE_API_VERSIONS = ['2016-06-01', '2019-10-01', '2020-01-01', '2021-01-01', '2021-04-01', '2022-01-01', '2022-09-01', '2022-12-01', '2023-07-01', '2024-03-01', '2024-07-01', '2024-11-01', '2025-03-01', '2025-04-01'];

function routeResourceGroups(env: Env, req: ArmRequest, parsed: ParsedPath): Routed {
  const seg = parsed.segments;
  if (seg.length === 2) {
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
  if (seg[2]?.toLowerCase() !== 'resourcegroups' || seg.length > 4) throw new ArmError(404, 'NotFound', `The requested path '${req.path}' was not found.`);
  const collection = seg.length === 3;
  return {
    operation: `${collection && req.method === 'GET' ? 'LIST' : req.method} ${RESOURCE_GROUP_TYPE}`,
    run: () => {
      const apiVersion = checkApiVersion(req, RESOURCE_API_VERSIONS, 'resourceGroups');
      if (!env.store.hasSubscription(parsed.subscriptionId)) throw errors.subscriptionNotFound(parsed.subscriptionId);
      const sub = `/subscriptions/${parsed.subscriptionId}`;
      if (collection) return listResponse(env, req, env.store.list(sub, RESOURCE_GROUP_TYPE), (r) => r.body, apiVersion);
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
        const body = resourceGroupBody(existing?.id ?? id, str(input.location ?? existing?.body.location), (input.tags) ?? existing?.body.tags);
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

export function resourceGroupBody(id: string, location: string, tags?: unknown): Json {
  return { id, name: nameOf(id), type: RESOURCE_GROUP_TYPE, location, tags: tags ?? {}, properties: { provisioningState: 'Succeeded' } };
}
