// Sets of ids that stay cheap at hundreds of thousands of entries: built in slices, and held in shards past SPLIT
// entries (src/model/sharded.ts), since one Set growing past ~262,144 entries rehashes in a single block of 170 ms.
import { eachWork } from '../findings/index.ts';
import type { Work } from '../findings/index.ts';
import { IdSet, ShardedSet, SPLIT, idHash53, idKey } from '../model/index.ts';

/**
 * A set of ids, case-insensitive (`idKey`): it holds each id as given and finds it by hash, so 100,000 machine ids cost
 * no lower-case copies; it iterates keys as `idKey` gives them. `split`: only tests give another.
 */
export class KeySet extends IdSet {
  constructor(split = SPLIT) {
    super({ split });
  }
}

/**
 * A set of id hashes (`idHash53`), for ids that are only looked up: at 300,000 associations, a number each instead of
 * a lower-case copy of a 200-character id.
 */
export class HashSet extends ShardedSet {}

/** `ids`, each once by `idKey`, in slices. */
export function* keySetWork(ids: Iterable<string>, split = SPLIT): Work<KeySet> {
  const out = new KeySet(split);
  yield* eachWork(ids, (id) => void out.add(id));
  return out;
}

/** The hashes (`idHash53`) of `ids`, each once, in slices. */
export function* hashSetWork(ids: Iterable<string>, split = SPLIT): Work<HashSet> {
  const out = new HashSet(split);
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
