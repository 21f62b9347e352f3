// Seed scenario (d): a Flexible scale set scaled out by 20; the discovery pass finds the new instances and
// every one gets both associations, and it is the discovery pass (not a resync) that asked for the reconcile.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { useTestNamespace } from '../support/kube.ts';
import {
  associationsOf,
  condition,
  createTopology,
  estate,
  estateIds,
  estateSpec,
  flexibleScaleSet,
  scaleSetMembers,
  startTestController,
  waitForReady,
  waitForTopology,
} from '../support/controller.ts';
import type { TestController } from '../support/controller.ts';

const ns = useTestNamespace('reconcile-flex');
let env: TestController;
const scaleSet = estateIds.scaleSet('vmss-api');
const DISCOVERY_MS = 10_000;

const members = (): string[] => scaleSetMembers(env.emulator, scaleSet);

beforeAll(async () => {
  env = await startTestController({
    namespace: ns.name,
    emulator: {
      estate: estate({ virtualMachineScaleSets: [flexibleScaleSet('vmss-api', 3)] }),
    },
  });
});

afterAll(async () => {
  await env?.stop();
});

describe('reconciler: Flexible scale sets', () => {
  it('(d) associates 20 new instances of a scale-out through the discovery pass', async () => {
    await createTopology(
      ns.name,
      'flex',
      estateSpec({ virtualMachineScaleSets: [scaleSet] }, { discoveryInterval: '10s', agent: { userAssignedIdentity: estateIds.identity } }),
    );
    const ready = await waitForReady(ns.name, 'flex', 120_000);
    expect(ready.status?.instances?.total).toBe(3);
    expect(members()).toHaveLength(3);
    // Ready=True is written by the confirming pass: the passes that follow creation are done, and the next full
    // pass is the 10-minute resync, so only discovery may notice the scale-out.
    const logged = env.logs.lines.length;

    env.emulator.store.scaleVmss(scaleSet, 23);
    expect(members()).toHaveLength(23);
    await vi.waitFor(
      () => {
        for (const vm of members()) {
          const names = associationsOf(env.emulator, vm).map((a) => a.name);
          expect(names).toContain('configurationAccessEndpoint');
          expect(names.filter((n) => n !== 'configurationAccessEndpoint')).toHaveLength(1);
        }
      },
      { timeout: 6 * DISCOVERY_MS, interval: 200 },
    );
    // Which pass did it: discovery saw the 20 new members and asked for the reconcile that associated them.
    const after = env.logs.lines.slice(logged);
    const discovered = after.findIndex((l) => l.msg === 'targets changed; reconciling' && l.added === 20 && l.removed === 0);
    expect(discovered).toBeGreaterThanOrEqual(0);
    // The confirming pass after the changes reports the new instances as compliant.
    await waitForTopology(ns.name, 'flex', (t) => {
      expect(t.status?.instances).toMatchObject({ total: 23, compliant: 23 });
      expect(condition(t, 'Ready')?.status).toBe('True');
    }, 120_000);
    // The reconcile that discovery asked for wrote the status.
    expect(env.logs.lines.slice(logged + discovered).some((l) => l.msg === 'status written')).toBe(true);
  }, 360_000);
});
