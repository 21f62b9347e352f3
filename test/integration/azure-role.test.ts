// The README's least-privilege role, proven both ways against the emulator's RBAC and linked authorization: with
// exactly its actions the controller converges a small estate and removes what it made on deletion; with any one
// action removed, it reports AuthorizationFailed naming that action, and the work that does not need it is done.
import { CoreV1Api } from '@kubernetes/client-node';
import type { CoreV1Event } from '@kubernetes/client-node';
import { randomBytes } from 'node:crypto';
import PQueue from 'p-queue';
import { describe, expect, it, vi } from 'vitest';
import type { MonitoringTopology } from '../../src/api/types.ts';
import type { Estate } from '../../src/emulator/index.ts';
import {
  AMA_EXTENSION,
  arcServer,
  associationsOf,
  condition,
  createTopology,
  deleteTopology,
  estate,
  estateIds,
  estateSpec,
  getTopology,
  linuxVm,
  scopedLinks,
  startTestController,
} from '../support/controller.ts';
import type { TestController } from '../support/controller.ts';
import { testKubeConfig } from '../support/kube.ts';
import { readmeRoleActions } from '../support/readme-role.ts';

const AGENT = { ...AMA_EXTENSION, settings: { authentication: { managedIdentity: { 'identifier-name': 'mi_res_id', 'identifier-value': estateIds.identity } } } };
const core = () => testKubeConfig().makeApiClient(CoreV1Api);

/** A VM and a Uniform scale set (agent on the declared identity) and an Arc server; the scope links nothing and admits public ingestion. */
function roleEstate(): Estate {
  const e = estate({
    scopedResources: [],
    virtualMachines: [{ ...linuxVm('vm-a'), identity: { userAssigned: [estateIds.identity] }, extensions: [AGENT] }],
    virtualMachineScaleSets: [{ name: 'vmss-u', orchestrationMode: 'Uniform', capacity: 2, osType: 'Linux', identity: { userAssigned: [estateIds.identity] }, extensions: [AGENT] }],
    arcMachines: [arcServer('srv-01')],
  });
  const scope = e.subscriptions?.[0]?.resourceGroups?.[0]?.privateLinkScopes?.[0];
  if (scope) scope.ingestionAccessMode = 'Open';
  return e;
}

const spec = estateSpec(
  { resourceGroups: [estateIds.appResourceGroup, estateIds.onpremResourceGroup], virtualMachineScaleSets: [estateIds.scaleSet('vmss-u')] },
  { deletionPolicy: 'Delete', agent: { userAssignedIdentity: estateIds.identity } },
);

/** What the controller did in Azure: links made, ingestion mode, associations per machine. */
interface Work {
  links: number;
  ingestion: string;
  vm: number;
  vmss: number;
  arc: number;
}

function work(env: TestController): Work {
  const scope = env.emulator.store.get(estateIds.scope)?.properties as { accessModeSettings?: { ingestionAccessMode?: string } } | undefined;
  return {
    links: scopedLinks(env.emulator, estateIds.scope).length,
    ingestion: scope?.accessModeSettings?.ingestionAccessMode ?? '',
    vm: associationsOf(env.emulator, estateIds.vm('vm-a')).length,
    vmss: associationsOf(env.emulator, estateIds.scaleSet('vmss-u')).length,
    arc: associationsOf(env.emulator, estateIds.arcMachine('srv-01')).length,
  };
}

const ALL: Work = { links: 2, ingestion: 'PrivateOnly', vm: 2, vmss: 2, arc: 2 };

/**
 * Per action of the role: the work still done without it (everything else). `deletion` marks the two actions only a
 * deletion needs: the estate converges, and deleting the topology then fails on that action alone.
 */
const WITHOUT: Record<string, Work | 'deletion'> = {
  'Microsoft.Insights/privateLinkScopes/read': { ...ALL, links: 0, ingestion: 'Open' },
  'Microsoft.Insights/privateLinkScopes/write': { ...ALL, ingestion: 'Open' },
  'Microsoft.Insights/privateLinkScopes/scopedResources/read': { ...ALL, links: 0, ingestion: 'Open' },
  'Microsoft.Insights/privateLinkScopes/scopedResources/write': { ...ALL, links: 0 },
  'Microsoft.Insights/privateLinkScopes/scopedResources/delete': 'deletion',
  // The link is made (the write went through); only following its long-running operation is refused.
  'Microsoft.Insights/privateLinkScopeOperationStatuses/read': ALL,
  // Rule associations need the rule; endpoint associations need the endpoint, and so does linking it (linked authorization).
  'Microsoft.Insights/dataCollectionRules/read': { ...ALL, vm: 1, vmss: 1, arc: 1 },
  'Microsoft.Insights/dataCollectionEndpoints/read': { ...ALL, links: 1, vm: 1, vmss: 1, arc: 1 },
  'Microsoft.Insights/dataCollectionRuleAssociations/read': { ...ALL, vm: 0, vmss: 0, arc: 0 },
  'Microsoft.Insights/dataCollectionRuleAssociations/write': { ...ALL, vm: 0, vmss: 0, arc: 0 },
  'Microsoft.Insights/dataCollectionRuleAssociations/delete': 'deletion',
  'Microsoft.OperationalInsights/workspaces/read': { ...ALL, links: 1 },
  // Only spec.evidence queries Log Analytics: this estate's topology does not, so nothing is refused without it.
  'Microsoft.OperationalInsights/workspaces/query/read': ALL,
  'Microsoft.Compute/virtualMachines/read': { ...ALL, vm: 0 },
  // The agent's extension cannot be checked; the associations do not depend on it.
  'Microsoft.Compute/virtualMachines/extensions/read': ALL,
  'Microsoft.Compute/virtualMachineScaleSets/read': { ...ALL, vmss: 0 },
  'Microsoft.Insights/privateLinkScopes/privateEndpointConnections/read': ALL,
  'Microsoft.Network/privateEndpoints/read': ALL,
  'Microsoft.Network/privateEndpoints/privateDnsZoneGroups/read': ALL,
  'Microsoft.Network/networkInterfaces/read': ALL,
  'Microsoft.Network/virtualNetworks/read': ALL,
  'Microsoft.Network/privateDnsZones/read': ALL,
  'Microsoft.Network/privateDnsZones/A/read': ALL,
  'Microsoft.Network/privateDnsZones/virtualNetworkLinks/read': ALL,
  'Microsoft.HybridCompute/machines/read': { ...ALL, arc: 0 },
  'Microsoft.HybridCompute/machines/extensions/read': ALL,
};

