import { describe, expect, it } from 'vitest';
import { MachinePlans, planMachines, planTopology } from '../../src/plan/index.ts';
import type { PlanInput } from '../../src/plan/types.ts';
import type { Snapshot } from '../../src/model/index.ts';
import { convergedInput, ids, ownedAssociations, withSnapshot } from './fixtures/estate.ts';

/** An estate of `n` VMs with no association yet, every one listed in full: three writes per machine. */
function coldInput(n: number): PlanInput {
  return withSnapshot(convergedInput(n), () => ({ associations: [] }));
}

/** The chunk of machines [from, to) as observe hands it on: the same machine objects, their own associations. */
function chunk(s: Snapshot, from: number, to: number): Snapshot {
  const machines = s.machines.slice(from, to);
  const mine = new Set(machines.map((m) => m.id));
  return { ...s, machines, associations: s.associations.filter((a) => mine.has(a.resourceId)), fullyListedMachines: s.fullyListedMachines.filter((id) => mine.has(id)) };
}

/** Plans every machine in chunks of two (as early writes do), then the whole; returns both plans and the counts. */
function inChunks(input: PlanInput, change: (input: PlanInput) => PlanInput = (i) => i) {
  const planned = new MachinePlans();
  const early = [];
  for (let i = 0; i < input.snapshot.machines.length; i += 2) early.push(...planMachines({ ...input, snapshot: chunk(input.snapshot, i, i + 2), planned }));
  const whole = change(input);
  return { early, plan: planTopology({ ...whole, planned }), fresh: planTopology(whole), counts: planned.counts };
}

describe('MachinePlans: the full plan reuses what early planning computed', () => {
  it('reuses every machine planned from the same inputs, and plans exactly what a fresh plan does', () => {
    const { early, plan, fresh, counts } = inChunks(coldInput(5));
    expect(plan).toEqual(fresh);
    expect(counts).toEqual({ kept: 5, reused: 5 });
    // The early actions are the full plan's own objects: no second object per write.
    const full = new Set(plan.actions);
    expect(early.length).toBeGreaterThan(0);
    expect(early.every((a) => full.has(a))).toBe(true);
  });

  it('keeps converged machines and their full plan as a fresh plan does (their outcome is one frozen object)', () => {
    const { early, plan, fresh, counts } = inChunks(convergedInput(4));
    expect(early).toEqual([]);
    expect(counts).toEqual({ kept: 4, reused: 4 });
    expect(plan).toEqual(fresh);
    expect(plan.instances.compliant).toBe(4);
  });

  it('decides the state afresh: a scope that lacks a link keeps every machine pending', () => {
    const input = withSnapshot(convergedInput(4), (s) => ({ scope: s.scope && { ...s.scope, scopedResources: [] } }));
    const { plan, fresh, counts } = inChunks(input);
    expect(counts.reused).toBe(4);
    expect(plan.instances).toEqual(fresh.instances);
    expect(plan.instances.pending).toBe(4);
  });

  it('plans again a machine whose agent extension observe filled in after its chunk was planned', () => {
    const input = coldInput(4);
    const { plan, fresh, counts } = inChunks(input, (i) => {
      const m = i.snapshot.machines[1];
      if (m) m.agentExtension = null;
      return i;
    });
    expect(counts).toEqual({ kept: 4, reused: 3 });
    expect(plan).toEqual(fresh);
  });

  it('plans again a machine whose associations differ in the whole snapshot', () => {
    const input = coldInput(4);
    const { plan, fresh, counts } = inChunks(input, (i) =>
      withSnapshot(i, (s) => ({ associations: ownedAssociations(s.machines[2]?.id ?? '', [ids.rule('dcr-linux')]) })),
    );
    expect(counts.reused).toBe(3);
    expect(plan).toEqual(fresh);
    expect(plan.actions.filter((a) => 'resourceId' in a && a.resourceId === input.snapshot.machines[2]?.id)).toEqual([]);
  });

  it('plans again a machine another topology now claims, and one no longer listed in full', () => {
    const input = coldInput(4);
    const [m0, m1] = input.snapshot.machines;
    const { plan, fresh, counts } = inChunks(input, (i) => ({
      ...withSnapshot(i, (s) => ({ fullyListedMachines: s.fullyListedMachines.filter((id) => id !== m1?.id) })),
      competingEndpoints: { [m0?.id ?? '']: ['/subscriptions/x/resourceGroups/y/providers/Microsoft.Insights/dataCollectionEndpoints/other'] },
    }));
    expect(counts.reused).toBe(2);
    expect(plan).toEqual(fresh);
  });

  it('plans again when the topology-wide inputs changed (a rule became unreadable)', () => {
    const input = coldInput(3);
    const { plan, fresh, counts } = inChunks(input, (i) => withSnapshot(i, () => ({ rules: [] })));
    expect(counts.reused).toBe(0);
    expect(plan).toEqual(fresh);
  });
});
