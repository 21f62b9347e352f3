// The heap the pure plan retains at scale, after a full collection: the machine index alone, then a whole plan, over the
// controller-loop bench's snapshots. Exact (bytes retained), unlike times on a loaded machine.
// `node --experimental-strip-types --no-warnings --expose-gc bench/plan-heap.ts [machines] [scenario,...]`.
import { planTopology } from '../src/plan/index.ts';
import { indexMachines } from '../src/plan/machines.ts';
import type { PlanInput } from '../src/plan/types.ts';
import { loopSnapshot } from './controller-loop.ts';
import type { LoopScenario } from './controller-loop.ts';
import { benchSpec } from './estate.ts';

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with --expose-gc');
const collect = gc;

function heap(): number {
  collect();
  collect();
  return process.memoryUsage().heapUsed;
}

/** The bytes `make`'s result holds (measured while it is still referenced), and what `say` makes of it. */
function retained<T>(make: () => T, say: (v: T) => string): { bytes: number; text: string } {
  const base = heap();
  const v = make();
  return { bytes: heap() - base, text: say(v) };
}

const machines = Number(process.argv[2] ?? 100_000);
const scenarios = (process.argv[3]?.split(',') ?? ['cold', 'converged']) as LoopScenario[];
const fmt = (n: number): string => n.toLocaleString('en-US');
const mib = (n: number): string => `${(n / 2 ** 20).toFixed(1)} MiB (${fmt(Math.round(n / machines))} B/machine)`;
const owner = { namespace: 'bench', name: 'loop', uid: '3c9d1e2f-4a5b-4c6d-8e7f-9a0b1c2d3e4f' };

for (const scenario of scenarios) {
  const input: PlanInput = { spec: benchSpec(Math.ceil(machines / 100)), owner, snapshot: loopSnapshot(machines, scenario), ownedScopedResources: [] };
  const index = retained(() => indexMachines(input, false), () => '');
  const plan = retained(() => planTopology(input), (p) => `${fmt(p.actions.length)} actions, ${fmt(p.findings.length)} findings`);
  process.stdout.write(`${scenario.padEnd(10)} ${fmt(machines)} machines: index ${mib(index.bytes)}; plan ${mib(plan.bytes)} for ${plan.text}\n`);
}
