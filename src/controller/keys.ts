// Sets of id keys that stay cheap at hundreds of thousands of entries: built in slices, and held in parts of at most
// PART entries, since one Set growing past ~262,144 entries rehashes in a single block of tens of milliseconds.
import { eachWork } from '../findings/index.ts';
import type { Work } from '../findings/index.ts';
import { idHash53, idKey } from '../model/index.ts';

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

/** A set of id keys (`idKey`). */
export class KeySet extends PartSet<string> {}

/**
 * A set of id hashes (`idHash53`), for ids that are only looked up: at 300,000 associations, a number each instead of
 * a lower-case copy of a 200-character id.
 */
export class HashSet extends PartSet<number> {}

/** The keys (`idKey`) of `ids`, each once, in slices. */
export function* keySetWork(ids: Iterable<string>, part = PART): Work<KeySet> {
  const out = new KeySet(part);
  yield* eachWork(ids, (id) => void out.add(idKey(id)));
  return out;
}

/** The hashes (`idHash53`) of `ids`, each once, in slices. */
export function* hashSetWork(ids: Iterable<string>, part = PART): Work<HashSet> {
  const out = new HashSet(part);
  yield* eachWork(ids, (id) => void out.add(idHash53(id)));
  return out;
}

/** The members of `a` that `b` lacks, in slices. */
export function* missingWork<T>(a: PartSet<T>, b: PartSet<T>): Work<T[]> {
  const out: T[] = [];
  yield* eachWork(a, (k) => {
    if (!b.has(k)) out.push(k);
  });
  return out;
}
