// ARM resource ids: parsing and case-insensitive comparison (ARM treats ids case-insensitively).

import { ShardedMap } from './sharded.ts';

export interface ArmId {
  /** The id as given, trimmed of a trailing slash. */
  id: string;
  subscriptionId: string;
  resourceGroup?: string;
  /** e.g. `Microsoft.Compute` (as written in the id). */
  provider?: string;
  /** Full type, e.g. `Microsoft.Compute/virtualMachines` or `Microsoft.Insights/privateLinkScopes/scopedResources`. */
  type?: string;
  /** Last name segment, e.g. the VM name. */
  name?: string;
}

/** Where `segment` (lower case) last occurs in `id`, in any case; -1 when nowhere. Reads the id in place, no lower-case copy of it. */
export function lastSegment(id: string, segment: string): number {
  for (let at = id.length - segment.length; at >= 0; at--) {
    let k = 0;
    for (; k < segment.length; k++) {
      const c = id.charCodeAt(at + k);
      if ((c >= 65 && c <= 90 ? c + 32 : c) !== segment.charCodeAt(k)) break;
    }
    if (k === segment.length) return at;
  }
  return -1;
}

// The part before the last provider segment: a subscription, a resource group, or (extension resources) a resource.
const SCOPE = /^\/subscriptions\/([^/]+)(?:\/resourceGroups\/([^/]+))?(?:\/providers\/.+)?$/i;

/** Parses an ARM id of a subscription, resource group or provider resource; undefined when malformed. */
export function parseArmId(raw: string): ArmId | undefined {
  const id = raw.trim().replace(/\/+$/, '');
  // Only the last provider segment names the type (extension resources: .../providers/A/x/y/providers/B/z/w). Found in
  // the id itself: in a lower-case copy, a letter such as 'İ' (two characters in lower case) would shift the index.
  const at = lastSegment(id, '/providers/');
  const scope = at < 0 ? id : id.slice(0, at);
  const outer = SCOPE.exec(scope);
  if (!outer) return undefined;
  const [, subscriptionId, resourceGroup] = outer;
  if (!subscriptionId) return undefined;
  const out: ArmId = { id, subscriptionId };
  if (resourceGroup) out.resourceGroup = resourceGroup;
  if (at < 0) return out;
  const parts = id.slice(at + '/providers/'.length).split('/');
  const provider = parts[0];
  const segs = parts.slice(1);
  if (!provider || segs.length === 0 || segs.length % 2 !== 0 || segs.some((s) => s === '')) return undefined;
  const types: string[] = [];
  for (let i = 0; i < segs.length; i += 2) types.push(segs[i] as string);
  out.provider = provider;
  out.type = `${provider}/${types.join('/')}`;
  out.name = segs[segs.length - 1];
  return out;
}

/** Canonical key for maps and sets keyed by resource id. */
export function idKey(id: string): string {
  let end = id.length;
  while (end > 0 && (id.charCodeAt(end - 1) === 47 /* / */ || id.charCodeAt(end - 1) <= 32)) end--;
  let start = 0;
  while (start < end && id.charCodeAt(start) <= 32) start++;
  // Hot path (planning 10k machines): avoid regex and copies when the id is already clean.
  return (start === 0 && end === id.length ? id : id.slice(start, end)).toLowerCase();
}

