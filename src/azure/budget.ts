// One ARM request budget per subscription, shared by every topology: token buckets that mirror ARM's own.
import { PolicyBudgets } from './policy-budget.ts';

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
 * Priorities in the shared read queue (higher first): the discovery pass, then each observe's bulk lists, then
 * per-machine reads a plan waits for, then re-reads of remembered agent extensions that merely expired.
 */
export const READ_PRIORITY = { discovery: 2, bulk: 1, perMachine: 0, refresh: -1 } as const;

/** Requests left in ARM's bucket from which it evidently grants more than we send. */
const PLENTY = 8;

/** Share of a bucket kept unspent so clock skew between us and ARM never turns a burst into a 429. */
export const DEFAULT_MARGIN = 0.02;

/** Tokens kept back in a bucket of `burst` (2 %: 5 of ARM's 250 reads, 4 of its 200 writes; none below 50). */
export function marginTokens(burst: number, share = DEFAULT_MARGIN): number {
  return Math.floor(burst * share);
}

/**
 * A token bucket where callers reserve a token up front: the balance may go negative and the
 * deficit says how long the caller must wait, so concurrent callers queue fairly without polling.
 */
export class TokenBucket {
  readonly burst: number;
  /** The configured refill rate; the bucket runs slower after ARM throttles it (see slowDown). */
  readonly perSecond: number;
  /** Tokens never spent: a request waits until the bucket holds this many besides its own. */
  readonly margin: number;
  readonly #clock: Clock;
  #tokens: number;
  #last: number;
  #rate: number;
  /** ARM's remaining count after the last request that went through. */
  #remaining: number | undefined;
  /** Set once ARM refused a request: the rate then follows what ARM grants. */
  #adapting = false;

  constructor(limits: BucketLimits, clock: Clock = systemClock, margin = 0) {
    if (!(limits.burst >= 1) || !(limits.perSecond > 0)) throw new Error('bucket needs burst >= 1 and perSecond > 0');
    if (!(margin >= 0 && margin < limits.burst)) throw new Error('bucket margin must be in [0, burst)');
    this.burst = limits.burst;
    this.margin = margin;
    this.perSecond = limits.perSecond;
    this.#clock = clock;
    this.#tokens = limits.burst;
    this.#last = clock.now();
    this.#rate = limits.perSecond;
  }

  #refill(): void {
    const now = this.#clock.now();
    const elapsed = Math.max(0, now - this.#last) / 1000;
    this.#last = now;
    this.#tokens = Math.min(this.burst, this.#tokens + elapsed * this.#rate);
  }

  /** Tokens available now (negative when callers are queued). */
  get tokens(): number {
    this.#refill();
    return this.#tokens;
  }

  /** The refill rate in use now (requests per second). */
  get rate(): number {
    return this.#rate;
  }

