// Spec edits against the real apiserver and the emulator: with `Delete`, what a topology made for a rule or a machine
// later dropped from its spec is still removed when it is deleted; with `prune: true` it is removed at once (a replaced
// rule once its replacement exists); nothing without the topology's marker is ever removed.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { useTestNamespace } from '../support/kube.ts';
import {
  associationsOf,
  createTopology,
  deleteTopology,
  estate,
  estateIds,
  estateSpec,
  getTopology,
  isMarked,
  linuxVm,
  startTestController,
  updateSpec,
  waitForReady,
} from '../support/controller.ts';
import type { TestController } from '../support/controller.ts';

const nsLeak = useTestNamespace('edits-delete');
const nsPrune = useTestNamespace('edits-prune');
let leak: TestController;
let prune: TestController;

// vm-a holds an association a person made to the perf rule, vm-b one to the syslog rule: neither carries a marker.
const machines = () => [linuxVm('vm-a', [{ name: 'user-perf', rule: estateIds.perfRule }]), linuxVm('vm-b', [{ name: 'user-syslog', rule: estateIds.rule }]), linuxVm('vm-c')];

beforeAll(async () => {
  [leak, prune] = await Promise.all([
    startTestController({ namespace: nsLeak.name, emulator: { estate: estate({ scopedResources: ['law-platform'], virtualMachines: machines() }) } }),
    startTestController({ namespace: nsPrune.name, emulator: { estate: estate({ scopedResources: ['law-platform'], virtualMachines: machines() }) } }),
  ]);
});

afterAll(async () => {
  await Promise.all([leak?.stop(), prune?.stop()]);
});

const names = (env: TestController, vm: string): string[] => associationsOf(env.emulator, estateIds.vm(vm)).map((a) => a.name).sort();
const marked = (env: TestController, vm: string): string[] => associationsOf(env.emulator, estateIds.vm(vm)).filter(isMarked).map((a) => a.name).sort();
const ruleName = (env: TestController, vm: string, rule: string): string | undefined =>
  associationsOf(env.emulator, estateIds.vm(vm)).find((a) => isMarked(a) && String(a.properties.dataCollectionRuleId).toLowerCase() === rule.toLowerCase())?.name;

describe('reconciler: spec edits', () => {
  it('Delete removes what the topology made for a rule and a machine later dropped from its spec', async () => {
    const ns = nsLeak.name;
    await createTopology(
      ns,
      'topo',
      estateSpec({ virtualMachines: ['vm-a', 'vm-b', 'vm-c'].map(estateIds.vm) }, { deletionPolicy: 'Delete', dataCollectionRules: [{ resourceId: estateIds.rule }, { resourceId: estateIds.perfRule }] }),
    );
    await waitForReady(ns, 'topo');
    // vm-a adopts the person's perf association, vm-b the person's syslog one; vm-c gets both from the controller.
    expect(marked(leak, 'vm-a')).toHaveLength(2);
    expect(marked(leak, 'vm-b')).toHaveLength(2);
    expect(marked(leak, 'vm-c')).toHaveLength(3);

    // Drop the perf rule and vm-c. prune is off: nothing is removed now.
    await updateSpec(ns, 'topo', (s) => ({ ...s, dataCollectionRules: [{ resourceId: estateIds.rule }], targets: { virtualMachines: ['vm-a', 'vm-b'].map(estateIds.vm) } }));
    await waitForReady(ns, 'topo');
    expect(marked(leak, 'vm-c')).toHaveLength(3);

    await deleteTopology(ns, 'topo');
    await vi.waitFor(async () => expect(await getTopology(ns, 'topo')).toBeUndefined(), { timeout: 30_000, interval: 100 });
    for (const vm of ['vm-a', 'vm-b', 'vm-c']) expect(marked(leak, vm), `${vm} keeps an association with the dead topology's marker`).toEqual([]);
    expect(names(leak, 'vm-a')).toEqual(['user-perf']);
    expect(names(leak, 'vm-b')).toEqual(['user-syslog']);
    expect(names(leak, 'vm-c')).toEqual([]);
  }, 90_000);

  it('prune: true removes what was made for a dropped machine, and a replaced rule once its replacement exists', async () => {
    const ns = nsPrune.name;
    await createTopology(ns, 'topo', estateSpec({ virtualMachines: ['vm-a', 'vm-b', 'vm-c'].map(estateIds.vm) }, { prune: true }));
    await waitForReady(ns, 'topo');
    const syslogOnC = ruleName(prune, 'vm-c', estateIds.rule);
    expect(syslogOnC).toBeDefined();
    expect(names(prune, 'vm-b')).toEqual(['configurationAccessEndpoint', 'user-syslog']);

    // Drop vm-b and replace the syslog rule by the perf rule.
    await updateSpec(ns, 'topo', (s) => ({ ...s, dataCollectionRules: [{ resourceId: estateIds.perfRule }], targets: { virtualMachines: ['vm-a', 'vm-c'].map(estateIds.vm) } }));
    await vi.waitFor(
      () => {
        // vm-b: the endpoint association the topology made is gone; the person's stays.
        expect(names(prune, 'vm-b')).toEqual(['user-syslog']);
        // vm-c: the perf association replaced the syslog one.
        expect(ruleName(prune, 'vm-c', estateIds.rule)).toBeUndefined();
        expect(ruleName(prune, 'vm-c', estateIds.perfRule)).toBeDefined();
        // vm-a: the person's perf association is adopted, the topology's syslog one pruned.
        expect(names(prune, 'vm-a')).toEqual(['configurationAccessEndpoint', 'user-perf']);
      },
      { timeout: 30_000, interval: 100 },
    );
    const t = await waitForReady(ns, 'topo');
    expect(t.status?.instances).toMatchObject({ total: 2, compliant: 2 });
    // Forgotten once Azure shows nothing of the topology's through it.
    await vi.waitFor(async () => expect((await getTopology(ns, 'topo'))?.status?.inventory?.dataCollectionRules).toEqual([estateIds.perfRule]), { timeout: 30_000, interval: 200 });
  }, 90_000);
});
