// Resource Graph's view of the store: ARM's writes become visible after a delay (a change log applied after `lagMs`).
import type { ResourceStore, StoredResource } from '../../arm/store.ts';
import { key } from '../../arm/ids.ts';

interface Pending {
  /** When the change was made (epoch ms). */
  at: number;
  /** The resource as it was before the change; undefined when the change created it. */
  before: StoredResource | undefined;
}

// rule: graph.freshness.lag — source: Azure/azure-dev#540 (Resource Graph team: 95% of changes present within 30 s, no upper bound) and Learn "Azure Resource Graph overview" §How Resource Graph is kept current (ARM notifies Resource Graph, which then updates its database); the lag is a setting, 0 by default so tests opt in to staleness
export class LaggedView {
  private readonly pending = new Map<string, Pending[]>();
  lagMs: number;

  constructor(store: ResourceStore, lagMs = 0) {
    this.lagMs = lagMs;
    store.onChange((id, previous) => {
      if (this.lagMs <= 0) return;
      const k = key(id);
      const list = this.pending.get(k) ?? [];
      list.push({ at: Date.now(), before: previous ? { ...previous, body: structuredClone(previous.body) } : undefined });
      this.pending.set(k, list);
    });
  }

  /** Forgets changes older than the lag: the view shows the store's own state for them. */
  private settle(now: number): void {
    for (const [k, list] of this.pending) {
      while (list.length > 0 && (list[0] as Pending).at <= now - this.lagMs) list.shift();
      if (list.length === 0) this.pending.delete(k);
    }
  }

  /** True when the view is the store itself (nothing waits to become visible). */
  current(now = Date.now()): boolean {
    this.settle(now);
    return this.pending.size === 0;
  }

  /** Every resource as the view shows it at `now`: the state before the oldest change still inside the lag. */
  *resources(store: ResourceStore, now = Date.now()): Generator<StoredResource> {
    this.settle(now);
    for (const r of store.all()) {
      const list = this.pending.get(key(r.id));
      if (list === undefined) yield r;
      else if (list[0]?.before) yield list[0].before;
    }
    // Deleted in ARM but not yet in the view.
    for (const [k, list] of this.pending) {
      const before = list[0]?.before;
      if (before && store.get(k) === undefined) yield before;
    }
  }
}
