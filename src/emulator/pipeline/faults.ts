// Seeded fault injection: latency, server errors, throttling storms, connection resets, slow operations.
import type { FaultConfig } from '../types.ts';

/** mulberry32: small, fast and reproducible for a given seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type FaultDecision =
  | { kind: 'none'; latencyMs: number }
  | { kind: 'reset'; latencyMs: number }
  | { kind: 'serverError'; latencyMs: number; status: number }
  | { kind: 'throttle'; latencyMs: number; retryAfterSeconds: number }
  | { kind: 'serverErrorAfterCommit'; latencyMs: number; status: number }
  | { kind: 'resetAfterCommit'; latencyMs: number };

export class Faults {
  private config: FaultConfig;
  private pattern: RegExp | undefined;
  private readonly random: () => number;

  constructor(config: FaultConfig | undefined, seed: number) {
    this.random = prng(seed);
    this.config = {};
    this.set(config ?? {});
  }

  set(config: FaultConfig): void {
    this.config = { ...config };
    this.pattern = config.pathPattern ? new RegExp(config.pathPattern, 'i') : undefined;
  }

  get current(): FaultConfig {
    return { ...this.config };
  }

  lroDelayFactor(): number {
    return this.config.lroDelayFactor ?? 1;
  }

  lroFails(): boolean {
    const rate = this.config.lroFailureRate;
    return rate !== undefined && rate > 0 && this.random() < rate;
  }

  /** What happens to a request; the after-commit kinds apply to writes only (`write`). */
  // rule: faults.injected — invented: fault injection (latency, 5xx, 429 storms, resets) for tests and benchmarks, not an Azure rule
  decide(path: string, write = false): FaultDecision {
    const c = this.config;
    if (this.pattern && !this.pattern.test(path)) return { kind: 'none', latencyMs: 0 };
    const latencyMs = typeof c.latencyMs === 'number' ? c.latencyMs : c.latencyMs ? c.latencyMs.min + this.random() * (c.latencyMs.max - c.latencyMs.min) : 0;
    if (c.connectionResetRate && this.random() < c.connectionResetRate) return { kind: 'reset', latencyMs };
    if (c.serverErrorRate && this.random() < c.serverErrorRate) return { kind: 'serverError', latencyMs, status: c.serverErrorStatus ?? 500 };
    if (c.throttleRate && this.random() < c.throttleRate) return { kind: 'throttle', latencyMs, retryAfterSeconds: c.throttleRetryAfterSeconds ?? 1 };
    // rule: faults.after-commit — invented: fault injection, not an Azure rule; a write Azure carried out whose answer is lost (a gateway 5xx or a dropped connection) is what retries must survive
    if (write && c.serverErrorAfterCommitRate && this.random() < c.serverErrorAfterCommitRate) return { kind: 'serverErrorAfterCommit', latencyMs, status: c.serverErrorStatus ?? 500 };
    if (write && c.connectionResetAfterCommitRate && this.random() < c.connectionResetAfterCommitRate) return { kind: 'resetAfterCommit', latencyMs };
    return { kind: 'none', latencyMs };
  }
}
