// The associations one observe keeps on its targets, indexed by the machine object (no key string per association):
// the plan's per-machine lookups, and the snapshot's list in the order the associations were found.
import type { ObservedAssociation } from '../model/index.ts';
import { sameId, sameName } from '../model/index.ts';
import type { Turns } from './turns.ts';

export class AssociationIndex<M extends { readonly id: string }> {
  readonly #byMachine = new Map<M, ObservedAssociation[]>();
  #order: ObservedAssociation[] = [];
  readonly #removed = new Set<ObservedAssociation>();

  /**
   * Adds the association to the machine unless it already holds one with this id; false when it did. On one machine,
   * two ids are the same when the names are (ids are case-insensitive); the association then refers to the machine by
   * the machine's own id string when they are spelled alike, so that it keeps no copy of its own.
   */
  add(machine: M, a: ObservedAssociation): boolean {
    if (!this.#file(machine, a)) return false;
    this.#order.push(a);
    return true;
  }

  #file(machine: M, a: ObservedAssociation): boolean {
    const list = this.#byMachine.get(machine);
    if (list?.some((x) => sameName(x.name, a.name))) return false;
    if (a.resourceId === machine.id) a.resourceId = machine.id;
    // A copy one longer, not a push: a pushed array keeps room for 17 (136 bytes more per machine, 13 MB at
    // 100,000 machines), and machines hold a few associations each.
    this.#byMachine.set(machine, list ? list.concat(a) : [a]);
    return true;
  }

  /**
   * Adds each association of `list` to the machine `machineOf` gives it (none: left out), in turns. Into an empty
   * index, `list` itself becomes the order, cut in place to the associations added: a list pushed one by one grows
   * through copies of 1.5 times its length, 7 MB of garbage for 300,000 associations. `list` is the index's then.
   */
  async adopt(list: ObservedAssociation[], machineOf: (a: ObservedAssociation) => M | undefined, turns: Turns): Promise<void> {
    if (this.#order.length > 0) {
      await turns.each(list, (a) => {
        const m = machineOf(a);
        if (m) this.add(m, a);
      });
      return;
    }
    let kept = 0;
    await turns.each(list, (a) => {
      const m = machineOf(a);
      if (m && this.#file(m, a)) list[kept++] = a;
    });
    list.length = kept;
    this.#order = list;
  }

  /** The machine's associations, in the order found. */
  of(machine: M): ObservedAssociation[] {
    return this.#byMachine.get(machine) ?? [];
  }

  has(machine: M | undefined, id: string): boolean {
    return machine !== undefined && this.of(machine).some((x) => sameId(x.id, id));
  }

  /** Drops what the machine holds and, when given, files `list` under `now` (a re-read machine) or the machine itself. */
  replace(machine: M, list: ObservedAssociation[] = [], now: M = machine): void {
    for (const a of this.#byMachine.get(machine) ?? []) this.#removed.add(a);
    this.#byMachine.delete(machine);
    for (const a of list) this.add(now, a);
  }

  /**
   * Every association held, in the order found (a replaced machine's come after the others): the index's own list when
   * none was replaced, not a copy (300,000 entries at 100,000 machines), so the index is done with once it is taken.
   */
  take(): ObservedAssociation[] {
    return this.#removed.size === 0 ? this.#order : this.#order.filter((a) => !this.#removed.has(a));
  }
}
