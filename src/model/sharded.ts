// Maps and sets keyed by integers (id hashes) that stay responsive at hundreds of thousands of entries. A JavaScript
// Map or Set rehashes its whole table in one step whenever it outgrows a power of two: on this project's 2-core
// machine, about 25 ms at 65,536 entries and 170 ms at 262,144 (Node.js 24), an event-loop block in a single insert.
// These hold one table up to `split` entries, then SHARDS tables chosen by the key's low bits, so an insert rehashes
// one shard at most (a few milliseconds at 300,000 entries) and a lookup is still one table's.

/** Entries held in one table before it splits into shards. */
export const SPLIT = 1 << 13;
/** Tables once split (a power of two: a shard is chosen by the key's low bits). */
export const SHARDS = 64;

/** The shard of integer `k`: its low bits (a key above 2^31 counts its low 32 bits, as `&` does). */
const shardOf = (k: number): number => k & (SHARDS - 1);

/** One table until it holds more than `split` entries, then SHARDS tables; `refill` moves the one table's entries. */
class Tables<T extends { readonly size: number }> {
  #one: T | undefined;
  #shards: T[] = [];
  readonly #split: number;
  readonly #make: () => T;
  readonly #refill: (from: T, into: (k: number) => T) => void;

  constructor(split: number, make: () => T, refill: (from: T, into: (k: number) => T) => void) {
    this.#split = split;
    this.#make = make;
    this.#refill = refill;
    this.#one = make();
  }

  /** The table that holds (or would hold) key `k`. */
  of(k: number): T {
    return this.#one ?? (this.#shards[shardOf(k)] as T);
  }

  /** After an insert: past `split` entries, the one table becomes SHARDS (`split` inserts, once). */
  grew(): void {
    const one = this.#one;
    if (one === undefined || one.size <= this.#split) return;
    this.#one = undefined;
    this.#shards = Array.from({ length: SHARDS }, this.#make);
    this.#refill(one, (k) => this.of(k));
  }

  get all(): readonly T[] {
    return this.#one ? [this.#one] : this.#shards;
  }

  get size(): number {
    let n = 0;
    for (const t of this.all) n += t.size;
    return n;
  }
}

/** A Map with integer keys, split into shards past `split` entries. Iterates shard by shard once split. */
export class ShardedMap<V> {
  readonly #tables: Tables<Map<number, V>>;

  constructor(split = SPLIT) {
    this.#tables = new Tables(split, () => new Map<number, V>(), (from, into) => {
      for (const [k, v] of from) into(k).set(k, v);
    });
  }

  get size(): number {
    return this.#tables.size;
  }

  get(k: number): V | undefined {
    return this.#tables.of(k).get(k);
  }

  has(k: number): boolean {
    return this.#tables.of(k).has(k);
  }

  set(k: number, v: V): this {
    this.#tables.of(k).set(k, v);
    this.#tables.grew();
    return this;
  }

  delete(k: number): boolean {
    return this.#tables.of(k).delete(k);
  }

  *entries(): IterableIterator<[number, V]> {
    for (const t of this.#tables.all) yield* t;
  }
}

/** A Set of integers, split into shards past `split` members. Iterates shard by shard once split. */
export class ShardedSet implements Iterable<number> {
  readonly #tables: Tables<Set<number>>;

  constructor(split = SPLIT) {
    this.#tables = new Tables(split, () => new Set<number>(), (from, into) => {
      for (const k of from) into(k).add(k);
    });
  }

  get size(): number {
    return this.#tables.size;
  }

  has(k: number): boolean {
    return this.#tables.of(k).has(k);
  }

  add(k: number): this {
    this.#tables.of(k).add(k);
    this.#tables.grew();
    return this;
  }

  delete(k: number): boolean {
    return this.#tables.of(k).delete(k);
  }

  *[Symbol.iterator](): Iterator<number> {
    for (const t of this.#tables.all) yield* t;
  }
}
