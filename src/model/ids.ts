// ARM resource ids: parsing and case-insensitive comparison (ARM treats ids case-insensitively).

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

// The part before the last provider segment: a subscription, a resource group, or (extension resources) a resource.
const SCOPE = /^\/subscriptions\/([^/]+)(?:\/resourceGroups\/([^/]+))?(?:\/providers\/.+)?$/i;

/** Parses an ARM id of a subscription, resource group or provider resource; undefined when malformed. */
export function parseArmId(raw: string): ArmId | undefined {
  const id = raw.trim().replace(/\/+$/, '');
  // Only the last provider segment names the type (extension resources: .../providers/A/x/y/providers/B/z/w).
  const at = id.toLowerCase().lastIndexOf('/providers/');
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
    if (c >= 128) return hashKey(idKey(id));
    if (c >= 65 && c <= 90) c += 32;
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
  }
  return (a >>> 0) * 2 ** 21 + ((b >>> 0) >>> 11);
}

/** idHash53 of an id already in `idKey` form. */
function hashKey(key: string): number {
  let a = 0x811c9dc5;
  let b = 0x01000193;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
  }
  return (a >>> 0) * 2 ** 21 + ((b >>> 0) >>> 11);
}

/**
 * A Map keyed case-insensitively by ARM id. Entries are found by a hash of the id and hold the id they were set with,
 * not a lower-case copy of it: a map of 100,000 machines would otherwise keep 15 MB of copies. An id whose hash
 * another id already holds (or beyond ASCII) is kept apart, by its `idKey`.
 */
export class IdMap<V> {
  readonly #ids = new Map<number, string>();
  readonly #values = new Map<number, V>();
  #apart: Map<string, V> | undefined;
  readonly #hash: (id: string) => number;

  /** `hash`: only tests give another, to make ids collide. */
  constructor(hash: (id: string) => number = idHash) {
    this.#hash = hash;
  }

  get size(): number {
    return this.#values.size + (this.#apart?.size ?? 0);
  }

  get(id: string): V | undefined {
    const h = this.#hash(id);
    const held = h === -1 ? undefined : this.#ids.get(h);
    if (held !== undefined && sameId(held, id)) return this.#values.get(h);
    return this.#apart?.get(idKey(id));
  }

  has(id: string): boolean {
    const h = this.#hash(id);
    const held = h === -1 ? undefined : this.#ids.get(h);
    if (held !== undefined && sameId(held, id)) return true;
    return this.#apart?.has(idKey(id)) === true;
  }

  set(id: string, v: V): this {
    const h = this.#hash(id);
    const held = h === -1 ? undefined : this.#ids.get(h);
    if (held !== undefined && sameId(held, id)) {
      this.#values.set(h, v);
      return this;
    }
    const key = this.#apart !== undefined || held !== undefined || h === -1 ? idKey(id) : undefined;
    if (key !== undefined && this.#apart?.has(key)) {
      this.#apart.set(key, v);
      return this;
    }
    if (held === undefined && h !== -1) {
      this.#ids.set(h, id);
      this.#values.set(h, v);
      return this;
    }
    (this.#apart ??= new Map()).set(key ?? idKey(id), v);
    return this;
  }

  delete(id: string): boolean {
    const h = this.#hash(id);
    const held = h === -1 ? undefined : this.#ids.get(h);
    if (held !== undefined && sameId(held, id)) {
      this.#ids.delete(h);
      return this.#values.delete(h);
    }
    return this.#apart?.delete(idKey(id)) === true;
  }

  /** Values in the order their ids were first set (those kept apart last). */
  *values(): IterableIterator<V> {
    yield* this.#values.values();
    if (this.#apart) yield* this.#apart.values();
  }

  /** Keys as `idKey` gives them. */
  *keys(): IterableIterator<string> {
    for (const id of this.#ids.values()) yield idKey(id);
    if (this.#apart) yield* this.#apart.keys();
  }

  *entries(): IterableIterator<[string, V]> {
    for (const [h, id] of this.#ids) yield [idKey(id), this.#values.get(h) as V];
    if (this.#apart) yield* this.#apart.entries();
  }
}

export interface IdSetOptions {
  /** Only tests give another, to make ids collide. */
  hash?: (id: string) => number;
  /** Largest part: a Map growing past ~262,144 entries rehashes in one block of tens of milliseconds. */
  part?: number;
}

/**
 * A Set of ARM ids, case-insensitive as IdMap is: found by a hash of the id, holding the id it was given, not a
 * lower-case copy. An id whose hash another id already holds (or beyond ASCII) is kept apart, under its `idKey`.
 * Held in parts of at most `part` ids, so that no single add rehashes a large table.
 */
export class IdSet implements Iterable<string> {
  readonly #parts: Map<number, string>[] = [];
  #apart: Map<string, string> | undefined;
  readonly #hash: (id: string) => number;
  readonly #part: number;
  #size = 0;

  constructor(options: IdSetOptions = {}) {
    this.#hash = options.hash ?? idHash;
    this.#part = options.part ?? Infinity;
  }

  get size(): number {
    return this.#size;
  }

  /** The part holding hash `h`, if any. */
  #partOf(h: number): Map<number, string> | undefined {
    if (h === -1) return undefined;
    for (const p of this.#parts) if (p.has(h)) return p;
    return undefined;
  }

  has(id: string): boolean {
    const h = this.#hash(id);
    const held = this.#partOf(h)?.get(h);
    if (held !== undefined && sameId(held, id)) return true;
    return this.#apart?.has(idKey(id)) === true;
  }

  add(id: string): this {
    const h = this.#hash(id);
    const held = this.#partOf(h)?.get(h);
    if (held !== undefined && sameId(held, id)) return this;
    const key = this.#apart !== undefined || held !== undefined || h === -1 ? idKey(id) : undefined;
    if (key !== undefined && this.#apart?.has(key)) return this;
    this.#size++;
    if (held === undefined && h !== -1) {
      let last = this.#parts[this.#parts.length - 1];
      if (last === undefined || last.size >= this.#part) {
        last = new Map();
        this.#parts.push(last);
      }
      last.set(h, id);
      return this;
    }
    (this.#apart ??= new Map()).set(key ?? idKey(id), id);
    return this;
  }

  delete(id: string): boolean {
    const h = this.#hash(id);
    const part = this.#partOf(h);
    const held = part?.get(h);
    const gone = held !== undefined && sameId(held, id) ? part?.delete(h) === true : this.#apart?.delete(idKey(id)) === true;
    if (gone) this.#size--;
    return gone;
  }

  /** The ids as they were given, in the order first added (those kept apart last). */
  *ids(): IterableIterator<string> {
    for (const p of this.#parts) yield* p.values();
    if (this.#apart) yield* this.#apart.values();
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
