// Resource Graph rows to the snapshot model: machines by selector, agent extensions, associations, and the queries.
import { describe, expect, it } from 'vitest';
import { GraphQuota, parseResetsAfter } from '../../src/azure/budget.ts';
import { associationsPrint, machinePrint, wantsRepair } from '../../src/azure/graph-confirm.ts';
import { agentExtensionsQuery, associationsQuery, classifyRow, kqlString, machinesQuery, selectionOf, targetSubscriptions, toGraphAgentExtension, toGraphAssociations } from '../../src/azure/graph-convert.ts';
import type { GraphRow } from '../../src/azure/graph-convert.ts';
import { assemble, missingNamed } from '../../src/azure/graph.ts';
import type { Targets } from '../../src/api/types.ts';
import { catalogOf, runQuery } from '../../src/kql/index.ts';
import type { KqlValue } from '../../src/kql/index.ts';
import { IdMap } from '../../src/model/index.ts';
import type { ObservedAgentExtension } from '../../src/model/index.ts';

const SUB = '11111111-1111-1111-1111-111111111111';
const RG = `/subscriptions/${SUB}/resourceGroups/rg-a`;
const OTHER_RG = `/subscriptions/${SUB}/resourceGroups/rg-b`;
const UAMI = `${RG}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/uami`;
const vmId = (rg: string, n: string): string => `${rg}/providers/Microsoft.Compute/virtualMachines/${n}`;
const FLEX = `${OTHER_RG}/providers/Microsoft.Compute/virtualMachineScaleSets/flex`;
const UNIFORM = `${OTHER_RG}/providers/Microsoft.Compute/virtualMachineScaleSets/uni`;
const ARC = `${RG}/providers/Microsoft.HybridCompute/machines/srv`;
const DCR = `${RG}/providers/Microsoft.Insights/dataCollectionRules/dcr`;

const vmRow = (id: string, extra: Record<string, unknown> = {}, tags: Record<string, string> = {}): GraphRow => ({
  id,
  name: id.split('/').pop(),
  type: 'microsoft.compute/virtualmachines',
  location: 'westeurope',
  tags,
  identity: { type: 'SystemAssigned, UserAssigned', principalId: 'p-1', userAssignedIdentities: { [UAMI]: { principalId: 'p-2', clientId: 'c-2' } } },
  properties: { storageProfile: { osDisk: { osType: 'Linux' } }, ...extra },
});

const agentSettings = { authentication: { managedIdentity: { 'identifier-name': 'mi_res_id', 'identifier-value': UAMI } } };

