// Leader election on a coordination.k8s.io/v1 Lease, following client-go's leaderelection algorithm.
import { setTimeout as sleep } from 'node:timers/promises';
import { ApiException, CoordinationV1Api, V1MicroTime } from '@kubernetes/client-node';
import type { KubeConfig, V1Lease } from '@kubernetes/client-node';
import type { Logger } from 'pino';

export interface LeaderElectionOptions {
  kubeConfig: KubeConfig;
  namespace: string;
  name: string;
  identity: string;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
  logger: Logger;
}

/** client-go's JitterFactor: spreads retries of many candidates. */
const JITTER = 1.2;

function statusOf(err: unknown): number | undefined {
  return err instanceof ApiException ? err.code : undefined;
}

export class LeaderElector {
  readonly identity: string;
  private readonly api: CoordinationV1Api;
  private readonly opts: LeaderElectionOptions;
  private readonly log: Logger;
  /** The last record seen and when (monotonic) it was seen: expiry is judged on our clock, never the holder's. */
  private observed: { holder: string; renewTime: string; at: number } | undefined;
  private lastRenewal = 0;
  private leading = false;

  constructor(opts: LeaderElectionOptions) {
    this.opts = opts;
    this.identity = opts.identity;
    this.api = opts.kubeConfig.makeApiClient(CoordinationV1Api);
    this.log = opts.logger.child({ lease: `${opts.namespace}/${opts.name}`, identity: opts.identity });
  }

  isLeader(): boolean {
    return this.leading;
  }

  /** Healthy unless we lead and have not renewed for longer than the lease lasts. */
  healthy(): boolean {
    return !this.leading || performance.now() - this.lastRenewal < this.opts.leaseDurationMs + this.opts.renewDeadlineMs;
  }

  /** Retries every retry period until this candidate holds the lease; false if aborted first. */
  async acquire(signal: AbortSignal): Promise<boolean> {
    this.log.info('attempting to acquire leader lease');
    while (!signal.aborted) {
      if (await this.tryAcquireOrRenew()) {
        this.leading = true;
        this.log.info('successfully acquired lease');
        return true;
      }
      await sleep(this.opts.retryPeriodMs * (1 + Math.random() * (JITTER - 1)), undefined, { signal }).catch(() => undefined);
    }
    return false;
  }

  /**
   * Renews every retry period; resolves 'lost' when no renewal succeeded within the renew deadline
   * (or another holder took over), 'stopped' when aborted.
   */
  async hold(signal: AbortSignal): Promise<'lost' | 'stopped'> {
    while (!signal.aborted) {
      await sleep(this.opts.retryPeriodMs, undefined, { signal }).catch(() => undefined);
      if (signal.aborted) break;
      const deadline = this.lastRenewal + this.opts.renewDeadlineMs;
      let renewed = false;
      while (!renewed && performance.now() < deadline && !signal.aborted) {
        renewed = await this.tryAcquireOrRenew();
        if (!renewed && this.observed?.holder !== this.identity && this.observed?.holder) break;
        if (!renewed) await sleep(this.opts.retryPeriodMs, undefined, { signal }).catch(() => undefined);
      }
      if (signal.aborted) break;
      if (!renewed) {
        this.leading = false;
        this.log.error('failed to renew lease within the renew deadline: leader election lost');
        return 'lost';
      }
    }
    return 'stopped';
  }

  /** Gives the lease up so a successor need not wait for it to expire (client-go's ReleaseOnCancel). */
  async release(): Promise<void> {
    if (!this.leading) return;
    this.leading = false;
    for (let attempt = 1; attempt <= 3; attempt++) {
      try {
        const lease = await this.api.readNamespacedLease({ name: this.opts.name, namespace: this.opts.namespace });
        if (lease.spec?.holderIdentity !== this.identity) return;
        const now = new V1MicroTime();
        lease.spec = { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1, renewTime: now, acquireTime: now };
        await this.api.replaceNamespacedLease({ name: this.opts.name, namespace: this.opts.namespace, body: lease });
        this.log.info('released lease');
        return;
      } catch (err) {
        // A conflict means a renewal raced with us: read again and retry.
        if (statusOf(err) === 409 && attempt < 3) continue;
        this.log.warn({ err }, 'failed to release lease; it will expire on its own');
        return;
      }
    }
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const { name, namespace } = this.opts;
    const now = new V1MicroTime();
    const durationSeconds = Math.ceil(this.opts.leaseDurationMs / 1000);
    let lease: V1Lease;
    try {
      lease = await this.api.readNamespacedLease({ name, namespace });
    } catch (err) {
      if (statusOf(err) !== 404) {
        this.log.warn({ err }, 'error retrieving lease');
        return false;
      }
      try {
        await this.api.createNamespacedLease({
          namespace,
          body: {
            metadata: { name, namespace },
            spec: { holderIdentity: this.identity, leaseDurationSeconds: durationSeconds, acquireTime: now, renewTime: now, leaseTransitions: 0 },
          },
        });
        this.markRenewed(now);
        return true;
      } catch (createErr) {
        if (statusOf(createErr) !== 409) this.log.warn({ err: createErr }, 'error creating lease');
        return false;
      }
    }

    const spec = lease.spec ?? {};
    const holder = spec.holderIdentity ?? '';
    const renewTime = spec.renewTime ? new Date(spec.renewTime).toISOString() : '';
    if (!this.observed || this.observed.holder !== holder || this.observed.renewTime !== renewTime) {
      this.observed = { holder, renewTime, at: performance.now() };
    }
    const heldByUs = holder === this.identity;
    const leaseMs = (spec.leaseDurationSeconds ?? durationSeconds) * 1000;
    if (holder && !heldByUs && this.observed.at + leaseMs > performance.now()) return false;

    lease.spec = {
      ...spec,
      holderIdentity: this.identity,
      leaseDurationSeconds: durationSeconds,
      renewTime: now,
      acquireTime: heldByUs && spec.acquireTime ? spec.acquireTime : now,
      leaseTransitions: heldByUs ? (spec.leaseTransitions ?? 0) : (spec.leaseTransitions ?? 0) + 1,
    };
    try {
      // resourceVersion in the body makes this a compare-and-swap: two candidates cannot both win.
      await this.api.replaceNamespacedLease({ name, namespace, body: lease });
      this.markRenewed(now);
      return true;
    } catch (err) {
      if (statusOf(err) !== 409) this.log.warn({ err }, 'error updating lease');
      return false;
    }
  }

  private markRenewed(now: Date): void {
    this.lastRenewal = performance.now();
    this.observed = { holder: this.identity, renewTime: new Date(now.getTime()).toISOString(), at: this.lastRenewal };
  }
}
