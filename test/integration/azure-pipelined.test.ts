// Pipelined convergence against the emulator: per-machine writes start while the estate is still being read, each
// write goes once, and the budgets' margin keeps both buckets clear of 429s.
import tls from 'node:tls';
import { ClientSecretCredential } from '@azure/identity';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { MonitoringTopologySpec } from '../../src/api/types.ts';
import { createArmGateway, createSubscriptionBudgets } from '../../src/azure/index.ts';
import type { ArmGateway, ArmGatewayOptions } from '../../src/azure/index.ts';
import { EarlyWrites } from '../../src/controller/early.ts';
import { startEmulator } from '../../src/emulator/index.ts';
import type { Estate, RunningEmulator } from '../../src/emulator/index.ts';
import type { Action, Snapshot } from '../../src/model/index.ts';
import { planTopology } from '../../src/plan/index.ts';

const SUB = '3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f';
const MON = `/subscriptions/${SUB}/resourceGroups/rg-mon`;
const GROUPS = 4;
const PER_GROUP = 75;
const rules = [`${MON}/providers/Microsoft.Insights/dataCollectionRules/dcr-a`, `${MON}/providers/Microsoft.Insights/dataCollectionRules/dcr-b`];
const endpoint = `${MON}/providers/Microsoft.Insights/dataCollectionEndpoints/dce`;
const OWNER = { namespace: 'test', name: 'pipelined', uid: '6e0c7c52-1f0a-4a8e-9d55-3f0b7f3f9a11' };

const estate: Estate = {
  subscriptions: [
    {
      id: SUB,
      resourceGroups: [
        {
          name: 'rg-mon',
          workspaces: [{ name: 'law' }],
          dataCollectionEndpoints: [{ name: 'dce' }],
          dataCollectionRules: [{ name: 'dcr-a', kind: 'Linux', workspace: 'law' }, { name: 'dcr-b', kind: 'Linux', workspace: 'law' }],
          privateLinkScopes: [{ name: 'ampls', scopedResources: ['law', 'dce'] }],
        },
        ...Array.from({ length: GROUPS }, (_, g) => ({
          name: `rg-app-${g}`,
          virtualMachines: Array.from({ length: PER_GROUP }, (_, i) => ({
            name: `vm-${g}-${i}`,
            osType: 'Linux' as const,
            extensions: [{ name: 'AzureMonitorLinuxAgent', type: 'AzureMonitorLinuxAgent' }],
          })),
        })),
      ],
    },
  ],
};

const spec: MonitoringTopologySpec = {
  mode: 'Enforce',
  privateLinkScope: { resourceId: `${MON}/providers/Microsoft.Insights/privateLinkScopes/ampls`, scopedResources: [{ resourceId: `${MON}/providers/Microsoft.OperationalInsights/workspaces/law` }] },
  configurationEndpoint: { resourceId: endpoint },
  dataCollectionRules: rules.map((resourceId) => ({ resourceId })),
  targets: { resourceGroups: Array.from({ length: GROUPS }, (_, g) => `/subscriptions/${SUB}/resourceGroups/rg-app-${g}`) },
};

let em: RunningEmulator | undefined;
afterEach(async () => {
  await em?.close();
  em = undefined;
});

// ARM's buckets, small: 300 machines need ~600 per-machine reads, paced well past the first chunk's writes.
const BUCKETS = { reads: { burst: 50, perSecond: 100 }, writes: { burst: 50, perSecond: 100 }, deletes: { burst: 50, perSecond: 100 } };

/** The emulator with the estate and a gateway on the same small buckets, counters reset. */
async function open(resourceGraph?: ArmGatewayOptions['resourceGraph'], concurrency?: number): Promise<{ running: RunningEmulator; gateway: ArmGateway }> {
  const running = await startEmulator({ estate, throttling: BUCKETS });
  em = running;
  tls.setDefaultCACertificates([...tls.getCACertificates('default'), running.caCertPem]);
  const credential = new ClientSecretCredential(running.tenantId, running.clientId, running.clientSecret, { authorityHost: running.authorityHost, disableInstanceDiscovery: true });
  const gateway = createArmGateway({
    endpoint: running.url,
    credential,
    budgets: createSubscriptionBudgets(BUCKETS),
    logger: pino({ level: 'silent' }),
    ...(resourceGraph ? { resourceGraph } : {}),
    ...(concurrency !== undefined ? { concurrency } : {}),
  });
  await credential.getToken('https://management.azure.com/.default');
  running.resetCounters();
  return { running, gateway };
}

