// Pipelined convergence: per-machine writes start while the rest of the estate is still being read.
// Only what one machine's plan decides alone starts early (its agent identity, endpoint and rule associations):
// scope links, access modes and deletions wait for the whole snapshot, as do all findings.
import type { Action, ActionKind, ActionOutcome, Snapshot } from '../model/index.ts';
import { eachWork, filterWork } from '../findings/index.ts';
import type { Work } from '../findings/index.ts';
import { IdMap, IdSet, actionTarget, idKey, sameName } from '../model/index.ts';
import { runSliced } from './slices.ts';

/** Actions a chunk's plan may start before the pass has read every machine. */
const EARLY_KINDS: ReadonlySet<ActionKind> = new Set<ActionKind>(['RepairExtensionIdentity', 'CreateEndpointAssociation', 'CreateRuleAssociation']);

export function actionKey(a: Action): string {
  return `${a.kind}|${idKey(actionTarget(a))}`;
}

/** Every item of every list, in order. */
function* each<T>(lists: readonly (readonly T[])[]): Generator<T> {
  for (const list of lists) yield* list;
}

type MachineAction = Extract<Action, { resourceId: string }>;

/** Same action kind on the same target (`actionKey` equal), for two actions on one machine: no key strings built when the ids agree. */
function sameWrite(a: MachineAction, b: MachineAction): boolean {
  if (a === b) return true;
  if (a.kind !== b.kind) return false;
  if (a.resourceId !== b.resourceId) return actionKey(a) === actionKey(b);
  if (a.kind === 'RepairExtensionIdentity' && b.kind === 'RepairExtensionIdentity') return sameName(a.extensionName, b.extensionName);
  if ('name' in a && 'name' in b) return sameName(a.name, b.name);
  return actionKey(a) === actionKey(b);
}

export interface EarlyWritesOptions {
  /** The pure plan of a partial snapshot (some machines): its actions; only per-machine creates of those machines start. */
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
  // Started writes per machine (a few each), by the machine's id as given: no key string per write or per machine.
  readonly #started = new IdMap<MachineAction[]>();
  #count = 0;
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
    return this.#count;
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
    // The chunk's machines: a handful per offer.
    const machines = new IdSet();
    for (const m of partial.machines) machines.add(m.id);
    const actions: Action[] = [];
    for (const a of this.#options.plan(partial)) {
      if (!EARLY_KINDS.has(a.kind) || !('resourceId' in a)) continue;
      if (!machines.has(a.resourceId)) continue;
      const list = this.#started.get(a.resourceId);
      if (list?.some((b) => sameWrite(a, b))) continue;
      // A new list, not a push: a list grown by push holds room for 16 more, for each of 100,000 machines.
      this.#started.set(a.resourceId, list ? [...list, a] : [a]);
      this.#count++;
      actions.push(a);
    }
    if (actions.length > 0) this.#pending.push(this.#options.act(actions));
  }

  #wasStarted(a: Action): boolean {
    if (!EARLY_KINDS.has(a.kind) || !('resourceId' in a)) return false;
    return this.#started.get(a.resourceId)?.some((b) => sameWrite(a, b)) === true;
  }

  /** The full plan's actions not started early, and the outcomes of those that were (awaited). */
  async settle(actions: readonly Action[]): Promise<{ rest: Action[]; outcomes: ActionOutcome[] }> {
    // Offers still behind the gate add to what was started: wait for them before deciding what is left.
    await this.#drained;
    const rest = this.#count === 0 ? [...actions] : await runSliced(filterWork(actions, (a) => !this.#wasStarted(a)));
    const lists = await Promise.all(this.#pending);
    // Joined in slices: 300,000 outcomes in one `flat` is one block of tens of milliseconds.
    const outcomes: ActionOutcome[] = [];
    await runSliced(eachWork(each(lists), (o) => outcomes.push(o)));
    return { rest, outcomes };
  }
}
