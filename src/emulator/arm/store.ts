// In-memory resource store: resources by case-insensitive id, collections by parent and type, secondary indexes.
import { randomUUID } from 'node:crypto';
import { key, parsePath } from './ids.ts';
import type { Json } from '../types.ts';

export interface StoredResource {
  id: string;
  /** Canonical type, e.g. `Microsoft.Compute/virtualMachines`. */
  type: string;
  body: Json;
  etag: string;
  parentKey: string;
  subscriptionKey: string;
  /** Index entries computed when stored, so later in-place edits cannot strand them. */
  indexed?: [string, string][];
}

/** Told of each change before it happens: `previous` is the resource as it was (undefined for a create). */
export type ChangeListener = (id: string, previous: StoredResource | undefined) => void;

/** Returns the index entries (index name, value) a resource belongs to. */
export type Indexer = (resource: StoredResource) => [string, string][];

export const RESOURCE_GROUP_TYPE = 'Microsoft.Resources/resourceGroups';

export function describeId(id: string): { type: string; parent: string; subscription: string } {
  const p = parsePath(id);
  if (!p) throw new Error(`not an ARM id: ${id}`);
  const subscription = `/subscriptions/${p.subscriptionId}`;
  if (!p.namespace) {
    if (p.resourceGroup !== undefined && p.segments.length === 4) return { type: RESOURCE_GROUP_TYPE, parent: subscription, subscription };
    throw new Error(`not a resource id: ${id}`);
  }
  const type = [p.namespace, ...p.types].join('/');
  let parent = p.scope;
  if (p.types.length > 1) {
    const pairs: string[] = [];
    for (let i = 0; i < p.types.length - 1; i++) pairs.push(`${p.types[i]}/${p.names[i]}`);
    parent = `${p.scope}/providers/${p.namespace}/${pairs.join('/')}`;
  }
  return { type, parent, subscription };
}

export const newEtag = (): string => randomUUID();

export class ResourceStore {
  private readonly byId = new Map<string, StoredResource>();
  private readonly collections = new Map<string, Map<string, StoredResource>>();
  private readonly childCollections = new Map<string, Set<string>>();
  private readonly indexes = new Map<string, Map<string, Map<string, StoredResource>>>();
  private readonly indexers = new Map<string, Indexer[]>();
  private readonly typeCounts = new Map<string, number>();
  private readonly views = new WeakMap<Map<string, StoredResource>, readonly StoredResource[]>();
  readonly subscriptions = new Map<string, { id: string; subscriptionId: string; displayName: string }>();
  private readonly listeners: ChangeListener[] = [];

  /** Views that lag behind the store (Resource Graph) record what each write replaces. */
  onChange(listener: ChangeListener): void {
    this.listeners.push(listener);
  }

  addIndexer(type: string, indexer: Indexer): void {
    const list = this.indexers.get(type.toLowerCase()) ?? [];
    list.push(indexer);
    this.indexers.set(type.toLowerCase(), list);
  }

  addSubscription(subscriptionId: string, displayName?: string): void {
    this.subscriptions.set(subscriptionId.toLowerCase(), {
      id: `/subscriptions/${subscriptionId}`,
      subscriptionId,
      displayName: displayName ?? subscriptionId,
    });
  }

  hasSubscription(subscriptionId: string): boolean {
    return this.subscriptions.has(subscriptionId.toLowerCase());
  }

  get(id: string): StoredResource | undefined {
    return this.byId.get(key(id));
  }

  /** Inserts or replaces a resource; `body.id` names it. */
  put(body: Json, etag: string = newEtag()): StoredResource {
    const id = String(body.id);
    const k = key(id);
    const previous = this.byId.get(k);
    for (const l of this.listeners) l(id, previous);
    if (previous) this.unindex(previous);
    const d = describeId(id);
    const resource: StoredResource = {
      id: previous?.id ?? id,
      type: d.type,
      body,
      etag,
      parentKey: key(d.parent),
      subscriptionKey: key(d.subscription),
    };
    if (previous) body.id = previous.id;
    this.byId.set(k, resource);
    this.addTo(this.collectionKey(resource.parentKey, d.type), k, resource);
    let children = this.childCollections.get(resource.parentKey);
    if (!children) this.childCollections.set(resource.parentKey, (children = new Set()));
    children.add(this.collectionKey(resource.parentKey, d.type));
    if (resource.parentKey !== resource.subscriptionKey && d.type.split('/').length === 2) {
      this.addTo(this.collectionKey(resource.subscriptionKey, '*' + d.type), k, resource);
    }
    resource.indexed = this.indexEntries(resource);
    for (const [name, value] of resource.indexed) this.addTo(`${name}|${value}`, k, resource, true);
    if (!previous) this.typeCounts.set(d.type.toLowerCase(), (this.typeCounts.get(d.type.toLowerCase()) ?? 0) + 1);
    return resource;
  }

