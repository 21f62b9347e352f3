// A keyed work queue in the manner of client-go's: a key is never processed twice at once, bursts of adds
// collapse into one item, failures back off per key under an overall token bucket, and delayed adds wait on timers.

/** Hooks the queue calls so metrics stay outside it (see metrics.ts). */
export interface QueueObserver {
  added(): void;
  depth(n: number): void;
  retried(): void;
  /** Seconds the key waited in the queue before a worker took it. */
  queued(seconds: number): void;
  /** Seconds a worker held the key. */
  worked(seconds: number): void;
}

export interface WorkQueueOptions {
  /** First per-key retry delay; doubles on every failure. */
  baseDelayMs?: number;
  /** Cap of the per-key delay (client-go: 1000 s, about 16 min). */
  maxDelayMs?: number;
  /** Overall bucket refill, in retries per second. */
  qps?: number;
  /** Overall bucket size. */
  burst?: number;
  observer?: QueueObserver;
  /** Clock in milliseconds; injectable for tests. */
  now?: () => number;
}

/** Per-key exponential backoff combined with an overall token bucket (client-go's DefaultControllerRateLimiter). */
export class RateLimiter {
  readonly #base: number;
  readonly #max: number;
  readonly #qps: number;
  readonly #burst: number;
  readonly #now: () => number;
  readonly #failures = new Map<string, number>();
  #tokens: number;
  #last: number;

  constructor(options: WorkQueueOptions = {}) {
    this.#base = options.baseDelayMs ?? 5;
    this.#max = options.maxDelayMs ?? 1_000_000;
    this.#qps = options.qps ?? 10;
    this.#burst = options.burst ?? 100;
    this.#now = options.now ?? Date.now;
    this.#tokens = this.#burst;
    this.#last = this.#now();
  }

  /** Delay before the key's next retry; counts one more failure. */
  when(key: string): number {
    const failures = this.#failures.get(key) ?? 0;
    this.#failures.set(key, failures + 1);
    const exponential = Math.min(this.#base * 2 ** failures, this.#max);
    return Math.max(exponential, this.#reserve());
  }

  forget(key: string): void {
    this.#failures.delete(key);
  }

  numRequeues(key: string): number {
    return this.#failures.get(key) ?? 0;
  }

  // Takes one token, possibly going negative: the deficit is the wait (like rate.Limiter.Reserve).
  #reserve(): number {
    const now = this.#now();
    this.#tokens = Math.min(this.#burst, this.#tokens + ((now - this.#last) / 1000) * this.#qps);
    this.#last = now;
    this.#tokens -= 1;
    return this.#tokens >= 0 ? 0 : Math.ceil((-this.#tokens / this.#qps) * 1000);
  }
}

export class WorkQueue {
  readonly #queue: string[] = [];
  readonly #dirty = new Set<string>();
  readonly #processing = new Set<string>();
  readonly #addedAt = new Map<string, number>();
  readonly #startedAt = new Map<string, number>();
  readonly #waiting = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  readonly #getters: ((key: string | undefined) => void)[] = [];
  readonly #drained: (() => void)[] = [];
  readonly #limiter: RateLimiter;
  readonly #observer: QueueObserver | undefined;
  readonly #now: () => number;
  #shuttingDown = false;

  constructor(options: WorkQueueOptions = {}) {
    this.#limiter = new RateLimiter(options);
    this.#observer = options.observer;
    this.#now = options.now ?? Date.now;
  }

