import type { VirtualMachine, VirtualMachineExtension } from '@azure/arm-compute';
import { describe, expect, it } from 'vitest';
import { AssociationIndex } from '../../src/azure/association-index.ts';
import { Turns } from '../../src/azure/turns.ts';
import { flatString } from '../../src/model/index.ts';
import { idsKey } from '../../src/azure/extensions.ts';
import { toAssociation, toVmAgentExtension, toVmMachine } from '../../src/azure/convert.ts';
import { slimVm } from '../../src/azure/targets.ts';
import { assemble } from '../../src/azure/graph.ts';
import { classifyRow, selectionOf } from '../../src/azure/graph-convert.ts';
import type { GraphRow } from '../../src/azure/graph-convert.ts';
import type { Targets } from '../../src/api/types.ts';
import { IdMap, Interner, stableJson } from '../../src/model/index.ts';
import type { ObservedAgentExtension, ObservedAssociation, ObservedMachine } from '../../src/model/index.ts';

const rule = '/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Microsoft.Insights/dataCollectionRules/dcr';
const vm = (i: number): string => `/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm-${i}`;
/** A copy no engine can share with the original (as two JSON answers give). */
const copy = (s: string): string => (JSON.parse(JSON.stringify(`${s} `)) as string).slice(0, -1);

describe('Interner', () => {
  it('gives back one equal string for every equal string, and leaves unequal ones apart', () => {
    const pool = new Interner();
    const a = pool.string(copy(rule));
    expect(a).toBe(rule);
    expect(pool.string(copy(rule))).toBe(a);
    expect(pool.string(rule.toUpperCase())).toBe(rule.toUpperCase());
    expect(pool.string(undefined)).toBeUndefined();
    expect(pool.size).toBe(2);
  });

  it('starts afresh when full, so unique values never grow it without bound', () => {
    const pool = new Interner(3);
    for (let i = 0; i < 10; i++) pool.string(vm(i));
    expect(pool.size).toBeLessThanOrEqual(3);
    expect(pool.string(vm(9))).toBe(vm(9));
  });

  it('shares one frozen object per content, whatever the key order', () => {
    const pool = new Interner();
    const one = pool.object({ authentication: { managedIdentity: { 'identifier-name': 'mi_res_id', 'identifier-value': 'x' } }, a: 1 });
    const two = pool.object({ a: 1, authentication: { managedIdentity: { 'identifier-value': 'x', 'identifier-name': 'mi_res_id' } } });
    expect(two).toBe(one);
    expect(Object.isFrozen(one)).toBe(true);
    expect(Object.isFrozen(one['authentication'])).toBe(true);
    expect(pool.object({ a: 2 })).not.toBe(one);
    expect(stableJson({ b: [1, { d: 1, c: 2 }], a: undefined })).toBe('{"b":[1,{"c":2,"d":1}]}');
  });

  it('finds an object by its text in the order seen, and by its sorted text in any other', () => {
    const pool = new Interner();
    const first = pool.object({ b: 1, a: { d: 2, c: 3 } });
    expect(pool.object({ b: 1, a: { d: 2, c: 3 } })).toBe(first);
    expect(pool.object({ a: { c: 3, d: 2 }, b: 1 })).toBe(first);
    expect(pool.object({ a: { d: 2, c: 3 }, b: 1, e: undefined })).toBe(first);
    expect(pool.object({ b: 1, a: { d: 2, c: 4 } })).not.toBe(first);
  });

  it('leaves the caller’s object unfrozen', () => {
    const pool = new Interner();
    const mine = { a: { b: 1 } };
    pool.object(mine);
    expect(Object.isFrozen(mine)).toBe(false);
    expect(Object.isFrozen(mine.a)).toBe(false);
  });
});

