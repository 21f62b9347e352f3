// Estate files: the seed story loads as declared, and exported state loads back into an identical estate.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startEmulator } from '../../src/emulator/index.ts';
import type { RunningEmulator } from '../../src/emulator/index.ts';

const SUB = '/subscriptions/11111111-1111-1111-1111-111111111111';
const MON = `${SUB}/resourceGroups/rg-monitoring/providers`;
const WL = `${SUB}/resourceGroups/rg-workloads/providers`;
const DCE = `${MON}/Microsoft.Insights/dataCollectionEndpoints/dce-central`;
type Json = Record<string, unknown>;
const props = (r: Json | undefined): Json => (r?.properties ?? {}) as Json;
const assocNames = (emu: RunningEmulator, vm: string): string[] =>
  emu.store.list(`${WL}/Microsoft.Compute/virtualMachines/${vm}`, 'Microsoft.Insights/dataCollectionRuleAssociations').map((a) => String(a.name)).sort();

describe('estate files', () => {
  let emu: RunningEmulator;
  beforeAll(async () => {
    emu = await startEmulator({ estate: 'estates/seed-story.yaml' });
  });
  afterAll(() => emu.close());

  test('the seed story: PrivateOnly scope with the workspace linked and the DCE not', () => {
    const scope = emu.store.get(`${MON}/Microsoft.Insights/privateLinkScopes/ampls-central`);
    expect(props(scope).accessModeSettings).toMatchObject({ ingestionAccessMode: 'PrivateOnly', queryAccessMode: 'PrivateOnly' });
    const linked = emu.store.list(`${MON}/Microsoft.Insights/privateLinkScopes/ampls-central`, 'Microsoft.Insights/privateLinkScopes/scopedResources').map((s) => props(s).linkedResourceId);
    expect(linked).toEqual([`${MON}/Microsoft.OperationalInsights/workspaces/law-central`]);
    expect(props(emu.store.get(DCE)).privateLinkScopedResources).toBeUndefined();
    expect(props(emu.store.get(`${MON}/Microsoft.OperationalInsights/workspaces/law-central`)).publicNetworkAccessForIngestion).toBe('Enabled');
    for (const [name, kind] of [['dcr-linux-syslog', 'Linux'], ['dcr-windows-events', 'Windows']]) {
      const rule = emu.store.get(`${MON}/Microsoft.Insights/dataCollectionRules/${name}`);
      expect(rule?.kind).toBe(kind);
      expect(props(rule).dataCollectionEndpointId).toBe(DCE);
    }
  });

  test('machines onboarded before and after the scope, the misnamed endpoint association and identities', () => {
    expect(assocNames(emu, 'vm-linux-01')).toEqual(['configurationAccessEndpoint', 'dcr-linux-syslog-assoc']);
    expect(assocNames(emu, 'vm-windows-01')).toEqual(['configurationAccessEndpoint', 'dcr-windows-events-assoc']);
    expect(assocNames(emu, 'vm-linux-02')).toEqual(['dcr-linux-syslog-assoc']);
    expect(assocNames(emu, 'vm-linux-03')).toEqual(['dce-association', 'dcr-linux-syslog-assoc']);
    const vm2 = emu.store.get(`${WL}/Microsoft.Compute/virtualMachines/vm-windows-02`);
    expect(Object.keys(((vm2?.identity ?? {}) as Json).userAssignedIdentities as Json)).toHaveLength(2);
    const ext = emu.store.get(`${WL}/Microsoft.Compute/virtualMachines/vm-windows-02/extensions/AzureMonitorWindowsAgent`);
    expect(props(ext).settings).toBeUndefined();
    expect((emu.store.get(`${WL}/Microsoft.Compute/virtualMachines/vm-linux-01`)?.identity as Json).type).toBe('SystemAssigned');
  });

  test('the Flexible scale set has three members with the identity and agent and no associations', () => {
    const flex = `${WL}/Microsoft.Compute/virtualMachineScaleSets/vmss-flex-web`;
    const members = emu.store.list(`${SUB}/resourceGroups/rg-workloads`, 'Microsoft.Compute/virtualMachines').filter((vm) => ((props(vm).virtualMachineScaleSet ?? {}) as Json).id === flex);
    expect(members).toHaveLength(3);
    for (const m of members) {
      expect((m.identity as Json).type).toBe('UserAssigned');
      expect(emu.store.list(String(m.id), 'Microsoft.Insights/dataCollectionRuleAssociations')).toEqual([]);
      expect(emu.store.list(String(m.id), 'Microsoft.Compute/virtualMachines/extensions')).toHaveLength(1);
    }
    expect(props(emu.store.get(`${WL}/Microsoft.Compute/virtualMachineScaleSets/vmss-uniform-batch`)).orchestrationMode).toBe('Uniform');
  });

  test('exported state loads back (as JSON) into the same estate', async () => {
    const state = emu.exportState();
    const dir = await mkdtemp(join(tmpdir(), 'estate-'));
    await writeFile(join(dir, 'state.json'), JSON.stringify(state));
    const copy = await startEmulator({ estate: join(dir, 'state.json') });
    try {
      expect(copy.store.count()).toBe(emu.store.count());
      expect(copy.tenantId).toBe(emu.tenantId);
      for (const id of [DCE, `${WL}/Microsoft.Compute/virtualMachines/vm-linux-03/providers/Microsoft.Insights/dataCollectionRuleAssociations/dce-association`]) {
        const { etag: _a, ...a } = emu.store.get(id) ?? {};
        const { etag: _b, ...b } = copy.store.get(id) ?? {};
        expect(b).toEqual(a);
      }
      copy.store.scaleVmss(`${WL}/Microsoft.Compute/virtualMachineScaleSets/vmss-flex-web`, 5);
      expect(copy.store.count('Microsoft.Compute/virtualMachines')).toBe(emu.store.count('Microsoft.Compute/virtualMachines') + 2);
    } finally {
      await copy.close();
    }
  });
});
