import { describe, expect, it } from 'vitest';
import { ExtensionCache } from '../../src/azure/extensions.ts';
import type { ObservedAgentExtension, ObservedMachine } from '../../src/model/index.ts';

const vmId = '/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm-1';
const ama: ObservedAgentExtension = {
  id: `${vmId}/extensions/AzureMonitorLinuxAgent`,
  name: 'AzureMonitorLinuxAgent',
  type: 'AzureMonitorLinuxAgent',
  publisher: 'Microsoft.Azure.Monitor',
  settings: {},
};
const machine = (extensionIds?: string[]): ObservedMachine => ({
  id: vmId,
  kind: 'VirtualMachine',
  identity: { type: 'SystemAssigned', userAssignedIdentities: [] },
  tags: {},
  selectedBy: 'virtualMachines',
  ...(extensionIds ? { extensionIds } : {}),
});

describe('ExtensionCache', () => {
  it('remembers an extension while the VM lists the same extension ids (in any case and order)', () => {
    let now = 0;
    const cache = new ExtensionCache(1000, () => now);
    expect(cache.lookup(machine([ama.id]))).toBeUndefined();
    cache.store(machine([ama.id, `${vmId}/extensions/other`]), ama);
    now = 999;
    expect(cache.lookup(machine([`${vmId}/extensions/OTHER`, ama.id.toUpperCase()]))).toEqual(ama);
  });

  it('reads again when the extension ids change, the entry is too old, or it was invalidated', () => {
    let now = 0;
    const cache = new ExtensionCache(1000, () => now);
    cache.store(machine([ama.id]), ama);
    expect(cache.lookup(machine([ama.id, `${vmId}/extensions/new`]))).toBeUndefined();
    expect(cache.lookup(machine()), 'a list that said nothing about extensions').toBeUndefined();
    now = 1001;
    expect(cache.lookup(machine([ama.id]))).toBeUndefined();
    cache.store(machine([ama.id]), ama);
    cache.invalidate(vmId.toUpperCase());
    expect(cache.lookup(machine([ama.id]))).toBeUndefined();
  });

  it('remembers that a VM has no agent extension', () => {
    const cache = new ExtensionCache();
    cache.store(machine([`${vmId}/extensions/other`]), null);
    expect(cache.lookup(machine([`${vmId}/extensions/other`]))).toBeNull();
  });
});
