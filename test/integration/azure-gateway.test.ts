// The ARM gateway against the emulator: observe builds the right snapshot in bulk, act converges it.
import tls from 'node:tls';
import { ClientSecretCredential } from '@azure/identity';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MonitoringTopologySpec } from '../../src/api/types.ts';
import { createArmGateway, createSubscriptionBudgets } from '../../src/azure/index.ts';
import type { ArmGateway } from '../../src/azure/index.ts';
import { idKey, sameId } from '../../src/model/index.ts';
import { startEmulator } from '../../src/emulator/index.ts';
import type { Estate, RunningEmulator } from '../../src/emulator/index.ts';
import type { Action, Snapshot } from '../../src/model/index.ts';

const SUB = '11111111-2222-4333-8444-555555555555';
const TENANT = '99999999-8888-4777-8666-555555555555';
const S = `/subscriptions/${SUB}`;
const MON = `${S}/resourceGroups/rg-mon`;
const APP = `${S}/resourceGroups/rg-app`;
const id = {
  scope: `${MON}/providers/Microsoft.Insights/privateLinkScopes/ampls-1`,
  scope2: `${MON}/providers/Microsoft.Insights/privateLinkScopes/ampls-2`,
  workspace: `${MON}/providers/Microsoft.OperationalInsights/workspaces/law-1`,
  dceConfig: `${MON}/providers/Microsoft.Insights/dataCollectionEndpoints/dce-config`,
  dceRules: `${MON}/providers/Microsoft.Insights/dataCollectionEndpoints/dce-rules`,
  dcrLinux: `${MON}/providers/Microsoft.Insights/dataCollectionRules/dcr-linux`,
  dcrMissing: `${MON}/providers/Microsoft.Insights/dataCollectionRules/dcr-gone`,
  uami: `${MON}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/uami-ama`,
  vmA: `${APP}/providers/Microsoft.Compute/virtualMachines/vm-a`,
  vmB: `${APP}/providers/Microsoft.Compute/virtualMachines/vm-b`,
  vmC: `${APP}/providers/Microsoft.Compute/virtualMachines/vm-c`,
  vmMissing: `${APP}/providers/Microsoft.Compute/virtualMachines/vm-nope`,
  vmTagged: `${S}/resourceGroups/rg-other/providers/Microsoft.Compute/virtualMachines/vm-tagged`,
  flex: `${APP}/providers/Microsoft.Compute/virtualMachineScaleSets/vmss-flex`,
  uni: `${APP}/providers/Microsoft.Compute/virtualMachineScaleSets/vmss-uni`,
  uniTagged: `${S}/resourceGroups/rg-other/providers/Microsoft.Compute/virtualMachineScaleSets/vmss-tagged`,
  uniUntagged: `${S}/resourceGroups/rg-other/providers/Microsoft.Compute/virtualMachineScaleSets/vmss-untagged`,
};

const ama = (settings?: Record<string, unknown>) => ({
  name: 'AzureMonitorLinuxAgent',
  publisher: 'Microsoft.Azure.Monitor',
  type: 'AzureMonitorLinuxAgent',
  typeHandlerVersion: '1.33',
  ...(settings ? { settings } : {}),
});
const miSettings = { authentication: { managedIdentity: { 'identifier-name': 'mi_res_id', 'identifier-value': id.uami } } };

