// Discovery of a topology whose passes read through Resource Graph: each discovery pass asks Resource Graph two
// summarizing queries and ARM nothing (counted exactly around each pass), and still finds a Flexible scale-out, a
// machine deleted while another is created, and an association deleted behind the controller's back, with Resource
// Graph lagging behind ARM (the scale set's resource group is the target: a named set's members are listed through ARM
// as well, two reads a look). When Resource Graph refuses, discovery lists through ARM again and still finds a scale-out.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { MonitoringTopologySpec } from '../../src/api/types.ts';
import type { RequestCounters } from '../../src/emulator/types.ts';
import type { GraphFingerprint } from '../../src/model/index.ts';
import { useTestNamespace } from '../support/kube.ts';
import { associationsOf, createTopology, estate, estateIds, estateSpec, flexibleScaleSet, isMarked, scaleSetMembers, startTestController, waitForReady, waitForTopology } from '../support/controller.ts';
import type { TestController } from '../support/controller.ts';

const GRAPH = 'POST Microsoft.ResourceGraph/resources';
const scaleSet = estateIds.scaleSet('vmss-api');
const DISCOVERY_MS = 10_000;
const LAG_MS = 1_500;

const flexible = () => estate({ virtualMachineScaleSets: [flexibleScaleSet('vmss-api', 3)] });
const spec = (targets: MonitoringTopologySpec['targets']): MonitoringTopologySpec =>
  estateSpec(targets, { discoveryInterval: '10s', resyncInterval: '1h', agent: { userAssignedIdentity: estateIds.identity } });

const members = (env: TestController): string[] => scaleSetMembers(env.emulator, scaleSet);
const associated = (env: TestController, vm: string): string[] => associationsOf(env.emulator, vm).map((a) => a.name).sort();
const everyMemberAssociated = (env: TestController): void => {
  for (const vm of members(env)) expect(associated(env, vm)).toHaveLength(2);
};

/** Requests by operation between two snapshots of the emulator's counters. */
function delta(before: RequestCounters, after: RequestCounters): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [op, byStatus] of Object.entries(after.byOperation)) {
    const n = Object.values(byStatus).reduce((a, b) => a + b, 0) - Object.values(before.byOperation[op] ?? {}).reduce((a, b) => a + b, 0);
    if (n > 0) out[op] = n;
  }
  return out;
}

interface Look {
  requests: Record<string, number>;
  answered: boolean;
}

/** Wraps the gateway's discovery look (it still asks the emulator): the requests each look made, counted around it. */
function watchLooks(env: TestController): Look[] {
  const looks: Look[] = [];
  const gateway = env.gateway;
  const real = gateway.fingerprint?.bind(gateway);
  if (!real) throw new Error('the gateway has no Resource Graph look');
  gateway.fingerprint = async (s, signal): Promise<GraphFingerprint | undefined> => {
    const before = env.emulator.counters();
    const fp = await real(s, signal);
    looks.push({ requests: delta(before, env.emulator.counters()), answered: fp !== undefined });
    return fp;
  };
  return looks;
}

/** What discovery lists through ARM when it lists: targets, and associations by rule and endpoint. */
const listing = (op: string): boolean => op.startsWith('LIST Microsoft.Compute') || op.startsWith('LIST Microsoft.HybridCompute') || /dataCollectionRuleAssociations\/by(Rule|Endpoint)$/.test(op);
const triggers = (env: TestController, msg: string): number => env.logs.lines.filter((l) => l.msg === msg).length;

