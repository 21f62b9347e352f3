// ARM's generic semantics for a kind's items and collections: GET/HEAD, PUT/PATCH (conditional, long-running),
// DELETE and paged lists, under an existing subscription, resource group and parent.
import type { Json } from '../types.ts';
import { checkApiVersion } from './api-version.ts';
import { errors } from './errors.ts';
import type { ArmError } from './errors.ts';
import { nameOf, parsePath, resourceGroupId, typeAndName } from './ids.ts';
import type { ParsedPath } from './ids.ts';
import { isObject, mergePatch, props } from './json.ts';
import type { Env, Kind } from './kind.ts';
import { lroHeaders } from './operations.ts';
import { listResponse } from './paging.ts';
import { render } from './render.ts';
import { actionVerb, header } from './request.ts';
import type { ArmRequest, Reply, Routed } from './request.ts';
import { describeId } from './store.ts';
import type { StoredResource } from './store.ts';

/** Routes a path under `/providers/{namespace}/…` to its kind's item or collection. */
export function routeKind(env: Env, req: ArmRequest, parsed: ParsedPath & { namespace: string }): Routed {
  const kind = env.kinds.ofId(parsed);
  if (!kind) {
    if (!env.kinds.knownNamespace(parsed.namespace)) throw errors.invalidResourceNamespace(parsed.namespace);
    throw errors.invalidResourceType(parsed.types.join('/'), parsed.namespace, req.query.get('api-version') ?? '');
  }
  const collection = parsed.types.length > parsed.names.length;
  const verb = collection && req.method === 'GET' ? 'LIST' : req.method;
  return { operation: `${verb} ${kind.type}`, run: () => runKind(env, req, parsed, kind, collection) };
}

/** The subscription and resource group of a path must exist before anything under them is read or written. */
export function requireScope(env: Env, parsed: ParsedPath): void {
  if (!env.store.hasSubscription(parsed.subscriptionId)) throw errors.subscriptionNotFound(parsed.subscriptionId);
  if (parsed.resourceGroup !== undefined && !env.store.get(resourceGroupId(parsed.subscriptionId, parsed.resourceGroup))) {
    throw errors.resourceGroupNotFound(parsed.resourceGroup);
  }
}

/** For routes on a resource (views, lists by reference): its scope exists, the caller may read it, and it exists. */
export function requireReadable(env: Env, req: ArmRequest, parsed: ParsedPath, id: string): StoredResource {
  requireScope(env, parsed);
  req.authorize(`${parsed.namespace ?? ''}/${parsed.types[0] ?? ''}/read`, id);
  const resource = env.store.get(id);
  if (!resource) throw notFound(id, parsed);
  return resource;
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
    return listKind(env, req, kind, parentId);
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

function listKind(env: Env, req: ArmRequest, kind: Kind, parentId: string): Reply {
  if (kind.list === 'none') throw errors.methodNotAllowed('GET');
  const parentIsSubscription = parsePath(parentId)?.segments.length === 2;
  const items =
    kind.listFrom?.(env, parentId, req.query, parentIsSubscription) ??
    (parentIsSubscription && !kind.extension ? env.store.listInSubscription(parsePath(parentId)?.subscriptionId ?? '', kind.type) : env.store.list(parentId, kind.type));
  if (kind.list === 'plain') return { status: 200, body: { value: items.map((r) => render(env, kind, r, req.query, true)) } };
  return listResponse(env, req, items, (r) => render(env, kind, r, req.query, true), kind.lastPageNextLink);
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
  return { status: method === 'PATCH' ? 200 : status, body: response, headers: { etag: `"${stored.etag}"`, ...lroHeaders(req, parsed, kind, op.id, apiVersion) } };
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
  return { status: 202, headers: lroHeaders(req, parsed, kind, op.id, apiVersion) };
}