const estate: Estate = {
  tenantId: TENANT,
  subscriptions: [
    {
      id: SUB,
      resourceGroups: [
        {
          name: 'rg-mon',
          location: 'westeurope',
          userAssignedIdentities: ['uami-ama'],
          workspaces: [{ name: 'law-1', publicNetworkAccessForIngestion: 'Enabled', publicNetworkAccessForQuery: 'Disabled' }],
          dataCollectionEndpoints: [{ name: 'dce-config' }, { name: 'dce-rules' }],
          dataCollectionRules: [{ name: 'dcr-linux', kind: 'Linux', workspace: 'law-1', dataCollectionEndpoint: 'dce-rules' }],
          privateLinkScopes: [
            { name: 'ampls-1', ingestionAccessMode: 'PrivateOnly', queryAccessMode: 'Open', scopedResources: ['law-1'] },
            { name: 'ampls-2', scopedResources: ['law-1', 'dce-config'] },
          ],
        },
        {
          name: 'rg-app',
          location: 'westeurope',
          virtualMachines: [
            {
              name: 'vm-a',
              osType: 'Linux',
              identity: { userAssigned: [id.uami] },
              extensions: [ama(miSettings)],
              associations: [
                { name: 'linux-assoc', rule: id.dcrLinux },
                { name: 'configurationAccessEndpoint', endpoint: id.dceConfig },
              ],
            },
            {
              name: 'vm-b',
              osType: 'Linux',
              extensions: [ama()],
              associations: [{ name: 'linux-assoc', rule: id.dcrLinux }],
            },
            { name: 'vm-c', osType: 'Windows' },
          ],
          virtualMachineScaleSets: [
            { name: 'vmss-flex', orchestrationMode: 'Flexible', capacity: 3, osType: 'Linux', identity: { userAssigned: [id.uami] } },
            { name: 'vmss-uni', orchestrationMode: 'Uniform', capacity: 2, osType: 'Linux', extensions: [ama()] },
          ],
        },
        {
          name: 'rg-other',
          location: 'westeurope',
          virtualMachines: [
            { name: 'vm-tagged', osType: 'Linux', tags: { Monitoring: 'ampls' } },
            { name: 'vm-untagged', osType: 'Linux', tags: { monitoring: 'other' } },
          ],
          virtualMachineScaleSets: [
            { name: 'vmss-tagged', orchestrationMode: 'Uniform', capacity: 2, osType: 'Windows', tags: { Monitoring: 'ampls' } },
            { name: 'vmss-untagged', orchestrationMode: 'Uniform', capacity: 1, osType: 'Linux', tags: { monitoring: 'other' } },
          ],
        },
      ],
    },
  ],
  // ARM refuses to create a misnamed endpoint association now; older ones still exist, so load it raw.
  resources: [
    {
      id: `${id.vmB}/providers/Microsoft.Insights/dataCollectionRuleAssociations/dce-assoc`,
      name: 'dce-assoc',
      type: 'Microsoft.Insights/dataCollectionRuleAssociations',
      properties: { dataCollectionEndpointId: id.dceConfig },
    },
  ],
};

// Ids in the spec deliberately use other casings than ARM returns.
const spec: MonitoringTopologySpec = {
  mode: 'Enforce',
  privateLinkScope: {
    resourceId: id.scope.toUpperCase().replace('/SUBSCRIPTIONS/', '/subscriptions/').replace(SUB.toUpperCase(), SUB),
    accessModes: { ingestion: 'PrivateOnly', query: 'PrivateOnly' },
    scopedResources: [{ resourceId: id.workspace }],
    alsoLinkTo: [id.scope2],
  },
  configurationEndpoint: { resourceId: id.dceConfig },
  dataCollectionRules: [{ resourceId: id.dcrLinux }, { resourceId: id.dcrMissing }],
  targets: {
    virtualMachines: [id.vmA, id.vmMissing],
    virtualMachineScaleSets: [id.flex, id.uni.replace('vmss-uni', 'VMSS-UNI')],
    resourceGroups: [APP.replace('rg-app', 'RG-APP')],
    tagSelector: { subscriptions: [SUB], matchTags: { monitoring: 'ampls' } },
    exclude: [id.vmC.toLowerCase()],
  },
  agent: { userAssignedIdentity: id.uami, manageExtension: true },
};

let em: RunningEmulator;
let gateway: ArmGateway;