async function namespace(): Promise<string> {
  const name = `role-${randomBytes(4).toString('hex')}`;
  await core().createNamespace({ body: { metadata: { name } } });
  return name;
}

async function events(ns: string): Promise<CoreV1Event[]> {
  return (await core().listNamespacedEvent({ namespace: ns })).items;
}

const authorizationFindings = (t: MonitoringTopology | undefined): string[] =>
  (t?.status?.findings ?? []).filter((f) => f.code === 'AuthorizationFailed').map((f) => f.message);

/** Runs the estate with `actions`; `check` runs with the controller, the namespace and every AuthorizationFailed message seen so far. */
async function withRole(actions: string[], check: (env: TestController, ns: string, seen: () => Promise<string[]>) => Promise<void>): Promise<void> {
  const ns = await namespace();
  const env = await startTestController({ namespace: ns, actions, emulator: { estate: roleEstate() } });
  const seen = new Set<string>();
  try {
    await createTopology(ns, 't', spec);
    // Status is read on every look: a finding that one pass wrote and the next cleared is still counted.
    await check(env, ns, async () => {
      for (const m of authorizationFindings(await getTopology(ns, 't'))) seen.add(m);
      return [...seen];
    });
  } finally {
    await env.stop();
    await core().deleteNamespace({ name: ns });
  }
}

const WAIT = { timeout: 120_000, interval: 50 };

describe('the README role against RBAC and linked authorization', () => {
  const role = readmeRoleActions();

  it('lists every action the controller is refused without, and no other', () => {
    expect([...role].sort()).toEqual(Object.keys(WITHOUT).sort());
  });

  it('converges the estate with exactly its actions, and removes what the topology made when it is deleted', { timeout: 240_000 }, async () => {
    await withRole(role, async (env, ns, seen) => {
      await vi.waitFor(async () => {
        const t = await getTopology(ns, 't');
        expect(condition(t, 'Ready')?.status).toBe('True');
        expect(work(env)).toEqual(ALL);
      }, WAIT);
      expect(await seen()).toEqual([]);
      expect(Object.entries(env.emulator.counters().byStatus).filter(([s]) => s === '403')).toEqual([]);
      await deleteTopology(ns, 't');
      await vi.waitFor(async () => expect(await getTopology(ns, 't')).toBeUndefined(), WAIT);
      expect(work(env)).toMatchObject({ links: 0, vm: 0, vmss: 0, arc: 0 });
    });
  });

  it('without any one action: AuthorizationFailed naming it, and the rest of the work done', { timeout: 900_000 }, async () => {
    // Several estates at once (one emulator and one controller each, one control plane): the runs mostly wait.
    const queue = new PQueue({ concurrency: 2 });
    const failures: string[] = [];
    await Promise.all(
      role.map((action) =>
        queue.add(async () => {
          const expected = WITHOUT[action];
          try {
            await withRole(role.filter((a) => a !== action), async (env, ns, seen) => {
              const named = (m: string): boolean => m.includes(`'${action}'`);
              if (action.endsWith('/query/read')) {
                await vi.waitFor(() => expect(work(env)).toEqual(ALL), WAIT);
                expect(await seen()).toEqual([]);
                return;
              }
              if (expected === 'deletion') {
                await vi.waitFor(async () => {
                  expect(condition(await getTopology(ns, 't'), 'Ready')?.status).toBe('True');
                  expect(work(env)).toEqual(ALL);
                }, WAIT);
                await deleteTopology(ns, 't');
                // Deletion says which removal Azure refused (an event: the finalizer stays, status is not rewritten).
                await vi.waitFor(async () => {
                  const refused = (await events(ns)).filter((e) => e.reason === 'DeletionFailed');
                  expect(refused.length).toBeGreaterThan(0);
                  expect(refused.every((e) => named(e.message ?? ''))).toBe(true);
                  // The other kind of removal went through: links or associations, whichever the role still allows.
                  const left = work(env);
                  if (action.includes('scopedResources')) expect(left).toMatchObject({ links: 2, vm: 0, vmss: 0, arc: 0 });
                  else expect(left).toMatchObject({ links: 0, vm: 2, vmss: 2, arc: 2 });
                }, WAIT);
                expect(await getTopology(ns, 't')).toBeDefined();
              } else {
                await vi.waitFor(async () => {
                  expect((await seen()).some(named)).toBe(true);
                  expect(work(env)).toEqual(expected);
                }, WAIT);
              }
              // Nothing else was refused: every AuthorizationFailed the controller reported names this action.
              expect((await seen()).filter((m) => !named(m))).toEqual([]);
            });
          } catch (err) {
            failures.push(`${action}: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
          }
        }),
      ),
    );
    expect(failures).toEqual([]);
  });
});