const plan = (snapshot: Snapshot): Action[] => planTopology({ spec, owner: OWNER, snapshot, ownedScopedResources: [] }).actions;

/** One pipelined pass and what both read paths must show: every per-machine write started early, once, and succeeded. */
async function pipelinedPass(gateway: ArmGateway, writesSoFar: () => number): Promise<{ snapshot: Snapshot; full: Action[] }> {
  const early = new EarlyWrites({ plan, act: (actions) => gateway.act(actions) });
  const snapshot = await gateway.observe(spec, undefined, { onMachinesRead: (p) => early.offer(p) });
  // ARM had already taken writes when the last read of the pass came back.
  const writesWhileReading = writesSoFar();
  expect(snapshot.errors).toEqual([]);
  expect(snapshot.machines).toHaveLength(GROUPS * PER_GROUP);
  const full = plan(snapshot);
  const { rest, outcomes } = await early.settle(full);
  const late = await gateway.act(rest);
  // Every machine's endpoint and two rule associations went early; only topology-wide actions waited.
  expect(early.started).toBe(3 * GROUPS * PER_GROUP);
  expect(rest.every((a) => !('resourceId' in a))).toBe(true);
  expect([...outcomes, ...late].every((o) => o.ok)).toBe(true);
  expect(writesWhileReading).toBeGreaterThan(0);
  return { snapshot, full };
}

describe('pipelined convergence', () => {
  it('writes the first machines while later ones are still read; every write once, 0 × 429', async () => {
    const { running, gateway } = await open();
    const { full } = await pipelinedPass(gateway, () => running.counters().writes);
    const c = running.counters();
    expect(c.writes).toBe(full.length);
    expect(c.throttled).toBe(0);

    // Converged: the next plan has nothing to do.
    expect(plan(await gateway.observe(spec))).toEqual([]);
  });

  it('through Resource Graph: each chunk is written once ARM has confirmed it, while later chunks are still confirmed', async () => {
    const { running, gateway } = await open({ mode: 'always', threshold: 1 });
    // Resource Graph's queries are POSTs: counted apart from the association writes.
    const associationWrites = (): number => Object.values(running.counters().byOperation['PUT Microsoft.Insights/dataCollectionRuleAssociations'] ?? {}).reduce((a, b) => a + b, 0);

    const { snapshot } = await pipelinedPass(gateway, associationWrites);
    // Every machine lacked its associations, so every one was confirmed with ARM.
    expect(snapshot.fullyListedMachines).toHaveLength(GROUPS * PER_GROUP);
    expect(associationWrites()).toBe(3 * GROUPS * PER_GROUP);
    expect(running.counters().throttled).toBe(0);
    expect(plan(await gateway.observe(spec))).toEqual([]);
  });
});

// Discovery reads go ahead of a pass's per-machine reads in the shared read queue: a discovery tick during a large
// observe is answered next, not after every machine of the pass.
describe('read priorities', () => {
  it("answers discovery's target and association lists before the pass's remaining per-machine reads", async () => {
    // One read in flight: the queue's order is the order ARM sees.
    const { running, gateway } = await open(undefined, 1);
    const extensionReads = (): number => Object.values(running.counters().byOperation['LIST Microsoft.Compute/virtualMachines/extensions'] ?? {}).reduce((a, b) => a + b, 0);

    // When the first chunk of machines is read, every other machine's reads are already queued behind it.
    let discovery: Promise<{ associations: string[] | undefined; targets: string[]; extensionReadsThen: number }> | undefined;
    const snapshot = await gateway.observe(spec, undefined, {
      onMachinesRead: () => {
        discovery ??= Promise.all([gateway.listAssociations?.(spec), gateway.listTargets(spec)]).then(([associations, targets]) => ({ associations, targets, extensionReadsThen: extensionReads() }));
      },
    });
    const seen = await discovery;
    expect(snapshot.errors).toEqual([]);
    expect(seen?.associations).toEqual([]);
    expect(seen?.targets).toHaveLength(GROUPS * PER_GROUP);
    // The pass read every machine's extension, but discovery was answered while most were still queued.
    expect(extensionReads()).toBe(GROUPS * PER_GROUP);
    expect(seen?.extensionReadsThen).toBeLessThan((GROUPS * PER_GROUP) / 2);
  });
});