beforeAll(async () => {
  em = await startEmulator({
    estate,
    lroDelayMs: 20,
    // A principal that may only read the application resource group.
    principals: [{ tenantId: TENANT, clientId: 'reader-app', clientSecret: 'reader-secret', roles: [{ scope: APP, actions: ['*/read'] }] }],
  });
  tls.setDefaultCACertificates([...tls.getCACertificates('default'), em.caCertPem]);
  const credential = new ClientSecretCredential(em.tenantId, em.clientId, em.clientSecret, {
    authorityHost: em.authorityHost,
    disableInstanceDiscovery: true,
  });
  gateway = createArmGateway({
    endpoint: em.url,
    credential,
    budgets: createSubscriptionBudgets(),
    logger: pino({ level: 'silent' }),
    lroPollIntervalMs: 20,
  });
});

afterAll(async () => {
  await em?.close();
});

const has = (ids: string[], wanted: string): boolean => ids.some((x) => sameId(x, wanted));

describe('observe', () => {
  let snap: Snapshot;
  beforeAll(async () => {
    em.resetCounters();
    snap = await gateway.observe(spec);
  });

  it('reads the scopes with their access modes and scoped resources', () => {
    expect(snap.scope?.id.toLowerCase()).toBe(id.scope.toLowerCase());
    expect(snap.scope?.ingestionAccessMode).toBe('PrivateOnly');
    expect(snap.scope?.queryAccessMode).toBe('Open');
    expect(snap.scope?.scopedResources.map((r) => idKey(r.linkedResourceId))).toEqual([idKey(id.workspace)]);
    expect(snap.alsoLinkScopes).toHaveLength(1);
    expect(snap.alsoLinkScopes[0]?.scopedResources).toHaveLength(2);
  });

  it('reads workspaces, rules and the configuration endpoint; a missing rule is an error, not a throw', () => {
    expect(snap.workspaces).toHaveLength(1);
    expect(sameId(snap.workspaces[0]?.id, id.workspace)).toBe(true);
    expect(snap.workspaces[0]).toMatchObject({ publicNetworkAccessForIngestion: 'Enabled', publicNetworkAccessForQuery: 'Disabled' });
    expect(snap.rules).toHaveLength(1);
    const rule = snap.rules[0];
    expect(rule?.kind).toBe('Linux');
    expect(sameId(rule?.dataCollectionEndpointId, id.dceRules)).toBe(true);
    expect(rule?.dataSources.map((d) => d.family).sort()).toEqual(['performanceCounters', 'syslog']);
    expect(Object.keys(rule?.streamDestinations ?? {}).sort()).toEqual(['Microsoft-Perf', 'Microsoft-Syslog']);
    expect(sameId(snap.endpoint?.id, id.dceConfig)).toBe(true);
    expect(snap.errors).toContainEqual(expect.objectContaining({ resourceId: id.dcrMissing, code: 'NotFound' }));
    expect(snap.errors).toContainEqual(expect.objectContaining({ resourceId: id.vmMissing, code: 'NotFound' }));
    expect(snap.errors).toHaveLength(2);
  });

  it('finds every target once, applies exclusions, and models Flexible and Uniform scale sets', () => {
    const ids = snap.machines.map((m) => m.id);
    expect(ids).toHaveLength(1 + 1 + 3 + 1 + 1 + 1); // vm-a, vm-b, 3 flex members, the uniform set, vm-tagged, vmss-tagged
    expect(has(ids, id.vmC)).toBe(false);
    expect(snap.excludedCount).toBe(1);
    expect(has(ids, id.vmTagged)).toBe(true);
    const byId = (x: string) => snap.machines.find((m) => sameId(m.id, x));
    expect(byId(id.vmA)?.selectedBy).toBe('virtualMachines');
    expect(byId(id.vmB)?.selectedBy).toBe('resourceGroups');
    expect(byId(id.vmTagged)?.selectedBy).toBe('tagSelector');
    expect(byId(id.uniTagged)).toMatchObject({ kind: 'UniformScaleSet', selectedBy: 'tagSelector', osType: 'Windows' });
    expect(has(ids, id.uniUntagged)).toBe(false);
    const uni = byId(id.uni);
    expect(uni?.kind).toBe('UniformScaleSet');
    expect(uni?.agentExtension?.type).toBe('AzureMonitorLinuxAgent');
    const members = snap.machines.filter((m) => sameId(m.scaleSetId, id.flex));
    expect(members).toHaveLength(3);
    expect(members.every((m) => m.kind === 'VirtualMachine' && m.selectedBy === 'virtualMachineScaleSets')).toBe(true);
    expect(snap.scaleSets).toEqual([expect.objectContaining({ orchestrationMode: 'Flexible' })]);
    expect(sameId(snap.scaleSets[0]?.identity.userAssignedIdentities[0], id.uami)).toBe(true);
  });

  it('carries identities and the agent extension from the bulk view', () => {
    const a = snap.machines.find((m) => sameId(m.id, id.vmA));
    expect(a?.osType).toBe('Linux');
    expect(a?.identity.type).toBe('UserAssigned');
    expect(a?.agentExtension?.settings).toEqual(miSettings);
    expect(a?.agentExtension?.publisher).toBe('Microsoft.Azure.Monitor');
    const b = snap.machines.find((m) => sameId(m.id, id.vmB));
    expect(b?.agentExtension?.settings).toEqual({});
    const tagged = snap.machines.find((m) => sameId(m.id, id.vmTagged));
    expect(tagged?.agentExtension).toBeNull();
  });

  it('lists associations in bulk and in full only for machines that look incomplete', () => {
    const on = (x: string) => snap.associations.filter((a) => sameId(a.resourceId, x)).map((a) => a.name).sort();
    expect(on(id.vmA)).toEqual(['configurationAccessEndpoint', 'linux-assoc']);
    expect(on(id.vmB)).toEqual(['dce-assoc', 'linux-assoc']);
    expect(new Set(snap.associations.map((a) => idKey(a.id))).size).toBe(snap.associations.length);
    const full = snap.fullyListedMachines;
    expect(has(full, id.vmA)).toBe(false);
    expect(has(full, id.vmB)).toBe(true);
    expect(full).toHaveLength(snap.machines.length - 1);
    const c = em.counters();
    expect(c.writes).toBe(0);
    // No GET per machine: association lists per machine only for the 7 incomplete ones.
    expect(c.byOperation['LIST Microsoft.Insights/dataCollectionRuleAssociations']?.['200']).toBe(7);
    // Scale sets in bulk: one list for the resource group, one for the tag selector's subscription.
    expect(c.byOperation['LIST Microsoft.Compute/virtualMachineScaleSets']?.['200']).toBe(2);
  });

  it('listTargets returns the same machines, without association reads', async () => {
    em.resetCounters();
    const targets = await gateway.listTargets(spec);
    expect(targets.map(idKey).sort()).toEqual(snap.machines.map((m) => idKey(m.id)).sort());
    const ops = Object.keys(em.counters().byOperation);
    expect(ops.some((o) => o.includes('dataCollectionRuleAssociations'))).toBe(false);
  });
});

