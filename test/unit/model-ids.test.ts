import { describe, expect, it } from 'vitest';
import { IdMap, idKey, isType, parseArmId, resourceGroupId, sameId } from '../../src/model/index.ts';

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
});
