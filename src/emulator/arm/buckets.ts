// Token buckets keyed by name: `burst` tokens refilled continuously, as ARM and Compute describe their limits.

interface Bucket {
  tokens: number;
  updated: number;
}

export interface Taken {
  allowed: boolean;
  /** Whole tokens left after this request. */
  remaining: number;
  /** Seconds until one token is available (only when refused). */
  retryAfterSeconds: number;
}

export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();

  /** Refills bucket `key` (size `burst`, `perSecond` tokens a second) to `now`; takes one token when `take` and one is there. */
  take(key: string, burst: number, perSecond: number, now: number, take = true): Taken {
    let bucket = this.buckets.get(key);
    if (!bucket) this.buckets.set(key, (bucket = { tokens: burst, updated: now }));
    bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.updated) / 1000) * perSecond);
    bucket.updated = now;
    if (bucket.tokens >= 1) {
      if (take) bucket.tokens -= 1;
      return { allowed: true, remaining: Math.floor(bucket.tokens), retryAfterSeconds: 0 };
    }
    const wait = perSecond > 0 ? (1 - bucket.tokens) / perSecond : 60;
    return { allowed: false, remaining: 0, retryAfterSeconds: Math.max(1, Math.ceil(wait)) };
  }

  /** Gives back a token taken for a request another limit then refused. */
  refund(key: string, burst: number): void {
    const bucket = this.buckets.get(key);
    if (bucket) bucket.tokens = Math.min(burst, bucket.tokens + 1);
  }
}
