// Convergence with realistic private link scope LROs against the same run at zero delay: the sandbox's estate and
// topology, and a cold estate of many machines whose scope links nothing yet. Passes of observe → plan → act
// (the controller's pass without Kubernetes) until the plan is empty; ARM requests counted by the emulator.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { MonitoringTopologySpec } from '../src/api/types.ts';
import { startEmulator } from '../src/emulator/index.ts';
import type { Estate } from '../src/emulator/index.ts';
import { planTopology } from '../src/plan/index.ts';
import { benchGateway } from './gateway.ts';
import { benchEstate, benchSpec } from './estate.ts';

const OWNER = { namespace: 'bench', name: 'lro', uid: '0b6a4f7e-1c2d-4e5f-8a9b-0c1d2e3f4a5d' };
const SCOPED = 'Microsoft.Insights/privateLinkScopes/scopedResources';
const MAX_PASSES = 10;

/** Realistic LRO durations (seconds, as the field threads report for scoped-resource writes). */
export const REALISTIC_LRO = { [SCOPED]: 4000, 'Microsoft.Insights/privateLinkScopes/privateEndpointConnections': 4000, 'Microsoft.Compute/virtualMachines/extensions': 2000 };

export interface LroRun {
  label: string;
  machines: number;
  passes: number;
  converged: boolean;
  wallMs: number;
  /** Requests by kind: `METHOD Provider/type` → count (all statuses). */
  byKind: Record<string, number>;
  reads: number;
  writes: number;
  deletes: number;
  conflicts: number;
  throttled: number;
  failedActions: number;
}

interface Scenario {
  label: string;
  estate: Estate;
  spec: MonitoringTopologySpec;
}

/** The sandbox: estates/seed-story.yaml and the topology it applies (examples/sandbox.yaml). */
export function sandboxScenario(): Scenario {
  const estate = parse(readFileSync(new URL('../estates/seed-story.yaml', import.meta.url), 'utf8')) as Estate;
  const topology = parse(readFileSync(new URL('../examples/sandbox.yaml', import.meta.url), 'utf8')) as { spec: MonitoringTopologySpec };
  return { label: 'sandbox (seed-story)', estate, spec: topology.spec };
}

/** `machines` VMs (100 per resource group) without associations, and a scope that links nothing yet. */
export function coldScenario(machines: number): Scenario {
  const groups = Math.ceil(machines / 100);
  const estate = benchEstate({ groups, machinesPerGroup: Math.min(100, machines), cold: true });
  const scope = estate.subscriptions?.[0]?.resourceGroups?.[0]?.privateLinkScopes?.[0];
  if (scope) scope.scopedResources = [];
  return { label: `${machines.toLocaleString('en-US')} machines, cold`, estate, spec: benchSpec(groups) };
}

/** Converges one scenario; `lroDelays` empty = every LRO completes at once. `speed` scales ARM's refill on both sides. */
export async function convergeWithLro(s: Scenario, lroDelays: Record<string, number>, speed: number): Promise<LroRun> {
  const em = await startEmulator({ estate: structuredClone(s.estate), pageSize: 1000, lroDelays, lroDelayMs: 0, throttling: { scale: speed } });
  try {
    const gateway = await benchGateway(em, speed);
    em.resetCounters();
    const t0 = performance.now();
    let passes = 0;
    let converged = false;
    let failedActions = 0;
    let machines = 0;
    while (passes < MAX_PASSES) {
      passes++;
      const snapshot = await gateway.observe(s.spec);
      machines = snapshot.machines.length;
      const plan = planTopology({ spec: s.spec, owner: OWNER, snapshot, ownedScopedResources: [] });
      if (plan.actions.length === 0) {
        converged = true;
        break;
      }
      failedActions += (await gateway.act(plan.actions)).filter((o) => !o.ok).length;
    }
    const wallMs = performance.now() - t0;
    const c = em.counters();
    const byKind: Record<string, number> = {};
    for (const [op, statuses] of Object.entries(c.byOperation)) byKind[op] = Object.values(statuses).reduce((x, y) => x + y, 0);
    return {
      label: s.label,
      machines,
      passes,
      converged,
      wallMs,
      byKind,
      reads: c.reads,
      writes: c.writes,
      deletes: c.deletes,
      conflicts: c.byStatus['409'] ?? 0,
      throttled: c.byStatus['429'] ?? 0,
      failedActions,
    };
  } finally {
    await em.close();
  }
}

/** Prints the runs of one scenario side by side: zero delay, then realistic delays. */
export function printLroComparison(zero: LroRun, realistic: LroRun): void {
  const kinds = [...new Set([...Object.keys(zero.byKind), ...Object.keys(realistic.byKind)])].sort();
  const rows: [string, string, string][] = [
    ['machines', String(zero.machines), String(realistic.machines)],
    ['passes to an empty plan', `${zero.passes}${zero.converged ? '' : ' (not converged)'}`, `${realistic.passes}${realistic.converged ? '' : ' (not converged)'}`],
    ['wall time', `${(zero.wallMs / 1000).toFixed(1)} s`, `${(realistic.wallMs / 1000).toFixed(1)} s`],
    ['ARM reads / writes / deletes', `${zero.reads} / ${zero.writes} / ${zero.deletes}`, `${realistic.reads} / ${realistic.writes} / ${realistic.deletes}`],
    ['409 received', String(zero.conflicts), String(realistic.conflicts)],
    ['429 received', String(zero.throttled), String(realistic.throttled)],
    ['failed actions', String(zero.failedActions), String(realistic.failedActions)],
    ...kinds.map((k): [string, string, string] => [`  ${k}`, String(zero.byKind[k] ?? 0), String(realistic.byKind[k] ?? 0)]),
  ];
  const head: [string, string, string] = [zero.label, 'LRO 0 s', 'LRO realistic'];
  const widths = [0, 1, 2].map((i) => Math.max(head[i]?.length ?? 0, ...rows.map((r) => r[i]?.length ?? 0)));
  const line = (c: [string, string, string]): string => `| ${c[0].padEnd(widths[0] ?? 0)} | ${c[1].padStart(widths[1] ?? 0)} | ${c[2].padStart(widths[2] ?? 0)} |\n`;
  process.stdout.write(line(head) + `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|\n` + rows.map(line).join(''));
}
