import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IdMap, IdSet, groupOf, idHash, idHash53, idKey, idMatcher, isType, parseArmId, resourceGroupId, sameId, sameName } from '../../src/model/index.ts';

const vm = '/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-app/providers/Microsoft.Compute/virtualMachines/vm-1';

describe('ARM ids', () => {
  it('parses a provider resource', () => {
    expect(parseArmId(vm)).toEqual({
      id: vm,
      subscriptionId: '00000000-0000-0000-0000-000000000001',
      resourceGroup: 'rg-app',
      provider: 'Microsoft.Compute',
      type: 'Microsoft.Compute/virtualMachines',
      name: 'vm-1',
    });
  });

  it('parses nested types and resource groups', () => {
    const sr = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Insights/privateLinkScopes/ampls/scopedResources/dce';
    expect(parseArmId(sr)?.type).toBe('Microsoft.Insights/privateLinkScopes/scopedResources');
    expect(parseArmId('/subscriptions/s/resourceGroups/rg')).toEqual({ id: '/subscriptions/s/resourceGroups/rg', subscriptionId: 's', resourceGroup: 'rg' });
  });

  it('uses the last provider of an extension resource', () => {
    const dra = `${vm}/providers/Microsoft.Insights/dataCollectionRuleAssociations/configurationAccessEndpoint`;
    const parsed = parseArmId(dra);
    expect(parsed?.type).toBe('Microsoft.Insights/dataCollectionRuleAssociations');
    expect(parsed?.name).toBe('configurationAccessEndpoint');
    expect(parsed?.resourceGroup).toBe('rg-app');
  });

  it('parses an id whose resource group holds a letter that grows in lower case', () => {
    const id = '/subscriptions/s/resourceGroups/İzmir/providers/Microsoft.Compute/virtualMachines/vm';
    expect(parseArmId(id)).toEqual({ id, subscriptionId: 's', resourceGroup: 'İzmir', provider: 'Microsoft.Compute', type: 'Microsoft.Compute/virtualMachines', name: 'vm' });
  });

  it('rejects malformed ids', () => {
    for (const bad of ['', 'vm-1', '/subscriptions/', '/subscriptions/s/providers/Microsoft.Compute/virtualMachines', '/subscriptions/s/resourceGroups/rg/extra', '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute//vm']) {
      expect(parseArmId(bad), bad).toBeUndefined();
    }
  });

  it('compares case-insensitively and ignores a trailing slash', () => {
    expect(sameId(vm, vm.toUpperCase())).toBe(true);
    expect(sameId(`${vm}/`, vm.toLowerCase())).toBe(true);
    expect(sameId(vm, undefined)).toBe(false);
    expect(idKey(` ${vm}/ `)).toBe(vm.toLowerCase());
    expect(isType(vm.toLowerCase(), 'Microsoft.Compute/virtualMachines')).toBe(true);
    expect(isType(vm, 'Microsoft.Compute/virtualMachineScaleSets')).toBe(false);
    expect(resourceGroupId(vm)).toBe('/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-app');
  });

  it('keys an IdMap case-insensitively', () => {
    const m = new IdMap<number>();
    m.set(vm, 1);
    expect(m.get(vm.toUpperCase())).toBe(1);
    expect(m.has(vm.toLowerCase())).toBe(true);
    m.delete(vm.toUpperCase());
    expect(m.size).toBe(0);
  });

  // Ids from a small alphabet, in any case, with trailing slashes and spaces and letters beyond ASCII (whose lower
  // case may change the length), so that equal keys are frequent.
  const anyId = fc
    .tuple(fc.array(fc.tuple(fc.constantFrom('a', 'B', 'c', '/', 'İ', 'ß', 'Σ', '@', '`', '[', '{'), fc.boolean()), { maxLength: 6 }), fc.constantFrom('', '/', ' ', '//'))
    .map(([cs, tail]) => cs.map(([c, upper]) => (upper ? c.toUpperCase() : c.toLowerCase())).join('') + tail);

  it('compares ids as idKey does, without its copies', () => {
    fc.assert(fc.property(anyId, anyId, (a, b) => sameId(a, b) === (idKey(a) === idKey(b))));
  });

  it('compares names as their lower cases do, Unicode included', () => {
    fc.assert(fc.property(anyId, anyId, (a, b) => sameName(a, b) === (a.toLowerCase() === b.toLowerCase())));
    expect(sameName('İx', 'i̇x')).toBe(true);
  });

  it('reads a resource group from an id as parseArmId does', () => {
    const segment = fc.constantFrom('rg', 'RG-1', 'providers', 'a b', 'İ', '', ' ', 'x.y');
    const anyResourceId = fc
      .tuple(fc.constantFrom('/subscriptions/', '/SUBSCRIPTIONS/', ' /subscriptions/', 'subscriptions/'), segment, fc.constantFrom('/resourceGroups/', '/resourcegroups/', '/'), segment, fc.constantFrom('/providers/', '/'), segment, fc.constantFrom('/', '//'), segment, fc.constantFrom('', '/', '/x', ' ', '/x/y'), segment)
      .map((parts) => parts.join(''));
    const expected = (id: string): { group: string; subscriptionId: string } => {
      const p = parseArmId(id);
      return { group: p?.resourceGroup ? `${p.subscriptionId}/${p.resourceGroup}`.toLowerCase() : '', subscriptionId: p?.subscriptionId ?? '' };
    };
    fc.assert(
      fc.property(anyResourceId, (id) => JSON.stringify(groupOf(id)) === JSON.stringify(expected(id))),
      { numRuns: 5000 },
    );
    expect(groupOf('/subscriptions/s/resourceGroups/rg/providers/P/providers/x')).toEqual({ group: '', subscriptionId: '' });
    expect(groupOf(vm)).toEqual({ group: '00000000-0000-0000-0000-000000000001/rg-app', subscriptionId: '00000000-0000-0000-0000-000000000001' });
  });

  it('hashes ids that idKey makes equal alike', () => {
    fc.assert(fc.property(anyId, anyId, (a, b) => idKey(a) !== idKey(b) || (idHash(a) === idHash(b) && idHash53(a) === idHash53(b))));
  });

  it('gives 300,000 distinct association ids 300,000 distinct 53-bit hashes', () => {
    const hashes = new Set<number>();
    let safe = true;
    for (let i = 0; i < 100_000; i++) {
      for (const name of ['configurationAccessEndpoint', 'dcr-perf-assoc', 'dcr-syslog-assoc']) {
        const h = idHash53(`/subscriptions/00000000-0000-0000-0000-${String(i % 100).padStart(12, '0')}/resourceGroups/rg-${Math.floor(i / 100)}/providers/Microsoft.Compute/virtualMachines/vm-${i}/providers/Microsoft.Insights/dataCollectionRuleAssociations/${name}`);
        safe &&= Number.isSafeInteger(h);
        hashes.add(h);
      }
    }
    expect([safe, hashes.size]).toEqual([true, 300_000]);
  });

  type Op = { op: 'set' | 'delete'; id: string; v: number };
  const ops = fc.array(fc.record({ op: fc.constantFrom<Op['op']>('set', 'set', 'delete'), id: anyId, v: fc.integer() }), { maxLength: 40 });
  // A reference map keyed by idKey; the IdMap with its own hash and with one that makes most ids collide.
  const agrees = (hash: ((id: string) => number) | undefined, split?: number) => (steps: Op[], probes: string[]): boolean => {
    const ref = new Map<string, number>();
    const m = new IdMap<number>(hash, split);
    for (const s of steps) {
      if (s.op === 'set') {
        ref.set(idKey(s.id), s.v);
        m.set(s.id, s.v);
      } else expect(m.delete(s.id)).toBe(ref.delete(idKey(s.id)));
    }
    expect(m.size).toBe(ref.size);
    for (const id of [...probes, ...steps.map((s) => s.id)]) {
      expect(m.get(id)).toBe(ref.get(idKey(id)));
      expect(m.has(id)).toBe(ref.has(idKey(id)));
    }
    // In the order first set, as the Map keyed by idKey iterates.
    expect([...m.entries()]).toEqual([...ref.entries()]);
    expect([...m.keys()]).toEqual([...ref.keys()]);
    expect([...m.values()]).toEqual([...ref.values()]);
    expect(m.valueList()).toEqual([...ref.values()]);
    return true;
  };

  it('an id kept apart stays one entry when the id that held its hash is deleted', () => {
    const m = new IdMap<number>(() => 7);
    m.set('/a', 1).set('/B', 2);
    m.delete('/A');
    m.set('/b', 3);
    expect([m.size, m.get('/b'), [...m.values()]]).toEqual([1, 3, [3]]);
    m.delete('/B');
    expect([m.size, m.has('/b')]).toEqual([0, false]);
  });

  it('an IdMap behaves as a Map keyed by idKey, whether ids collide or not, its index split into shards or not', () => {
    for (const split of [undefined, 2]) {
      fc.assert(fc.property(ops, fc.array(anyId, { maxLength: 5 }), agrees(undefined, split)));
      fc.assert(fc.property(ops, fc.array(anyId, { maxLength: 5 }), agrees((id) => (idHash(id) === -1 ? -1 : idHash(id) % 3), split)), { numRuns: 500 });
    }
  });

  it('an IdMap that deleted most of its entries compacts its slots and keeps every entry and their order', () => {
    const m = new IdMap<number>(undefined, 64);
    const ref = new Map<string, number>();
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 3000; i++) {
        const id = `/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/VM-${round}-${i}`;
        m.set(id, i);
        ref.set(idKey(id), i);
      }
      // Most of them go: more holes than entries, so the next sets compact.
      for (const k of [...ref.keys()]) {
        if (Number(k.split('-').at(-1)) % 10 !== 0) {
          expect(m.delete(k.toUpperCase())).toBe(true);
          ref.delete(k);
        }
      }
    }
    expect(m.size).toBe(ref.size);
    expect([...m.entries()]).toEqual([...ref.entries()]);
    expect(m.valueList()).toEqual([...ref.values()]);
    for (const k of ref.keys()) expect(m.get(k)).toBe(ref.get(k));
  });

  // A reference set of idKeys; the IdSet with its own hash or colliding ones, in one part or in parts of a few ids.
  const setAgrees = (hash: ((id: string) => number) | undefined, split: number | undefined) => (steps: Op[], probes: string[]): boolean => {
    const ref = new Set<string>();
    const s = new IdSet({ ...(hash ? { hash } : {}), ...(split ? { split } : {}) });
    for (const step of steps) {
      if (step.op === 'set') {
        ref.add(idKey(step.id));
        s.add(step.id);
      } else expect(s.delete(step.id)).toBe(ref.delete(idKey(step.id)));
    }
    expect(s.size).toBe(ref.size);
    for (const id of [...probes, ...steps.map((x) => x.id)]) expect(s.has(id)).toBe(ref.has(idKey(id)));
    expect([...s]).toEqual([...ref]);
    // Each id is held as it was given: one given id per key, in the order first added.
    expect([...s.ids()].map(idKey)).toEqual([...ref]);
    for (const id of s.ids()) expect(steps.some((x) => x.id === id)).toBe(true);
    return true;
  };

  it('an IdSet behaves as a Set of idKeys, whether ids collide or not, its index split into shards or not', () => {
    const colliding = (id: string): number => (idHash(id) === -1 ? -1 : idHash(id) % 3);
    for (const split of [undefined, 1, 2]) {
      fc.assert(fc.property(ops, fc.array(anyId, { maxLength: 5 }), setAgrees(undefined, split)));
      fc.assert(fc.property(ops, fc.array(anyId, { maxLength: 5 }), setAgrees(colliding, split)), { numRuns: 300 });
    }
  });

  it('an id kept apart in an IdSet stays one member when the id that held its hash is deleted', () => {
    const s = new IdSet({ hash: () => 7, split: 1 });
    s.add('/a').add('/B');
    s.delete('/A');
    s.add('/b');
    expect([s.size, [...s.ids()]]).toEqual([1, ['/B']]);
    s.delete('/b');
    expect([s.size, s.has('/B')]).toEqual([0, false]);
  });
});

describe('idMatcher', () => {
  it('answers case-insensitively, the same on every call, and false for what is not a string', () => {
    const rule = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Insights/dataCollectionRules/dcr';
    const is = idMatcher([rule]);
    for (let i = 0; i < 3; i++) {
      expect(is(rule)).toBe(true);
      expect(is(rule.toUpperCase())).toBe(true);
      expect(is(`${rule}-other`)).toBe(false);
    }
    expect(is(undefined)).toBe(false);
    expect(is(42)).toBe(false);
  });
});
