// Two controller processes with leader election on the real control plane: one reconciles, the other only
// watches; a killed leader is replaced once its lease expires; a released lease is taken at once; a
// stolen lease makes the old leader exit non-zero.
import { CoordinationV1Api, V1MicroTime } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startEmulator } from '../../src/emulator/index.ts';
import type { RunningEmulator } from '../../src/emulator/index.ts';
import { createTopology, estate, estateIds, estateSpec, getTopology, linuxVm, waitForReady } from '../support/controller.ts';
import { kubeconfigPath, kubectl, testKubeConfig, useTestNamespace } from '../support/kube.ts';
import { metricValue, startControllerProcess } from './runtime-process.ts';
import type { ControllerProcess } from './runtime-process.ts';

const ns = useTestNamespace('leader');
const LEASE = 'leader-test';
const leases = () => testKubeConfig().makeApiClient(CoordinationV1Api);
const holder = async (): Promise<string> => (await leases().readNamespacedLease({ name: LEASE, namespace: ns.name })).spec?.holderIdentity ?? '';

let emulator: RunningEmulator;
const started: ControllerProcess[] = [];

function start(name: string): ControllerProcess {
  const p = startControllerProcess({
    name,
    kubeconfig: kubeconfigPath(),
    emulator,
    args: ['--namespaces', ns.name, '--leader-elect', '--leader-election-namespace', ns.name, '--leader-election-id', LEASE],
  });
  started.push(p);
  return p;
}

const writes = (): number => {
  const c = emulator.counters();
  return c.writes + c.deletes;
};

beforeAll(async () => {
  emulator = await startEmulator({ lroDelayMs: 5, estate: estate({ virtualMachines: [linuxVm('vm-a'), linuxVm('vm-b'), linuxVm('vm-c')] }) });
});

afterAll(async () => {
  await Promise.all(started.map((p) => p.kill()));
  await emulator?.close();
});

