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

/** A Map with integer keys, split into shards past `split` entries. Iterates shard by shard once split. */
export class ShardedMap<V> {
  #one: Map<number, V> | undefined = new Map();
  #shards: Map<number, V>[] = [];
  readonly #split: number;

  constructor(split = SPLIT) {
    this.#split = split;
  }

  #table(k: number): Map<number, V> {
    return this.#one ?? (this.#shards[shardOf(k)] as Map<number, V>);
  }

  get size(): number {
    if (this.#one) return this.#one.size;
    let n = 0;
    for (const s of this.#shards) n += s.size;
    return n;
  }

  get(k: number): V | undefined {
    return this.#table(k).get(k);
  }

  has(k: number): boolean {
    return this.#table(k).has(k);
  }

  set(k: number, v: V): this {
    this.#table(k).set(k, v);
    if (this.#one && this.#one.size > this.#split) this.#divide();
    return this;
  }

  delete(k: number): boolean {
    return this.#table(k).delete(k);
  }

  *entries(): IterableIterator<[number, V]> {
    if (this.#one) yield* this.#one;
    else for (const s of this.#shards) yield* s;
  }

  /** One table's entries into SHARDS tables: `split` inserts, once. */
  #divide(): void {
    const one = this.#one as Map<number, V>;
    this.#one = undefined;
    this.#shards = Array.from({ length: SHARDS }, () => new Map<number, V>());
    for (const [k, v] of one) this.#table(k).set(k, v);
  }
}

/** A Set of integers, split into shards past `split` members. Iterates shard by shard once split. */
export class ShardedSet implements Iterable<number> {
  #one: Set<number> | undefined = new Set();
  #shards: Set<number>[] = [];
  readonly #split: number;

  constructor(split = SPLIT) {
    this.#split = split;
  }

  #table(k: number): Set<number> {
    return this.#one ?? (this.#shards[shardOf(k)] as Set<number>);
  }

  get size(): number {
    if (this.#one) return this.#one.size;
    let n = 0;
    for (const s of this.#shards) n += s.size;
    return n;
  }

  has(k: number): boolean {
    return this.#table(k).has(k);
  }

  add(k: number): this {
    this.#table(k).add(k);
    if (this.#one && this.#one.size > this.#split) {
      const one = this.#one;
      this.#one = undefined;
      this.#shards = Array.from({ length: SHARDS }, () => new Set<number>());
      for (const x of one) this.#table(x).add(x);
    }
    return this;
  }

  delete(k: number): boolean {
    return this.#table(k).delete(k);
  }

  *[Symbol.iterator](): Iterator<number> {
    if (this.#one) yield* this.#one;
    else for (const s of this.#shards) yield* s;
  }
}
