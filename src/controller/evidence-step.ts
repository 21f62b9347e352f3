// The evidence step: what Log Analytics says each machine delivers, read every evidence.interval and kept between reads.
import { RECONCILE_REQUESTED_AT } from '../api/types.ts';
import type { EvidenceSource } from '../azure/evidence.ts';
import { countStates, deliveriesWork, deliveryFindingsWork, deliveryRulesOf, eachWork, evidenceAsks } from '../findings/index.ts';
import type { WorkspaceEvidence } from '../model/evidence.ts';
import type { OsType } from '../model/index.ts';
import { durationOr } from './duration.ts';
import { next } from './pass.ts';
import type { Pass, StepOutcome } from './pass.ts';
import { runSliced } from './slices.ts';

export const DEFAULT_EVIDENCE_INTERVAL_MS = 5 * 60_000;
export const DEFAULT_EVIDENCE_WINDOW_MS = 15 * 60_000;
// How far back the last heartbeat of a machine that stopped is looked for.
const EVIDENCE_LOOKBACK_MS = 24 * 3_600_000;

interface EvidenceRead {
  at: number;
  asks: string;
  evidence: WorkspaceEvidence[];
  queries: number;
  /** The reconcile request (annotation) it answered: a new request reads again at once. */
  requested?: string;
}

export interface EvidenceOptions {
  /** Delivery evidence from Log Analytics (topologies with spec.evidence). */
  evidence?: EvidenceSource;
  /** Lower bound of evidence.interval (default 30 s, the CRD's minimum). */
  minEvidenceIntervalMs?: number;
}

export class EvidenceStep {
  readonly #options: EvidenceOptions;
  /** The last evidence read per topology: reused between reads, which come every evidence.interval. */
  readonly #reads = new Map<string, EvidenceRead>();

  constructor(options: EvidenceOptions) {
    this.#options = options;
  }

  forget(key: string): void {
    this.#reads.delete(key);
  }

  /**
   * Reads delivery evidence when due (every evidence.interval, or at once when the workspaces to read change),
   * then judges every machine against it. Unreadable evidence makes machines Unknown, never errors.
   */
  async run(pass: Pass): Promise<StepOutcome> {
    const spec = pass.topology.spec.evidence;
    const snapshot = pass.snapshot;
    if (spec === undefined || snapshot === undefined) {
      this.#reads.delete(pass.key);
      return next();
    }
    const intervalMs = Math.max(durationOr(spec.interval, DEFAULT_EVIDENCE_INTERVAL_MS, 1000), this.#options.minEvidenceIntervalMs ?? 30_000);
    const windowMs = durationOr(spec.window, DEFAULT_EVIDENCE_WINDOW_MS, 1000);
    const rules = deliveryRulesOf(snapshot.rules);
    const asks = evidenceAsks(rules);
    const asksKey = JSON.stringify(asks).toLowerCase();
    const now = Date.now();
    const requested = pass.topology.metadata.annotations?.[RECONCILE_REQUESTED_AT];
    let read = this.#reads.get(pass.key);
    const source = this.#options.evidence;
    if (source === undefined) {
      read = { at: now, asks: asksKey, queries: 0, evidence: asks.map((a) => ({ workspaceId: a.workspaceId, ok: false, failure: 'Failed', message: 'no Log Analytics query endpoint is configured' })) };
    } else if (read === undefined || read.asks !== asksKey || read.requested !== requested || now - read.at >= intervalMs) {
      const got = await source.read(asks, { freshMs: windowMs, lookbackMs: EVIDENCE_LOOKBACK_MS });
      read = { at: now, asks: asksKey, evidence: got.evidence, queries: got.queries, ...(requested !== undefined ? { requested } : {}) };
      this.#reads.set(pass.key, read);
    }
    const machines = await runSliced(deliveriesWork(snapshot.machines, rules, read.evidence));
    const osTypes = new Map<string, OsType | undefined>();
    await runSliced(eachWork(snapshot.machines, (m) => osTypes.set(m.id.toLowerCase(), m.osType)));
    const found = await runSliced(deliveryFindingsWork({ deliveries: machines, configuration: pass.findings, osTypes }));
    await runSliced(eachWork(found, (f) => pass.findings.push(f)));
    const failed = read.evidence.find((e) => !e.ok);
    pass.delivery = {
      machines,
      counts: countStates(machines),
      workspaces: asks.length,
      queries: read.queries,
      nextInMs: Math.max(1000, intervalMs - (now - read.at)),
      ...(failed === undefined ? { readAt: new Date(read.at).toISOString() } : {}),
      ...(failed !== undefined && !failed.ok ? { unreadable: `${failed.failure} reading ${failed.workspaceId}: ${failed.message}` } : {}),
    };
    return next();
  }
}