describe('observe by resource group and tags only', () => {
  const bySelectors: MonitoringTopologySpec = {
    ...spec,
    targets: {
      resourceGroups: [APP],
      tagSelector: { subscriptions: [SUB], matchTags: { monitoring: 'ampls' } },
      exclude: [id.vmC, id.uniTagged.toUpperCase().replace('/SUBSCRIPTIONS/', '/subscriptions/').replace(SUB.toUpperCase(), SUB)],
    },
  };

  it('makes a Uniform scale set in the resource group a machine and records its Flexible scale set', async () => {
    const snap = await gateway.observe(bySelectors);
    const byId = (x: string) => snap.machines.find((m) => sameId(m.id, x));
    expect(byId(id.uni)).toMatchObject({ kind: 'UniformScaleSet', selectedBy: 'resourceGroups' });
    expect(byId(id.uni)?.agentExtension?.type).toBe('AzureMonitorLinuxAgent');
    const members = snap.machines.filter((m) => sameId(m.scaleSetId, id.flex));
    expect(members).toHaveLength(3);
    expect(members.every((m) => m.selectedBy === 'resourceGroups')).toBe(true);
    expect(snap.scaleSets.map((s) => s.id).filter((s) => sameId(s, id.flex))).toHaveLength(1);
    expect(snap.scaleSets.every((s) => s.orchestrationMode === 'Flexible')).toBe(true);
    // The excluded tagged Uniform scale set is counted, not observed.
    expect(byId(id.uniTagged)).toBeUndefined();
    expect(snap.excludedCount).toBe(2);
  });

  it('keeps a Flexible scale set out when it is excluded', async () => {
    const snap = await gateway.observe({ ...bySelectors, targets: { ...bySelectors.targets, exclude: [id.flex] } });
    expect(snap.machines.some((m) => sameId(m.scaleSetId, id.flex))).toBe(false);
    expect(snap.scaleSets).toEqual([]);
  });

  it('listTargets finds the same machines with one scale-set list per resource group and subscription', async () => {
    const snap = await gateway.observe(bySelectors);
    em.resetCounters();
    const targets = await gateway.listTargets(bySelectors);
    expect(targets.map(idKey).sort()).toEqual(snap.machines.map((m) => idKey(m.id)).sort());
    expect(has(targets, id.uni)).toBe(true);
    expect(em.counters().byOperation['LIST Microsoft.Compute/virtualMachineScaleSets']?.['200']).toBe(2);
  });
});

