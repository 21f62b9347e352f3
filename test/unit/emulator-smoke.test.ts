import { test, expect } from 'vitest';
import { startTestEmulator, computeClient, monitorClient, fastPoll } from '/work/main/test/support/emulator.ts';

test('smoke', async () => {
  const sid = '00000000-0000-0000-0000-000000000001';
  const emu = await startTestEmulator({ estate: { subscriptions: [{ id: sid, resourceGroups: [{ name: 'rg', location: 'eastus',
    userAssignedIdentities: ['uami'], dataCollectionEndpoints: [{ name: 'dce' }], workspaces: [{ name: 'ws' }],
    dataCollectionRules: [{ name: 'dcr', kind: 'Linux', dataCollectionEndpoint: 'dce', workspace: 'ws' }],
    virtualMachineScaleSets: [{ name: 'flex', orchestrationMode: 'Flexible', capacity: 3, identity: { userAssigned: ['uami'] } }],
    virtualMachines: [{ name: 'vm1', osType: 'Linux', identity: { systemAssigned: true }, associations: [{ name: 'a1', rule: 'dcr' }] }] }] }] } });
  try {
    const compute = computeClient(emu, sid);
    const vms = [];
    for await (const vm of compute.virtualMachines.listAll()) vms.push(vm.name);
    console.log(vms);
    const vm = await compute.virtualMachines.get('rg', 'vm1');
    console.log(JSON.stringify(vm.identity));
    const ext = await compute.virtualMachineExtensions.createOrUpdate('rg', 'vm1', 'AzureMonitorLinuxAgent', { location: 'eastus', publisher: 'Microsoft.Azure.Monitor', typePropertiesType: 'AzureMonitorLinuxAgent', type: 'AzureMonitorLinuxAgent', typeHandlerVersion: '1.0' } as never, fastPoll);
    console.log(JSON.stringify(ext));
    const monitor = monitorClient(emu, sid);
    const assoc = [];
    for await (const a of monitor.dataCollectionRuleAssociations.listByRule('rg', 'dcr')) assoc.push(a.id);
    console.log(assoc);
    console.log(emu.counters());
    expect(vms.length).toBe(4);
  } finally { await emu.close(); }
});