describe('discovery through Resource Graph', () => {
  const ns = useTestNamespace('discovery-graph');
  let env: TestController;
  beforeAll(async () => {
    env = await startTestController({
      namespace: ns.name,
      emulator: { estate: flexible(), resourceGraph: { lagMs: LAG_MS } },
      gateway: { resourceGraph: { mode: 'always', threshold: 1 } },
    });
  });
  afterAll(async () => {
    await env?.stop();
  });

  it('costs two Resource Graph queries and no ARM request a pass, and finds a scale-out, a replaced machine and a deleted association', async () => {
    const looks = watchLooks(env);
    await createTopology(ns.name, 'flex', spec({ resourceGroups: [estateIds.appResourceGroup] }));
    await waitForReady(ns.name, 'flex', 120_000);
    await vi.waitFor(() => everyMemberAssociated(env), { timeout: 30_000, interval: 200 });

    // Quiet passes: the requests made while each look ran (nothing else runs between resyncs an hour apart).
    const seen = looks.length;
    await vi.waitFor(() => expect(looks.length).toBeGreaterThanOrEqual(seen + 2), { timeout: 4 * DISCOVERY_MS, interval: 200 });
    const quiet = looks.slice(seen);
    for (const look of quiet) expect(look).toEqual({ requests: { [GRAPH]: 2 }, answered: true });
    process.stderr.write(`[discovery-graph] quiet discovery passes: ${JSON.stringify(quiet.map((l) => l.requests))}\n`);

    // A scale-out by 5, seen by Resource Graph 1.5 s later: discovery asks for the reconcile that associates them.
    const changed = triggers(env, 'targets changed; reconciling');
    env.emulator.resetCounters();
    env.emulator.store.scaleVmss(scaleSet, 8);
    await vi.waitFor(() => {
      expect(members(env)).toHaveLength(8);
      everyMemberAssociated(env);
    }, { timeout: 6 * DISCOVERY_MS, interval: 200 });
    expect(triggers(env, 'targets changed; reconciling')).toBeGreaterThan(changed);
    // Neither discovery nor the passes listed anything through ARM.
    expect(Object.keys(env.emulator.counters().byOperation).filter(listing)).toEqual([]);

    // One member deleted and another created between two looks: the count is the same, the newest creation is not.
    const [gone] = members(env);
    expect(gone).toBeDefined();
    const before = new Set(members(env));
    const replaced = triggers(env, 'targets changed; reconciling');
    expect(env.emulator.store.delete(gone ?? '')).toBeDefined();
    env.emulator.store.scaleVmss(scaleSet, 8);
    const fresh = members(env).filter((m) => !before.has(m));
    expect(fresh).toHaveLength(1);
    await vi.waitFor(() => expect(associated(env, fresh[0] ?? '')).toHaveLength(2), { timeout: 6 * DISCOVERY_MS, interval: 200 });
    expect(triggers(env, 'targets changed; reconciling')).toBeGreaterThan(replaced);
    expect(env.logs.lines.some((l) => l.msg === 'targets changed; reconciling' && l.machines === l.before)).toBe(true);

    // An association deleted behind the controller's back: the count through the spec's rule drops.
    await waitForReady(ns.name, 'flex', 60_000);
    const victim = members(env)[2] ?? '';
    const association = associationsOf(env.emulator, victim).find((a) => isMarked(a) && a.name !== 'configurationAccessEndpoint');
    expect(association).toBeDefined();
    expect(env.emulator.store.delete(`${victim}/providers/Microsoft.Insights/dataCollectionRuleAssociations/${association?.name ?? ''}`)).toBeDefined();
    await vi.waitFor(() => expect(associated(env, victim)).toContain(association?.name), { timeout: 6 * DISCOVERY_MS, interval: 200 });
    expect(env.logs.lines.some((l) => l.msg === 'associations changed; reconciling')).toBe(true);

    // No look listed anything (a reconcile it asked for may overlap the next look, so only the quiet ones are exact).
    const answered = looks.filter((l) => l.answered);
    expect(answered.length).toBeGreaterThanOrEqual(4);
    for (const look of answered) expect(Object.keys(look.requests).filter(listing)).toEqual([]);
    await waitForTopology(ns.name, 'flex', (t) => expect(t.status?.instances).toMatchObject({ total: 8, compliant: 8 }), 60_000);
  }, 360_000);
});

describe('discovery when Resource Graph refuses', () => {
  const ns = useTestNamespace('discovery-graph-403');
  let env: TestController;
  beforeAll(async () => {
    env = await startTestController({
      namespace: ns.name,
      emulator: { estate: flexible() },
      gateway: { resourceGraph: { mode: 'always', threshold: 1 } },
    });
  });
  afterAll(async () => {
    await env?.stop();
  });

  it('lists through ARM again and still finds a scale-out', async () => {
    const looks = watchLooks(env);
    await createTopology(ns.name, 'flex', spec({ virtualMachineScaleSets: [scaleSet] }));
    await waitForReady(ns.name, 'flex', 120_000);
    await vi.waitFor(() => expect(looks.filter((l) => l.answered).length).toBeGreaterThanOrEqual(1), { timeout: 3 * DISCOVERY_MS, interval: 200 });

    env.emulator.resourceGraph.setDenied(true);
    env.emulator.resetCounters();
    env.emulator.store.scaleVmss(scaleSet, 5);
    await vi.waitFor(() => {
      expect(members(env)).toHaveLength(5);
      everyMemberAssociated(env);
    }, { timeout: 6 * DISCOVERY_MS, interval: 200 });
    // The refused look fell back to listing: its scale-out was found by ARM's lists, not by a resync.
    const refused = looks.filter((l) => !l.answered);
    expect(refused.length).toBeGreaterThanOrEqual(1);
    // Its two queries went together, both refused.
    expect(refused[0]?.requests).toEqual({ [GRAPH]: 2 });
    expect(env.logs.lines.some((l) => l.msg === 'targets changed; reconciling' && l.added === 2)).toBe(true);
    expect(Object.keys(env.emulator.counters().byOperation).some(listing)).toBe(true);
    // Once refused, Resource Graph is not asked again for ten minutes: later looks list at once.
    expect(env.emulator.counters().byOperation[GRAPH]).toEqual({ '403': 2 });
  }, 240_000);
});
