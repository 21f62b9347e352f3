// Sets of id keys that stay cheap at hundreds of thousands of entries: built in slices, and held in parts of at most
// PART entries, since one Set growing past ~262,144 entries rehashes in a single block of tens of milliseconds.
import { eachWork } from '../findings/index.ts';
import type { Work } from '../findings/index.ts';
import { idKey } from '../model/index.ts';

/** Largest part: its rehash, the longest step of an add, takes a few milliseconds. */
export const PART = 1 << 15;

/** A set of strings held in parts of at most `part` entries; a lookup asks each part (a handful at 300,000 entries). */
export class KeySet implements Iterable<string> {
  readonly #parts: Set<string>[] = [];
  readonly #part: number;
  #size = 0;

  constructor(part = PART) {
    this.#part = part;
  }

  get size(): number {
    return this.#size;
  }

  has(key: string): boolean {
    for (const p of this.#parts) if (p.has(key)) return true;
    return false;
  }

  add(key: string): this {
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

  *[Symbol.iterator](): Iterator<string> {
    for (const p of this.#parts) yield* p;
  }
}

/** The keys (`idKey`) of `ids`, each once, in slices. */
export function* keySetWork(ids: Iterable<string>, part = PART): Work<KeySet> {
  const out = new KeySet(part);
  yield* eachWork(ids, (id) => void out.add(idKey(id)));
  return out;
}

/** The keys of `a` that `b` lacks, in slices. */
export function* missingWork(a: KeySet, b: KeySet): Work<string[]> {
  const out: string[] = [];
  yield* eachWork(a, (k) => {
    if (!b.has(k)) out.push(k);
  });
  return out;
}
