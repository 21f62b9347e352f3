// Resource Graph as the bulk read path, through the official clients against the emulator: the snapshot it builds
// equals ARM's, and a topology planned on it converges to the same Azure state with the same writes.
import tls from 'node:tls';
import { ClientSecretCredential } from '@azure/identity';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MonitoringTopologySpec } from '../../src/api/types.ts';
import { createArmGateway, createSubscriptionBudgets } from '../../src/azure/index.ts';
import type { ArmGateway } from '../../src/azure/index.ts';
import { startEmulator } from '../../src/emulator/index.ts';
import type { Estate, RunningEmulator } from '../../src/emulator/index.ts';
import { actionTarget, idKey } from '../../src/model/index.ts';
import type { Action, Snapshot } from '../../src/model/index.ts';
import { planTopology } from '../../src/plan/index.ts';

const SUB = '22222222-3333-4444-8555-666666666666';
const S = `/subscriptions/${SUB}`;
const MON = `${S}/resourceGroups/rg-mon`;
const APP = `${S}/resourceGroups/rg-app`;
const id = {
  scope: `${MON}/providers/Microsoft.Insights/privateLinkScopes/ampls-1`,
  workspace: `${MON}/providers/Microsoft.OperationalInsights/workspaces/law-1`,
  dce: `${MON}/providers/Microsoft.Insights/dataCollectionEndpoints/dce-config`,
  dcrLinux: `${MON}/providers/Microsoft.Insights/dataCollectionRules/dcr-linux`,
  dcrWindows: `${MON}/providers/Microsoft.Insights/dataCollectionRules/dcr-windows`,
  uami: `${MON}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/uami-ama`,
  vm: (n: string) => `${APP}/providers/Microsoft.Compute/virtualMachines/${n}`,
  arc: (n: string) => `${S}/resourceGroups/rg-onprem/providers/Microsoft.HybridCompute/machines/${n}`,
};
const ama = (settings?: Record<string, unknown>) => ({ name: 'AzureMonitorLinuxAgent', publisher: 'Microsoft.Azure.Monitor', type: 'AzureMonitorLinuxAgent', typeHandlerVersion: '1.33', ...(settings ? { settings } : {}) });
const miSettings = { authentication: { managedIdentity: { 'identifier-name': 'mi_res_id', 'identifier-value': id.uami } } };

const estate: Estate = {
  subscriptions: [
    {
      id: SUB,
      resourceGroups: [
        {
          name: 'rg-mon',
          location: 'westeurope',
          userAssignedIdentities: ['uami-ama'],
          workspaces: [{ name: 'law-1' }],
          dataCollectionEndpoints: [{ name: 'dce-config' }],
          dataCollectionRules: [
            { name: 'dcr-linux', kind: 'Linux', workspace: 'law-1', dataCollectionEndpoint: 'dce-config' },
            { name: 'dcr-windows', kind: 'Windows', workspace: 'law-1', dataCollectionEndpoint: 'dce-config' },
          ],
          privateLinkScopes: [{ name: 'ampls-1', ingestionAccessMode: 'PrivateOnly', queryAccessMode: 'Open', scopedResources: ['law-1', 'dce-config'] }],
        },
        {
          name: 'rg-app',
          location: 'westeurope',
          virtualMachines: [
            // The agent names no identity: Enforce repairs it.
            { name: 'vm-a', osType: 'Linux', identity: { userAssigned: [`${MON}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/uami-ama`] }, extensions: [ama()] },
            { name: 'vm-b', osType: 'Linux', identity: { userAssigned: [`${MON}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/uami-ama`] }, extensions: [ama(miSettings)], associations: [{ name: 'linux', rule: id.dcrLinux }] },
            { name: 'vm-c', osType: 'Windows' },
            { name: 'vm-d', osType: 'Linux' },
            {
              name: 'vm-e',
              osType: 'Linux',
              identity: { userAssigned: [`${MON}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/uami-ama`] },
              extensions: [ama(miSettings)],
              associations: [{ name: 'linux', rule: id.dcrLinux }, { name: 'configurationAccessEndpoint', endpoint: id.dce }],
            },
          ],
          virtualMachineScaleSets: [
            { name: 'flex', orchestrationMode: 'Flexible', capacity: 3, osType: 'Linux', identity: { userAssigned: [`${MON}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/uami-ama`] }, extensions: [ama(miSettings)] },
            { name: 'uni', orchestrationMode: 'Uniform', capacity: 2, osType: 'Linux' },
          ],
        },
        {
          name: 'rg-other',
          location: 'westeurope',
          virtualMachines: [
            { name: 'vm-tagged', osType: 'Linux', tags: { Monitoring: 'ampls' } },
            { name: 'vm-untagged', osType: 'Linux', tags: { monitoring: 'other' } },
          ],
        },
        {
          name: 'rg-onprem',
          location: 'westeurope',
          arcMachines: [
            { name: 'arc-1', osType: 'Linux', extensions: [ama()] },
            { name: 'arc-2', osType: 'Windows', status: 'Disconnected', lastStatusChange: '2026-11-20T06:00:00.000Z' },
          ],
        },
      ],
    },
  ],
};