describe('named virtual machines', () => {
  const named: MonitoringTopologySpec = { ...spec, targets: { virtualMachines: [id.vmA, id.vmB, id.vmC, id.vmMissing] } };

  it('share one list of their resource group: no GET per machine, and a missing one is NotFound', async () => {
    em.resetCounters();
    const targets = await gateway.listTargets(named);
    expect(targets.map(idKey).sort()).toEqual([id.vmA, id.vmB, id.vmC].map(idKey).sort());
    const c = em.counters();
    expect(c.byOperation['GET Microsoft.Compute/virtualMachines']).toBeUndefined();
    expect(c.byOperation['LIST Microsoft.Compute/virtualMachines']?.['200']).toBe(1);
    const snap = await gateway.observe(named);
    expect(snap.errors.filter((e) => sameId(e.resourceId, id.vmMissing)).map((e) => e.code)).toEqual(['NotFound']);
  });

  it('a lone named VM in its resource group costs one GET', async () => {
    em.resetCounters();
    const targets = await gateway.listTargets({ ...spec, targets: { virtualMachines: [id.vmA] } });
    expect(targets.map(idKey)).toEqual([idKey(id.vmA)]);
    expect(em.counters().byOperation['GET Microsoft.Compute/virtualMachines']?.['200']).toBe(1);
    expect(em.counters().byOperation['LIST Microsoft.Compute/virtualMachines']).toBeUndefined();
  });
});

