// Per-user query rate of the Log Analytics query API: 200 queries per 30 seconds to all workspaces
// (azure-docs includes/azure-monitor-limits-log-queries.md, "Query rate").

import type { QueryRateConfig } from '../../../types.ts';

export class QueryRate {
  private readonly recent = new Map<string, number[]>();
  private readonly limit: number;
  private readonly windowMs: number;

  constructor(config: QueryRateConfig = {}) {
    this.limit = config.limit ?? 200;
    this.windowMs = config.windowMs ?? 30_000;
  }

  /** Records a query; returns the seconds to wait when the user is over the rate, else 0. */
  take(user: string, now = Date.now()): number {
    const times = this.recent.get(user) ?? [];
    while (times.length > 0 && times[0]! <= now - this.windowMs) times.shift();
    if (times.length >= this.limit) {
      this.recent.set(user, times);
      const oldest = times[0] ?? now;
      return Math.max(1, Math.ceil((oldest + this.windowMs - now) / 1000));
    }
    times.push(now);
    this.recent.set(user, times);
    return 0;
  }
}