/** `ids` without the ones an earlier id names too (ARM's ids ignore case), in their order. */
export function dedupe(ids: readonly string[]): string[] {
  const seen = new Set<string>();
  return ids.filter((id) => {
    const k = idKey(id);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** The rules and endpoint a spec's associations point to, each once: what discovery watches and a pass reports. */
export function associationSources(spec: { dataCollectionRules: readonly { resourceId: string }[]; configurationEndpoint: { resourceId: string } }): string[] {
  return dedupe([...spec.dataCollectionRules.map((r) => r.resourceId), spec.configurationEndpoint.resourceId]);
}

export function sameId(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined) return false;
  if (a === b) return true;
  const ra = trimmed(a);
  const rb = trimmed(b);
  if (ra.end - ra.start !== rb.end - rb.start) return !ascii(a) || !ascii(b) ? idKey(a) === idKey(b) : false;
  for (let i = 0; i < ra.end - ra.start; i++) {
    const x = a.charCodeAt(ra.start + i);
    const y = b.charCodeAt(rb.start + i);
    if (x === y) continue;
    // Beyond ASCII, lower-casing may change a string's length: the copies decide.
    if (x >= 128 || y >= 128) return idKey(a) === idKey(b);
    if ((x | 32) !== (y | 32) || (x | 32) < 97 || (x | 32) > 122) return false;
  }
  return true;
}

/**
 * Whether two resource names are one in any case (ARM's names are case-insensitive), without lower-case copies of
 * names that are one string (pooled) or differ in length; beyond ASCII, where lower case may change a length, the
 * copies decide.
 */
export function sameName(a: string, b: string): boolean {
  return a === b || ((a.length === b.length || !ascii(a) || !ascii(b)) && a.toLowerCase() === b.toLowerCase());
}

// One provider, type and name; neither named `providers` (parseArmId would then read the last such segment instead).
const GROUP_OF_RESOURCE = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/(?!providers\/)[^/]+\/(?!providers\/)[^/]+\/[^/\s]+$/i;

/**
 * `subscription/resourceGroup` of a resource's id in lower case ('' when the id names none), and its subscription as
 * spelled. A top-level resource's id (one type and name: a machine, a scale set) is read with one expression; any
 * other goes through `parseArmId`, whose parts the result is the same as.
 */
export function groupOf(id: string): { group: string; subscriptionId: string } {
  const m = GROUP_OF_RESOURCE.exec(id);
  if (m?.[1] !== undefined && m[2] !== undefined) return { group: `${m[1]}/${m[2]}`.toLowerCase(), subscriptionId: m[1] };
  const p = parseArmId(id);
  return { group: p?.resourceGroup ? `${p.subscriptionId}/${p.resourceGroup}`.toLowerCase() : '', subscriptionId: p?.subscriptionId ?? '' };
}

function ascii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) >= 128) return false;
  return true;
}

/** The part of an id `idKey` keeps: without surrounding spaces and trailing slashes. */
function trimmed(id: string): { start: number; end: number } {
  let end = id.length;
  while (end > 0 && (id.charCodeAt(end - 1) === 47 /* / */ || id.charCodeAt(end - 1) <= 32)) end--;
  let start = 0;
  while (start < end && id.charCodeAt(start) <= 32) start++;
  return { start, end };
}

/**
 * A hash of the id as `idKey` gives it, without making that copy (FNV-1a over ASCII lower-cased, 30 bits so that V8
 * keeps it a small integer); -1 for an id beyond ASCII, whose lower case only `idKey` knows.
 */
export function idHash(id: string): number {
  const { start, end } = trimmed(id);
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) {
    let c = id.charCodeAt(i);
    if (c >= 128) return -1;
    if (c >= 65 && c <= 90) c += 32;
    h = Math.imul(h ^ c, 0x01000193);
  }
  return h & 0x3fffffff;
}

/**
 * A test of whether an id is one of `ids` (case-insensitive) for hundreds of thousands of calls over a few distinct
 * strings (the rule and endpoint ids every association repeats): each string asked about is lower-cased once.
 */
export function idMatcher(ids: readonly string[]): (id: unknown) => boolean {
  const wanted = new Set(ids.map(idKey));
  const known = new Map<string, boolean>();
  return (id) => {
    if (typeof id !== 'string') return false;
    let is = known.get(id);
    if (is === undefined) {
      is = wanted.has(idKey(id));
      // Bounded: ids that do not repeat are not worth remembering.
      if (known.size < 10_000) known.set(id, is);
    }
    return is;
  };
}

/** True when `id` is a resource of the given full type (case-insensitive), e.g. `Microsoft.Compute/virtualMachines`. */
export function isType(id: string, type: string): boolean {
  const p = parseArmId(id);
  return p?.type !== undefined && p.type.toLowerCase() === type.toLowerCase();
}

/** `/subscriptions/{s}/resourceGroups/{rg}` of a resource id. */
export function resourceGroupId(id: string): string | undefined {
  const p = parseArmId(id);
  if (!p?.resourceGroup) return undefined;
  return `/subscriptions/${p.subscriptionId}/resourceGroups/${p.resourceGroup}`;
}

/**
 * A 53-bit hash of the id as `idKey` gives it (two 32-bit FNV-1a passes with different primes), for sets that only
 * answer whether an id is there: 300,000 association ids cost a number each instead of a lower-case copy. Two
 * different ids share one with a chance of about 1 in 10^15 per pair.
 */
export function idHash53(id: string): number {
  const { start, end } = trimmed(id);
  let a = 0x811c9dc5;
  let b = 0x01000193;
  for (let i = start; i < end; i++) {
    let c = id.charCodeAt(i);
    // Beyond ASCII only idKey knows the lower case: hash its copy.
    if (c >= 128) return joinedHash53([idKey(id)]);
    if (c >= 65 && c <= 90) c += 32;
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
  }
  return (a >>> 0) * 2 ** 21 + ((b >>> 0) >>> 11);
}

