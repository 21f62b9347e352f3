// Per-machine plans kept for the rest of one pass: a machine planned for its early writes is not planned again by the
// full plan when nothing it was planned from has changed since (same machine fields, associations, listing, rivals).
import { IdMap } from '../model/index.ts';
import type { ObservedAssociation, ObservedMachine, ObservedRule, ObservedScaleSet } from '../model/index.ts';
import type { MachineIndex, MachineOutcome } from './machine-types.ts';

/** The parts of a MachineIndex that are the same for every machine (its maps aside). */
interface Globals {
  endpointId: string;
  endpointReadable: boolean;
  description: string;
  rules: ObservedRule[];
  unavailableRules: string[];
  userAssignedIdentity: string | undefined;
  manageExtension: boolean;
  identityReadable: boolean;
  owner: MachineIndex['owner'];
  privateIngestion: boolean;
}

/** What one machine's outcome was computed from; `state` aside, which the full plan always decides afresh. */
interface Entry {
  machine: ObservedMachine;
  outcome: MachineOutcome;
  globals: Globals;
  /** The machine's own fields at planning time: observe fills some in place (its agent extension). */
  fields: unknown[];
  keys: string[];
  associations: ObservedAssociation[] | undefined;
  fullyListed: boolean;
  competing: string[] | undefined;
  competingIdentities: { topology: string; identity: string }[] | undefined;
  scaleSet: ObservedScaleSet | undefined;
}

function globalsOf(ix: MachineIndex): Globals {
  return {
    endpointId: ix.endpointId,
    endpointReadable: ix.endpointReadable,
    description: ix.description,
    rules: ix.rules,
    unavailableRules: ix.unavailableRules,
    userAssignedIdentity: ix.userAssignedIdentity,
    manageExtension: ix.manageExtension,
    identityReadable: ix.identityReadable,
    owner: ix.owner,
    privateIngestion: ix.privateIngestion,
  };
}

function sameList<T>(a: readonly T[] | undefined, b: readonly T[] | undefined, same: (x: T, y: T) => boolean = (x, y) => x === y): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!same(a[i] as T, b[i] as T)) return false;
  return true;
}

function sameGlobals(a: Globals, b: Globals): boolean {
  return (
    a.endpointId === b.endpointId &&
    a.endpointReadable === b.endpointReadable &&
    a.description === b.description &&
    sameList(a.rules, b.rules) &&
    sameList(a.unavailableRules, b.unavailableRules) &&
    a.userAssignedIdentity === b.userAssignedIdentity &&
    a.manageExtension === b.manageExtension &&
    a.identityReadable === b.identityReadable &&
    (a.owner === b.owner || (a.owner.uid === b.owner.uid && a.owner.namespace === b.owner.namespace && a.owner.name === b.owner.name)) &&
    a.privateIngestion === b.privateIngestion
  );
}

const sameRival = (x: { topology: string; identity: string }, y: { topology: string; identity: string }): boolean => x.topology === y.topology && x.identity === y.identity;

/**
 * Outcomes of machines planned earlier in a pass, by machine object. `take` hands one back only when every input of
 * `planMachine` for that machine is the same object or value as when it was kept; otherwise the caller plans again.
 */
export class MachinePlans {
  // Keyed by the machine's id (an IdMap: no key string per machine, and no rehash of a 100,000-entry Map in one block);
  // an entry serves only the machine object it was kept for. Gone with the pass (which drops this after its plan).
  // Not a WeakMap: the collector marks 100,000 weak entries in its final pause (ephemerons: 190 ms of a 217 ms pause).
  readonly #entries = new IdMap<Entry>();
  // Each chunk's index has its own globals; compared once per pair, not once per machine.
  readonly #globals = new WeakMap<MachineIndex, Globals>();
  readonly #verdicts = new WeakMap<Globals, WeakMap<Globals, boolean>>();
  #kept = 0;
  #reused = 0;
  // Machines of one listing share a shape: one array of field names for all of them, not one each.
  #shape: string[] = [];

  /** Machines kept, and outcomes handed back (for tests and the benchmark). */
  get counts(): { kept: number; reused: number } {
    return { kept: this.#kept, reused: this.#reused };
  }

  #globalsOf(ix: MachineIndex): Globals {
    let g = this.#globals.get(ix);
    if (g === undefined) {
      g = globalsOf(ix);
      this.#globals.set(ix, g);
    }
    return g;
  }

  #sameGlobals(kept: Globals, now: Globals): boolean {
    if (kept === now) return true;
    let byNow = this.#verdicts.get(now);
    if (byNow === undefined) {
      byNow = new WeakMap();
      this.#verdicts.set(now, byNow);
    }
    let verdict = byNow.get(kept);
    if (verdict === undefined) {
      verdict = sameGlobals(kept, now);
      byNow.set(kept, verdict);
    }
    return verdict;
  }

  keep(m: ObservedMachine, ix: MachineIndex, outcome: MachineOutcome): void {
    let keys = Object.keys(m);
    if (sameList(keys, this.#shape)) keys = this.#shape;
    else this.#shape = keys;
    this.#entries.set(m.id, {
      machine: m,
      outcome,
      globals: this.#globalsOf(ix),
      keys,
      fields: keys.map((k) => m[k as keyof ObservedMachine]),
      associations: ix.associations.get(m.id),
      fullyListed: ix.fullyListed.has(m.id),
      competing: ix.competing.get(m.id),
      competingIdentities: ix.competingIdentities.get(m.id),
      scaleSet: m.scaleSetId === undefined ? undefined : ix.scaleSets.get(m.scaleSetId),
    });
    this.#kept++;
  }

  /** The outcome kept for `m` if planned from the same inputs `ix` gives now (its state still to be decided). */
  take(m: ObservedMachine, ix: MachineIndex): MachineOutcome | undefined {
    const e = this.#entries.get(m.id);
    if (e === undefined || e.machine !== m) return undefined;
    const keys = Object.keys(m);
    const same =
      this.#sameGlobals(e.globals, this.#globalsOf(ix)) &&
      sameList(keys, e.keys) &&
      keys.every((k, i) => m[k as keyof ObservedMachine] === e.fields[i]) &&
      sameList(ix.associations.get(m.id), e.associations) &&
      ix.fullyListed.has(m.id) === e.fullyListed &&
      sameList(ix.competing.get(m.id), e.competing) &&
      sameList(ix.competingIdentities.get(m.id), e.competingIdentities, sameRival) &&
      (m.scaleSetId === undefined ? undefined : ix.scaleSets.get(m.scaleSetId)) === e.scaleSet;
    // Once: a machine listed twice is planned (and its writes deduplicated) as before.
    this.#entries.delete(m.id);
    if (!same) return undefined;
    this.#reused++;
    return e.outcome;
  }
}
