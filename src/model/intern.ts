// Values a large estate repeats on every machine (rule, endpoint and identity ids, extension names and settings),
// held once: 100,000 machines name the same two rules 200,000 times, and each read would otherwise keep its own copy.

/** The longest string worth pooling: longer ones are rarely repeated and would make the pool heavy. */
const MAX_STRING_LENGTH = 1024;
/** The largest object (as sorted JSON) worth pooling. */
const MAX_OBJECT_JSON = 8192;

/** JSON with sorted keys: two objects with the same content give the same text whatever their key order. */
export function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (typeof v === 'object' && v !== null) {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .filter((k) => o[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${stableJson(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

function deepFreeze<T>(v: T): T {
  if (typeof v === 'object' && v !== null && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v as object)) deepFreeze(x);
  }
  return v;
}

/**
 * A string of its own with the content of `s`. A slice of a longer string (an id cut from a longer id, a field of a
 * response body) keeps the whole of it alive; the copy does not.
 */
export function ownString(s: string): string {
  return JSON.parse(JSON.stringify(s)) as string;
}

/**
 * `s` as one flat string. V8 keeps a string built by `+` or a template as a tree of its parts, and a slice as a view of
 * its parent: a message of 200 characters costs about 300 bytes so. `normalize` flattens it in place whatever the
 * optimizer does (reading one character does not always), its result is dropped, and the collector then drops the
 * tree (bench/plan-heap.ts: the plan of a cold pass at 100,000 machines went from 107 to 80 MiB). For texts kept per machine.
 */
export function flatString(s: string): string {
  s.normalize();
  return s;
}

/**
 * A bounded pool of canonical strings and plain JSON objects. Each distinct value is kept once; when the pool holds
 * `maxEntries`, it starts afresh (values already shared stay shared), so a stream of unique values never grows it
 * without bound. Pooled objects are deep-frozen: they are shared by every machine that holds them.
 */
export class Interner {
  readonly #strings = new Map<string, string>();
  readonly #objects = new Map<string, object>();
  readonly #maxEntries: number;

  constructor(maxEntries = 20_000) {
    this.#maxEntries = maxEntries;
  }

  /** A string equal to `s`, the same one for every equal string the pool has seen. */
  string(s: string): string;
  string(s: string | undefined): string | undefined;
  string(s: string | undefined): string | undefined {
    if (s === undefined || s.length > MAX_STRING_LENGTH) return s;
    const known = this.#strings.get(s);
    if (known !== undefined) return known;
    if (this.#strings.size >= this.#maxEntries) this.#strings.clear();
    // A fresh copy: `s` may be a slice of a whole response body, which the pool must not keep alive.
    const own = ownString(s);
    this.#strings.set(own, own);
    return own;
  }

  /**
   * A frozen object with the content of `v` (plain JSON), the same one for every object of equal content. Found by its
   * plain JSON first (one native call: the rows of one read spell their keys in one order); the JSON with sorted keys,
   * an array and a string per key, is made only for an order not seen yet, and then both texts name the object.
   */
  object<T extends object>(v: T): T {
    const plain = JSON.stringify(v);
    if (plain.length > MAX_OBJECT_JSON) return v;
    const seen = this.#objects.get(plain);
    if (seen !== undefined) return seen as T;
    const key = stableJson(v);
    if (this.#objects.size >= this.#maxEntries - 1) this.#objects.clear();
    let own = this.#objects.get(key);
    if (own === undefined) {
      // A copy of its own, so the caller's object (and the response it came from) is not kept, nor frozen under it.
      own = deepFreeze(JSON.parse(plain) as T);
      this.#objects.set(key, own);
    }
    if (plain !== key) this.#objects.set(plain, own);
    return own as T;
  }

  /** Strings and objects pooled now. */
  get size(): number {
    return this.#strings.size + this.#objects.size;
  }
}

/** The process's pool for what observe reads from Azure. */
export const shared = new Interner();
