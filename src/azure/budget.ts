// One ARM request budget per subscription, shared by every topology: token buckets that mirror ARM's own.

export type BudgetKind = 'reads' | 'writes' | 'deletes';
export const BUDGET_KINDS: readonly BudgetKind[] = ['reads', 'writes', 'deletes'];

export interface BucketLimits {
  /** Bucket size: how many requests may go at once after a quiet period. */
  burst: number;
  /** Refill rate in requests per second. */
  perSecond: number;
}

export interface Clock {
  /** Milliseconds, monotonic enough for rate arithmetic. */
  now(): number;
}

export const systemClock: Clock = { now: () => performance.now() };

/** ARM's documented per-subscription, per-principal limits (token-bucket model). */
export const ARM_LIMITS: Readonly<Record<BudgetKind, BucketLimits>> = {
  reads: { burst: 250, perSecond: 25 },
  writes: { burst: 200, perSecond: 10 },
  deletes: { burst: 200, perSecond: 10 },
};

/**
 * A token bucket where callers reserve a token up front: the balance may go negative and the
 * deficit says how long the caller must wait, so concurrent callers queue fairly without polling.
 */
export class TokenBucket {
  readonly burst: number;
  readonly perSecond: number;
  readonly #clock: Clock;
  #tokens: number;
  #last: number;

  constructor(limits: BucketLimits, clock: Clock = systemClock) {
    if (!(limits.burst >= 1) || !(limits.perSecond > 0)) throw new Error('bucket needs burst >= 1 and perSecond > 0');
    this.burst = limits.burst;
    this.perSecond = limits.perSecond;
    this.#clock = clock;
    this.#tokens = limits.burst;
    this.#last = clock.now();
  }

  #refill(): void {
    const now = this.#clock.now();
    const elapsed = Math.max(0, now - this.#last) / 1000;
    this.#last = now;
    this.#tokens = Math.min(this.burst, this.#tokens + elapsed * this.perSecond);
  }

  /** Tokens available now (negative when callers are queued). */
  get tokens(): number {
    this.#refill();
    return this.#tokens;
  }

  /** Takes one token; returns the milliseconds the caller must wait before sending (0 = go now). */
  reserve(): number {
    this.#refill();
    this.#tokens -= 1;
    return this.#tokens >= 0 ? 0 : Math.ceil((-this.#tokens / this.perSecond) * 1000);
  }

  /**
   * ARM said how many requests remain: never believe more than ARM does (other clients share the
   * same ARM bucket), but keep our own lower figure, which already counts requests in flight.
   */
  correct(remaining: number): void {
    if (!Number.isFinite(remaining) || remaining < 0) return;
    this.#refill();
    if (remaining < this.#tokens) this.#tokens = remaining;
  }
}

export interface SubscriptionBudget {
  readonly subscriptionId: string;
  /** Reserves one request of `kind`; returns the milliseconds to wait (covers any 429 pause). */
  reserve(kind: BudgetKind): number;
  /** Applies an `x-ms-ratelimit-remaining-subscription-*` figure. */
  correct(kind: BudgetKind, remaining: number): void;
  /** Stops every request on the subscription until `untilMs` (clock time), as after a 429. */
  pauseUntil(untilMs: number): void;
  /** Clock time until which the subscription is paused (0 when not paused). */
  readonly pausedUntil: number;
  tokens(kind: BudgetKind): number;
}

class Budget implements SubscriptionBudget {
  readonly subscriptionId: string;
  readonly #buckets: Record<BudgetKind, TokenBucket>;
  readonly #clock: Clock;
  #pausedUntil = 0;

  constructor(subscriptionId: string, limits: Record<BudgetKind, BucketLimits>, clock: Clock) {
    this.subscriptionId = subscriptionId;
    this.#clock = clock;
    this.#buckets = {
      reads: new TokenBucket(limits.reads, clock),
      writes: new TokenBucket(limits.writes, clock),
      deletes: new TokenBucket(limits.deletes, clock),
    };
  }

  get pausedUntil(): number {
    return this.#pausedUntil > this.#clock.now() ? this.#pausedUntil : 0;
  }

  reserve(kind: BudgetKind): number {
    const wait = this.#buckets[kind].reserve();
    const pause = Math.max(0, this.#pausedUntil - this.#clock.now());
    return Math.max(wait, Math.ceil(pause));
  }

  correct(kind: BudgetKind, remaining: number): void {
    this.#buckets[kind].correct(remaining);
  }

  pauseUntil(untilMs: number): void {
    if (untilMs > this.#pausedUntil) this.#pausedUntil = untilMs;
  }

  tokens(kind: BudgetKind): number {
    return this.#buckets[kind].tokens;
  }
}

export interface BudgetConfig {
  reads?: BucketLimits;
  writes?: BucketLimits;
  deletes?: BucketLimits;
  clock?: Clock;
}

/** The budgets of every subscription the controller touches; create one per process and share it. */
export interface SubscriptionBudgets {
  readonly clock: Clock;
  readonly limits: Readonly<Record<BudgetKind, BucketLimits>>;
  /** The budget of a subscription (subscription ids compared case-insensitively). */
  get(subscriptionId: string): SubscriptionBudget;
  subscriptions(): string[];
}

export function createSubscriptionBudgets(config: BudgetConfig = {}): SubscriptionBudgets {
  const clock = config.clock ?? systemClock;
  const limits: Record<BudgetKind, BucketLimits> = {
    reads: config.reads ?? ARM_LIMITS.reads,
    writes: config.writes ?? ARM_LIMITS.writes,
    deletes: config.deletes ?? ARM_LIMITS.deletes,
  };
  const budgets = new Map<string, Budget>();
  return {
    clock,
    limits,
    get(subscriptionId: string): SubscriptionBudget {
      const key = subscriptionId.toLowerCase();
      let b = budgets.get(key);
      if (!b) {
        b = new Budget(key, limits, clock);
        budgets.set(key, b);
      }
      return b;
    },
    subscriptions: () => [...budgets.keys()],
  };
}

/** Which bucket an HTTP method draws from. */
export function budgetKindOf(method: string): BudgetKind {
  const m = method.toUpperCase();
  if (m === 'GET' || m === 'HEAD') return 'reads';
  if (m === 'DELETE') return 'deletes';
  return 'writes';
}
