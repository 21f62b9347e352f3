import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expectedAssociations } from '../../src/controller/inventory.ts';
import { KeySet, hashSetWork, keySetWork, missingWork } from '../../src/controller/keys.ts';
import { runSync } from '../../src/findings/index.ts';
import { idHash53, idKey } from '../../src/model/index.ts';
import type { Action, ActionOutcome, ObservedAssociation, Snapshot } from '../../src/model/index.ts';

describe('KeySet', () => {
  it('holds what a Set of the keys holds, whether its index is split into shards or not', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom('/a', '/A', '/b/', '/c', ' /d', '/e', '/F', '/g'), { maxLength: 60 }), fc.integer({ min: 1, max: 5 }), (ids, split) => {
        const set = runSync(keySetWork(ids, split));
        const native = new Set(ids.map(idKey));
        expect(set.size).toBe(native.size);
        expect([...set].sort()).toEqual([...native].sort());
        for (const k of ['/a', '/b', '/c', '/d', '/e', '/f', '/g', '/h']) expect(set.has(k)).toBe(native.has(k));
      }),
    );
  });

  it('holds ids as hashes that agree with idKey: equal keys, one hash; the ids that a listing lacks are found by hash', () => {
    const ids = ['/a', '/A/', ' /b', '/c', '/\u212A', '/k'];
    const set = runSync(hashSetWork(ids, 2));
    expect(set.size).toBe(new Set(ids.map(idKey)).size);
    expect(set.has(idHash53('/B'))).toBe(true);
    expect(runSync(missingWork(set, runSync(hashSetWork(['/a', '/b', '/K']))))).toEqual([idHash53('/c')]);
  });

  it('says which keys of one set the other lacks', () => {
    const a = new KeySet(2).add('x').add('y').add('z');
    const b = new KeySet(2).add('y');
    expect(runSync(missingWork(a, b))).toEqual(['x', 'z']);
    expect(runSync(missingWork(b, a))).toEqual([]);
  });

  it('holds ids as given and finds them in any case; what one set lacks comes out as idKey gives it', () => {
    const a = runSync(keySetWork(['/Sub/VM-1', '/sub/vm-2/', '/SUB/VM-3'], 2));
    const b = runSync(keySetWork(['/sub/vm-1', '/SUB/VM-2'], 2));
    expect([...a.ids()]).toEqual(['/Sub/VM-1', '/sub/vm-2/', '/SUB/VM-3']);
    expect(runSync(missingWork(a, b))).toEqual(['/sub/vm-3']);
    expect(runSync(missingWork(b, a))).toEqual([]);
  });
});

describe('expectedAssociations', () => {
  const rule = '/s/rg/providers/Microsoft.Insights/dataCollectionRules/r';
  const other = '/s/rg/providers/Microsoft.Insights/dataCollectionRules/other';
  const vm = (i: number): string => `/s/rg/providers/Microsoft.Compute/virtualMachines/vm-${i}`;
  const assoc = (i: number, name: string, via: string): ObservedAssociation => ({ id: `${vm(i)}/providers/Microsoft.Insights/dataCollectionRuleAssociations/${name}`, name, resourceId: vm(i), dataCollectionRuleId: via });
  const ok = (action: Action): ActionOutcome => ({ action, ok: true });
  const create = (i: number, name: string): Action => ({ kind: 'CreateRuleAssociation', resourceId: vm(i), name, dataCollectionRuleId: rule.toUpperCase(), description: 'd', reason: 'r' });
  const remove = (i: number, name: string): Action => ({ kind: 'DeleteAssociation', resourceId: vm(i), name, associationId: assoc(i, name, rule).id.toUpperCase(), reason: 'r' });

  it('is what the pass saw and made through the sources, less what it removed, as a set of keys', () => {
    const snapshot = { associations: [assoc(0, 'a', rule), assoc(0, 'a', rule), assoc(1, 'b', other), assoc(2, 'c', rule), assoc(3, 'd', rule)] } as Snapshot;
    const outcomes = [ok(create(4, 'e')), ok(remove(2, 'c')), { action: create(5, 'f'), ok: false }, ok(remove(3, 'd')), ok(create(3, 'd'))];
    const keys = [...runSync(keySetWork(expectedAssociations(snapshot, [rule], outcomes)))].sort();
    // Created again after its removal in the same pass: expected.
    expect(keys).toEqual([assoc(0, 'a', rule).id, assoc(3, 'd', rule).id, assoc(4, 'e', rule).id].map(idKey).sort());
  });
});
