// Request counters by operation and status, read by tests and benchmarks.
import type { RequestCategory } from './throttle.ts';
import type { RequestCounters } from '../types.ts';

export class Counters {
  private data: RequestCounters = Counters.empty();

  static empty(): RequestCounters {
    return { total: 0, reads: 0, writes: 0, deletes: 0, throttled: 0, tokens: 0, byStatus: {}, byOperation: {} };
  }

  record(operation: string, status: number, category: RequestCategory | undefined): void {
    const d = this.data;
    d.total++;
    if (category) d[category]++;
    if (status === 429) d.throttled++;
    const s = String(status);
    d.byStatus[s] = (d.byStatus[s] ?? 0) + 1;
    const op = (d.byOperation[operation] ??= {});
    op[s] = (op[s] ?? 0) + 1;
  }

  token(): void {
    this.data.tokens++;
  }

  snapshot(): RequestCounters {
    return structuredClone(this.data);
  }

  reset(): void {
    this.data = Counters.empty();
  }
}