describe('Resource Graph rows to the snapshot', () => {
  it('a VM row becomes the machine the ARM path builds: identity, OS, scale set, tags', () => {
    const sel = selectionOf({ resourceGroups: [RG] });
    const c = classifyRow(vmRow(vmId(RG, 'vm1'), { virtualMachineScaleSet: { id: FLEX } }, { env: 'prod' }), sel);
    expect(c.rank).toBe(2);
    expect(c.machine).toEqual({
      id: vmId(RG, 'vm1'),
      kind: 'VirtualMachine',
      osType: 'Linux',
      scaleSetId: FLEX,
      identity: { type: 'SystemAssigned, UserAssigned', principalId: 'p-1', userAssignedIdentities: [UAMI] },
      tags: { env: 'prod' },
      selectedBy: 'resourceGroups',
    });
    // Not selected by anything: nothing.
    expect(classifyRow(vmRow(vmId(OTHER_RG, 'x')), sel)).toEqual({});
  });

  it('names the first selector in the spec order, and matches tag names case-insensitively', () => {
    const targets: Targets = { virtualMachines: [vmId(RG, 'vm1')], virtualMachineScaleSets: [FLEX], resourceGroups: [RG], tagSelector: { subscriptions: [SUB], matchTags: { Env: 'prod' } } };
    const sel = selectionOf(targets);
    expect(classifyRow(vmRow(vmId(RG, 'vm1')), sel).machine?.selectedBy).toBe('virtualMachines');
    expect(classifyRow(vmRow(vmId(OTHER_RG, 'm'), { virtualMachineScaleSet: { id: FLEX.toUpperCase() } }), sel).machine?.selectedBy).toBe('virtualMachineScaleSets');
    expect(classifyRow(vmRow(vmId(OTHER_RG, 't'), {}, { env: 'prod' }), sel).machine?.selectedBy).toBe('tagSelector');
    expect(classifyRow(vmRow(vmId(OTHER_RG, 'u'), {}, { env: 'dev' }), sel)).toEqual({});
  });

  it('a Uniform scale set is one machine with the agent from its profile; a Flexible one is a scale set', () => {
    const sel = selectionOf({ resourceGroups: [OTHER_RG] });
    const uniform = classifyRow(
      {
        id: UNIFORM,
        type: 'microsoft.compute/virtualmachinescalesets',
        tags: {},
        identity: { type: 'SystemAssigned' },
        properties: {
          orchestrationMode: 'Uniform',
          virtualMachineProfile: {
            storageProfile: { osDisk: { osType: 'Windows' } },
            extensionProfile: { extensions: [{ name: 'ama', properties: { publisher: 'Microsoft.Azure.Monitor', type: 'AzureMonitorWindowsAgent', settings: agentSettings } }] },
          },
        },
      },
      sel,
    );
    expect(uniform.machine).toMatchObject({ id: UNIFORM, kind: 'UniformScaleSet', osType: 'Windows', selectedBy: 'resourceGroups', agentExtension: { id: `${UNIFORM}/extensions/ama`, type: 'AzureMonitorWindowsAgent', settings: agentSettings } });
    const flex = classifyRow({ id: FLEX, type: 'microsoft.compute/virtualmachinescalesets', properties: { orchestrationMode: 'Flexible' } }, selectionOf({}));
    expect(flex).toMatchObject({ scaleSet: { id: FLEX, orchestrationMode: 'Flexible' }, ownerOnly: true });
  });

  it('an Arc row becomes an Arc machine with its agent state', () => {
    const c = classifyRow(
      { id: ARC, type: 'microsoft.hybridcompute/machines', location: 'westeurope', tags: {}, identity: { type: 'SystemAssigned', principalId: 'p' }, properties: { osType: 'linux', status: 'Disconnected', lastStatusChange: '2026-11-20T06:00:00.000Z' } },
      selectionOf({ arcMachines: [ARC] }),
    );
    expect(c.machine).toMatchObject({ id: ARC, kind: 'ArcMachine', osType: 'Linux', selectedBy: 'arcMachines', arc: { status: 'Disconnected', lastStatusChange: '2026-11-20T06:00:00.000Z', location: 'westeurope' } });
  });

  it('agent extensions of VMs and Arc machines come with the machine they belong to; others are dropped', () => {
    const vmExt = toGraphAgentExtension({ id: `${vmId(RG, 'vm1')}/extensions/AzureMonitorLinuxAgent`, name: 'AzureMonitorLinuxAgent', type: 'microsoft.compute/virtualmachines/extensions', properties: { publisher: 'Microsoft.Azure.Monitor', type: 'AzureMonitorLinuxAgent', typeHandlerVersion: '1.0', provisioningState: 'Succeeded', settings: agentSettings } });
    expect(JSON.parse(JSON.stringify(vmExt))).toEqual({ machineId: vmId(RG, 'vm1'), extension: { id: `${vmId(RG, 'vm1')}/extensions/AzureMonitorLinuxAgent`, name: 'AzureMonitorLinuxAgent', type: 'AzureMonitorLinuxAgent', publisher: 'Microsoft.Azure.Monitor', typeHandlerVersion: '1.0', provisioningState: 'Succeeded', settings: agentSettings } });
    const arcExt = toGraphAgentExtension({ id: `${ARC}/extensions/ama`, name: 'ama', type: 'microsoft.hybridcompute/machines/extensions', properties: { publisher: 'Microsoft.Azure.Monitor', type: 'AzureMonitorLinuxAgent', settings: {} } });
    expect(arcExt?.machineId).toBe(ARC);
    expect(toGraphAgentExtension({ id: `${vmId(RG, 'vm1')}/extensions/cse`, type: 'microsoft.compute/virtualmachines/extensions', properties: { publisher: 'Microsoft.Azure.Extensions', type: 'CustomScript' } })).toBeUndefined();
  });

  it('an association row names the resource it is on', () => {
    const id = `${vmId(RG, 'vm1')}/providers/Microsoft.Insights/dataCollectionRuleAssociations/a1`;
    const [a1, ...rest] = toGraphAssociations({ id: vmId(RG, 'vm1'), associations: [{ name: 'a1', properties: { dataCollectionRuleId: DCR, description: 'owned' } }] });
    expect(rest).toEqual([]);
    expect(JSON.parse(JSON.stringify(a1))).toEqual({ id, name: 'a1', resourceId: vmId(RG, 'vm1'), dataCollectionRuleId: DCR, description: 'owned' });
  });

  it('a grouped association row: the machine id is the row’s one string, ids are derived, a malformed property skips the row', () => {
    const machine = vmId(RG, 'vm1');
    const row = { id: machine, associations: [{ name: 'a', properties: { dataCollectionRuleId: DCR, dataCollectionEndpointId: null, description: null } }, 'junk', { properties: {} }, { name: 'b', properties: { description: 'owned' } }] };
    const [a, b, ...rest] = toGraphAssociations(row);
    expect(rest).toEqual([]);
    expect(a?.resourceId).toBe(machine);
    expect(b?.resourceId).toBe(machine);
    expect([a?.id, a?.dataCollectionRuleId, a?.description]).toEqual([`${machine}/providers/Microsoft.Insights/dataCollectionRuleAssociations/a`, DCR, undefined]);
    expect(JSON.parse(JSON.stringify(b))).toEqual({ id: `${machine}/providers/Microsoft.Insights/dataCollectionRuleAssociations/b`, name: 'b', resourceId: machine, description: 'owned' });
    expect(() => toGraphAssociations({ id: machine, associations: [{ name: 'a', properties: { dataCollectionRuleId: 7 } }] })).toThrow(/dataCollectionRuleId is number/);
    expect(toGraphAssociations({ id: '', associations: [{ name: 'a' }] })).toEqual([]);
  });

  it('an extension row’s machine is found whatever the case of its extensions segment', () => {
    const upper = toGraphAgentExtension({ id: `${vmId(RG, 'vm1')}/Extensions/ama`, type: 'microsoft.compute/virtualmachines/extensions', properties: { publisher: 'Microsoft.Azure.Monitor', type: 'AzureMonitorLinuxAgent', settings: agentSettings } });
    expect(upper?.machineId).toBe(vmId(RG, 'vm1'));
    // A machine named like the segment: the last one counts.
    const named = toGraphAgentExtension({ id: `${vmId(RG, 'extensions')}/EXTENSIONS/ama`, type: 'microsoft.compute/virtualmachines/extensions', properties: { publisher: 'Microsoft.Azure.Monitor', type: 'AzureMonitorLinuxAgent', settings: agentSettings } });
    expect(named?.machineId).toBe(vmId(RG, 'extensions'));
  });

  it('assembles targets: exclusions, owners of member targets, no extension row = no agent, associations on targets only', async () => {
    const targets: Targets = { resourceGroups: [RG, OTHER_RG], exclude: [vmId(RG, 'gone')] };
    const sel = selectionOf(targets);
    const rows = [vmRow(vmId(RG, 'vm1')), vmRow(vmId(RG, 'gone')), vmRow(vmId(OTHER_RG, 'member'), { virtualMachineScaleSet: { id: FLEX } }), { id: FLEX, type: 'microsoft.compute/virtualmachinescalesets', properties: { orchestrationMode: 'Flexible' } }];
    const ext = toGraphAgentExtension({ id: `${vmId(RG, 'vm1')}/extensions/ama`, type: 'microsoft.compute/virtualmachines/extensions', properties: { publisher: 'Microsoft.Azure.Monitor', type: 'AzureMonitorLinuxAgent', settings: agentSettings } });
    const [onVm] = toGraphAssociations({ id: vmId(RG, 'vm1'), associations: [{ name: 'a', properties: { dataCollectionRuleId: DCR } }] });
    const [elsewhere] = toGraphAssociations({ id: vmId(RG, 'other'), associations: [{ name: 'a', properties: { dataCollectionRuleId: DCR } }] });
    const view = await assemble(targets, rows.map((r) => classifyRow(r, sel)), ext ? new IdMap<ObservedAgentExtension>().set(vmId(RG, 'vm1').toLowerCase(), ext.extension) : new IdMap<ObservedAgentExtension>(), [onVm, elsewhere].filter((a) => a !== undefined));
    expect([...view.targets.machines.values()].map((m) => m.id)).toEqual([vmId(RG, 'vm1'), vmId(OTHER_RG, 'member')]);
    expect(view.targets.excludedCount).toBe(1);
    expect(view.targets.scaleSets.map((s) => s.id)).toEqual([FLEX]);
    expect(view.targets.machines.get(vmId(RG, 'vm1'))?.agentExtension?.settings).toEqual(agentSettings);
    expect(view.targets.machines.get(vmId(OTHER_RG, 'member'))?.agentExtension).toBeNull();
    expect(view.associations.map((a) => a.id)).toEqual([onVm?.id]);
    expect(missingNamed({ virtualMachines: [vmId(RG, 'vm1'), vmId(RG, 'new')] }, view)).toEqual({ virtualMachines: [vmId(RG, 'new')] });
  });

  it('the queries run on the KQL engine and select what they should', () => {
    expect(kqlString("it's")).toBe("'it\\'s'");
    const targets: Targets = { virtualMachines: [vmId(OTHER_RG, 'named')], resourceGroups: [RG] };
    expect(targetSubscriptions(targets)).toEqual([SUB]);
    const cols = ['id', 'name', 'type', 'location', 'resourceGroup', 'subscriptionId', 'tags', 'identity', 'properties'] as const;
    const row = (id: string, type: string, properties: Record<string, unknown> = {}): KqlValue[] => {
      const rg = /resourceGroups\/([^/]+)/i.exec(id)?.[1]?.toLowerCase() ?? '';
      return [id, id.split('/').pop() ?? '', type, 'westeurope', rg, SUB, {}, null, properties as KqlValue];
    };
    const resources = {
      columns: cols.map((name) => ({ name, type: ['tags', 'identity', 'properties'].includes(name) ? ('dynamic' as const) : ('string' as const) })),
      rows: [
        row(vmId(RG, 'a'), 'microsoft.compute/virtualmachines'),
        row(vmId(OTHER_RG, 'named'), 'microsoft.compute/virtualmachines'),
        row(vmId(OTHER_RG, 'unnamed'), 'microsoft.compute/virtualmachines'),
        row(`${vmId(RG, 'a')}/extensions/ama`, 'microsoft.compute/virtualmachines/extensions', { publisher: 'Microsoft.Azure.Monitor', type: 'AzureMonitorLinuxAgent' }),
        row(`${vmId(RG, 'a')}/extensions/cse`, 'microsoft.compute/virtualmachines/extensions', { publisher: 'Microsoft.Azure.Extensions', type: 'CustomScript' }),
      ],
    };
    const rule = `${RG}/providers/Microsoft.Insights/dataCollectionRules/dcr`;
    const insights = {
      columns: [{ name: 'id', type: 'string' as const }, { name: 'name', type: 'string' as const }, { name: 'type', type: 'string' as const }, { name: 'properties', type: 'dynamic' as const }],
      rows: [
        [`${vmId(RG, 'a')}/providers/Microsoft.Insights/dataCollectionRuleAssociations/x`, 'x', 'microsoft.insights/datacollectionruleassociations', { dataCollectionRuleId: rule, provisioningState: 'Succeeded', metadata: { provisionedBy: 'policy' } }],
        // The segment spelled in lower case: the machine's id is still the part before it, as ARM spells it.
        [`${vmId(RG, 'a')}/providers/microsoft.insights/datacollectionruleassociations/y`, 'y', 'microsoft.insights/datacollectionruleassociations', { description: 'kept' }],
        // A resource group whose name grows in lower case ('İ' becomes two characters): the row gives the lower-case id.
        [`${vmId(`${RG}İ`, 'u')}/providers/Microsoft.Insights/dataCollectionRuleAssociations/z`, 'z', 'microsoft.insights/datacollectionruleassociations', {}],
      ],
    };
    const catalog = catalogOf({ resources, insightsresources: insights }, 0);
    const ids = (q: string): string[] => runQuery(q, catalog).rows.map((r) => (typeof r[0] === 'string' ? r[0] : ''));
    expect(ids(machinesQuery(targets))).toEqual([vmId(OTHER_RG, 'named'), vmId(RG, 'a')].sort());
    expect(ids(agentExtensionsQuery())).toEqual([`${vmId(RG, 'a')}/extensions/ama`]);
    const grouped = runQuery(associationsQuery(), catalog);
    const rows = grouped.rows.map((r) => Object.fromEntries(grouped.columns.map((c, i) => [c.name, r[i]])));
    expect(rows).toHaveLength(2);
    expect(toGraphAssociations(rows[1] ?? {}).map((a) => [a.resourceId, a.name])).toEqual([[vmId(`${RG}İ`, 'u').toLowerCase(), 'z']]);
    // The machine's id once, as ARM spells it; per association only its name and the properties the conversions read.
    expect(Object.keys(rows[0] ?? {})).toEqual(['id', 'associations']);
    expect(rows[0]?.['id']).toBe(vmId(RG, 'a'));
    expect(rows[0]?.['associations']).toEqual([
      { name: 'x', properties: { dataCollectionRuleId: rule, dataCollectionEndpointId: null, description: null } },
      { name: 'y', properties: { dataCollectionRuleId: null, dataCollectionEndpointId: null, description: 'kept' } },
    ]);
    const associations = toGraphAssociations(rows[0] ?? {});
    expect(associations.map((a) => [a.id, a.resourceId, a.dataCollectionRuleId, a.description])).toEqual([
      [`${vmId(RG, 'a')}/providers/Microsoft.Insights/dataCollectionRuleAssociations/x`, vmId(RG, 'a'), rule, undefined],
      [`${vmId(RG, 'a')}/providers/Microsoft.Insights/dataCollectionRuleAssociations/y`, vmId(RG, 'a'), undefined, 'kept'],
    ]);
  });

  it('the queries project only what the conversions read, and the machines and agents they give are the same', () => {
    // Full rows as ARM shows them, with the profiles the conversions never read.
    const full: GraphRow[] = [
      vmRow(vmId(RG, 'vm'), { virtualMachineScaleSet: { id: FLEX }, timeCreated: '2026-01-01T00:00:00Z', hardwareProfile: { vmSize: 'Standard_D2s_v5' }, osProfile: { computerName: 'vm', linuxConfiguration: { provisionVMAgent: true } }, networkProfile: { networkInterfaces: [{ id: `${RG}/providers/Microsoft.Network/networkInterfaces/nic` }] } }),
      vmRow(vmId(RG, 'bare')),
      {
        ...vmRow(UNIFORM),
        type: 'microsoft.compute/virtualmachinescalesets',
        properties: {
          orchestrationMode: 'Uniform',
          upgradePolicy: { mode: 'Manual' },
          virtualMachineProfile: {
            storageProfile: { osDisk: { osType: 'Windows', createOption: 'FromImage' }, imageReference: { offer: 'WindowsServer' } },
            extensionProfile: { extensions: [{ name: 'ama', properties: { publisher: 'Microsoft.Azure.Monitor', type: 'AzureMonitorWindowsAgent', typeHandlerVersion: '1.0', settings: agentSettings } }] },
          },
        },
      },
      { ...vmRow(ARC), type: 'microsoft.hybridcompute/machines', properties: { status: 'Connected', lastStatusChange: '2026-01-02T00:00:00Z', osName: 'linux', agentVersion: '1.40', osProfile: { computerName: 'srv' } } },
      {
        id: `${vmId(RG, 'vm')}/extensions/AzureMonitorLinuxAgent`,
        name: 'AzureMonitorLinuxAgent',
        type: 'microsoft.compute/virtualmachines/extensions',
        properties: { publisher: 'Microsoft.Azure.Monitor', type: 'AzureMonitorLinuxAgent', typeHandlerVersion: '1.33', provisioningState: 'Succeeded', autoUpgradeMinorVersion: true, settings: agentSettings },
      },
    ];
    const cols = ['id', 'name', 'type', 'location', 'resourceGroup', 'subscriptionId', 'tags', 'identity', 'properties'];
    const resources = {
      columns: cols.map((name) => ({ name, type: ['tags', 'identity', 'properties'].includes(name) ? ('dynamic' as const) : ('string' as const) })),
      rows: full.map((r) => cols.map((c) => (c === 'resourceGroup' ? 'rg-a' : c === 'subscriptionId' ? SUB : ((r[c] ?? null) as KqlValue)))),
    };
    const catalog = catalogOf({ resources, insightsresources: { columns: [{ name: 'id', type: 'string' as const }, { name: 'type', type: 'string' as const }], rows: [] } }, 0);
    const objects = (q: string): GraphRow[] => {
      const r = runQuery(q, catalog);
      return r.rows.map((row) => Object.fromEntries(r.columns.map((c, i) => [c.name, row[i]])));
    };
    const targets: Targets = { resourceGroups: [RG], virtualMachineScaleSets: [UNIFORM] };
    const sel = selectionOf(targets);
    const projected = objects(machinesQuery(targets));
    const byId = new Map(full.map((r) => [r['id'], r]));
    expect(projected.map((r) => r['id'])).toEqual([vmId(RG, 'bare'), vmId(RG, 'vm'), UNIFORM, ARC].sort());
    for (const row of projected) {
      const whole = byId.get(row['id']);
      if (!whole) throw new Error('no such row');
      expect(classifyRow(row, sel), String(row['id'])).toEqual(classifyRow(whole, sel));
    }
    // A VM's unread profiles stay out of the page; its creation time (the discovery summary's) stays in.
    const vm = projected.find((r) => r['id'] === vmId(RG, 'vm'));
    expect(vm?.['properties']).not.toHaveProperty('networkProfile');
    expect(vm?.['properties']).toHaveProperty('timeCreated', '2026-01-01T00:00:00Z');
    const [ext] = objects(agentExtensionsQuery());
    expect(ext?.['properties']).not.toHaveProperty('autoUpgradeMinorVersion');
    expect(toGraphAgentExtension(ext ?? {})).toEqual(toGraphAgentExtension(full[4] ?? {}));
  });

  it('confirmation compares what the plan reads; a repair-worthy extension is confirmed first', () => {
    const sel = selectionOf({ resourceGroups: [RG] });
    const m = classifyRow(vmRow(vmId(RG, 'vm1')), sel).machine;
    if (!m) throw new Error('no machine');
    const same = structuredClone(m);
    expect(machinePrint(same)).toBe(machinePrint(m));
    expect(machinePrint({ ...m, tags: { changed: 'yes' } })).not.toBe(machinePrint(m));
    const a = { id: `${m.id}/providers/Microsoft.Insights/dataCollectionRuleAssociations/a`, name: 'a', resourceId: m.id, dataCollectionRuleId: DCR };
    expect(associationsPrint([a])).toBe(associationsPrint([{ ...a, id: a.id.toUpperCase() }]));
    expect(associationsPrint([a])).not.toBe(associationsPrint([]));
    const withAgent = { ...m, agentExtension: { id: `${m.id}/extensions/ama`, name: 'ama', type: 'AzureMonitorLinuxAgent', publisher: 'Microsoft.Azure.Monitor', settings: {} } };
    expect(wantsRepair(withAgent, { userAssignedIdentity: UAMI, manageExtension: true })).toBe(true);
    expect(wantsRepair({ ...withAgent, agentExtension: { ...withAgent.agentExtension, settings: agentSettings } }, { userAssignedIdentity: UAMI.toUpperCase(), manageExtension: true })).toBe(false);
    expect(wantsRepair(withAgent, { userAssignedIdentity: UAMI })).toBe(false);
  });
});

