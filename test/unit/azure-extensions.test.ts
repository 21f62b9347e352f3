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
    const cache = new ExtensionCache({ maxAgeMs: 1000, now: () => now, random: () => 0.999999 });
    expect(cache.lookup(machine([ama.id]))).toBeUndefined();
    cache.store(machine([ama.id, `${vmId}/extensions/other`]), ama);
    now = 999;
    expect(cache.lookup(machine([`${vmId}/extensions/OTHER`, ama.id.toUpperCase()]))).toEqual(ama);
  });

  it('reads again when the extension ids change, the entry is too old, or it was invalidated', () => {
    let now = 0;
    const cache = new ExtensionCache({ maxAgeMs: 1000, now: () => now, random: () => 0.999999 });
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

  it('spreads expiry over [maxAge/2, maxAge] and re-reads at most the allowance of expired entries per pass', () => {
    let now = 0;
    const randoms = [0, 0.5, 0.999];
    const cache = new ExtensionCache({ maxAgeMs: 1000, refreshPerPass: 1, now: () => now, random: () => randoms.shift() ?? 0 });
    const vms = ['a', 'b', 'c'].map((n): ObservedMachine => ({ ...machine([ama.id]), id: vmId.replace('vm-1', n) }));
    for (const m of vms) cache.store(m, ama);
    now = 600; // only the first (ttl 500) expired
    let allowance = cache.beginPass();
    expect(vms.map((m) => cache.lookup(m, allowance) === undefined)).toEqual([true, false, false]);
    now = 1000; // all three expired; a pass re-reads one, the others keep their settings
    allowance = cache.beginPass();
    expect(vms.map((m) => cache.lookup(m, allowance) === undefined)).toEqual([true, false, false]);
    expect(cache.lookup(vms[1] as ObservedMachine), 'without an allowance an expired entry is read').toBeUndefined();
  });

  it('drops the entries of machines no pass has seen for twice the maximum age', () => {
    let now = 0;
    const cache = new ExtensionCache({ maxAgeMs: 1000, now: () => now });
    const gone = { ...machine([ama.id]), id: vmId.replace('vm-1', 'gone') };
    cache.store(machine([ama.id]), ama);
    cache.store(gone, ama);
    for (now = 500; now <= 2500; now += 500) {
      const allowance = cache.beginPass();
      cache.lookup(machine([ama.id]), allowance);
    }
    expect(cache.size).toBe(1);
  });
});
