// The light discovery pass: every discoveryInterval, list a topology's targets and the associations of its rules and
// endpoint (one paged list each), and ask for a full reconcile when the targets changed (a Flexible scale set scaled
// out) or an association the last pass saw is gone, so both are mended in seconds rather than at the next resync.
// A topology whose passes read through Resource Graph is not listed: two summarizing queries there are compared with
// the summary of what its last pass read (see graph-fingerprint.ts), whatever the number of machines.
import type { Logger } from 'pino';
import type { MonitoringTopology } from '../api/types.ts';
import type { ArmGateway, DiscoveryLook } from '../azure/gateway.ts';
import { fingerprintChanges } from '../azure/graph-fingerprint.ts';
import type { GraphFingerprint } from '../model/index.ts';
import { durationOr } from './duration.ts';
import type { HashSet, KeySet } from './keys.ts';
import { hashSetWork, keySetWork, missingWork } from './keys.ts';
import { DEFAULT_DISCOVERY_MS } from './reconciler.ts';
import { runSliced } from './slices.ts';

export interface TargetDiscoveryOptions {
  gateway: ArmGateway;
  logger: Logger;
  get: (key: string) => MonitoringTopology | undefined;
  enqueue: (key: string) => void;
  /** Lower bound of the interval, whatever the spec says. */
  minIntervalMs?: number;
  triggered?: (reason: 'targets' | 'associations') => void;
}

/** The log message of a discovery pass that saw the targets change and asked for a full pass (the sandbox reads it). */
export const DISCOVERY_SAW_CHANGE = 'targets changed; reconciling';

interface Tracked {
  intervalMs: number;
  timer?: NodeJS.Timeout;
}


export class TargetDiscovery {
  readonly #options: TargetDiscoveryOptions;
  readonly #tracked = new Map<string, Tracked>();
  // Targets the last full observe saw, and the last listing: a change between listings triggers a reconcile.
  // Sets of 100,000s of keys are built in slices: what a pass hands over is awaited when discovery next compares.
  readonly #observed = new Map<string, Promise<KeySet>>();
  readonly #listed = new Map<string, KeySet>();
  // Associations the last pass saw or made through the spec's rules and endpoint, as hashes (only looked up).
  readonly #associations = new Map<string, Promise<HashSet>>();
  // What the last pass read through Resource Graph, summarized (absent when it read through ARM).
  readonly #fingerprints = new Map<string, GraphFingerprint>();
  #stopped = false;

  constructor(options: TargetDiscoveryOptions) {
    this.#options = options;
  }

