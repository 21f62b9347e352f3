// Scale: a Flexible scale set grown from 0 to 1,000 instances through ARM, listed back across pages,
// and 1,000 associations listed by rule; prints the time taken and the emulator's heap.
import { describe, expect, test } from 'vitest';
import { computeClient, fastPoll, monitorClient, startTestEmulator } from '../support/emulator.ts';

const SUB = '55555555-5555-5555-5555-555555555555';
const RG = `/subscriptions/${SUB}/resourceGroups/rg`;

const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

describe('scale', () => {
  test('a Flexible scale set scaled 0 → 1,000 through ARM; the filtered list returns every member across pages', { timeout: 120_000 }, async () => {
    global.gc?.();
    const heapBefore = process.memoryUsage().heapUsed;
    const emu = await startTestEmulator({
      pageSize: 100,
      throttling: false,
      estate: {
        subscriptions: [
          {
            id: SUB,
            resourceGroups: [
              {
                name: 'rg',
                location: 'eastus',
                userAssignedIdentities: ['uami-ama'],
                workspaces: [{ name: 'law' }],
                dataCollectionEndpoints: [{ name: 'dce' }],
                dataCollectionRules: [{ name: 'dcr', kind: 'Linux', dataCollectionEndpoint: 'dce', workspace: 'law' }],
              },
            ],
          },
        ],
      },
    });
    try {
      const compute = computeClient(emu, SUB);
      const monitor = monitorClient(emu, SUB);
      const vmss = await compute.virtualMachineScaleSets.createOrUpdate(
        'rg',
        'flex-1k',
        {
          location: 'eastus',
          sku: { name: 'Standard_D2s_v5', capacity: 0 },
          orchestrationMode: 'Flexible',
          identity: { type: 'UserAssigned', userAssignedIdentities: { [`${RG}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/uami-ama`]: {} } },
          virtualMachineProfile: {
            storageProfile: { osDisk: { osType: 'Linux', createOption: 'FromImage' } },
            extensionProfile: { extensions: [{ name: 'AzureMonitorLinuxAgent', publisher: 'Microsoft.Azure.Monitor', typePropertiesType: 'AzureMonitorLinuxAgent', typeHandlerVersion: '1.33' }] },
          },
        },
        fastPoll,
      );
      const filter = `'virtualMachineScaleSet/id' eq '${vmss.id ?? ''}'`;

      const t0 = performance.now();
      await compute.virtualMachineScaleSets.update('rg', 'flex-1k', { sku: { name: 'Standard_D2s_v5', capacity: 1000 } }, fastPoll);
      const scaled = performance.now() - t0;

      const t1 = performance.now();
      const members: string[] = [];
      let pages = 0;
      for await (const page of compute.virtualMachines.list('rg', { filter }).byPage()) {
        pages++;
        for (const vm of page) members.push(vm.id ?? '');
      }
      const listed = performance.now() - t1;
      expect(members).toHaveLength(1000);
      expect(new Set(members).size).toBe(1000);
      expect(pages).toBe(10);

      // Thousands of associations through ARM, then listed per rule.
      const t2 = performance.now();
      const rule = `${RG}/providers/Microsoft.Insights/dataCollectionRules/dcr`;
      for (let i = 0; i < members.length; i += 50) {
        await Promise.all(members.slice(i, i + 50).map((id) => monitor.dataCollectionRuleAssociations.create(id, 'dcr-assoc', { body: { dataCollectionRuleId: rule } })));
      }
      const associated = performance.now() - t2;
      const t3 = performance.now();
      let byRule = 0;
      for await (const _ of monitor.dataCollectionRuleAssociations.listByRule('rg', 'dcr')) byRule++;
      const listedByRule = performance.now() - t3;
      expect(byRule).toBe(1000);

      global.gc?.();
      const heapAfter = process.memoryUsage().heapUsed;
      const report = [
        `scale 0 → 1000 via ARM PUT/poll: ${scaled.toFixed(0)} ms`,
        `filtered list of 1000 VMs in ${pages} pages: ${listed.toFixed(0)} ms`,
        `1000 association PUTs (50 in flight): ${associated.toFixed(0)} ms`,
        `list 1000 associations by rule: ${listedByRule.toFixed(0)} ms`,
        `resources held: ${emu.store.count()}`,
        `heap (test process incl. emulator): ${mib(heapAfter)} after, ${mib(heapAfter - heapBefore)} growth since before start`,
      ];
      console.log(`[emulator scale]\n  ${report.join('\n  ')}`);
      const down = performance.now();
      await compute.virtualMachineScaleSets.update('rg', 'flex-1k', { sku: { name: 'Standard_D2s_v5', capacity: 0 } }, fastPoll);
      console.log(`[emulator scale] scale 1000 → 0: ${(performance.now() - down).toFixed(0)} ms; resources left: ${emu.store.count()}`);
      expect(emu.store.count('Microsoft.Compute/virtualMachines')).toBe(0);
      expect(emu.store.count('Microsoft.Insights/dataCollectionRuleAssociations')).toBe(0);
    } finally {
      await emu.close();
    }
  });
});
