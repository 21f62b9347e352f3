// What a resource type is to the emulator (api-versions, long-running behaviour, validation, views, routes), and
// the per-emulator registry of the providers that declare them.
import type { ParsedPath } from './ids.ts';
import type { ArmError } from './errors.ts';
import type { Operations } from './lro.ts';
import type { ArmRequest, Routed } from './request.ts';
import type { Indexer, ResourceStore, StoredResource } from './store.ts';
import type { EmulatorSettings, Json } from '../types.ts';

export interface Env {
  store: ResourceStore;
  kinds: KindRegistry;
  operations: Operations;
  tenantId: string;
  pageSize: number;
  /** How long a long-running operation on a resource of `type` takes. */
  lroDelayMs(type: string): number;
  /** Exclusive locks held by running operations (lock key → operation id), see Kind.exclusive. */
  locks: Map<string, string>;
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
  /** How a stored resource is shown; `listed` is true inside a collection (ARM shows less there). */
  view?(env: Env, resource: StoredResource, query?: URLSearchParams, listed?: boolean): Json;
  /** Side effects once a write has completed (after the LRO when there is one). */
  afterWrite?(env: Env, resource: StoredResource, previous: Json | undefined): void;
  /** Checks and side effects before a delete; throwing refuses it. */
  beforeDelete?(env: Env, resource: StoredResource, query: URLSearchParams): void;
  /** Narrows a list by query parameters ($filter, kind). Returns undefined to use the plain collection. */
  listFrom?(env: Env, parentId: string, query: URLSearchParams, subscriptionWide: boolean): StoredResource[] | undefined;
  /** Secondary index entries (index name, referenced id) of a stored resource, read by lists by reference. */
  index?: Indexer;
  /** Status URL path of this kind's long-running operations when the provider has its own; ARM's generic one otherwise. */
  asyncOperationPath?(parsed: ParsedPath, operationId: string): string | undefined;
  /** Paths this kind answers beyond its items and collections (views, lists by a reference). */
  routes?: readonly Route[];
  /** Whether PUT/PATCH/DELETE honour If-Match / If-None-Match (only providers that keep ETags validate them). */
  conditional?: boolean;
  /** Ids of other resources a write refers to (the caller must be able to read them too). */
  linkedIds?(input: Json): string[];
  /** Lock key a long-running write holds until it ends; another write needing the same key is refused meanwhile. */
  exclusive?(id: string): { key: string; conflict: () => ArmError } | undefined;
  /** Refuses an item request when the resource it extends cannot carry this kind (extension kinds). */
  checkScope?(env: Env, scopeId: string): void;
}

/** A provider's own request limits, applied after ARM's. */
export interface ProviderLimits {
  /** Takes a token for the request: the headers to send and, when refused, the error to answer with. */
  take(env: Env, req: ArmRequest, operation: string, now: number): { headers: Record<string, string>; refused?: ArmError } | undefined;
}

/** A path a provider answers beyond its kinds' items and collections (views, lists by a reference, status resources). */
export interface Route {
  /** The request's operation when this route serves it, undefined to let the next route try. `parsed` is undefined for paths outside /subscriptions/{id}. */
  match(env: Env, req: ArmRequest, parsed: ParsedPath | undefined): Routed | undefined;
}

/** A resource provider namespace: its kinds and the routes that belong to no single kind. */
export interface Provider {
  namespace: string;
  kinds: readonly Kind[];
  routes?: readonly Route[];
  /** The provider's own request limits, built per emulator from its settings. */
  limits?(settings: EmulatorSettings): ProviderLimits | undefined;
}

/** The kinds and routes one emulator serves; built from its providers when the emulator starts. */
export class KindRegistry {
  private readonly kinds = new Map<string, Kind>();
  private readonly namespaces = new Set<string>();
  /** Provider and kind routes, tried in registration order before the generic item and collection routes. */
  readonly routes: Route[] = [];
  readonly limits: ProviderLimits[] = [];

  constructor(store: ResourceStore, providers: readonly Provider[], settings: EmulatorSettings = {}) {
    for (const provider of providers) {
      const limits = provider.limits?.(settings);
      if (limits) this.limits.push(limits);
      if (provider.kinds.length > 0) this.namespaces.add(provider.namespace.toLowerCase());
      this.routes.push(...(provider.routes ?? []));
      for (const kind of provider.kinds) {
        this.kinds.set(kind.type.toLowerCase(), kind);
        this.routes.push(...(kind.routes ?? []));
        if (kind.index) store.addIndexer(kind.type, kind.index);
      }
    }
  }

  get(type: string): Kind | undefined {
    return this.kinds.get(type.toLowerCase());
  }

  /** The kind of a resource id, from its namespace and type segments. */
  ofId(parsed: ParsedPath | undefined): Kind | undefined {
    return parsed?.namespace ? this.get([parsed.namespace, ...parsed.types].join('/')) : undefined;
  }

  knownNamespace(ns: string): boolean {
    return this.namespaces.has(ns.toLowerCase());
  }
}
