// One reconcile pass: what its steps learn, how each step ends, and the step contract.
// As in fluxcd/source-controller, a step returns a result and typed errors; one summarizer reads them all.
import type { MachineDelivery } from '../findings/delivery.ts';
import type { DeliveryState } from '../model/evidence.ts';
import type { DnsBoundaryStatus, Finding, MonitoringTopology, OwnedScopedResource } from '../api/types.ts';
import type { ActionOutcome, Owner, Snapshot } from '../model/index.ts';
import type { Plan } from '../plan/types.ts';
import type { MachinePlans } from '../plan/reuse.ts';
import type { AssociationSources } from '../azure/gateway.ts';
import type { EarlyWrites } from './early.ts';

/** What the work queue does with a key after a pass: retry with backoff on error, else come back after a delay. */
export interface ReconcileResult {
  requeueAfter?: number;
  error?: Error;
}

/** Everything one pass learns: each step fills in its part. */
export interface Pass {
  key: string;
  topology: MonitoringTopology;
  owner: Owner;
  resyncMs: number;
  snapshot?: Snapshot;
  /** Per-machine writes started while observe still read the estate (Enforce only). */
  early?: EarlyWrites;
  /** Machines planned for early writes, reused by the full plan where nothing they were planned from changed. */
  planned?: MachinePlans;
  plan?: Plan;
  outcomes: ActionOutcome[];
  /** The outcomes of scope writes (access modes, links) that succeeded: what the network step reads of the act step. */
  scopeOutcomes?: ActionOutcome[];
  findings: Finding[];
  inventory: OwnedScopedResource[];
  /** Rules and endpoints whose associations are listed (status.inventory): the spec's, and earlier ones still holding ours. */
  sources: AssociationSources;
  /** DNS boundaries derived from Azure by the network step. */
  dnsBoundaries?: DnsBoundaryStatus[];
  /** With spec.evidence: what Log Analytics says per machine. */
  delivery?: PassDelivery;
}

export interface PassDelivery {
  machines: MachineDelivery[];
  counts: Record<DeliveryState, number>;
  /** When the evidence was read; undefined when it could not be (`unreadable` says why). */
  readAt?: string;
  workspaces: number;
  queries: number;
  unreadable?: string;
  /** When the next evidence read is due. */
  nextInMs: number;
}

/**
 * How a step ended. `Continue`: run the next step. `Stop`: skip the rest, then summarize and report what was
 * learnt. `Finished`: the object's life ended (finalizer removed) or its deletion is retried: nothing to report.
 */
export type StepResult = 'Continue' | 'Stop' | 'Finished';

/**
 * `Generic`: Azure could not be read or changed; retried with backoff. `Stalling`: the spec cannot be satisfied
 * until someone changes it or Azure; not retried sooner than the resync. `Waiting`: work is left for a pass soon.
 */
export type StepErrorKind = 'Generic' | 'Stalling' | 'Waiting';

export class StepError extends Error {
  readonly kind: StepErrorKind;
  /** Stalling: the findings that say what to change. */
  readonly findings: readonly Finding[];
  /** Waiting: how many items are left, and when to look again. */
  readonly pending: number;
  readonly requeueAfterMs: number | undefined;

  constructor(
    kind: StepErrorKind,
    message: string,
    details: { findings?: readonly Finding[]; pending?: number; requeueAfterMs?: number; cause?: unknown } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = `${kind}Error`;
    this.kind = kind;
    this.findings = details.findings ?? [];
    this.pending = details.pending ?? 0;
    this.requeueAfterMs = details.requeueAfterMs;
  }
}

export interface StepOutcome {
  result: StepResult;
  errors: StepError[];
}

export interface Step {
  name: string;
  run(pass: Pass): StepOutcome | Promise<StepOutcome>;
}

/** A step's outcome, kept with the step's name for the summarizer. */
export interface StepRecord extends StepOutcome {
  step: string;
}

export function next(...errors: (StepError | undefined)[]): StepOutcome {
  return { result: 'Continue', errors: errors.filter((e) => e !== undefined) };
}

export function stop(...errors: (StepError | undefined)[]): StepOutcome {
  return { result: 'Stop', errors: errors.filter((e) => e !== undefined) };
}

export function finished(...errors: (StepError | undefined)[]): StepOutcome {
  return { result: 'Finished', errors: errors.filter((e) => e !== undefined) };
}
