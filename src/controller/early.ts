// Pipelined convergence: per-machine writes start while the rest of the estate is still being read.
// Only what one machine's plan decides alone starts early (its agent identity, endpoint and rule associations):
// scope links, access modes and deletions wait for the whole snapshot, as do all findings.
import type { Action, ActionKind, ActionOutcome, Snapshot } from '../model/index.ts';
import { filterWork } from '../findings/index.ts';
import type { Work } from '../findings/index.ts';
import { actionTarget, idKey } from '../model/index.ts';
import { runSliced } from './slices.ts';

/** Actions a chunk's plan may start before the pass has read every machine. */
const EARLY_KINDS: ReadonlySet<ActionKind> = new Set<ActionKind>(['RepairExtensionIdentity', 'CreateEndpointAssociation', 'CreateRuleAssociation']);

export function actionKey(a: Action): string {
  return `${a.kind}|${idKey(actionTarget(a))}`;
}

export interface EarlyWritesOptions {
  /** The pure plan of a partial snapshot (every topology-wide part, some machines): its actions. */
  plan(partial: Snapshot): readonly Action[];
  /** Starts writes; never rejects (one outcome per action). */
  act(actions: Action[]): Promise<ActionOutcome[]>;
}

/**
 * Collects the early writes of one pass. `offer` plans each chunk as observe finishes reading it and starts its
 * per-machine writes; `settle` takes the full plan, returns what is left to do and the early writes' outcomes.
 */
export class EarlyWrites {
  readonly #options: EarlyWritesOptions;
  readonly #started = new Set<string>();
  readonly #pending: Promise<ActionOutcome[]>[] = [];
  // While the pass records its claims (in slices), offers wait here; then they are planned a few per turn.
  #gated = false;
  #waiting: Snapshot[] = [];
  #drained: Promise<void> = Promise.resolve();

  constructor(options: EarlyWritesOptions) {
    this.#options = options;
  }

  /** How many writes started early. */
  get started(): number {
    return this.#started.size;
  }

  /** Offers made until `ready` settles wait for it: no early write before the pass has claimed its machines. */
  gate(ready: Promise<void>): void {
    this.#gated = true;
    this.#drained = ready.then(
      () => runSliced(this.#drain()),
      // A failed claim starts nothing early: the caller awaiting `ready` fails the pass.
      () => {
        this.#waiting = [];
        this.#gated = false;
      },
    );
  }

  /** The offers that waited, one per slice step; offers arriving meanwhile join the end. */
  *#drain(): Work<void> {
    for (let i = 0; i < this.#waiting.length; i++) {
      this.#offerNow(this.#waiting[i] as Snapshot);
      yield;
    }
    this.#waiting = [];
    this.#gated = false;
  }

  offer(partial: Snapshot): void {
    if (this.#gated) this.#waiting.push(partial);
    else this.#offerNow(partial);
  }

  #offerNow(partial: Snapshot): void {
    const machines = new Set(partial.machines.map((m) => idKey(m.id)));
    const actions: Action[] = [];
    for (const a of this.#options.plan(partial)) {
      if (!EARLY_KINDS.has(a.kind) || !('resourceId' in a) || !machines.has(idKey(a.resourceId))) continue;
      const key = actionKey(a);
      if (this.#started.has(key)) continue;
      this.#started.add(key);
      actions.push(a);
    }
    if (actions.length > 0) this.#pending.push(this.#options.act(actions));
  }

  /** The full plan's actions not started early, and the outcomes of those that were (awaited). */
  async settle(actions: readonly Action[]): Promise<{ rest: Action[]; outcomes: ActionOutcome[] }> {
    // Offers still behind the gate add to what was started: wait for them before deciding what is left.
    await this.#drained;
    const rest = await runSliced(filterWork(actions, (a) => !this.#started.has(actionKey(a))));
    const outcomes = (await Promise.all(this.#pending)).flat();
    return { rest, outcomes };
  }
}