  /** Starts or re-arms the pass for a topology (call on add/update). */
  track(key: string, topology: MonitoringTopology): void {
    if (this.#stopped) return;
    const intervalMs = durationOr(topology.spec.discoveryInterval, DEFAULT_DISCOVERY_MS, this.#options.minIntervalMs ?? 1000);
    const current = this.#tracked.get(key);
    if (current && current.intervalMs === intervalMs) return;
    if (current?.timer) clearTimeout(current.timer);
    const tracked: Tracked = { intervalMs };
    this.#tracked.set(key, tracked);
    this.#arm(key, tracked);
  }

  untrack(key: string): void {
    const t = this.#tracked.get(key);
    if (t?.timer) clearTimeout(t.timer);
    this.#tracked.delete(key);
    this.#observed.delete(key);
    this.#listed.delete(key);
    this.#associations.delete(key);
    this.#fingerprints.delete(key);
  }

  /** The associations a full pass saw (and made) through the spec's rules and endpoint (an id may repeat). */
  observedAssociations(key: string, ids: readonly string[]): void {
    this.#associations.set(key, runSliced(hashSetWork(ids)));
  }

  /** The targets a full reconcile saw and, when it read through Resource Graph, the summary of what it read there. */
  observed(key: string, machineIds: readonly string[], fingerprint?: GraphFingerprint): void {
    const previous = this.#observed.get(key);
    const current = runSliced(keySetWork(machineIds));
    this.#observed.set(key, current);
    if (fingerprint === undefined) {
      this.#fingerprints.delete(key);
      return;
    }
    this.#fingerprints.set(key, fingerprint);
    // A summary does not say which machines left: the pass does, from what it observed, for the extension refresh schedule.
    if (previous !== undefined) void this.#forgetGone(previous, current);
  }

  async #forgetGone(previous: Promise<KeySet>, current: Promise<KeySet>): Promise<void> {
    try {
      const gone = await runSliced(missingWork(await previous, await current));
      if (gone.length > 0) this.#options.gateway.forgetMachines?.(gone);
    } catch (err) {
      this.#options.logger.warn({ err }, 'could not compare the targets of two passes');
    }
  }

  stop(): void {
    this.#stopped = true;
    for (const t of this.#tracked.values()) if (t.timer) clearTimeout(t.timer);
    this.#tracked.clear();
  }

  /** One discovery pass for a topology; true when it asked for a reconcile. */
  async discover(key: string): Promise<boolean> {
    const topology = this.#options.get(key);
    if (!topology || topology.metadata.deletionTimestamp) return false;
    const pass = this.#fingerprints.get(key);
    // Asked too before the first pass is done: a topology read through Resource Graph is not listed meanwhile (at
    // 100,000 machines a first pass spans several intervals, each listing thousands of ARM reads).
    if (this.#options.gateway.fingerprint && (pass !== undefined || !this.#observed.has(key))) {
      const now = await this.#options.gateway.fingerprint(topology.spec);
      // Undefined: the topology's passes read through ARM now, or Resource Graph is unavailable: list, as below.
      if (now !== undefined) return pass === undefined ? false : this.#fingerprintChanged(key, pass, now);
    }
    const ids = await this.#options.gateway.listTargets(topology.spec);
    const current = await runSliced(keySetWork(ids));
    const previous = this.#listed.get(key) ?? (await this.#observed.get(key));
    this.#listed.set(key, current);
    if (previous === undefined) return this.#associationsGone(key, topology);
    const added = (await runSliced(missingWork(current, previous))).length;
    const gone = await runSliced(missingWork(previous, current));
    if (added === 0 && gone.length === 0) return this.#associationsGone(key, topology);
    // Machines that left the estate leave the extension refresh schedule too.
    if (gone.length > 0) this.#options.gateway.forgetMachines?.(gone);
    return this.#reconcile(key, 'targets', { added, removed: gone.length }, DISCOVERY_SAW_CHANGE);
  }

  /** Asks for a full reconcile, saying why in the log and the trigger metric; true, as a discovery pass reports it. */
  #reconcile(key: string, reason: 'targets' | 'associations', details: Record<string, number>, message: string): true {
    this.#options.logger.info({ topology: key, ...details }, message);
    this.#options.triggered?.(reason);
    this.#options.enqueue(key);
    return true;
  }

  /** True (and a reconcile asked for) when Resource Graph's summary moved away from what the last pass read. */
  async #fingerprintChanged(key: string, pass: GraphFingerprint, now: DiscoveryLook): Promise<boolean> {
    // A pass handed over a newer summary meanwhile: it read after this look began.
    if (this.#fingerprints.get(key) !== pass) return false;
    // Scale-set members ARM lists that the last pass did not observe: a scale-out Resource Graph may not show yet.
    const observed = await this.#observed.get(key);
    const added = now.members && observed ? (await runSliced(missingWork(await runSliced(keySetWork(now.members)), observed))).length : 0;
    if (added > 0) return this.#reconcile(key, 'targets', { added, removed: 0 }, DISCOVERY_SAW_CHANGE);
    // A later fallback to listing compares with what the passes observed, not with a listing from before.
    this.#listed.delete(key);
    const expected = this.#associations.get(key);
    const changed = fingerprintChanges(pass, now, expected ? (await expected).size : undefined);
    if (!changed.targets && !changed.associations) return false;
    // One reconcile per change: the pass that follows hands over its own summary.
    if (this.#fingerprints.get(key) === pass) this.#fingerprints.set(key, now);
    if (changed.targets) return this.#reconcile(key, 'targets', { machines: now.machines, before: pass.machines }, DISCOVERY_SAW_CHANGE);
    return this.#reconcile(key, 'associations', { associations: now.associations, before: pass.associations }, 'associations changed; reconciling');
  }

  /** True (and a reconcile asked for) when an association the last pass saw is no longer listed. */
  async #associationsGone(key: string, topology: MonitoringTopology): Promise<boolean> {
    const pending = this.#associations.get(key);
    const { gateway } = this.#options;
    if (!pending || !gateway.listAssociations) return false;
    const expected = await pending;
    if (expected.size === 0) return false;
    const ids = await gateway.listAssociations(topology.spec);
    // A failed list says nothing about what exists.
    if (ids === undefined || this.#associations.get(key) !== pending) return false;
    const missing = await runSliced(missingWork(expected, await runSliced(hashSetWork(ids))));
    if (missing.length === 0) return false;
    // One reconcile per loss: the pass that follows says what it expects next (and names what it re-creates).
    this.#associations.delete(key);
    return this.#reconcile(key, 'associations', { missing: missing.length }, 'associations gone; reconciling');
  }

  #arm(key: string, tracked: Tracked): void {
    tracked.timer = setTimeout(() => void this.#tick(key, tracked), tracked.intervalMs);
    tracked.timer.unref();
  }

  async #tick(key: string, tracked: Tracked): Promise<void> {
    if (this.#stopped || this.#tracked.get(key) !== tracked) return;
    try {
      await this.discover(key);
    } catch (err) {
      // The next tick retries; a failed listing never triggers a reconcile by itself.
      this.#options.logger.warn({ err, topology: key }, 'target discovery failed');
    }
    if (!this.#stopped && this.#tracked.get(key) === tracked) this.#arm(key, tracked);
  }
}