/**
 * A 53-bit hash (as idHash53 mixes) of `parts` joined by `|`, without the joined copy: a finding's code, resource id
 * and message would otherwise be copied into one string per finding, 100,000 of them a pass. Bit i of `folded` lowers
 * the case of part i (a part beyond ASCII is hashed by its `toLowerCase` copy, whose case only it knows).
 */
export function joinedHash53(parts: readonly string[], folded = 0): number {
  let a = 0x811c9dc5;
  let b = 0x01000193;
  for (let p = 0; p < parts.length; p++) {
    let part = parts[p] as string;
    const fold = (folded & (1 << p)) !== 0;
    if (fold && !ascii(part)) part = part.toLowerCase();
    if (p > 0) {
      a = Math.imul(a ^ 124, 0x01000193);
      b = Math.imul(b ^ 124, 0x5bd1e995);
    }
    for (let i = 0; i < part.length; i++) {
      let c = part.charCodeAt(i);
      if (fold && c >= 65 && c <= 90) c += 32;
      a = Math.imul(a ^ c, 0x01000193);
      b = Math.imul(b ^ c, 0x5bd1e995);
    }
  }
  return (a >>> 0) * 2 ** 21 + ((b >>> 0) >>> 11);
}

export interface IdSetOptions {
  /** Only tests give another, to make ids collide. */
  hash?: (id: string) => number;
  /** Entries before the hash index splits into shards (ShardedMap); only tests give another. */
  split?: number;
}

/** Holes (deleted slots) tolerated before an append compacts the slots: more than this and more than the live entries. */
const HOLES = 1024;

/**
 * Ids in slots, in the order first added, found by a hash of the id (a ShardedMap from hash to slot, so no insert
 * rehashes a large table). Each slot holds the id as given, not a lower-case copy. An id whose hash another id
 * already holds (or beyond ASCII) is found apart, by its `idKey`. A deleted slot is a hole until enough of them make
 * an append compact the slots (`moved` hears each move).
 */
class IdSlots {
  readonly ids: (string | undefined)[] = [];
  readonly #index: ShardedMap<number>;
  #apart: Map<string, number> | undefined;
  readonly #hash: (id: string) => number;
  #holes = 0;
  size = 0;

  constructor(options: IdSetOptions) {
    this.#hash = options.hash ?? idHash;
    this.#index = new ShardedMap<number>(options.split);
  }

  find(id: string): number | undefined {
    const h = this.#hash(id);
    const slot = h === -1 ? undefined : this.#index.get(h);
    if (slot !== undefined && sameId(this.ids[slot], id)) return slot;
    return this.#apart?.get(idKey(id));
  }

