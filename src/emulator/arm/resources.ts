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
// rule: arm.scope-missing — source: reference/arm-contract.md §6 (ResourceGroupNotFound); SubscriptionNotFound by analogy
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
  if (kind.checkScope) kind.checkScope(env, parsed.scope);
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

// rule: arm.parent-missing — invented: ParentResourceNotFound wording as ARM answers for nested resources under a missing parent
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
  // rule: arm.list.plain — source: reference/arm-contract.md §1, §4 (VM extensions and private endpoint connections lists are not pageable)
  if (kind.list === 'plain') return { status: 200, body: { value: items.map((r) => render(env, kind, r, req.query, true)) } };
  return listResponse(env, req, items, (r) => render(env, kind, r, req.query, true), kind.lastPageNextLink);
}

function write(env: Env, req: ArmRequest, kind: Kind, id: string, existing: StoredResource | undefined, apiVersion: string, parsed: ParsedPath): Reply {
  const method = req.method as 'PUT' | 'PATCH';
  if (method === 'PATCH' && !kind.patch) throw errors.methodNotAllowed('PATCH');
  // rule: arm.patch.absent — source: Azure/azure-resource-manager-rpc v1.0/Addendum.md (PATCH of a resource that does not exist answers 404)
  if (method === 'PATCH' && !existing) throw notFound(id, parsed);
  if (kind.conditional) checkPreconditions(req, id, existing);
  if (req.body !== undefined && !isObject(req.body)) throw errors.invalidRequestContent('The request body must be a JSON object.');
  const sent: Json = isObject(req.body) ? req.body : {};
  const input = method === 'PATCH' ? (mergePatch(existing?.body, sent) as Json) : structuredClone(sent);
  for (const linked of kind.linkedIds?.(input) ?? []) {
    const linkedType = parsePath(linked)?.namespace ? describeId(linked).type : undefined;
    // rule: auth.linked-read — invented: which action Azure checks on a linked resource is not documented for these kinds; read on it is the least a write naming it needs
    if (linkedType) req.authorizeLinked(`${kind.type}/write`, id, `${linkedType}/read`, linked);
  }
  // rule: arm.request.json — invented: a body that is not a JSON object is InvalidRequestContent
  if (kind.locationRequired && typeof input.location !== 'string') throw errors.locationRequired();
  const name = nameOf(id);
  const lock = acquire(env, kind, id);
  let body: Json;
  try {
    body = kind.build({ env, id: existing?.id ?? id, name, input, existing, method, query: req.query, apiVersion, principal: req.principal });
  } catch (e) {
    release(env, lock);
    throw e;
  }
  const canonicalId = existing?.id ?? id;
  if (kind.emptyTags && body.tags === undefined) body.tags = {};
  // rule: arm.body.read-only — source: reference/arm-contract.md §2 (id, name, type, etag, systemData are read-only: what a client sends is ignored)
  // id, name and type lead the body as ARM serialises them, and nothing in the request overrides them.
  const ordered: Json = { id: canonicalId, name, type: kind.type, ...body };
  Object.assign(ordered, { id: canonicalId, name, type: kind.type });
  const previous = existing?.body;
  const lro = method === 'PUT' ? kind.putLro : kind.patchLro;
  // rule: arm.put.status — source: reference/arm-contract.md §1-§5 (PUT answers 201 when created, 200 when updated; a kind may declare its provider's own create status)
  const status = existing ? 200 : (kind.createStatus ?? 201);
  if (!lro) {
    release(env, lock);
    const stored = env.store.put(ordered);
    kind.afterWrite?.(env, stored, previous);
    return { status: method === 'PATCH' ? 200 : status, body: render(env, kind, stored, req.query), headers: { etag: `"${stored.etag}"` } };
  }
  const p = props(ordered);
  // rule: arm.lro.put — source: Azure/azure-resource-manager-rpc v1.0/Addendum.md (a long-running PUT leaves a non-terminal provisioningState until it ends, then a terminal one)
  p.provisioningState = existing ? 'Updating' : 'Creating';
  const stored = env.store.put(ordered);
  const response = render(env, kind, stored, req.query);
  const fails = env.lroFails();
  const op = env.operations.start(parsed.subscriptionId, canonicalId, 'put', env.lroDelayMs(kind.type), () => {
    release(env, lock);
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
  // rule: arm.delete.absent — source: reference/arm-contract.md §1-§5 (DELETE of a resource that does not exist answers 204)
  if (!existing) return { status: 204 };
  if (kind.conditional) checkPreconditions(req, existing.id, existing);
  const lock = acquire(env, kind, existing.id);
  try {
    kind.beforeDelete?.(env, existing, req.query);
  } catch (e) {
    release(env, lock);
    throw e;
  }
  if (!kind.deleteLro) {
    release(env, lock);
    env.store.delete(existing.id);
    return { status: 200 };
  }
  const deleting = structuredClone(existing.body);
  // rule: arm.lro.delete — source: Azure/azure-resource-manager-rpc v1.0/Addendum.md (a long-running DELETE answers 202 with Location; provisioningState Deleting; the resource then disappears)
  props(deleting).provisioningState = 'Deleting';
  env.store.put(deleting, existing.etag);
  const parsed = parsePath(existing.id) as ParsedPath;
  const fails = env.lroFails();
  const op = env.operations.start(parsed.subscriptionId, existing.id, 'delete', env.lroDelayMs(kind.type), () => {
    release(env, lock);
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

// rule: arm.etag.conditional — source: Azure/azure-resource-manager-rpc v1.0/Addendum.md "ETags for Resources" (If-Match */etag and If-None-Match * answer 412 PreconditionFailed; only providers that keep ETags validate them)
function checkPreconditions(req: ArmRequest, id: string, existing: StoredResource | undefined): void {
  const ifMatch = header(req, 'if-match');
  const ifNoneMatch = header(req, 'if-none-match');
  if (ifMatch && ifMatch !== '*' && (!existing || ifMatch.replace(/^W\//, '').replace(/"/g, '') !== existing.etag)) throw errors.preconditionFailed(id);
  if (ifMatch === '*' && !existing) throw errors.preconditionFailed(id);
  if (ifNoneMatch === '*' && existing) throw errors.preconditionFailed(id);
}

/** Takes the kind's exclusive lock for a write on `id`, refusing the write while another holds it. */
function acquire(env: Env, kind: Kind, id: string): string | undefined {
  const lock = kind.exclusive?.(id);
  if (!lock) return undefined;
  if (env.locks.has(lock.key)) throw lock.conflict();
  env.locks.set(lock.key, id);
  return lock.key;
}

function release(env: Env, lock: string | undefined): void {
  if (lock !== undefined) env.locks.delete(lock);
}
