// Azure Arc-enabled servers as targets: selection, both associations, the agent, identity, the connected-machine
// agent's state and deletion, through the real controller, @azure/arm-hybridcompute and the emulator.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { kubectl, useTestNamespace } from '../support/kube.ts';
import { RECONCILE_REQUESTED_AT } from '../../src/api/types.ts';
import { ruleAssociationName } from '../../src/plan/index.ts';
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
  startTestController,
  SUBSCRIPTION,
  waitForReady,
  waitForTopology,
} from '../support/controller.ts';
import type { TestController } from '../support/controller.ts';

const ns = useTestNamespace('reconcile-arc');
const nsDelete = useTestNamespace('reconcile-arc-delete');
const nsOrphan = useTestNamespace('reconcile-arc-orphan');
let env: TestController;
let del: TestController;
let orphan: TestController;

const arc = estateIds.arcMachine;
const names = (e: TestController, name: string) => associationsOf(e.emulator, arc(name)).map((a) => a.name).sort();
const LAST_SEEN = '2026-11-27T22:14:05.000Z';
/** The name the controller gives its association with the rule. */
const RULE = ruleAssociationName(estateIds.rule);

// Machines of the deletion scenarios, selected by resource group: one is excluded.
const deletionEstate = () =>
  estate({ arcMachines: [arcServer('srv-user', [{ name: 'user-made', rule: estateIds.rule }]), arcServer('srv-bare'), arcServer('srv-skip')] });

beforeAll(async () => {
  [env, del, orphan] = await Promise.all([
    startTestController({
      namespace: ns.name,
      emulator: {
        estate: estate({
          arcMachines: [
            { ...arcServer('srv-web-01'), tags: { role: 'web' } },
            { ...arcServer('srv-web-02'), tags: { role: 'web' } },
            { ...arcServer('srv-win-01'), osType: 'Windows' as const, tags: { role: 'web' }, extensions: [{ name: 'AzureMonitorWindowsAgent', publisher: 'Microsoft.Azure.Monitor', type: 'AzureMonitorWindowsAgent' }] },
            arcServer('srv-db-01', [{ name: 'user-syslog', rule: estateIds.rule }]),
            { ...arcServer('srv-noagent'), extensions: [] },
            { ...arcServer('srv-down'), status: 'Disconnected' as const, lastStatusChange: LAST_SEEN },
            { name: 'srv-nopls', osType: 'Linux' as const, extensions: [AMA_EXTENSION] },
            { ...arcServer('srv-noid'), systemAssignedIdentity: false },
          ],
        }),
      },
    }),
    startTestController({ namespace: nsDelete.name, emulator: { estate: deletionEstate() } }),
    startTestController({ namespace: nsOrphan.name, emulator: { estate: deletionEstate() } }),
  ]);
});

afterAll(async () => {
  await Promise.all([env?.stop(), del?.stop(), orphan?.stop()]);
});

