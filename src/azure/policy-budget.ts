// A resource provider's own named budgets (Compute's `HighCostGet3Min`, `LowCostGet30Min`, …), learned and
// corrected from the `x-ms-ratelimit-remaining-resource` header its answers carry.
/** The token bucket a policy is kept in (budget.ts's TokenBucket; only what this file uses). */
export interface PolicyBucket {
  readonly burst: number;
  readonly tokens: number;
  reserve(): number;
  release(): void;
  correct(remaining: number): void;
}

/** One policy's remaining count, as a provider reports it. */
export interface PolicyReading {
  /** Lower-cased provider namespace, e.g. `microsoft.compute`. */
  provider: string;
  /** Policy name as sent, e.g. `HighCostGet3Min`. */
  policy: string;
  remaining: number;
}

/**
 * Parses `x-ms-ratelimit-remaining-resource`: comma-separated `<Provider>/<Policy>;<remaining>` entries
 * (`Microsoft.Compute/HighCostGet3Min;107,Microsoft.Compute/HighCostGet30Min;527`); malformed entries are skipped.
 */
export function parseRemainingResource(header: string | undefined): PolicyReading[] {
  if (header === undefined) return [];
  const readings: PolicyReading[] = [];
  for (const entry of header.split(',')) {
    const m = /^\s*([^/;\s]+)\/([^;\s]+)\s*;\s*(\d+)\s*$/.exec(entry);
    if (!m?.[1] || !m[2] || m[3] === undefined) continue;
    readings.push({ provider: m[1].toLowerCase(), policy: m[2], remaining: Number(m[3]) });
  }
  return readings;
}

/** The window a policy name states (`…3Min` = 3 minutes, `…30Min` = 30 minutes); one minute when it states none. */
export function policyWindowMs(policy: string): number {
  const m = /(\d+)\s*min$/i.exec(policy);
  const minutes = m?.[1] ? Number(m[1]) : 1;
  return (minutes > 0 ? minutes : 1) * 60_000;
}

interface Policy {
  bucket: PolicyBucket;
  inFlight: number;
}

/**
 * The named policies of one subscription. Each policy is a token bucket whose size is the highest remaining
 * count seen plus one (the provider's grant, as far as we have seen it) refilled over the policy's window;
 * every answer sets it to what the provider says is left, net of our requests still in flight. An operation
 * draws from the policies its answers named, so only that provider's requests of that cost class wait.
 */
export class PolicyBudgets {
  readonly #bucket: (limits: { burst: number; perSecond: number }) => PolicyBucket;
  readonly #policies = new Map<string, Policy>();
  readonly #byOperation = new Map<string, Set<string>>();

  /** `bucket` makes a token bucket on the budget's clock. */
  constructor(bucket: (limits: { burst: number; perSecond: number }) => PolicyBucket) {
    this.#bucket = bucket;
  }

  /** Reserves one request of `operation` from each of its policies; returns the milliseconds to wait (0 = go). */
  reserve(operation: string): number {
    let wait = 0;
    for (const p of this.#policiesOf(operation)) wait = Math.max(wait, p.bucket.reserve());
    return wait;
  }

  /** Gives back the tokens of a request that was not sent. */
  release(operation: string): void {
    for (const p of this.#policiesOf(operation)) p.bucket.release();
  }

  sent(operation: string): void {
    for (const p of this.#policiesOf(operation)) p.inFlight++;
  }

  answered(operation: string): void {
    for (const p of this.#policiesOf(operation)) p.inFlight = Math.max(0, p.inFlight - 1);
  }

  /** Applies an answer's readings: learns which policies `operation` draws from and corrects each. */
  learn(operation: string, readings: readonly PolicyReading[]): void {
    if (readings.length === 0) return;
    const names = new Set<string>();
    for (const r of readings) {
      const key = `${r.provider}/${r.policy.toLowerCase()}`;
      names.add(key);
      let p = this.#policies.get(key);
      const size = r.remaining + 1;
      if (!p || size > p.bucket.burst) {
        // A larger grant than seen so far: the bucket grows to it (same window), keeping requests in flight.
        const bucket = this.#bucket({ burst: size, perSecond: size / (policyWindowMs(r.policy) / 1000) });
        p = { bucket, inFlight: p?.inFlight ?? 0 };
        this.#policies.set(key, p);
      }
      p.bucket.correct(r.remaining - p.inFlight);
    }
    const known = this.#byOperation.get(operation);
    if (known) for (const n of names) known.add(n);
    else this.#byOperation.set(operation, names);
  }

  /** The estimated requests left of a policy (`microsoft.compute/highcostget3min`), undefined when never reported. */
  remaining(policy: string): number | undefined {
    return this.#policies.get(policy.toLowerCase())?.bucket.tokens;
  }

  /** The policies an operation was seen to draw from. */
  policiesOf(operation: string): string[] {
    return [...(this.#byOperation.get(operation) ?? [])];
  }

  #policiesOf(operation: string): Policy[] {
    const out: Policy[] = [];
    for (const name of this.#byOperation.get(operation) ?? []) {
      const p = this.#policies.get(name);
      if (p) out.push(p);
    }
    return out;
  }
}
