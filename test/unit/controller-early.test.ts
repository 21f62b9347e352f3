import { describe, expect, it } from 'vitest';
import { EarlyWrites } from '../../src/controller/early.ts';
import type { Action, ActionOutcome, ObservedMachine, Snapshot } from '../../src/model/index.ts';

const vm = (i: number): string => `/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm-${i}`;
const scope = '/subscriptions/s/resourceGroups/mon/providers/Microsoft.Insights/privateLinkScopes/ampls';
const machine = (i: number): ObservedMachine => ({ id: vm(i), kind: 'VirtualMachine' }) as ObservedMachine;
const partial = (ids: number[]): Snapshot =>
  ({ machines: ids.map(machine), associations: [], fullyListedMachines: [], errors: [], rules: [], alsoLinkScopes: [], workspaces: [], excludedCount: 0, scaleSets: [] });

const rule = (i: number): Action => ({ kind: 'CreateRuleAssociation', resourceId: vm(i), name: 'r', dataCollectionRuleId: 'dcr', description: 'd', reason: 'missing' });
const endpoint = (i: number): Action => ({ kind: 'CreateEndpointAssociation', resourceId: vm(i), name: 'configurationAccessEndpoint', dataCollectionEndpointId: 'dce', description: 'd', reason: 'missing' });
const del = (i: number): Action => ({ kind: 'DeleteAssociation', resourceId: vm(i), name: 'old', associationId: `${vm(i)}/providers/Microsoft.Insights/dataCollectionRuleAssociations/old`, reason: 'stale' });
const link: Action = { kind: 'AddScopedResource', scopeId: scope, name: 'law', linkedResourceId: 'law', reason: 'missing' };

/** A plan of the whole estate, restricted to the machines a snapshot holds (as the pure plan behaves). */
const everything = (n: number): Action[] => [link, ...Array.from({ length: n }, (_, i) => [endpoint(i), rule(i), del(i)]).flat()];
const planOf = (s: Snapshot): Action[] => [link, ...s.machines.flatMap((m) => everything(4).filter((a) => 'resourceId' in a && a.resourceId === m.id))];

describe('EarlyWrites', () => {
  it('starts only per-machine creates of the chunk, once each; settle leaves the rest and returns the early outcomes', async () => {
    const batches: Action[][] = [];
    const early = new EarlyWrites({
      plan: planOf,
      act: (actions) => {
        batches.push(actions);
        return Promise.resolve(actions.map((action): ActionOutcome => ({ action, ok: true })));
      },
    });
    early.offer(partial([0, 1]));
    early.offer(partial([1]));
    early.offer(partial([2]));
    expect(batches.map((b) => b.map((a) => `${a.kind}:${'resourceId' in a ? a.resourceId.slice(-4) : ''}`))).toEqual([
      ['CreateEndpointAssociation:vm-0', 'CreateRuleAssociation:vm-0', 'CreateEndpointAssociation:vm-1', 'CreateRuleAssociation:vm-1'],
      ['CreateEndpointAssociation:vm-2', 'CreateRuleAssociation:vm-2'],
    ]);
    expect(early.started).toBe(6);
    const { rest, outcomes } = await early.settle(everything(4));
    // Scope links and deletions wait for the full plan; machine 3 was never offered.
    expect(rest).toEqual([link, del(0), del(1), del(2), endpoint(3), rule(3), del(3)]);
    expect(outcomes).toHaveLength(6);
    expect(outcomes.every((o) => o.ok)).toBe(true);
  });

  it('with nothing offered, settle hands back the whole plan', async () => {
    const early = new EarlyWrites({ plan: planOf, act: () => Promise.reject(new Error('no early write expected')) });
    expect(await early.settle(everything(2))).toEqual({ rest: everything(2), outcomes: [] });
  });
});