describe('reconciler: Azure Arc-enabled servers', () => {
  it('selects Arc machines by tag, minus exclusions, and gives each both associations; a Windows server gets no Linux rule', async () => {
    await createTopology(
      ns.name,
      'by-tag',
      estateSpec({ tagSelector: { subscriptions: [`/subscriptions/${SUBSCRIPTION}`], matchTags: { role: 'web' } }, exclude: [arc('srv-web-02')] }),
    );
    const t = await waitForReady(ns.name, 'by-tag');
    expect(t.status?.instances).toMatchObject({ total: 2, compliant: 2, failing: 0, excluded: 1 });
    expect(names(env, 'srv-web-01')).toEqual(['configurationAccessEndpoint', RULE].sort());
    const endpoint = associationsOf(env.emulator, arc('srv-web-01')).find((a) => a.name === 'configurationAccessEndpoint');
    expect(String(endpoint?.properties.dataCollectionEndpointId).toLowerCase()).toBe(estateIds.endpoint.toLowerCase());
    expect(String(endpoint?.properties.description)).toContain(`${ns.name}/by-tag`);
    expect(names(env, 'srv-web-02')).toEqual([]);
    // The Linux rule does not fit the Windows server (osName windows): only the endpoint association.
    expect(names(env, 'srv-win-01')).toEqual(['configurationAccessEndpoint']);
    const mismatch = t.status?.findings?.find((f) => f.code === 'OsKindMismatch');
    expect(mismatch).toMatchObject({ severity: 'Warning', resourceId: estateIds.rule });
    expect(mismatch?.message).toContain('srv-win-01');
  });

  it('by explicit id: adopts existing associations, reports the agent, identity and connection of each server and repairs no Arc extension', async () => {
    const ids = ['srv-db-01', 'srv-noagent', 'srv-down', 'srv-nopls', 'srv-noid'].map(arc);
    await createTopology(ns.name, 'explicit', estateSpec({ arcMachines: ids }, { agent: { userAssignedIdentity: estateIds.identity, manageExtension: true } }));
    const t = await waitForTopology(ns.name, 'explicit', (x) => {
      expect(x.status?.observedGeneration).toBe(x.metadata.generation);
      expect(names(env, 'srv-db-01')).toContain('configurationAccessEndpoint');
      expect(x.status?.instances).toMatchObject({ total: 5, failing: 3, pending: 0 });
    });
    const byCode = (code: string) => (t.status?.findings ?? []).filter((f) => f.code === code);
    // Adoption: the user's rule association under another name counts; no second one is made.
    expect(names(env, 'srv-db-01')).toEqual(['configurationAccessEndpoint', 'user-syslog']);
    expect(byCode('AgentExtensionMissing').map((f) => f.resourceId.toLowerCase())).toEqual([arc('srv-noagent').toLowerCase()]);
    const down = byCode('ArcMachineDisconnected');
    expect(down).toHaveLength(1);
    expect(down[0]).toMatchObject({ severity: 'Error', stage: 'Extension' });
    expect(down[0]?.message).toContain(`Disconnected since ${LAST_SEEN}`);
    expect(byCode('SystemIdentityMissing').map((f) => f.resourceId.toLowerCase())).toEqual([arc('srv-noid').toLowerCase()]);
    expect(byCode('ArcPrivateLinkScopeMissing').map((f) => [f.resourceId.toLowerCase(), f.severity])).toEqual([[arc('srv-nopls').toLowerCase(), 'Warning']]);
    const uami = byCode('ArcUserAssignedIdentityUnsupported');
    expect(uami).toHaveLength(1);
    expect(uami[0]?.resourceId).toBe(estateIds.identity);
    expect(uami[0]?.message).toContain('5 Azure Arc-enabled server(s)');
    // No identity check or repair of a user-assigned identity applies to an Arc machine.
    expect(byCode('IdentityNotAssigned')).toEqual([]);
    expect(byCode('ExtensionIdentityMismatch')).toEqual([]);
    const ext = env.emulator.store.get(`${arc('srv-db-01')}/extensions/${AMA_EXTENSION.name}`);
    expect((ext?.properties as { settings?: unknown } | undefined)?.settings).toBeUndefined();
    expect(condition(t, 'AgentIdentityReady')?.status).toBe('False');
    // A disconnected server still gets its associations: they wait for the agent to reconnect.
    expect(names(env, 'srv-down')).toEqual(['configurationAccessEndpoint', RULE].sort());
  });

  it('reports the server as connected again once its agent is back', async () => {
    const id = arc('srv-down');
    const current = env.emulator.store.get(id);
    const properties = { ...(current?.properties as Record<string, unknown>), status: 'Connected', lastStatusChange: new Date().toISOString() };
    env.emulator.store.put({ ...current, properties });
    // A person who restarted the agent asks for a look now rather than at the next resync.
    await kubectl(['annotate', 'mtopo', 'explicit', '--overwrite', `${RECONCILE_REQUESTED_AT}=${new Date().toISOString()}`], { namespace: ns.name, check: true });
    await waitForTopology(ns.name, 'explicit', (x) => {
      expect(x.status?.findings?.map((f) => f.code)).not.toContain('ArcMachineDisconnected');
      expect(x.status?.instances?.failing).toBe(2);
    });
  });
});

describe('reconciler: Arc machines selected by resource group, deleted with each policy', () => {
  async function converge(e: TestController, namespace: string, deletionPolicy: 'Delete' | 'Orphan'): Promise<void> {
    await createTopology(namespace, 'topo', estateSpec({ resourceGroups: [estateIds.onpremResourceGroup], exclude: [arc('srv-skip')] }, { deletionPolicy }));
    const t = await waitForReady(namespace, 'topo');
    expect(t.status?.instances).toMatchObject({ total: 2, compliant: 2, excluded: 1 });
    expect(names(e, 'srv-user')).toEqual(['configurationAccessEndpoint', 'user-made']);
    expect(names(e, 'srv-bare')).toEqual(['configurationAccessEndpoint', RULE].sort());
    expect(names(e, 'srv-skip')).toEqual([]);
  }
  const waitGone = (namespace: string) =>
    vi.waitFor(async () => expect(await getTopology(namespace, 'topo')).toBeUndefined(), { timeout: 30_000, interval: 100 });

  it('Delete removes exactly the associations the topology created on Arc machines', async () => {
    await converge(del, nsDelete.name, 'Delete');
    await deleteTopology(nsDelete.name, 'topo');
    await waitGone(nsDelete.name);
    expect(names(del, 'srv-user')).toEqual(['user-made']);
    expect(names(del, 'srv-bare')).toEqual([]);
  });

  it('Orphan removes nothing', async () => {
    await converge(orphan, nsOrphan.name, 'Orphan');
    orphan.emulator.resetCounters();
    await deleteTopology(nsOrphan.name, 'topo');
    await waitGone(nsOrphan.name);
    expect(names(orphan, 'srv-user')).toEqual(['configurationAccessEndpoint', 'user-made']);
    expect(names(orphan, 'srv-bare')).toEqual(['configurationAccessEndpoint', RULE].sort());
    expect(orphan.emulator.counters().deletes).toBe(0);
  });
});
