// Seed scenario (g): deletion with `Delete` removes exactly what the topology created; `Orphan` removes nothing;
// an association a user created is never deleted.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTestNamespace } from '../support/kube.ts';
import {
  associationsOf,
  createTopology,
  deleteTopology,
  estate,
  estateIds,
  estateSpec,
  getTopology,
  linuxVm,
  scopedLinks,
  startTestController,
  waitForReady,
} from '../support/controller.ts';
import type { TestController } from '../support/controller.ts';

const nsDelete = useTestNamespace('reconcile-delete');
const nsOrphan = useTestNamespace('reconcile-orphan');
let del: TestController;
let orphan: TestController;

// vm-user carries a rule association a user made (adopted, never deleted); vm-bare has nothing.
const machines = () => [linuxVm('vm-user', [{ name: 'user-made', rule: estateIds.rule }]), linuxVm('vm-bare')];

beforeAll(async () => {
  [del, orphan] = await Promise.all([
    startTestController({ namespace: nsDelete.name, emulator: { estate: estate({ scopedResources: ['law-platform'], virtualMachines: machines() }) } }),
    startTestController({ namespace: nsOrphan.name, emulator: { estate: estate({ scopedResources: ['law-platform'], virtualMachines: machines() }) } }),
  ]);
});

afterAll(async () => {
  await Promise.all([del?.stop(), orphan?.stop()]);
});

const names = (env: TestController, vm: string) => associationsOf(env.emulator, estateIds.vm(vm)).map((a) => a.name).sort();

async function converge(env: TestController, namespace: string, deletionPolicy: 'Delete' | 'Orphan'): Promise<void> {
  await createTopology(namespace, 'topo', estateSpec({ virtualMachines: [estateIds.vm('vm-user'), estateIds.vm('vm-bare')] }, { deletionPolicy }));
  const t = await waitForReady(namespace, 'topo');
  expect(t.metadata.finalizers).toContain('monitoring.ampls.dev/finalizer');
  expect(scopedLinks(env.emulator, estateIds.scope)).toContain(estateIds.endpoint.toLowerCase());
  expect(names(env, 'vm-user')).toEqual(['configurationAccessEndpoint', 'user-made']);
  expect(names(env, 'vm-bare')).toHaveLength(2);
}

async function waitGone(namespace: string): Promise<void> {
  const { vi } = await import('vitest');
  await vi.waitFor(async () => expect(await getTopology(namespace, 'topo')).toBeUndefined(), { timeout: 30_000, interval: 100 });
}

describe('reconciler: deletion', () => {
  it('(g) Delete removes exactly what the topology created and never a user-created association', async () => {
    await converge(del, nsDelete.name, 'Delete');
    const before = del.emulator.exportState();
    await deleteTopology(nsDelete.name, 'topo');
    await waitGone(nsDelete.name);
    expect(names(del, 'vm-user')).toEqual(['user-made']);
    expect(names(del, 'vm-bare')).toEqual([]);
    const links = scopedLinks(del.emulator, estateIds.scope);
    expect(links).toEqual([estateIds.workspace.toLowerCase()]);
    expect(before.resources?.length).toBeGreaterThan(0);
  });

  it('(g) Orphan removes nothing', async () => {
    await converge(orphan, nsOrphan.name, 'Orphan');
    const before = JSON.stringify([names(orphan, 'vm-user'), names(orphan, 'vm-bare'), scopedLinks(orphan.emulator, estateIds.scope).sort()]);
    orphan.emulator.resetCounters();
    await deleteTopology(nsOrphan.name, 'topo');
    await waitGone(nsOrphan.name);
    expect(JSON.stringify([names(orphan, 'vm-user'), names(orphan, 'vm-bare'), scopedLinks(orphan.emulator, estateIds.scope).sort()])).toBe(before);
    expect(orphan.emulator.counters().deletes).toBe(0);
  });
});