  /** Takes one token; returns the milliseconds the caller must wait before sending (0 = go now). */
  reserve(): number {
    this.#refill();
    this.#tokens -= 1;
    const short = this.margin - this.#tokens;
    return short <= 0 ? 0 : Math.ceil((short / this.#rate) * 1000);
  }

  /** Gives back a token reserved for a request that was not sent. */
  release(): void {
    this.#refill();
    this.#tokens = Math.min(this.burst, this.#tokens + 1);
  }

  /**
   * ARM said how many requests remain: never believe more than ARM does (other clients share the
   * same ARM bucket), but keep our own lower figure, which already counts requests in flight.
   */
  correct(remaining: number): void {
    if (!Number.isFinite(remaining)) return;
    this.#refill();
    if (remaining < this.#tokens) this.#tokens = remaining;
  }

  /** ARM grants less than configured: halve the rate (multiplicative decrease) and spend no saved burst. */
  slowDown(): void {
    this.#refill();
    // ARM's last answer said its bucket held plenty: this refusal is not our rate's doing (a storm, another limit).
    // Halving on such random refusals would pin the rate to its floor; a second one before any success still halves.
    if (this.#remaining !== undefined && this.#remaining >= PLENTY) {
      this.#remaining = 0;
      this.#tokens = Math.min(this.#tokens, 0);
      return;
    }
    this.#rate = Math.max(this.perSecond / 100, this.#rate / 2);
    this.#tokens = Math.min(this.#tokens, 0);
    this.#remaining = 0;
    this.#adapting = true;
  }

  /**
   * A request went through. With ARM's remaining count: speed up while ARM's bucket holds plenty and is not
   * shrinking, ease off while we drain its last requests (before it refuses one). Without it: creep back up.
   */
  speedUp(remaining?: number): void {
    this.#refill();
    if (remaining === undefined || !Number.isFinite(remaining)) {
      this.#rate = Math.min(this.perSecond, this.#rate + this.perSecond / 400);
      return;
    }
    const before = this.#remaining;
    this.#remaining = remaining;
    // Until ARM has refused one, the configured rate stands: a small bucket that refills fast also reads low.
    if (before === undefined || !this.#adapting) return;
    if (remaining >= PLENTY && remaining >= before) this.#rate = Math.min(this.perSecond, this.#rate * 1.1);
    else if (remaining < PLENTY && remaining < before) this.#rate = Math.max(this.perSecond / 100, this.#rate * 0.75);
  }
}

export interface SubscriptionBudget {
  readonly subscriptionId: string;
  /** Reserves one request of `kind`; returns the milliseconds to wait (covers any 429 pause). */
  reserve(kind: BudgetKind): number;
  /** Returns a reserved token that was not used (the request is queued again after a new pause). */
  release(kind: BudgetKind): void;
  /** Applies an `x-ms-ratelimit-remaining-subscription-*` figure (requests still in flight will spend from it too). */
  correct(kind: BudgetKind, remaining: number): void;
  /** A request of `kind` is sent / has its answer: ARM's remaining count is read net of requests in flight. */
  sent(kind: BudgetKind): void;
  answered(kind: BudgetKind): void;
  /** Stops every request on the subscription until `untilMs` (clock time), as after a 429. */
  pauseUntil(untilMs: number): void;
  /** Clock time until which the subscription is paused (0 when not paused). */
  readonly pausedUntil: number;
  /** Counts ARM 429s of `kind`: a request reserved in an older epoch was already accounted for. */
  epoch(kind: BudgetKind): number;
  /** ARM refused a request of `kind` reserved in `epoch`: slow the kind down once for that window and open a new epoch. */
  throttled(kind: BudgetKind, epoch: number): void;
  /** A request of `kind` succeeded (`remaining`: ARM's count after it, when sent): let the rate grow back. */
  succeeded(kind: BudgetKind, remaining?: number): void;
  /** Stops requests to one resource provider (its own limits refused one) until `untilMs`; others go on. */
  pauseProvider(provider: string, untilMs: number): void;
  /** Milliseconds left of a provider's pause (0 when it is not paused). */
  providerWait(provider: string): number;
  tokens(kind: BudgetKind): number;
  rate(kind: BudgetKind): number;
  /** The resource providers' own named policies (Compute's), corrected from `x-ms-ratelimit-remaining-resource`. */
  readonly policies: PolicyBudgets;
}

class Budget implements SubscriptionBudget {
  readonly subscriptionId: string;
  readonly #buckets: Record<BudgetKind, TokenBucket>;
  readonly #clock: Clock;
  readonly #epochs: Record<BudgetKind, number> = { reads: 0, writes: 0, deletes: 0 };
  readonly #inFlight: Record<BudgetKind, number> = { reads: 0, writes: 0, deletes: 0 };
  readonly #providers = new Map<string, number>();
  readonly policies: PolicyBudgets;
  #pausedUntil = 0;

  constructor(subscriptionId: string, limits: Record<BudgetKind, BucketLimits>, clock: Clock, margin: number) {
    this.subscriptionId = subscriptionId;
    this.#clock = clock;
    const bucket = (l: BucketLimits): TokenBucket => new TokenBucket(l, clock, marginTokens(l.burst, margin));
    this.policies = new PolicyBudgets((l) => new TokenBucket(l, clock, marginTokens(l.burst, margin)));
    this.#buckets = {
      reads: bucket(limits.reads),
      writes: bucket(limits.writes),
      deletes: bucket(limits.deletes),
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

  release(kind: BudgetKind): void {
    this.#buckets[kind].release();
  }

  correct(kind: BudgetKind, remaining: number): void {
    this.#buckets[kind].correct(remaining - this.#inFlight[kind]);
  }

  sent(kind: BudgetKind): void {
    this.#inFlight[kind]++;
  }

  answered(kind: BudgetKind): void {
    this.#inFlight[kind] = Math.max(0, this.#inFlight[kind] - 1);
  }

  pauseUntil(untilMs: number): void {
    if (untilMs > this.#pausedUntil) this.#pausedUntil = untilMs;
  }

  epoch(kind: BudgetKind): number {
    return this.#epochs[kind];
  }

  throttled(kind: BudgetKind, epoch: number): void {
    if (epoch !== this.#epochs[kind]) return;
    this.#epochs[kind]++;
    this.#buckets[kind].slowDown();
  }

  succeeded(kind: BudgetKind, remaining?: number): void {
    this.#buckets[kind].speedUp(remaining);
  }

  pauseProvider(provider: string, untilMs: number): void {
    const key = provider.toLowerCase();
    if (untilMs > (this.#providers.get(key) ?? 0)) this.#providers.set(key, untilMs);
  }

  providerWait(provider: string): number {
    return Math.max(0, Math.ceil((this.#providers.get(provider.toLowerCase()) ?? 0) - this.#clock.now()));
  }

  tokens(kind: BudgetKind): number {
    return this.#buckets[kind].tokens;
  }

  rate(kind: BudgetKind): number {
    return this.#buckets[kind].rate;
  }
}

export interface BudgetConfig {
  reads?: BucketLimits;
  writes?: BucketLimits;
  deletes?: BucketLimits;
  clock?: Clock;
  /** Share of each bucket kept unspent (default 2 %): ARM's clock and ours never agree to the millisecond. */
  margin?: number;
}

/** The budgets of every subscription the controller touches; create one per process and share it. */
export interface SubscriptionBudgets {
  readonly clock: Clock;
  readonly limits: Readonly<Record<BudgetKind, BucketLimits>>;
  /** The budget of a subscription (subscription ids compared case-insensitively). */
  get(subscriptionId: string): SubscriptionBudget;
  subscriptions(): string[];
  /** Runs `task` when no other task holding `key` runs (process-wide, across gateways and topologies). */
  exclusive<T>(key: string, task: () => Promise<T>): Promise<T>;
}

export function createSubscriptionBudgets(config: BudgetConfig = {}): SubscriptionBudgets {
  const clock = config.clock ?? systemClock;
  const limits: Record<BudgetKind, BucketLimits> = {
    reads: config.reads ?? ARM_LIMITS.reads,
    writes: config.writes ?? ARM_LIMITS.writes,
    deletes: config.deletes ?? ARM_LIMITS.deletes,
  };
  const budgets = new Map<string, Budget>();
  const tails = new Map<string, Promise<unknown>>();
  return {
    clock,
    limits,
    get(subscriptionId: string): SubscriptionBudget {
      const key = subscriptionId.toLowerCase();
      let b = budgets.get(key);
      if (!b) {
        b = new Budget(key, limits, clock, config.margin ?? DEFAULT_MARGIN);
        budgets.set(key, b);
      }
      return b;
    },
    subscriptions: () => [...budgets.keys()],
    exclusive<T>(key: string, task: () => Promise<T>): Promise<T> {
      const k = key.toLowerCase();
      const before = tails.get(k) ?? Promise.resolve();
      const run = before.then(task, task);
      const tail = run.then(
        () => undefined,
        () => undefined,
      );
      tails.set(k, tail);
      void tail.then(() => {
        if (tails.get(k) === tail) tails.delete(k);
      });
      return run;
    },
  };
}

/** Which bucket an HTTP method draws from. */
export function budgetKindOf(method: string): BudgetKind {
  const m = method.toUpperCase();
  if (m === 'GET' || m === 'HEAD') return 'reads';
  if (m === 'DELETE') return 'deletes';
  return 'writes';
}

/** `hh:mm:ss` (Resource Graph's `x-ms-user-quota-resets-after`) in milliseconds; undefined when malformed. */
export function parseResetsAfter(text: string | undefined): number | undefined {
  const m = /^(\d+):(\d{2}):(\d{2})$/.exec(text?.trim() ?? '');
  if (!m) return undefined;
  return ((Number(m[1]) * 60 + Number(m[2])) * 60 + Number(m[3])) * 1000;
}

/**
 * Resource Graph's per-user quota, a budget apart from ARM's: what its last answer said was left and when the
 * window resets, less the queries sent since. Learn, "Guidance for throttled requests in Azure Resource Graph".
 */
export class GraphQuota {
  readonly #clock: Clock;
  #remaining: number | undefined;
  #resetAt = 0;
  #inFlight = 0;

  constructor(clock: Clock = systemClock) {
    this.#clock = clock;
  }

  /** Milliseconds until a query may go (0: it may go now, and one query is counted as sent). */
  acquire(): number {
    const now = this.#clock.now();
    if (this.#remaining !== undefined && now >= this.#resetAt) this.#remaining = undefined;
    if (this.#remaining !== undefined && this.#remaining - this.#inFlight <= 0) return Math.max(1, this.#resetAt - now);
    this.#inFlight++;
    return 0;
  }

  /** What an answer said (headers absent: nothing learnt); every acquire is settled once. */
  settle(remaining: string | undefined, resetsAfter: string | undefined): void {
    this.#inFlight = Math.max(0, this.#inFlight - 1);
    const left = remaining === undefined ? Number.NaN : Number(remaining);
    const reset = parseResetsAfter(resetsAfter);
    if (Number.isFinite(left) && reset !== undefined) {
      const resetAt = this.#clock.now() + reset;
      // Answers overtake each other: within one window (resets-after is rounded up to whole seconds) keep the lowest
      // remaining and the earliest reset each answer bounds.
      const sameWindow = this.#remaining !== undefined && resetAt <= this.#resetAt + 1000;
      this.#remaining = sameWindow ? Math.min(this.#remaining ?? left, left) : left;
      this.#resetAt = sameWindow ? Math.min(this.#resetAt, resetAt) : resetAt;
    }
  }

  /** Milliseconds until the quota resets (0 when it is not known to be spent). */
  waitMs(): number {
    const now = this.#clock.now();
    return this.#remaining !== undefined && this.#remaining - this.#inFlight <= 0 && now < this.#resetAt ? this.#resetAt - now : 0;
  }
}