  /** Marks the key as needing work; a no-op when it is already queued. */
  add(key: string): void {
    if (this.#shuttingDown || this.#dirty.has(key)) return;
    this.#observer?.added();
    this.#dirty.add(key);
    if (!this.#addedAt.has(key)) this.#addedAt.set(key, this.#now());
    // A key being processed is re-queued by done(), never handed to a second worker.
    if (this.#processing.has(key)) return;
    this.#push(key);
  }

  /** Adds the key after a delay; an earlier pending add of the same key wins. */
  addAfter(key: string, delayMs: number): void {
    if (this.#shuttingDown) return;
    if (delayMs <= 0) {
      this.add(key);
      return;
    }
    const at = this.#now() + delayMs;
    const pending = this.#waiting.get(key);
    if (pending && pending.at <= at) return;
    if (pending) clearTimeout(pending.timer);
    const timer = setTimeout(() => {
      this.#waiting.delete(key);
      this.add(key);
    }, delayMs);
    timer.unref();
    this.#waiting.set(key, { at, timer });
  }

  /** Adds the key after its backoff: per-key exponential, bounded below by the overall bucket. */
  addRateLimited(key: string): void {
    this.#observer?.retried();
    this.addAfter(key, this.#limiter.when(key));
  }

  /** Clears the key's failure count (after a success). */
  forget(key: string): void {
    this.#limiter.forget(key);
  }

  numRequeues(key: string): number {
    return this.#limiter.numRequeues(key);
  }

  len(): number {
    return this.#queue.length;
  }

  /** Keys waiting for a delayed add (for tests and diagnostics). */
  pendingDelayed(): string[] {
    return [...this.#waiting.keys()];
  }

  /** The next key, marked as processing; undefined once the queue shuts down. */
  get(): Promise<string | undefined> {
    const key = this.#queue.shift();
    if (key !== undefined) return Promise.resolve(this.#take(key));
    if (this.#shuttingDown) return Promise.resolve(undefined);
    return new Promise((resolve) => this.#getters.push(resolve));
  }

  /** Ends processing of a key; if it was added meanwhile it goes back in the queue. */
  done(key: string): void {
    this.#processing.delete(key);
    const started = this.#startedAt.get(key);
    this.#startedAt.delete(key);
    if (started !== undefined) this.#observer?.worked((this.#now() - started) / 1000);
    if (this.#dirty.has(key) && !this.#shuttingDown) this.#push(key);
    if (this.#shuttingDown && this.#processing.size === 0) this.#drained.splice(0).forEach((r) => r());
  }

  isShuttingDown(): boolean {
    return this.#shuttingDown;
  }

  /** Stops handing out keys and resolves once in-flight keys are done. */
  shutDown(): Promise<void> {
    this.#shuttingDown = true;
    for (const { timer } of this.#waiting.values()) clearTimeout(timer);
    this.#waiting.clear();
    this.#queue.length = 0;
    this.#dirty.clear();
    this.#observer?.depth(0);
    this.#getters.splice(0).forEach((resolve) => resolve(undefined));
    if (this.#processing.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#drained.push(resolve));
  }

  #push(key: string): void {
    const getter = this.#getters.shift();
    if (getter) {
      getter(this.#take(key));
      return;
    }
    this.#queue.push(key);
    this.#observer?.depth(this.#queue.length);
  }

  #take(key: string): string {
    this.#processing.add(key);
    this.#dirty.delete(key);
    const added = this.#addedAt.get(key);
    this.#addedAt.delete(key);
    const now = this.#now();
    if (added !== undefined) this.#observer?.queued((now - added) / 1000);
    this.#startedAt.set(key, now);
    this.#observer?.depth(this.#queue.length);
    return key;
  }
}

export interface WorkerResult {
  /** Add the key again after this many milliseconds. */
  requeueAfter?: number;
  /** A failure: the key backs off. */
  error?: unknown;
}

/**
 * Runs `concurrency` workers over the queue until it shuts down: success forgets the key's failures
 * (and honours requeueAfter), failure re-adds it rate-limited. A throwing handler counts as a failure.
 */
export async function runWorkers(
  queue: WorkQueue,
  concurrency: number,
  handle: (key: string) => Promise<WorkerResult>,
): Promise<void> {
  const worker = async (): Promise<void> => {
    for (;;) {
      const key = await queue.get();
      if (key === undefined) return;
      let result: WorkerResult;
      try {
        result = await handle(key);
      } catch (error) {
        result = { error };
      }
      try {
        if (result.error !== undefined) {
          queue.addRateLimited(key);
        } else {
          queue.forget(key);
          if (result.requeueAfter !== undefined) queue.addAfter(key, result.requeueAfter);
        }
      } finally {
        queue.done(key);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, () => worker()));
}