describe('leader election between two controller processes', () => {
  let first: ControllerProcess;
  let second: ControllerProcess;

  it('lets exactly one process reconcile; the other watches and writes nothing', async () => {
    first = start('replica-a');
    await first.waitForLog('successfully acquired lease');
    second = start('replica-b');
    await second.waitForLog('attempting to acquire leader lease');
    await vi.waitFor(async () => expect((await second.get('health', '/readyz')).status).toBe(200), { timeout: 30_000, interval: 100 });
    expect(await holder()).toMatch(/^replica-a_/);

    await createTopology(ns.name, 'estate', estateSpec({ virtualMachines: [estateIds.vm('vm-a'), estateIds.vm('vm-b')] }));
    await waitForReady(ns.name, 'estate', 60_000);
    expect(writes()).toBeGreaterThan(0);

    const a = (await first.get('metrics', '/metrics')).body;
    const b = (await second.get('metrics', '/metrics')).body;
    expect(metricValue(a, 'controller_runtime_reconcile_total')).toBeGreaterThan(0);
    expect(metricValue(a, 'azure_arm_requests_total')).toBeGreaterThan(0);
    // The standby has the same cache (it is ready) but never reconciled nor called ARM.
    expect(metricValue(b, 'controller_runtime_reconcile_total')).toBeNaN();
    expect(metricValue(b, 'azure_arm_requests_total')).toBeNaN();
    expect(second.logs.some((l) => l.msg === 'successfully acquired lease')).toBe(false);
    expect(second.logs.some((l) => typeof l.reconcileID === 'string')).toBe(false);
  });

  it('hands over once the killed leader\'s lease expires, and the standby writes nothing before it leads', async () => {
    emulator.resetCounters();
    const before = await getTopology(ns.name, 'estate');
    await first.kill();
    // The dead leader's last renewal, as the lease records it: the standby may take over only after it expires.
    const dead = (await leases().readNamespacedLease({ name: LEASE, namespace: ns.name })).spec;
    expect(dead?.holderIdentity).toMatch(/^replica-a_/);
    const lastRenewal = new Date(String(dead?.renewTime)).getTime();
    const leaseMs = (dead?.leaseDurationSeconds ?? 0) * 1000;
    expect(leaseMs).toBeGreaterThan(0);
    // New work arrives while nobody leads: the standby must leave it alone until it holds the lease.
    await kubectl(['patch', 'monitoringtopology', 'estate', '--type', 'merge', '-p', JSON.stringify({ spec: { targets: { virtualMachines: [estateIds.vm('vm-a'), estateIds.vm('vm-b'), estateIds.vm('vm-c')] } } })], {
      namespace: ns.name,
      check: true,
    });
    // Until the standby leads: no ARM write and no status write (observedGeneration stays behind the new generation).
    let checks = 0;
    while (!second.logs.some((l) => l.msg === 'successfully acquired lease')) {
      const written = writes();
      const now = await getTopology(ns.name, 'estate');
      if (written > 0 || now?.status?.observedGeneration !== before?.metadata.generation) {
        // A write seen before the standby's log line reached this process: it must already hold the lease (read after
        // the write, so a lease taken later would show the dead leader or nobody).
        const holder = (await leases().readNamespacedLease({ name: LEASE, namespace: ns.name })).spec?.holderIdentity;
        expect(holder).toMatch(/^replica-b_/);
        break;
      }
      checks++;
      if (checks > 3000) throw new Error('the standby never acquired the lease');
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(checks).toBeGreaterThan(0);
    const acquired = await second.waitForLog('successfully acquired lease', 1_000);
    // The holder changed to the standby, and only after the dead leader's lease had expired by its own record.
    const taken = (await leases().readNamespacedLease({ name: LEASE, namespace: ns.name })).spec;
    expect(taken?.holderIdentity).toMatch(/^replica-b_/);
    expect(new Date(String(taken?.acquireTime)).getTime()).toBeGreaterThanOrEqual(lastRenewal + leaseMs);
    expect(taken?.leaseTransitions ?? 0).toBeGreaterThan(dead?.leaseTransitions ?? 0);
    // Everything the standby did before this line was read-only.
    const standbyLines = second.logs.slice(0, second.logs.indexOf(acquired));
    expect(standbyLines.some((l) => typeof l.reconcileID === 'string')).toBe(false);
    expect(before?.status?.observedGeneration).toBe(before?.metadata.generation);

    const after = await waitForReady(ns.name, 'estate', 60_000);
    expect(after.metadata.generation).toBeGreaterThan(before?.metadata.generation ?? 0);
    expect(writes()).toBeGreaterThan(0); // vm-c got its associations from the new leader
    expect(await holder()).toMatch(/^replica-b_/);
  });

  it('releases the lease on SIGTERM so a successor starts at once', async () => {
    second.child.kill('SIGTERM');
    expect((await second.exit).code).toBe(0);
    // Released, not left to expire: the next candidate takes it on its first try, however slowly it starts.
    expect(await holder()).toBe('');
    const third = start('replica-c');
    await third.waitForLog('successfully acquired lease', 90_000);
  });

  it('exits non-zero when another holder takes the lease', async () => {
    const third = started.at(-1) as ControllerProcess;
    const lease = await leases().readNamespacedLease({ name: LEASE, namespace: ns.name });
    const now = new V1MicroTime();
    lease.spec = { ...lease.spec, holderIdentity: 'intruder', renewTime: now, acquireTime: now, leaseDurationSeconds: 60 };
    await leases().replaceNamespacedLease({ name: LEASE, namespace: ns.name, body: lease });
    const { code } = await third.exit;
    expect(code).toBe(1);
    expect(third.logs.some((l) => /leader election lost/.test(String(l.msg)))).toBe(true);
    expect(await holder()).toBe('intruder'); // it did not release a lease it no longer held
  });
});