  /** Deletes a resource and, recursively, its children and extension resources. */
  delete(id: string): StoredResource | undefined {
    const k = key(id);
    const resource = this.byId.get(k);
    if (!resource) return undefined;
    for (const l of this.listeners) l(resource.id, resource);
    for (const collection of this.childCollections.get(k) ?? []) {
      for (const child of [...(this.collections.get(collection)?.values() ?? [])]) this.delete(child.id);
    }
    this.childCollections.delete(k);
    this.unindex(resource);
    this.byId.delete(k);
    const t = resource.type.toLowerCase();
    this.typeCounts.set(t, (this.typeCounts.get(t) ?? 1) - 1);
    return resource;
  }

  /** Resources of `type` directly under `parentId` (a resource group, subscription or parent resource). */
  list(parentId: string, type: string): readonly StoredResource[] {
    return this.view(this.collections.get(this.collectionKey(key(parentId), type)));
  }

  /** Top-level resources of `type` anywhere in the subscription. */
  listInSubscription(subscriptionId: string, type: string): readonly StoredResource[] {
    return this.view(this.collections.get(this.collectionKey(key(`/subscriptions/${subscriptionId}`), '*' + type)));
  }

  byIndex(name: string, value: string): readonly StoredResource[] {
    return this.view(this.collectionsOfIndex(`${name}|${key(value)}`));
  }

  // One array per collection until it changes, so paging a 100,000-item list copies it once, not once per page.
  private view(collection: Map<string, StoredResource> | undefined): readonly StoredResource[] {
    if (!collection) return [];
    let v = this.views.get(collection);
    if (!v) {
      v = Object.freeze([...collection.values()]);
      this.views.set(collection, v);
    }
    return v;
  }

  count(type?: string): number {
    if (!type) return this.byId.size;
    return this.typeCounts.get(type.toLowerCase()) ?? 0;
  }

  all(): IterableIterator<StoredResource> {
    return this.byId.values();
  }

  private collectionsOfIndex(k: string): Map<string, StoredResource> | undefined {
    return this.indexes.get('idx')?.get(k);
  }

  private collectionKey(parentKey: string, type: string): string {
    return `${parentKey}|${type.toLowerCase()}`;
  }

  private indexEntries(resource: StoredResource): [string, string][] {
    const out: [string, string][] = [];
    for (const indexer of this.indexers.get(resource.type.toLowerCase()) ?? []) {
      for (const [name, value] of indexer(resource)) out.push([name, key(value)]);
    }
    return out;
  }

  private addTo(collection: string, k: string, resource: StoredResource, index = false): void {
    if (index) {
      let idx = this.indexes.get('idx');
      if (!idx) this.indexes.set('idx', (idx = new Map<string, Map<string, StoredResource>>()));
      let m = idx.get(collection);
      if (!m) idx.set(collection, (m = new Map<string, StoredResource>()));
      m.set(k, resource);
      this.views.delete(m);
      return;
    }
    let m = this.collections.get(collection);
    if (!m) this.collections.set(collection, (m = new Map<string, StoredResource>()));
    m.set(k, resource);
    this.views.delete(m);
  }

  private unindex(resource: StoredResource): void {
    const k = key(resource.id);
    const type = resource.type;
    this.removeFrom(this.collections, this.collectionKey(resource.parentKey, type), k);
    this.removeFrom(this.collections, this.collectionKey(resource.subscriptionKey, '*' + type), k);
    const idx = this.indexes.get('idx');
    if (idx) for (const [name, value] of resource.indexed ?? []) this.removeFrom(idx, `${name}|${value}`, k);
  }

  private removeFrom(maps: Map<string, Map<string, StoredResource>>, collection: string, k: string): void {
    const m = maps.get(collection);
    if (!m) return;
    m.delete(k);
    this.views.delete(m);
    if (m.size === 0) maps.delete(collection);
  }
}