const spec: MonitoringTopologySpec = {
  mode: 'Enforce',
  privateLinkScope: { resourceId: id.scope, accessModes: { ingestion: 'PrivateOnly', query: 'PrivateOnly' }, scopedResources: [{ resourceId: id.workspace }] },
  configurationEndpoint: { resourceId: id.dce },
  dataCollectionRules: [{ resourceId: id.dcrLinux }, { resourceId: id.dcrWindows }],
  targets: {
    virtualMachines: [id.vm('vm-nope')],
    resourceGroups: [APP.replace('rg-app', 'RG-App')],
    arcMachines: [id.arc('arc-1'), id.arc('arc-2')],
    tagSelector: { subscriptions: [SUB], matchTags: { monitoring: 'ampls' } },
    exclude: [id.vm('vm-d').toUpperCase().replace(SUB.toUpperCase(), SUB)],
  },
  agent: { userAssignedIdentity: id.uami, manageExtension: true },
};
const owner = { namespace: 'ns', name: 'fleet', uid: '0b9c1c5e-5d2f-4a53-9a57-3cbd6c0f0a11' };

interface Pair {
  em: RunningEmulator;
  arm: ArmGateway;
  graph: ArmGateway;
}

async function start(): Promise<Pair & { auto(threshold: number): ArmGateway }> {
  const em = await startEmulator({ estate, lroDelayMs: 5, pageSize: 4 });
  tls.setDefaultCACertificates([...tls.getCACertificates('default'), em.caCertPem]);
  const credential = new ClientSecretCredential(em.tenantId, em.clientId, em.clientSecret, { authorityHost: em.authorityHost, disableInstanceDiscovery: true });
  const gateway = (mode: 'never' | 'always' | 'auto', threshold = 1): ArmGateway =>
    createArmGateway({ endpoint: em.url, credential, budgets: createSubscriptionBudgets(), logger: pino({ level: 'silent' }), lroPollIntervalMs: 10, resourceGraph: { mode, threshold } });
  return { em, arm: gateway('never'), graph: gateway('always'), auto: (threshold) => gateway('auto', threshold) };
}

/** Flexible members get random names per emulator: one placeholder for all of them. */
const neutral = (s: string): string => s.replace(/flex_[0-9a-z]+/gi, 'flex_*').toLowerCase();

function normalise({ listedSources: _sources, markedElsewhere: _elsewhere, graphFingerprint: _summary, ...s }: Snapshot): unknown {
  // What ARM's lists by rule and endpoint add for pruning (sources listed, marked associations off the targets) is not read through Resource Graph.
  const byId = <T extends { id: string }>(xs: T[]): T[] => [...xs].sort((a, b) => idKey(a.id).localeCompare(idKey(b.id)));
  return {
    ...s,
    // A VM list names extensions by id only: a hint for the ARM path's extension reads, not part of what the plan reads.
    machines: byId(s.machines).map(({ extensionIds: _ids, ...m }) => m),
    scaleSets: byId(s.scaleSets),
    // Resource Graph rows carry no ETag; a write re-reads its machine's associations from ARM first and uses ARM's.
    associations: byId(s.associations).map(({ etag: _etag, ...a }) => a),
    fullyListedMachines: s.fullyListedMachines.map(idKey).sort(),
    errors: s.errors.map((e) => `${idKey(e.resourceId)}|${e.code}`).sort(),
  };
}

describe('observe through Resource Graph', () => {
  let pair: Pair;
  beforeAll(async () => {
    pair = await start();
  });
  afterAll(async () => {
    await pair?.em.close();
  });

  it('builds the snapshot ARM builds, in three queries instead of lists per group, rule and machine', async () => {
    const viaArm = await pair.arm.observe(spec);
    pair.em.resetCounters();
    pair.em.resourceGraph.resetStats();
    const viaGraph = await pair.graph.observe(spec);
    expect(normalise(viaGraph)).toEqual(normalise(viaArm));
    // Every kind of target is there: VMs by group, Flexible members, a Uniform set, Arc servers, a tagged VM.
    const kinds = viaGraph.machines.map((m) => `${m.kind}:${m.selectedBy}`);
    expect(kinds).toEqual(expect.arrayContaining(['VirtualMachine:resourceGroups', 'UniformScaleSet:resourceGroups', 'ArcMachine:arcMachines', 'VirtualMachine:tagSelector']));
    expect(viaGraph.machines.filter((m) => m.scaleSetId !== undefined)).toHaveLength(3);
    expect(viaGraph.excludedCount).toBe(1);
    expect(viaGraph.errors.map((e) => [e.resourceId, e.code])).toEqual([[id.vm('vm-nope'), 'NotFound']]);
    // The machine query, the extension query, the association query (pages of 100 by default from the client: one each).
    const c = pair.em.counters();
    expect(c.byOperation['POST Microsoft.ResourceGraph/resources']?.['200']).toBe(3);
    expect(c.byOperation['LIST Microsoft.Compute/virtualMachines']).toBeUndefined();
    expect(c.byOperation['LIST Microsoft.Insights/dataCollectionRuleAssociations/byRule']).toBeUndefined();

    // Discovery's two summarizing queries answer what the pass computed from its rows (ARM's path computes none).
    expect(viaArm.graphFingerprint).toBeUndefined();
    const { onTargets, ...summary } = viaGraph.graphFingerprint ?? { machines: -1, newestMs: null, associations: -1 };
    const sources = [...spec.dataCollectionRules.map((r) => idKey(r.resourceId)), idKey(spec.configurationEndpoint.resourceId)];
    expect(onTargets).toBe(viaGraph.associations.filter((a) => sources.includes(idKey(a.dataCollectionRuleId ?? a.dataCollectionEndpointId ?? ''))).length);
    expect(summary.machines).toBeGreaterThanOrEqual(viaGraph.machines.length);
    pair.em.resetCounters();
    expect(await pair.graph.fingerprint?.(spec)).toEqual(summary);
    expect(pair.em.counters().byOperation).toEqual({ 'POST Microsoft.ResourceGraph/resources': { '200': 2 } });
  });
});