describe('Resource Graph quota', () => {
  it('reads hh:mm:ss', () => {
    expect(parseResetsAfter('00:00:05')).toBe(5000);
    expect(parseResetsAfter('01:02:03')).toBe(3_723_000);
    expect(parseResetsAfter('5s')).toBeUndefined();
  });

  it('counts queries in flight against what the last answer left, and waits for the reset', () => {
    let now = 0;
    const q = new GraphQuota({ now: () => now });
    expect(q.acquire()).toBe(0);
    q.settle('1', '00:00:05');
    expect(q.acquire()).toBe(0);
    // One left and one in flight: the next waits for the reset.
    expect(q.acquire()).toBe(5000);
    q.settle('0', '00:00:05');
    expect(q.waitMs()).toBe(5000);
    now = 5000;
    expect(q.acquire()).toBe(0);
  });

  it('keeps the lowest remaining of one window when answers arrive out of order, and starts afresh in the next', () => {
    let now = 0;
    const q = new GraphQuota({ now: () => now });
    for (let i = 0; i < 3; i++) expect(q.acquire()).toBe(0);
    // The third query's answer (0 left) overtakes the first two (2 and 1 left): the quota stays spent.
    q.settle('0', '00:00:05');
    q.settle('2', '00:00:05');
    now = 400;
    q.settle('1', '00:00:05');
    expect(q.acquire()).toBe(4600);
    now = 5000;
    expect(q.acquire()).toBe(0);
    q.settle('14', '00:00:05');
    expect(q.acquire()).toBe(0);
  });
});
