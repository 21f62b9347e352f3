import { describe, expect, it } from 'vitest';
import { EarlyWrites } from '../../src/controller/early.ts';
import { TopologyRegistry } from '../../src/controller/registry.ts';
import { runSliced } from '../../src/controller/slices.ts';
import type { Work } from '../../src/findings/index.ts';
import type { Action, ActionOutcome, ObservedMachine, Snapshot } from '../../src/model/index.ts';

const vm = (i: number): string => `/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm-${i}`;

describe('runSliced', () => {
  it('gives the event loop a turn between slices and returns the work value', async () => {
    let immediates = 0;
    const seen: number[] = [];
    function* work(): Work<string> {
      for (let i = 0; i < 5; i++) {
        seen.push(immediates);
        setImmediate(() => immediates++);
        yield;
      }
      return 'done';
    }
    // A slice of 0 ms ends at every yield: each step sees the callbacks the step before scheduled.
    expect(await runSliced(work(), 0)).toBe('done');
    expect(seen).toEqual([0, 1, 2, 3, 4]);
  });

  it('with a long slice, runs the work to its end in one turn', async () => {
    let immediates = 0;
    function* work(): Work<number> {
      for (let i = 0; i < 5; i++) {
        setImmediate(() => immediates++);
        yield;
      }
      return immediates;
    }
    expect(await runSliced(work(), 60_000)).toBe(0);
  });
});

describe('TopologyRegistry in slices', () => {
  it('never shows a machine the topology keeps claiming as unclaimed while a claim is under way', () => {
    const r = new TopologyRegistry();
    const all = Array.from({ length: 3000 }, (_, i) => vm(i));
    r.claimMachines('ns/a', all, '/dce/A');
    const work = r.claimMachinesWork('ns/a', all.slice(1000), '/dce/A');
    let step = work.next();
    while (step.done !== true) {
      // Another topology's pass, between two slices: every machine ns/a keeps is still its.
      expect(r.competingEndpoints('ns/b', [vm(2999), vm(1000)], '/dce/B')).toEqual({ [vm(2999)]: ['/dce/A'], [vm(1000)]: ['/dce/A'] });
      step = work.next();
    }
    expect(r.competingEndpoints('ns/b', [vm(0), vm(1500)], '/dce/B')).toEqual({ [vm(1500)]: ['/dce/A'] });
  });

  it('reads no machine when no other topology could compete, and still finds one that does', () => {
    const r = new TopologyRegistry();
    r.claimMachines('ns/a', [vm(1)], '/dce/A');
    r.declare({ topology: 'ns/a', scopeId: '/scope', identity: '/uami/a' }, false);
    expect(r.competingEndpoints('ns/a', [vm(1)], '/dce/A')).toEqual({});
    expect(r.competingIdentities('ns/a', [vm(1)], '/uami/a')).toEqual({});
    r.claimMachines('ns/b', [vm(1)], '/dce/B');
    expect(r.declare({ topology: 'ns/b', scopeId: '/scope', identity: '/uami/b' }, false)).toEqual(['ns/a']);
    expect(r.competingEndpoints('ns/a', [vm(1)], '/dce/A')).toEqual({ [vm(1)]: ['/dce/B'] });
    expect(r.competingIdentities('ns/a', [vm(1)], '/uami/a')).toEqual({ [vm(1)]: [{ topology: 'ns/b', identity: '/uami/b' }] });
  });
});

describe('EarlyWrites behind a gate', () => {
  const machine = (i: number): ObservedMachine => ({ id: vm(i), kind: 'VirtualMachine' }) as ObservedMachine;
  const partial = (i: number): Snapshot =>
    ({ machines: [machine(i)], associations: [], fullyListedMachines: [], errors: [], rules: [], alsoLinkScopes: [], workspaces: [], excludedCount: 0, scaleSets: [] });
  const rule = (i: number): Action => ({ kind: 'CreateRuleAssociation', resourceId: vm(i), name: 'r', dataCollectionRuleId: 'dcr', description: 'd', reason: 'missing' });

  it('starts nothing until the gate opens, then every offer once; settle waits for them', async () => {
    const started: string[] = [];
    const early = new EarlyWrites({
      plan: (s) => s.machines.map((m) => rule(Number(m.id.split('-').at(-1)))),
      act: (actions) => {
        started.push(...actions.map((a) => ('resourceId' in a ? a.resourceId : '')));
        return Promise.resolve(actions.map((action): ActionOutcome => ({ action, ok: true })));
      },
    });
    let open = (): void => undefined;
    early.gate(new Promise<void>((resolve) => (open = resolve)));
    early.offer(partial(0));
    early.offer(partial(1));
    await new Promise((resolve) => setImmediate(resolve));
    expect(started).toEqual([]);
    open();
    const { rest, outcomes } = await early.settle([rule(0), rule(1), rule(2)]);
    expect(started).toEqual([vm(0), vm(1)]);
    expect(rest).toEqual([rule(2)]);
    expect(outcomes).toHaveLength(2);
    // The gate is open: an offer now starts at once.
    early.offer(partial(3));
    expect(started).toEqual([vm(0), vm(1), vm(3)]);
  });

  it('a gate that fails starts nothing early', async () => {
    const early = new EarlyWrites({ plan: (s) => s.machines.map(() => rule(0)), act: () => Promise.reject(new Error('no early write expected')) });
    early.gate(Promise.reject(new Error('claim failed')));
    early.offer(partial(0));
    expect(await early.settle([rule(0)])).toEqual({ rest: [rule(0)], outcomes: [] });
  });
});