describe('auto', () => {
  let pair: Awaited<ReturnType<typeof start>>;
  beforeAll(async () => {
    pair = await start();
  });
  afterAll(async () => {
    await pair?.em.close();
  });

  const graphQueries = (): number => Object.values(pair.em.counters().byOperation['POST Microsoft.ResourceGraph/resources'] ?? {}).reduce((a, b) => a + b, 0);

  it('reads through Resource Graph from the machine threshold on, counted once and then remembered', async () => {
    const small = pair.auto(1000);
    pair.em.resetCounters();
    await small.observe(spec);
    // One count query; then ARM's lists.
    expect(graphQueries()).toBe(1);
    expect(pair.em.counters().byOperation['LIST Microsoft.Compute/virtualMachines']).toBeDefined();
    pair.em.resetCounters();
    await small.observe(spec);
    expect(graphQueries()).toBe(0);

    const large = pair.auto(5);
    pair.em.resetCounters();
    await large.observe(spec);
    expect(graphQueries()).toBe(4);
    expect(pair.em.counters().byOperation['LIST Microsoft.Compute/virtualMachines']).toBeUndefined();
  });
});

describe('a topology planned on Resource Graph', () => {
  let viaArm: Pair & { em: RunningEmulator };
  let viaGraph: Pair & { em: RunningEmulator };
  beforeAll(async () => {
    [viaArm, viaGraph] = await Promise.all([start(), start()]);
  });
  afterAll(async () => {
    await Promise.all([viaArm?.em.close(), viaGraph?.em.close()]);
  });

  /** Observe, plan, act until nothing is left to do; the writes made, with Flexible member names neutralised. */
  async function converge(gateway: ArmGateway): Promise<{ writes: string[]; findings: string[] }> {
    const writes: string[] = [];
    for (let round = 0; round < 6; round++) {
      const plan = planTopology({ spec, owner, snapshot: await gateway.observe(spec), ownedScopedResources: [] });
      if (plan.actions.length === 0 && (plan.awaitingFullListing?.length ?? 0) === 0) {
        return { writes: writes.sort(), findings: plan.findings.map((f) => `${f.code}|${neutral(f.resourceId)}`).sort() };
      }
      const outcomes = await gateway.act(plan.actions);
      expect(outcomes.filter((o) => !o.ok).map((o) => o.error)).toEqual([]);
      writes.push(...plan.actions.map((a: Action) => `${a.kind} ${neutral(actionTarget(a))}`));
    }
    throw new Error('did not converge in 6 rounds');
  }

  function state(em: RunningEmulator): string[] {
    const out: string[] = [];
    for (const m of [...['vm-a', 'vm-b', 'vm-c', 'vm-d', 'vm-e'].map(id.vm), `${S}/resourceGroups/rg-other/providers/Microsoft.Compute/virtualMachines/vm-tagged`, id.arc('arc-1'), id.arc('arc-2')]) {
      for (const a of em.store.list(m, 'Microsoft.Insights/dataCollectionRuleAssociations')) {
        const p = (a.properties ?? {}) as Record<string, unknown>;
        out.push(neutral(`${m} ${String(a.name)} ${String(p.dataCollectionRuleId ?? p.dataCollectionEndpointId)}`));
      }
      const ext = em.store.get(`${m}/extensions/AzureMonitorLinuxAgent`);
      if (ext) out.push(neutral(`${m} agent ${JSON.stringify((ext.properties as Record<string, unknown>).settings ?? {})}`));
    }
    return out.sort();
  }

  it('converges to the same Azure state with the same writes as the ARM path', async () => {
    const [a, g] = await Promise.all([converge(viaArm.arm), converge(viaGraph.graph)]);
    expect(g.writes).toEqual(a.writes);
    expect(g.writes.some((w) => w.startsWith('RepairExtensionIdentity'))).toBe(true);
    expect(g.writes.filter((w) => w.startsWith('Create')).length).toBeGreaterThan(5);
    expect(g.findings).toEqual(a.findings);
    expect(state(viaGraph.em)).toEqual(state(viaArm.em));
  });
});
