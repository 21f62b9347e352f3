// Long pure computations written as generators: each `yield` is a point where the caller may give the event loop a
// turn (the controller does, every ~20 ms), while tests and small inputs run them to the end at once.

/** A computation that yields between batches of items and returns T. */
export type Work<T> = Generator<void, T, void>;

/** Items handled between two yields: small enough that one batch costs well under a millisecond. */
export const BATCH = 512;

/** Runs a computation to its end without giving the event loop a turn. */
export function runSync<T>(work: Work<T>): T {
  let step = work.next();
  while (step.done !== true) step = work.next();
  return step.value;
}

/** Calls `each` on every item, yielding every BATCH items. */
export function* eachWork<T>(items: Iterable<T>, each: (item: T, index: number) => void): Work<void> {
  let i = 0;
  for (const item of items) {
    each(item, i);
    if (++i % BATCH === 0) yield;
  }
}

/** The items that pass `keep`, in order, yielding every BATCH items. */
export function* filterWork<T>(items: readonly T[], keep: (item: T) => boolean): Work<T[]> {
  const out: T[] = [];
  yield* eachWork(items, (item) => {
    if (keep(item)) out.push(item);
  });
  return out;
}

/** `f` of each item, in order, yielding every BATCH items. */
export function* mapWork<T, U>(items: readonly T[], f: (item: T) => U): Work<U[]> {
  const out: U[] = [];
  yield* eachWork(items, (item) => {
    out.push(f(item));
  });
  return out;
}

/** Items grouped by key in first-seen order; each group grows in place (a copy per item is quadratic). */
export function* groupByWork<T, K>(items: Iterable<T>, keyOf: (item: T) => K): Work<Map<K, T[]>> {
  const out = new Map<K, T[]>();
  yield* eachWork(items, (item) => {
    const k = keyOf(item);
    const list = out.get(k);
    if (list) list.push(item);
    else out.set(k, [item]);
  });
  return out;
}

// Runs of this size are sorted natively (a few milliseconds each), then merged pairwise with yields.
const RUN = 1024;

/**
 * A stable sort into a new array, as `[...items].sort(compare)` gives, in slices: runs of RUN items sorted natively,
 * then merged pairwise, yielding every BATCH items merged. O(n log n) in all, no slice longer than one run's sort.
 */
export function* sortWork<T>(items: readonly T[], compare: (a: T, b: T) => number): Work<T[]> {
  let runs: T[][] = [];
  for (let i = 0; i < items.length; i += RUN) {
    runs.push(items.slice(i, i + RUN).sort(compare));
    yield;
  }
  if (runs.length === 0) return [];
  while (runs.length > 1) {
    const merged: T[][] = [];
    for (let r = 0; r < runs.length; r += 2) {
      const a = runs[r] as T[];
      const b = runs[r + 1];
      merged.push(b === undefined ? a : yield* mergeWork(a, b, compare));
    }
    runs = merged;
  }
  return runs[0] as T[];
}

/** Two sorted arrays merged into one; on a tie the item of `a` (earlier in the input) comes first. */
function* mergeWork<T>(a: readonly T[], b: readonly T[], compare: (x: T, y: T) => number): Work<T[]> {
  const out = new Array<T>(a.length + b.length);
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < a.length && j < b.length) {
    const x = a[i] as T;
    const y = b[j] as T;
    if (compare(y, x) < 0) {
      out[k++] = y;
      j++;
    } else {
      out[k++] = x;
      i++;
    }
    if (k % BATCH === 0) yield;
  }
  while (i < a.length) out[k++] = a[i++] as T;
  while (j < b.length) out[k++] = b[j++] as T;
  return out;
}

/**
 * The `max` smallest items by `compare`, sorted (ties: earlier first), in one pass: O(n · log max) instead of a sort of
 * the whole list when only a few are kept.
 */
export function* smallestWork<T>(items: Iterable<T>, max: number, compare: (a: T, b: T) => number): Work<T[]> {
  if (max <= 0) return [];
  // Kept sorted; an item enters only when it beats the largest kept one.
  const kept: { item: T; index: number }[] = [];
  const before = (x: { item: T; index: number }, y: { item: T; index: number }): boolean => {
    const c = compare(x.item, y.item);
    return c < 0 || (c === 0 && x.index < y.index);
  };
  yield* eachWork(items, (item, index) => {
    const entry = { item, index };
    const last = kept[kept.length - 1];
    if (kept.length >= max && last !== undefined && !before(entry, last)) return;
    let lo = 0;
    let hi = kept.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (before(kept[mid] as { item: T; index: number }, entry)) lo = mid + 1;
      else hi = mid;
    }
    kept.splice(lo, 0, entry);
    if (kept.length > max) kept.pop();
  });
  return kept.map((e) => e.item);
}
