// What status says while a pass runs: a new generation is Reconciling before any ARM answer, a long pass shows
// Reconciling=True, and a tag selector that matches nothing says so.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RECONCILE_REQUESTED_AT } from '../../src/api/types.ts';
import { kubectl, useTestNamespace } from '../support/kube.ts';
import {
  condition,
  createTopology,
  estate,
  estateIds,
  estateSpec,
  linuxVm,
  SUBSCRIPTION,
  startTestController,
  waitForReady,
  waitForTopology,
} from '../support/controller.ts';
import type { TestController } from '../support/controller.ts';

const ns = useTestNamespace('reconcile-progress');
let env: TestController;

beforeAll(async () => {
  env = await startTestController({
    namespace: ns.name,
    emulator: { estate: estate({ scopedResources: ['law-platform', 'dce-weu'], virtualMachines: [linuxVm('vm-1'), linuxVm('vm-2')] }) },
    // Hung requests give up after 2 s, so the passes these tests hang end soon after the fault is lifted.
    gateway: { requestTimeoutMs: 2000 },
    controller: { longPassMs: 300 },
  });
});

afterAll(async () => {
  await env?.stop();
});

describe('status while a pass runs', () => {
  it('a new topology says Reconciling=True and Ready=Unknown for its generation before ARM has answered anything', async () => {
    // Every ARM request hangs (the token endpoint does not): no pass can finish until the fault is lifted.
    env.emulator.setFaults({ pathPattern: '^/subscriptions/', latencyMs: 600_000 });
    try {
      await createTopology(ns.name, 'fresh', estateSpec({ virtualMachines: [estateIds.vm('vm-1')] }));
      const t = await waitForTopology(ns.name, 'fresh', (x) => {
        expect(condition(x, 'Reconciling')?.status).toBe('True');
      });
      expect(t.status?.observedGeneration).toBe(t.metadata.generation);
      expect(condition(t, 'Ready')).toMatchObject({ status: 'Unknown', reason: 'Progressing', observedGeneration: t.metadata.generation });
      // Written before any ARM call completed: no area was checked, nothing was counted.
      expect(condition(t, 'AssociationsReady')).toBeUndefined();
      expect(t.status?.instances).toBeUndefined();
    } finally {
      env.emulator.setFaults({});
    }
  });

  it('a pass that runs long shows Reconciling=True while it runs, then Idle', async () => {
    await createTopology(ns.name, 'slow', estateSpec({ virtualMachines: [estateIds.vm('vm-2')] }));
    await waitForReady(ns.name, 'slow', 60_000);
    env.emulator.setFaults({ pathPattern: 'dataCollectionRules/', latencyMs: 600_000 });
    try {
      const res = await kubectl(['annotate', '--overwrite', '-n', ns.name, 'monitoringtopology/slow', `${RECONCILE_REQUESTED_AT}=${Date.now()}`]);
      expect(res.code, res.stderr).toBe(0);
      const t = await waitForTopology(ns.name, 'slow', (x) => {
        expect(condition(x, 'Reconciling')).toMatchObject({ status: 'True', reason: 'Progressing' });
      });
      // The outcome of the last finished pass stays until this one ends.
      expect(condition(t, 'Ready')?.status).toBe('True');
    } finally {
      env.emulator.setFaults({});
    }
    await waitForTopology(ns.name, 'slow', (x) => {
      expect(condition(x, 'Reconciling')?.status).toBe('False');
      expect(condition(x, 'Ready')?.status).toBe('True');
    }, 60_000);
  }, 90_000);

  it('a tag selector that matches nothing is a Warning finding that Ready mentions, not a silent "0 of 0"', async () => {
    await createTopology(
      ns.name,
      'typo',
      estateSpec({ tagSelector: { subscriptions: [`/subscriptions/${SUBSCRIPTION}`], matchTags: { enviroment: 'prod' } } }),
    );
    const t = await waitForReady(ns.name, 'typo', 60_000);
    const f = t.status?.findings?.find((x) => x.code === 'NoMachinesMatched');
    expect(f).toMatchObject({ severity: 'Warning', resourceId: `/subscriptions/${SUBSCRIPTION}` });
    expect(f?.message).toContain('enviroment=prod');
    expect(condition(t, 'Ready')?.message).toContain('matched no virtual machine');
    expect(t.status?.instances?.total).toBe(0);
  }, 90_000);
});
