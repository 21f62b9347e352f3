// Runs the pure centre's sliceable work without blocking the event loop: lease renewals, informer events and
// metrics scrapes get a turn at least every ~10 ms, however large the estate (a garbage-collection pause may add to a slice:
// the goal is no block over 100 ms).
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Work } from '../findings/index.ts';

/** Longest synchronous stretch before the event loop gets a turn. */
export const SLICE_MS = 10;

/** Runs `work` to its end, giving the event loop a turn whenever a slice has run SLICE_MS. */
export async function runSliced<T>(work: Work<T>, sliceMs = SLICE_MS): Promise<T> {
  let start = performance.now();
  let step = work.next();
  while (step.done !== true) {
    if (performance.now() - start >= sliceMs) {
      await nextTurn();
      start = performance.now();
    }
    step = work.next();
  }
  return step.value;
}
