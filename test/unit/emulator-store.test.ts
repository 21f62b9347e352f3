import { describe, expect, it } from 'vitest';
import { ResourceStore } from '../../src/emulator/arm/store.ts';

const RG = '/subscriptions/s/resourceGroups/rg';
const vm = (n: number): string => `${RG}/providers/Microsoft.Compute/virtualMachines/vm-${n}`;
const TYPE = 'Microsoft.Compute/virtualMachines';

describe('ResourceStore listing', () => {
  it('hands every page of a 20,000-item list the same array until the collection changes', { timeout: 60_000 }, () => {
    const store = new ResourceStore();
    for (let i = 0; i < 20_000; i++) store.put({ id: vm(i), name: `vm-${i}`, type: TYPE, properties: {} });
    const first = store.list(RG, TYPE);
    expect(first).toHaveLength(20_000);
    // 200 pages of 100 read the one array: no copy per page.
    for (let page = 0; page < 200; page++) expect(store.list(RG, TYPE)).toBe(first);
    store.put({ id: vm(20_000), name: 'vm-20000', type: TYPE, properties: {} });
    const after = store.list(RG, TYPE);
    expect(after).not.toBe(first);
    expect(after).toHaveLength(20_001);
    store.delete(vm(0));
    expect(store.list(RG, TYPE)).toHaveLength(20_000);
    expect(first, 'an earlier view stays as it was').toHaveLength(20_000);
  });
});
