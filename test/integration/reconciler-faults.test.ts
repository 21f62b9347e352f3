// Under the emulator's 429 storms and 5xx answers the controller converges without duplicate associations,
// without crashing, and with its budget waits in the logs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTestNamespace } from '../support/kube.ts';
import { associationsOf, createTopology, estate, estateIds, estateSpec, linuxVm, scopedLinks, startTestController, waitForReady } from '../support/controller.ts';
import type { TestController } from '../support/controller.ts';

const ns = useTestNamespace('reconcile-faults');
let env: TestController;
const machines = Array.from({ length: 12 }, (_, i) => `vm-f${String(i).padStart(2, '0')}`);

beforeAll(async () => {
  env = await startTestController({
    namespace: ns.name,
    emulator: {
      estate: estate({ scopedResources: ['law-platform'], virtualMachines: machines.map((m) => linuxVm(m)) }),
      // Small real buckets so the controller's own budget has to wait, plus random storms and server errors.
      throttling: { reads: { burst: 40, perSecond: 40 }, writes: { burst: 10, perSecond: 10 }, deletes: { burst: 10, perSecond: 10 } },
      faults: { throttleRate: 0.25, throttleRetryAfterSeconds: 1, serverErrorRate: 0.1, serverErrorStatus: 503 },
      seed: 7,
    },
    budgets: { reads: { burst: 30, perSecond: 30 }, writes: { burst: 5, perSecond: 8 }, deletes: { burst: 5, perSecond: 8 } },
  });
});

afterAll(async () => {
  await env?.stop();
});

describe('reconciler: throttling and server errors', () => {
  it('converges with exactly one association of each kind per machine', async () => {
    await createTopology(ns.name, 'storm', estateSpec({ virtualMachines: machines.map(estateIds.vm) }));
    // One in four requests answered 429 at random while ARM reports plenty left: the rate is not halved for those,
    // so the pass converges in seconds (about 20 s alone); the wait leaves room for a loaded machine.
    const t = await waitForReady(ns.name, 'storm', 150_000);
    expect(t.status?.instances).toMatchObject({ total: machines.length, compliant: machines.length });
    for (const m of machines) {
      const assocs = associationsOf(env.emulator, estateIds.vm(m));
      expect(assocs.filter((a) => a.name === 'configurationAccessEndpoint')).toHaveLength(1);
      expect(assocs.filter((a) => a.properties.dataCollectionRuleId)).toHaveLength(1);
    }
    expect(scopedLinks(env.emulator, estateIds.scope).filter((l) => l === estateIds.endpoint.toLowerCase())).toHaveLength(1);
    const counters = env.emulator.counters();
    expect(counters.throttled).toBeGreaterThan(0);
    expect(counters.byStatus['503'] ?? 0).toBeGreaterThan(0);
    const messages = env.logs.messages();
    expect(messages.some((m) => m === 'waiting for ARM budget' || m === 'ARM throttled the subscription; pausing it')).toBe(true);
    process.stderr.write(
      `[faults] converged: ${counters.total} requests, ${counters.throttled} throttled, ${counters.byStatus['503'] ?? 0} x 503, ` +
        `${messages.filter((m) => m === 'reconcile failed; backing off').length} reconciles backed off\n`,
    );
  }, 180_000);
});
