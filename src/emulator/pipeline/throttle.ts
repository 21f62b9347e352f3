// Throttle: ARM's token buckets for reads, writes and deletes, per subscription and principal, and the
// subscription-wide bucket all principals share.
import { TokenBuckets } from '../arm/buckets.ts';
import type { BucketConfig, ThrottlingConfig } from '../types.ts';

export type RequestCategory = 'reads' | 'writes' | 'deletes';

// rule: arm.throttle.buckets — source: reference/arm-contract-wave2.md §14 (Learn "Understand how Azure Resource Manager throttles requests": 250/25, 200/10, 200/10 per principal)
export const DEFAULT_BUCKETS: Record<RequestCategory, BucketConfig> = {
  reads: { burst: 250, perSecond: 25 },
  writes: { burst: 200, perSecond: 10 },
  deletes: { burst: 200, perSecond: 10 },
};

// rule: arm.throttle.global — source: reference/arm-contract-wave2.md §14 (a global subscription bucket 15× the per-principal one, shared by all principals)
const GLOBAL_FACTOR = 15;

export interface TakeResult {
  allowed: boolean;
  /** Headers ARM sends on every answer: the principal's and the subscription's remaining requests. */
  headers: Record<string, string>;
  /** Seconds until a token is available (only when refused). */
  retryAfterSeconds: number;
}

export class Throttle {
  private readonly buckets = new TokenBuckets();
  private readonly config: Record<RequestCategory, BucketConfig>;
  private readonly scale: number;
  private readonly globalFactor: number;
  readonly enabled: boolean;

  constructor(config: ThrottlingConfig | false | undefined) {
    this.enabled = config !== false;
    const c = config || {};
    this.config = { reads: c.reads ?? DEFAULT_BUCKETS.reads, writes: c.writes ?? DEFAULT_BUCKETS.writes, deletes: c.deletes ?? DEFAULT_BUCKETS.deletes };
    this.scale = c.scale ?? 1;
    this.globalFactor = c.globalFactor ?? GLOBAL_FACTOR;
  }

  take(category: RequestCategory, subscriptionId: string, principal: string, now = Date.now()): TakeResult {
    const cfg = this.config[category];
    const global = { burst: cfg.burst * this.globalFactor, perSecond: cfg.perSecond * this.globalFactor };
    if (!this.enabled) return { allowed: true, headers: headers(category, cfg.burst, global.burst), retryAfterSeconds: 0 };
    const own = `${category}|${subscriptionId.toLowerCase()}|${principal.toLowerCase()}`;
    const shared = `${category}|${subscriptionId.toLowerCase()}|*`;
    const mine = this.buckets.take(own, cfg.burst, cfg.perSecond * this.scale, now);
    // rule: arm.throttle.both — invented: a request needs a token from both buckets; Learn does not say which is charged first, so a refusal by either charges neither
    const all = this.buckets.take(shared, global.burst, global.perSecond * this.scale, now, mine.allowed);
    if (mine.allowed && !all.allowed) this.buckets.refund(own, cfg.burst);
    const allowed = mine.allowed && all.allowed;
    return {
      allowed,
      headers: headers(category, allowed || !mine.allowed ? mine.remaining : mine.remaining + 1, all.remaining),
      retryAfterSeconds: Math.max(mine.retryAfterSeconds, all.retryAfterSeconds),
    };
  }
}

// rule: arm.throttle.headers — source: reference/arm-contract-wave2.md §14 (x-ms-ratelimit-remaining-subscription-<category> and -global-<category>, seen together in captured responses)
function headers(category: RequestCategory, remaining: number, globalRemaining: number): Record<string, string> {
  return {
    [`x-ms-ratelimit-remaining-subscription-${category}`]: String(remaining),
    [`x-ms-ratelimit-remaining-subscription-global-${category}`]: String(globalRemaining),
  };
}

export function categoryOf(method: string): RequestCategory {
  if (method === 'GET' || method === 'HEAD') return 'reads';
  if (method === 'DELETE') return 'deletes';
  return 'writes';
}
