// Resource Graph's per-user quota: a number of queries per window, told on every answer by two headers.
import { ArmError } from '../../arm/errors.ts';

export interface GraphQuotaConfig {
  /** Queries per window and user (default 15). */
  limit?: number;
  /** Window length in ms (default 5,000). */
  windowMs?: number;
}

// rule: graph.quota.default — source: Learn "Guidance for throttled requests in Azure Resource Graph" (example quota of 15 queries per 5 seconds, per user; reference/arm-contract-wave2.md §11)
const DEFAULT_LIMIT = 15;
const DEFAULT_WINDOW_MS = 5_000;

/** `hh:mm:ss`, the format of `x-ms-user-quota-resets-after`. */
export function formatResetsAfter(ms: number): string {
  const s = Math.max(0, Math.ceil(ms / 1000));
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${pad(Math.floor(s / 3600))}:${pad(Math.floor((s % 3600) / 60))}:${pad(s % 60)}`;
}

export class GraphQuota {
  private readonly windows = new Map<string, { start: number; used: number }>();
  private limit: number;
  private windowMs: number;

  constructor(config: GraphQuotaConfig = {}) {
    this.limit = config.limit ?? DEFAULT_LIMIT;
    this.windowMs = config.windowMs ?? DEFAULT_WINDOW_MS;
  }

  configure(config: GraphQuotaConfig): void {
    this.limit = config.limit ?? DEFAULT_LIMIT;
    this.windowMs = config.windowMs ?? DEFAULT_WINDOW_MS;
    this.windows.clear();
  }

  /** Takes one query for `user`; the headers to send and, when the quota is spent, the 429 to answer with. */
  take(user: string, now: number): { headers: Record<string, string>; refused?: ArmError } {
    let w = this.windows.get(user);
    // rule: graph.quota.reset — source: Learn "Guidance for throttled requests in Azure Resource Graph" (when resets-after elapses the user's quota returns to full)
    if (w === undefined || now - w.start >= this.windowMs) this.windows.set(user, (w = { start: now, used: 0 }));
    const resetsAfter = formatResetsAfter(w.start + this.windowMs - now);
    if (w.used >= this.limit) {
      // rule: graph.quota.headers — source: Learn "Guidance for throttled requests in Azure Resource Graph" (x-ms-user-quota-remaining and x-ms-user-quota-resets-after on every response)
      const headers = { 'x-ms-user-quota-remaining': '0', 'x-ms-user-quota-resets-after': resetsAfter };
      // rule: graph.quota.429 — invented: the guidance page documents the 429 and the headers, not the body; ARM's envelope with code RateLimiting and a Retry-After of the reset
      const refused = new ArmError(429, 'RateLimiting', `Please provide below info when asking for support: the user's Resource Graph quota of ${this.limit} queries per ${this.windowMs / 1000} s is spent; retry after ${resetsAfter}.`, {
        ...headers,
        'retry-after': String(Math.max(1, Math.ceil((w.start + this.windowMs - now) / 1000))),
      });
      return { headers, refused };
    }
    w.used++;
    return { headers: { 'x-ms-user-quota-remaining': String(this.limit - w.used), 'x-ms-user-quota-resets-after': resetsAfter } };
  }
}