  /** The slot of `id`, or a new one at the end (its index: the length before the call). */
  add(id: string, moved?: (from: number, to: number) => void): number {
    const h = this.#hash(id);
    const held = h === -1 ? undefined : this.#index.get(h);
    if (held !== undefined && sameId(this.ids[held], id)) return held;
    const key = this.#apart !== undefined || held !== undefined || h === -1 ? idKey(id) : undefined;
    const apart = key === undefined ? undefined : this.#apart?.get(key);
    if (apart !== undefined) return apart;
    if (this.#holes > HOLES && this.#holes > this.size) this.#compact(moved);
    const slot = this.ids.length;
    this.ids.push(id);
    this.size++;
    if (h !== -1 && held === undefined) this.#index.set(h, slot);
    else (this.#apart ??= new Map()).set(key ?? idKey(id), slot);
    return slot;
  }

  /** Frees the slot of `id`; returns it, or undefined when `id` is not held. */
  remove(id: string): number | undefined {
    const h = this.#hash(id);
    const held = h === -1 ? undefined : this.#index.get(h);
    let slot: number | undefined;
    if (held !== undefined && sameId(this.ids[held], id)) {
      this.#index.delete(h);
      slot = held;
    } else {
      const key = idKey(id);
      slot = this.#apart?.get(key);
      if (slot === undefined) return undefined;
      this.#apart?.delete(key);
    }
    this.ids[slot] = undefined;
    this.size--;
    this.#holes++;
    return slot;
  }

  /** Live slots moved to the front, in order; the index re-pointed (no table grows: every key is there already). */
  #compact(moved?: (from: number, to: number) => void): void {
    let to = 0;
    for (let from = 0; from < this.ids.length; from++) {
      const id = this.ids[from];
      if (id === undefined) continue;
      if (from !== to) {
        this.ids[to] = id;
        const h = this.#hash(id);
        if (h !== -1 && this.#index.get(h) === from) this.#index.set(h, to);
        else this.#apart?.set(idKey(id), to);
        moved?.(from, to);
      }
      to++;
    }
    this.ids.length = to;
    this.#holes = 0;
  }
}

/**
 * A Map keyed case-insensitively by ARM id. Entries are found by a hash of the id and hold the id they were set with,
 * not a lower-case copy of it: a map of 100,000 machines would otherwise keep 15 MB of copies. No insert rehashes
 * more than a shard of the index (see ShardedMap). Iterates in the order ids were first set, as a Map does.
 */
export class IdMap<V> {
  readonly #slots: IdSlots;
  readonly #values: (V | undefined)[] = [];

  /** `hash`, `split`: only tests give others, to make ids collide or the index split early. */
  constructor(hash?: (id: string) => number, split?: number) {
    this.#slots = new IdSlots({ ...(hash ? { hash } : {}), ...(split !== undefined ? { split } : {}) });
  }

  get size(): number {
    return this.#slots.size;
  }

  get(id: string): V | undefined {
    const slot = this.#slots.find(id);
    return slot === undefined ? undefined : this.#values[slot];
  }

  has(id: string): boolean {
    return this.#slots.find(id) !== undefined;
  }

  set(id: string, v: V): this {
    const slot = this.#slots.add(id, this.#move);
    // A compaction leaves values beyond the slots: cut them.
    if (this.#values.length > this.#slots.ids.length) this.#values.length = this.#slots.ids.length;
    this.#values[slot] = v;
    return this;
  }

  readonly #move = (from: number, to: number): void => {
    this.#values[to] = this.#values[from];
  };

  delete(id: string): boolean {
    const slot = this.#slots.remove(id);
    if (slot === undefined) return false;
    this.#values[slot] = undefined;
    return true;
  }

  /** Values in the order their ids were first set. */
  *values(): IterableIterator<V> {
    const { ids } = this.#slots;
    for (let i = 0; i < ids.length; i++) if (ids[i] !== undefined) yield this.#values[i] as V;
  }

  /**
   * The values in order, as a new array: one copy of the right length when no entry was deleted (a list pushed one by
   * one grows through copies of 1.5 times its length, 2.4 MB of garbage for 100,000 entries).
   */
  valueList(): V[] {
    const { ids } = this.#slots;
    return this.size === ids.length ? (this.#values.slice(0, ids.length) as V[]) : [...this.values()];
  }

  /** Keys as `idKey` gives them. */
  *keys(): IterableIterator<string> {
    for (const id of this.#slots.ids) if (id !== undefined) yield idKey(id);
  }

  *entries(): IterableIterator<[string, V]> {
    const { ids } = this.#slots;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      if (id !== undefined) yield [idKey(id), this.#values[i] as V];
    }
  }
}

/**
 * A Set of ARM ids, case-insensitive as IdMap is: found by a hash of the id, holding the id it was given, not a
 * lower-case copy. No add rehashes more than a shard of the index (see ShardedMap).
 */
export class IdSet implements Iterable<string> {
  readonly #slots: IdSlots;

  constructor(options: IdSetOptions = {}) {
    this.#slots = new IdSlots(options);
  }

  get size(): number {
    return this.#slots.size;
  }

  has(id: string): boolean {
    return this.#slots.find(id) !== undefined;
  }

  add(id: string): this {
    this.#slots.add(id);
    return this;
  }

  delete(id: string): boolean {
    return this.#slots.remove(id) !== undefined;
  }

  /** The ids as they were given, in the order first added. */
  *ids(): IterableIterator<string> {
    for (const id of this.#slots.ids) if (id !== undefined) yield id;
  }

  /** Keys as `idKey` gives them (a copy each). */
  *keys(): IterableIterator<string> {
    for (const id of this.ids()) yield idKey(id);
  }

  [Symbol.iterator](): IterableIterator<string> {
    return this.keys();
  }
}

export const ResourceTypes = {
  privateLinkScope: 'Microsoft.Insights/privateLinkScopes',
  scopedResource: 'Microsoft.Insights/privateLinkScopes/scopedResources',
  dataCollectionRule: 'Microsoft.Insights/dataCollectionRules',
  dataCollectionEndpoint: 'Microsoft.Insights/dataCollectionEndpoints',
  workspace: 'Microsoft.OperationalInsights/workspaces',
  virtualMachine: 'Microsoft.Compute/virtualMachines',
  virtualMachineScaleSet: 'Microsoft.Compute/virtualMachineScaleSets',
  arcMachine: 'Microsoft.HybridCompute/machines',
  userAssignedIdentity: 'Microsoft.ManagedIdentity/userAssignedIdentities',
} as const;

/** The reserved association name the agent reads to find its configuration endpoint. */
export const CONFIGURATION_ACCESS_ENDPOINT = 'configurationAccessEndpoint';
