// Deletion under faults: while the association lists fail, `deletionPolicy: Delete` keeps the finalizer and says why
// (a condition and an event); once they answer, it removes what the topology made and the event counts exactly that.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { useTestNamespace } from '../support/kube.ts';
import {
  associationsOf,
  condition,
  createTopology,
  deleteTopology,
  estate,
  estateIds,
  estateSpec,
  eventsOf,
  getTopology,
  isMarked,
  linuxVm,
  scopedLinks,
  startTestController,
  waitForReady,
  waitForTopology,
} from '../support/controller.ts';
import type { TestController } from '../support/controller.ts';

const ns = useTestNamespace('delete-faults');
let env: TestController;
const VMS = ['vm-a', 'vm-b', 'vm-c'];
const LIST_BY_RULE = 'LIST Microsoft.Insights/dataCollectionRuleAssociations/byRule';

beforeAll(async () => {
  env = await startTestController({
    namespace: ns.name,
    emulator: { estate: estate({ scopedResources: ['law-platform'], virtualMachines: VMS.map((n) => linuxVm(n)) }) },
  });
});

afterAll(async () => {
  await env?.stop();
});

const markedCount = (): number => VMS.reduce((n, vm) => n + associationsOf(env.emulator, estateIds.vm(vm)).filter(isMarked).length, 0);
const failedRuleLists = (): number => env.emulator.counters().byOperation[LIST_BY_RULE]?.['500'] ?? 0;

describe('reconciler: deletion under faults', () => {
  it('keeps the finalizer while the association list fails, says why, then counts what it really removed', async () => {
    await createTopology(ns.name, 'topo', estateSpec({ virtualMachines: VMS.map(estateIds.vm) }, { deletionPolicy: 'Delete' }));
    await waitForReady(ns.name, 'topo');
    const owned = markedCount();
    expect(owned).toBe(2 * VMS.length);
    const links = scopedLinks(env.emulator, estateIds.scope).length;

    // Every list of a rule's associations answers 500 (retries included).
    env.emulator.setFaults({ pathPattern: 'dataCollectionRules/[^/]+/associations', serverErrorRate: 1, serverErrorStatus: 500 });
    await deleteTopology(ns.name, 'topo');
    const blocked = await waitForTopology(ns.name, 'topo', (t) => {
      expect(condition(t, 'Ready')).toMatchObject({ status: 'False', reason: 'DeletionBlocked' });
    });
    expect(condition(blocked, 'Ready')?.message).toContain('cannot be listed in full');
    // Let deletion be retried with the list still failing: the finalizer must hold every time.
    const failedBefore = failedRuleLists();
    await vi.waitFor(() => expect(failedRuleLists()).toBeGreaterThan(failedBefore), { timeout: 30_000, interval: 100 });
    const held = await getTopology(ns.name, 'topo');
    expect(held?.metadata.finalizers).toContain('monitoring.ampls.dev/finalizer');
    expect(markedCount()).toBe(owned);
    const events = await eventsOf(ns.name, 'topo');
    expect(events.some((e) => e.type === 'Warning' && e.reason === 'DeletionBlocked')).toBe(true);
    expect(events.some((e) => e.reason === 'DeletedOwnedResources')).toBe(false);

    env.emulator.setFaults({});
    await vi.waitFor(async () => expect(await getTopology(ns.name, 'topo')).toBeUndefined(), { timeout: 30_000, interval: 100 });
    expect(markedCount()).toBe(0);
    const unlinked = links - scopedLinks(env.emulator, estateIds.scope).length;
    expect(unlinked).toBe(1); // the endpoint link it made; the workspace link was there before
    await vi.waitFor(async () => {
      const removed = (await eventsOf(ns.name, 'topo')).filter((e) => e.reason === 'DeletedOwnedResources');
      expect(removed.map((e) => e.message)).toEqual([`Removed ${owned + unlinked} resource(s) this topology created.`]);
    }, { timeout: 10_000, interval: 100 });
  }, 90_000);
});