describe('conversion shares what machines repeat', () => {
  it('an association keeps its ids as ARM gave them', () => {
    const raw = (i: number) => JSON.parse(JSON.stringify({ id: `${vm(i)}/providers/Microsoft.Insights/dataCollectionRuleAssociations/dcr-assoc`, name: 'dcr-assoc', dataCollectionRuleId: rule })) as { id: string };
    const [a, b] = [toAssociation(raw(1)), toAssociation(raw(2))];
    expect(a?.dataCollectionRuleId).toBe(rule);
    expect(b?.dataCollectionRuleId).toBe(rule);
    expect(a?.resourceId).toBe(vm(1));
  });

  it('two agent extensions with equal settings share them', () => {
    const ext = (i: number) =>
      JSON.parse(JSON.stringify({ id: `${vm(i)}/extensions/AzureMonitorLinuxAgent`, name: 'AzureMonitorLinuxAgent', publisher: 'Microsoft.Azure.Monitor', typePropertiesType: 'AzureMonitorLinuxAgent', settings: { authentication: { managedIdentity: { 'identifier-name': 'mi_res_id', 'identifier-value': 'x' } } } })) as VirtualMachineExtension;
    const [a, b] = [toVmAgentExtension(ext(1)), toVmAgentExtension(ext(2))];
    expect(a?.settings).toEqual({ authentication: { managedIdentity: { 'identifier-name': 'mi_res_id', 'identifier-value': 'x' } } });
    expect(b?.settings).toBe(a?.settings);
    expect(a?.id).toBe(`${vm(1)}/extensions/AzureMonitorLinuxAgent`);
  });
});

describe('idsKey', () => {
  const machine = (id: string, extensionIds?: string[]): ObservedMachine => ({ id, kind: 'VirtualMachine', identity: { type: 'None', userAssignedIdentities: [] }, tags: {}, selectedBy: 'resourceGroups', ...(extensionIds ? { extensionIds } : {}) });
  it('writes the machine’s own extensions by name, so a fleet shares one key, and others in full', () => {
    expect(idsKey(machine(vm(1)))).toBe('?');
    const k1 = idsKey(machine(vm(1), [`${vm(1)}/extensions/AzureMonitorLinuxAgent`]));
    const k2 = idsKey(machine(vm(2), [`${vm(2)}/EXTENSIONS/azuremonitorlinuxagent`]));
    expect(k1).toBe('azuremonitorlinuxagent');
    expect(k2).toBe(k1);
    expect(idsKey(machine(vm(1), [`${vm(2)}/extensions/x`, `${vm(1)}/extensions/b`]))).toBe(`${vm(2).toLowerCase()}/extensions/x\nb`.split('\n').sort().join('\n'));
  });
});

describe('AssociationIndex', () => {
  const a = (m: string, name: string): ObservedAssociation => ({ id: `${m}/providers/Microsoft.Insights/dataCollectionRuleAssociations/${name}`, name, resourceId: m });
  it('keeps one association per id (any case), per machine, in the order found', () => {
    const [m1, m2] = [{ id: vm(1) }, { id: vm(2) }];
    const index = new AssociationIndex<{ id: string }>();
    expect(index.add(m1, a(vm(1), 'x'))).toBe(true);
    expect(index.add(m2, a(vm(2), 'x'))).toBe(true);
    expect(index.add(m1, a(vm(1).toUpperCase(), 'X'))).toBe(false);
    expect(index.add(m1, a(vm(1), 'y'))).toBe(true);
    expect(index.of(m1).map((x) => x.name)).toEqual(['x', 'y']);
    expect(index.take().map((x) => `${x.resourceId}|${x.name}`)).toEqual([`${vm(1)}|x`, `${vm(2)}|x`, `${vm(1)}|y`]);
    expect(index.has(m2, a(vm(2), 'x').id.toLowerCase())).toBe(true);
    expect(index.has(undefined, a(vm(2), 'x').id)).toBe(false);
  });

  it('replaces a machine’s associations at the end of the order, under its re-read object', () => {
    const [m1, m2, m1again] = [{ id: vm(1) }, { id: vm(2) }, { id: vm(1) }];
    const index = new AssociationIndex<{ id: string }>();
    index.add(m1, a(vm(1), 'x'));
    index.add(m2, a(vm(2), 'x'));
    index.replace(m1, [a(vm(1), 'z')], m1again);
    expect(index.of(m1)).toEqual([]);
    expect(index.of(m1again).map((x) => x.name)).toEqual(['z']);
    expect(index.take().map((x) => `${x.resourceId}|${x.name}`)).toEqual([`${vm(2)}|x`, `${vm(1)}|z`]);
    index.replace(m2);
    expect(index.take().map((x) => x.name)).toEqual(['z']);
  });

  it('adopts a list as its order, cut in place to what it files; into a non-empty index it adds', async () => {
    const [m1, m2] = [{ id: vm(1) }, { id: vm(2) }];
    const machineOf = (x: ObservedAssociation) => [m1, m2].find((m) => m.id === x.resourceId);
    const index = new AssociationIndex<{ id: string }>();
    const list = [a(vm(1), 'x'), a(vm(3), 'x'), a(vm(2), 'x'), a(vm(1), 'X'), a(vm(1), 'y')];
    await index.adopt(list, machineOf, new Turns());
    expect(index.take()).toBe(list);
    expect(list.map((x) => `${x.resourceId}|${x.name}`)).toEqual([`${vm(1)}|x`, `${vm(2)}|x`, `${vm(1)}|y`]);
    expect(index.of(m1).map((x) => x.name)).toEqual(['x', 'y']);
    const more = [a(vm(2), 'z'), a(vm(2), 'x')];
    await index.adopt(more, machineOf, new Turns());
    expect(index.take().map((x) => `${x.resourceId}|${x.name}`)).toEqual([`${vm(1)}|x`, `${vm(2)}|x`, `${vm(1)}|y`, `${vm(2)}|z`]);
    expect(more).toHaveLength(2);
  });
});

