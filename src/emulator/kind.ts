// What a resource type is to the emulator: api-versions, long-running behaviour, validation and views.
import { randomUUID } from 'node:crypto';
import type { Operations } from './lro.ts';
import type { ResourceStore, StoredResource } from './store.ts';
import type { Json } from './types.ts';

export interface Env {
  store: ResourceStore;
  operations: Operations;
  tenantId: string;
  pageSize: number;
  lroDelayMs(): number;
  /** Whether the long-running operation being started is to fail (fault injection). */
  lroFails(): boolean;
}

export interface WriteContext {
  env: Env;
  id: string;
  name: string;
  /** Request body (PUT) or the merge-patched existing body (PATCH). */
  input: Json;
  existing: StoredResource | undefined;
  method: 'PUT' | 'PATCH';
  query: URLSearchParams;
  apiVersion: string;
  principal: string;
  /** Set when an estate file declares the resource: it may record states ARM no longer lets clients create. */
  fromEstate?: boolean;
}

export interface Kind {
  /** Canonical type, e.g. `Microsoft.Compute/virtualMachines`. */
  type: string;
  apiVersions: readonly string[];
  /** Extension resources (associations) sit on any resource; others under their parent. */
  extension?: boolean;
  /** Type of the parent resource for child types. */
  parentType?: string;
  locationRequired?: boolean;
  putLro?: boolean;
  patchLro?: boolean;
  deleteLro?: boolean;
  patch?: boolean;
  /** 'paged' lists carry nextLink; 'plain' lists return every item in one `{value}`. */
  list: 'paged' | 'plain' | 'none';
  /** How a paged list ends: most providers omit nextLink, some send `"nextLink": null`. */
  lastPageNextLink?: 'omit' | 'null';
  etagInBody?: boolean;
  /** Status of a PUT that creates: 201 unless the provider answers 200 for both create and update. */
  createStatus?: 200 | 201;
  /** Tracked resources whose provider returns `tags: {}` when none were sent. */
  emptyTags?: boolean;
  /** Validates the input and returns the stored body (id, name, type already set by the caller). */
  build(ctx: WriteContext): Json;
  /** Computed properties added on every read. */
  /** How a stored resource is shown; `listed` is true inside a collection (ARM shows less there). */
  view?(env: Env, resource: StoredResource, query?: URLSearchParams, listed?: boolean): Json;
  /** Side effects once a write has completed (after the LRO when there is one). */
  afterWrite?(env: Env, resource: StoredResource, previous: Json | undefined): void;
  /** Checks and side effects before a delete; throwing refuses it. */
  beforeDelete?(env: Env, resource: StoredResource, query: URLSearchParams): void;
  /** Narrows a list by query parameters ($filter, kind). Returns undefined to use the plain collection. */
  listFrom?(env: Env, parentId: string, query: URLSearchParams, subscriptionWide: boolean): StoredResource[] | undefined;
}

const registry = new Map<string, Kind>();

export function registerKind(kind: Kind): void {
  registry.set(kind.type.toLowerCase(), kind);
}

export function kindOf(type: string): Kind | undefined {
  return registry.get(type.toLowerCase());
}

export function knownNamespace(ns: string): boolean {
  const n = ns.toLowerCase() + '/';
  for (const k of registry.keys()) if (k.startsWith(n)) return true;
  return false;
}

export const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

export function props(body: Json): Json {
  if (!isObject(body.properties)) body.properties = {};
  return body.properties as Json;
}

/** RFC 7396 merge patch: null removes, objects merge, everything else replaces. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return structuredClone(patch);
  const out: Json = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

export const hex = (n: number): string => randomUUID().replace(/-/g, '').slice(0, n);
export const guid = (): string => randomUUID();

/** Keeps read-only values from the existing body when the caller did not send them. */
export function keep(existing: StoredResource | undefined, path: string[]): unknown {
  let v: unknown = existing?.body;
  for (const p of path) v = isObject(v) ? v[p] : undefined;
  return v;
}

/** A property as text for messages and comparisons. */
export const str = (v: unknown): string => (typeof v === 'string' ? v : v === undefined || v === null ? '' : JSON.stringify(v));
