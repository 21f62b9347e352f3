// ARM's per-subscription, per-principal token buckets for reads, writes and deletes.
import type { BucketConfig, ThrottlingConfig } from '../types.ts';

export type RequestCategory = 'reads' | 'writes' | 'deletes';

export const DEFAULT_BUCKETS: Record<RequestCategory, BucketConfig> = {
  reads: { burst: 250, perSecond: 25 },
  writes: { burst: 200, perSecond: 10 },
  deletes: { burst: 200, perSecond: 10 },
};

interface Bucket {
  tokens: number;
  updated: number;
}

export interface TakeResult {
  allowed: boolean;
  remaining: number;
  /** Seconds until one token is available (only when refused). */
  retryAfterSeconds: number;
}

export class Throttle {
  private readonly buckets = new Map<string, Bucket>();
  private readonly config: Record<RequestCategory, BucketConfig>;
  private readonly scale: number;
  readonly enabled: boolean;

  constructor(config: ThrottlingConfig | false | undefined) {
    this.enabled = config !== false;
    const c = config || {};
    this.config = { reads: c.reads ?? DEFAULT_BUCKETS.reads, writes: c.writes ?? DEFAULT_BUCKETS.writes, deletes: c.deletes ?? DEFAULT_BUCKETS.deletes };
    this.scale = c.scale ?? 1;
  }

  take(category: RequestCategory, subscriptionId: string, principal: string, now = Date.now()): TakeResult {
    const cfg = this.config[category];
    if (!this.enabled) return { allowed: true, remaining: cfg.burst, retryAfterSeconds: 0 };
    const k = `${category}|${subscriptionId.toLowerCase()}|${principal.toLowerCase()}`;
    let bucket = this.buckets.get(k);
    if (!bucket) this.buckets.set(k, (bucket = { tokens: cfg.burst, updated: now }));
    const rate = cfg.perSecond * this.scale;
    bucket.tokens = Math.min(cfg.burst, bucket.tokens + ((now - bucket.updated) / 1000) * rate);
    bucket.updated = now;
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { allowed: true, remaining: Math.floor(bucket.tokens), retryAfterSeconds: 0 };
    }
    const wait = rate > 0 ? (1 - bucket.tokens) / rate : 60;
    return { allowed: false, remaining: 0, retryAfterSeconds: Math.max(1, Math.ceil(wait)) };
  }
}

export function categoryOf(method: string): RequestCategory {
  if (method === 'GET' || method === 'HEAD') return 'reads';
  if (method === 'DELETE') return 'deletes';
  return 'writes';
}
