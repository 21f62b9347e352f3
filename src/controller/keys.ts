// Sets of ids that stay cheap at hundreds of thousands of entries: built in slices, and held in parts of at most
// PART entries, since one Set growing past ~262,144 entries rehashes in a single block of tens of milliseconds.
import { eachWork } from '../findings/index.ts';
import type { Work } from '../findings/index.ts';
import { IdSet, idHash53, idKey } from '../model/index.ts';

/** Largest part: its rehash, the longest step of an add, takes a few milliseconds. */
export const PART = 1 << 15;

/** A set held in parts of at most `part` entries; a lookup asks each part (a handful at 300,000 entries). */
export class PartSet<T> implements Iterable<T> {
  readonly #parts: Set<T>[] = [];
  readonly #part: number;
  #size = 0;

  constructor(part = PART) {
    this.#part = part;
  }

  get size(): number {
    return this.#size;
  }

  has(key: T): boolean {
    for (const p of this.#parts) if (p.has(key)) return true;
    return false;
  }

  add(key: T): this {
    if (this.has(key)) return this;
    let last = this.#parts[this.#parts.length - 1];
    if (last === undefined || last.size >= this.#part) {
      last = new Set();
      this.#parts.push(last);
    }
    last.add(key);
    this.#size++;
    return this;
  }

  *[Symbol.iterator](): Iterator<T> {
    for (const p of this.#parts) yield* p;
  }
}

/**
 * A set of ids, case-insensitive (`idKey`): it holds each id as given and finds it by hash, so 100,000 machine ids cost
 * no lower-case copies; it iterates keys as `idKey` gives them.
 */
export class KeySet extends IdSet {
  constructor(part = PART) {
    super({ part });
  }
}

/**
 * A set of id hashes (`idHash53`), for ids that are only looked up: at 300,000 associations, a number each instead of
 * a lower-case copy of a 200-character id.
 */
export class HashSet extends PartSet<number> {}

/** `ids`, each once by `idKey`, in slices. */
export function* keySetWork(ids: Iterable<string>, part = PART): Work<KeySet> {
  const out = new KeySet(part);
  yield* eachWork(ids, (id) => void out.add(id));
  return out;
}

/** The hashes (`idHash53`) of `ids`, each once, in slices. */
export function* hashSetWork(ids: Iterable<string>, part = PART): Work<HashSet> {
  const out = new HashSet(part);
  yield* eachWork(ids, (id) => void out.add(idHash53(id)));
  return out;
}

/** The members of `a` that `b` lacks, in slices (of a KeySet: keys as `idKey` gives them, copied only for those). */
export function* missingWork<T>(a: Iterable<T>, b: { has(member: T): boolean }): Work<T[]> {
  const out: T[] = [];
  if (a instanceof KeySet) {
    const keys = out as string[];
    const has = b as { has(member: string): boolean };
    yield* eachWork(a.ids(), (id) => {
      if (!has.has(id)) keys.push(idKey(id));
    });
    return out;
  }
  yield* eachWork(a, (k) => {
    if (!b.has(k)) out.push(k);
  });
  return out;
}
