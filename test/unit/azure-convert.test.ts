import type { DataCollectionRuleResource } from '@azure/arm-monitor';
import type { VirtualMachineExtension } from '@azure/arm-compute';
import { describe, expect, it } from 'vitest';
import { associationTarget, matchesTags, toAssociation, toRule, toVmAgentExtension, toVmMachine } from '../../src/azure/convert.ts';
import { attachAgent } from '../../src/azure/records.ts';
import { looksIncomplete } from '../../src/azure/observe.ts';
import { flexibleMembersFilter } from '../../src/azure/targets.ts';
import type { ObservedAssociation, ObservedMachine, ObservedRule } from '../../src/model/index.ts';

const VM = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm1';
const DCE = '/subscriptions/s/resourceGroups/m/providers/Microsoft.Insights/dataCollectionEndpoints/dce';
const WS = '/subscriptions/s/resourceGroups/m/providers/Microsoft.OperationalInsights/workspaces/law';

describe('convert', () => {
  it('splits an association id into the resource it is on', () => {
    expect(associationTarget(`${VM}/providers/microsoft.insights/dataCollectionRuleAssociations/a`)).toBe(VM);
    expect(associationTarget('/nonsense')).toBeUndefined();
    // A resource group whose name grows in lower case: the cut is still at the segment.
    const unicode = VM.replace(/resourceGroups\/[^/]+/, 'resourceGroups/İzmir');
    expect(associationTarget(`${unicode}/providers/Microsoft.Insights/dataCollectionRuleAssociations/a`)).toBe(unicode);
    expect(JSON.parse(JSON.stringify(toAssociation({ id: `${VM}/providers/Microsoft.Insights/dataCollectionRuleAssociations/configurationAccessEndpoint`, dataCollectionEndpointId: DCE })))).toEqual({
      id: `${VM}/providers/Microsoft.Insights/dataCollectionRuleAssociations/configurationAccessEndpoint`,
      name: 'configurationAccessEndpoint',
      resourceId: VM,
      dataCollectionEndpointId: DCE,
    });
  });

  it('keeps an association id only when ARM spells it otherwise than resource, path and name', () => {
    const canonical = `${VM}/providers/Microsoft.Insights/dataCollectionRuleAssociations/a`;
    const a = toAssociation({ id: canonical });
    expect(a?.id).toBe(canonical);
    expect(Object.values(a ?? {})).not.toContain(canonical);
    // Resource Graph lower-cases provider namespaces: that spelling is the id ARM is asked about.
    const lower = `${VM}/providers/microsoft.insights/datacollectionruleassociations/a`;
    const b = toAssociation({ id: lower });
    expect(b?.id).toBe(lower);
    expect(b?.resourceId).toBe(VM);
    expect(JSON.parse(JSON.stringify(b))).toEqual({ id: lower, name: 'a', resourceId: VM });
  });

  it('derives an agent extension id from the machine it is attached to, and keeps one spelled otherwise', () => {
    const ext = (id: string): VirtualMachineExtension => ({ id, name: 'AzureMonitorLinuxAgent', location: 'westeurope', publisher: 'Microsoft.Azure.Monitor', typePropertiesType: 'AzureMonitorLinuxAgent', settings: {} });
    const machine = toVmMachine({ id: VM, location: 'westeurope' }, 'virtualMachines');
    const agent = toVmAgentExtension(ext(`${VM}/extensions/AzureMonitorLinuxAgent`));
    if (!machine || !agent) throw new Error('expected a machine and an agent');
    attachAgent(machine, agent);
    expect(machine.agentExtension?.id).toBe(`${VM}/extensions/AzureMonitorLinuxAgent`);
    expect(Object.values(agent)).not.toContain(`${VM}/extensions/AzureMonitorLinuxAgent`);
    const odd = toVmAgentExtension(ext(`${VM.toLowerCase()}/EXTENSIONS/AzureMonitorLinuxAgent`));
    expect(odd?.id).toBe(`${VM.toLowerCase()}/EXTENSIONS/AzureMonitorLinuxAgent`);
  });

  it('flattens a rule: data sources by family, streams to workspaces through data flows', () => {
    const rule: DataCollectionRuleResource = {
      location: 'westeurope',
      id: '/subscriptions/s/resourceGroups/m/providers/Microsoft.Insights/dataCollectionRules/r',
      kind: 'Linux',
      dataSources: {
        syslog: [{ name: 'sys', streams: ['Microsoft-Syslog'], facilityNames: ['auth'], logLevels: ['Debug'] }],
        performanceCounters: [{ name: 'perf', streams: ['Microsoft-Perf'], samplingFrequencyInSeconds: 60, counterSpecifiers: ['x'] }],
      },
      destinations: { logAnalytics: [{ name: 'la', workspaceResourceId: WS }] },
      dataFlows: [{ streams: ['Microsoft-Syslog', 'Microsoft-Perf'], destinations: ['la', 'unknown'] }, { streams: ['Microsoft-Perf'], destinations: ['la'] }],
    };
    const r = toRule(rule, 'fallback');
    expect(r.kind).toBe('Linux');
    expect(r.dataSources).toEqual([
      { family: 'syslog', name: 'sys', streams: ['Microsoft-Syslog'], facilityNames: ['auth'], logLevels: ['Debug'] },
      { family: 'performanceCounters', name: 'perf', streams: ['Microsoft-Perf'] },
    ]);
    expect(r.streamDestinations).toEqual({ 'Microsoft-Syslog': [WS], 'Microsoft-Perf': [WS] });
  });

  it('reads a VM: OS, scale set, identities, and the agent among its extensions', () => {
    const m = toVmMachine(
      {
        location: 'westeurope',
        id: VM,
        identity: { type: 'SystemAssigned, UserAssigned', principalId: 'p', userAssignedIdentities: { '/subscriptions/s/resourceGroups/m/providers/Microsoft.ManagedIdentity/userAssignedIdentities/u': {} } },
        storageProfile: { osDisk: { osType: 'Linux', createOption: 'FromImage' } },
        virtualMachineScaleSet: { id: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachineScaleSets/ss' },
        resources: [
          { location: 'westeurope', id: `${VM}/extensions/other`, name: 'other', publisher: 'Microsoft.Azure.Extensions', typePropertiesType: 'CustomScript' },
          { location: 'westeurope', id: `${VM}/extensions/ama`, name: 'ama', publisher: 'Microsoft.Azure.Monitor', typePropertiesType: 'AzureMonitorLinuxAgent', settings: { a: 1 } },
        ],
      },
      'resourceGroups',
    );
    expect(m?.osType).toBe('Linux');
    expect(m?.scaleSetId).toMatch(/ss$/);
    expect(m?.identity).toEqual({ type: 'SystemAssigned, UserAssigned', principalId: 'p', userAssignedIdentities: [expect.stringMatching(/u$/) as string] });
    expect(m?.agentExtension).toMatchObject({ name: 'ama', type: 'AzureMonitorLinuxAgent', settings: { a: 1 } });
    expect(toVmMachine({ location: 'x', id: VM }, 'x')?.agentExtension).toBeUndefined();
  });

  it('matches tag names case-insensitively and values exactly', () => {
    expect(matchesTags({ Env: 'prod', team: 'a' }, { env: 'prod' })).toBe(true);
    expect(matchesTags({ env: 'Prod' }, { env: 'prod' })).toBe(false);
    expect(matchesTags(undefined, { env: 'prod' })).toBe(false);
  });

  it('builds the Flexible members filter ARM accepts', () => {
    expect(flexibleMembersFilter('/x/ss')).toBe("'virtualMachineScaleSet/id' eq '/x/ss'");
  });
});

describe('looksIncomplete', () => {
  const machine: ObservedMachine = { id: VM, kind: 'VirtualMachine', osType: 'Linux', identity: { type: 'None', userAssignedIdentities: [] }, tags: {}, selectedBy: 'x' };
  const linux: ObservedRule = { id: '/r/linux', kind: 'Linux', dataSources: [], streamDestinations: {} };
  const windows: ObservedRule = { id: '/r/windows', kind: 'Windows', dataSources: [], streamDestinations: {} };
  const endpoint = { id: DCE, scopeIds: [] };
  const cae: ObservedAssociation = { id: `${VM}/x/configurationAccessEndpoint`, name: 'configurationAccessEndpoint', resourceId: VM, dataCollectionEndpointId: DCE.toUpperCase() };
  const ruleAssoc: ObservedAssociation = { id: `${VM}/x/a`, name: 'a', resourceId: VM, dataCollectionRuleId: '/R/LINUX' };

  it('is complete when the endpoint association and every applicable rule are there (ids in any case)', () => {
    expect(looksIncomplete(machine, [linux, windows], endpoint, [cae, ruleAssoc])).toBe(false);
  });
  it('is incomplete without the endpoint association or with a rule missing', () => {
    expect(looksIncomplete(machine, [linux], endpoint, [ruleAssoc])).toBe(true);
    expect(looksIncomplete(machine, [linux], endpoint, [cae])).toBe(true);
    expect(looksIncomplete(machine, [linux], endpoint, [{ ...cae, name: 'dce-assoc' }, ruleAssoc])).toBe(true);
  });
});