describe('act', () => {
  const description = 'Managed by MonitoringTopology test/act';
  const member = (): string => {
    const m = em.store.list(APP, 'Microsoft.Compute/virtualMachines').find((v) => String(v.id).includes('vmss-flex'));
    return String(m?.id);
  };

  it('runs every action, idempotently, and one failure blocks none of the others', async () => {
    const flexMember = member();
    const actions: Action[] = [
      { kind: 'AddScopedResource', scopeId: id.scope, name: 'dce-config-link', linkedResourceId: id.dceConfig, reason: 'r' },
      { kind: 'CreateEndpointAssociation', resourceId: id.vmB, name: 'configurationAccessEndpoint', dataCollectionEndpointId: id.dceConfig, description, reason: 'r' },
      { kind: 'CreateRuleAssociation', resourceId: flexMember, name: 'mtopo-linux', dataCollectionRuleId: id.dcrLinux, description, reason: 'r' },
      { kind: 'CreateRuleAssociation', resourceId: id.vmMissing, name: 'mtopo-linux', dataCollectionRuleId: id.dcrLinux, description, reason: 'r' },
      { kind: 'UpdateAccessModes', scopeId: id.scope, ingestionAccessMode: 'PrivateOnly', queryAccessMode: 'PrivateOnly', exclusions: [], reason: 'r' },
      { kind: 'RepairExtensionIdentity', resourceId: id.vmB, extensionName: 'AzureMonitorLinuxAgent', settings: miSettings, reason: 'r' },
      { kind: 'RemoveScopedResource', scopeId: id.scope2, name: 'law-1-connection', linkedResourceId: id.workspace, reason: 'r' },
      { kind: 'DeleteAssociation', resourceId: id.vmB, name: 'not-there', associationId: `${id.vmB}/providers/Microsoft.Insights/dataCollectionRuleAssociations/not-there`, reason: 'r' },
    ];
    const outcomes = await gateway.act(actions);
    expect(outcomes.map((o) => o.action)).toEqual(actions);
    const failed = outcomes.filter((o) => !o.ok);
    expect(failed).toHaveLength(1);
    expect(failed[0]?.action).toBe(actions[3]);
    expect(failed[0]?.error?.status).toBeGreaterThanOrEqual(400);
    expect(failed[0]?.error?.code).toMatch(/./);

    // Idempotent: the same successful actions again succeed and change nothing more.
    const again = await gateway.act(actions.filter((a) => !('resourceId' in a && a.resourceId === id.vmMissing)));
    expect(again.every((o) => o.ok)).toBe(true);

    const snap = await gateway.observe(spec);
    expect(snap.scope?.queryAccessMode).toBe('PrivateOnly');
    expect(snap.scope?.scopedResources.some((r) => sameId(r.linkedResourceId, id.dceConfig))).toBe(true);
    expect(snap.alsoLinkScopes[0]?.scopedResources.some((r) => sameId(r.linkedResourceId, id.workspace))).toBe(false);
    const onB = snap.associations.filter((a) => sameId(a.resourceId, id.vmB));
    expect(onB.find((a) => a.name === 'configurationAccessEndpoint')?.description).toBe(description);
    expect(snap.associations.some((a) => sameId(a.resourceId, flexMember) && a.name === 'mtopo-linux')).toBe(true);
    const b = snap.machines.find((m) => sameId(m.id, id.vmB));
    expect(b?.agentExtension?.settings).toEqual(miSettings);
    expect(b?.agentExtension?.typeHandlerVersion).toBe('1.33');
    const scope = em.store.get(id.scope);
    expect(scope?.['location']).toBe('Global');
  });
});

describe('a principal without rights', () => {
  it('turns 403 into Forbidden read errors and failed outcomes, never a throw', async () => {
    const reader = createArmGateway({
      endpoint: em.url,
      credential: new ClientSecretCredential(TENANT, 'reader-app', 'reader-secret', { authorityHost: em.authorityHost, disableInstanceDiscovery: true }),
      budgets: createSubscriptionBudgets(),
      logger: pino({ level: 'silent' }),
    });
    const snap = await reader.observe(spec);
    expect(snap.scope).toBeUndefined();
    expect(snap.errors).toContainEqual(expect.objectContaining({ resourceId: spec.privateLinkScope.resourceId, code: 'Forbidden' }));
    expect(snap.errors).toContainEqual(expect.objectContaining({ resourceId: id.dcrLinux, code: 'Forbidden' }));
    expect(snap.errors.find((e) => e.code === 'Forbidden')?.message).toMatch(/AuthorizationFailed/);
    expect(snap.machines.some((m) => sameId(m.id, id.vmB))).toBe(true);
    const [outcome] = await reader.act([
      // On a machine with no association: the re-read before the write finds nothing, the PUT itself is refused.
      { kind: 'CreateEndpointAssociation', resourceId: id.vmTagged, name: 'configurationAccessEndpoint', dataCollectionEndpointId: id.dceConfig, description: 'x', reason: 'r' },
    ]);
    expect(outcome?.ok).toBe(false);
    expect(outcome?.error).toMatchObject({ code: 'AuthorizationFailed', status: 403 });
  });

  it('a cancelled observe rejects instead of returning a snapshot of errors', async () => {
    const controller = new AbortController();
    const pending = gateway.observe(spec, controller.signal);
    controller.abort();
    await expect(pending).rejects.toThrow();
  });
});
