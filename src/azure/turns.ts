// Loops over a whole estate give the event loop a turn every ~10 ms, so lease renewals, informer events and metric
// scrapes are not held up while one observe converts 100,000 machines.
import { setImmediate as nextTurn } from 'node:timers/promises';

const TURN_MS = 10;

export class Turns {
  #start = performance.now();
  #items = 0;

  /** Cheap per item: true once every 32 items when the current slice has run its ~10 ms (an item may queue reads). */
  due(): boolean {
    if ((++this.#items & 31) !== 0) return false;
    return this.dueNow();
  }

  /** True when the current slice has run its ~10 ms: a clock read on every call, for items that each cost a lot. */
  dueNow(): boolean {
    return performance.now() - this.#start >= TURN_MS;
  }

  /** Gives the event loop its turn and starts a new slice. */
  async turn(): Promise<void> {
    await nextTurn();
    this.#start = performance.now();
  }

  /** Runs `each` over `items`, taking turns as they fall due. */
  async each<T>(items: Iterable<T>, each: (item: T) => void): Promise<void> {
    for (const item of items) {
      each(item);
      if (this.due()) await this.turn();
    }
  }
}