describe('slimVm', () => {
  it('keeps what conversion reads, as ARM gave it, and drops the rest of the model', () => {
    const full = {
      id: vm(1),
      location: 'westeurope',
      tags: { env: 'prod' },
      identity: { type: 'UserAssigned', userAssignedIdentities: { [rule]: {} } },
      hardwareProfile: { vmSize: 'Standard_D2s_v5' },
      networkProfile: { networkInterfaces: [{ id: `${vm(1)}-nic` }] },
      storageProfile: { imageReference: { offer: 'ubuntu' }, osDisk: { osType: 'Linux', name: 'disk' } },
      virtualMachineScaleSet: { id: 'ss' },
      resources: [{ id: `${vm(1)}/extensions/AzureMonitorLinuxAgent` }],
    } as unknown as VirtualMachine;
    const slim = slimVm(full);
    expect(slim).toEqual({ id: vm(1), location: 'westeurope', tags: { env: 'prod' }, identity: full.identity, storageProfile: { osDisk: { osType: 'Linux' } }, virtualMachineScaleSet: { id: 'ss' }, resources: full.resources });
    expect(toVmMachine(slim, 'resourceGroups')).toEqual(toVmMachine(full, 'resourceGroups'));
    const malformed = slimVm({ ...full, storageProfile: { osDisk: { osType: 7 } } } as unknown as VirtualMachine);
    expect(() => toVmMachine(malformed, 'resourceGroups')).toThrow(/osType/);
  });
});

describe('assemble', () => {
  it('attaches an agent extension keyed by the machine id as given, or in another case', async () => {
    const group = '/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg';
    const targets: Targets = { resourceGroups: [group] };
    const row = (id: string): GraphRow => ({ id, name: id.split('/').pop(), type: 'microsoft.compute/virtualmachines', properties: {} });
    const ext = (id: string): ObservedAgentExtension => ({ id: `${id}/extensions/ama`, name: 'ama', type: 'AzureMonitorLinuxAgent', publisher: 'Microsoft.Azure.Monitor', settings: { n: id } });
    const view = await assemble(
      targets,
      [vm(1), vm(2), vm(3)].map((id) => classifyRow(row(id), selectionOf(targets))),
      new IdMap<ObservedAgentExtension>().set(vm(1), ext(vm(1))).set(vm(2).toUpperCase(), ext(vm(2))),
      [],
    );
    expect(view.targets.machines.get(vm(1))?.agentExtension?.settings).toEqual({ n: vm(1) });
    expect(view.targets.machines.get(vm(2))?.agentExtension?.settings).toEqual({ n: vm(2) });
    expect(view.targets.machines.get(vm(3))?.agentExtension).toBeNull();
  });
});

describe('flatString', () => {
  it('keeps the text exactly, decomposed letters included (it flattens, it does not normalize)', () => {
    const name = 'caf\u0065\u0301-vm';
    const built = `virtual machine ${name.slice(0)} has no association with ${'data collection rule'} dcr-\u00e9`;
    const flat = flatString(built);
    expect(flat).toBe(built);
    expect(flat.length).toBe(built.length);
    expect(flat).not.toBe(built.normalize('NFC'));
  });
});
