// Runs the benchmarks and prints their figures. `--quick` (CI): 1,000 machines; default: 10,000; `--full`: 100,000 too.
import { benchNetwork, printNetworkFigures } from './network.ts';
import { benchFlexibleScaleSet, benchHybrid, benchResourceGroups, printFigures } from './resync.ts';
import { benchEvidence } from './evidence.ts';
import { coldFigures, printTable, resyncFigures, watched } from './scale.ts';
import type { Row } from './scale.ts';

const args = new Set(process.argv.slice(2));
const mode = args.has('--quick') ? 'quick' : args.has('--full') ? 'full' : 'default';
// Budget refill as ARM documents it (BENCH_SPEED > 1 speeds both sides up; paced times are then wall × speed).
const speed = Number(process.env['BENCH_SPEED'] ?? 1);

const rows: Row[] = [];
const run = await watched(async () => {
  if (mode === 'quick') {
    rows.push(...(await resyncFigures(1000, speed)));
    rows.push(...(await coldFigures(200, speed)));
    return;
  }
  rows.push(...(await resyncFigures(10_000, speed, 200)));
  rows.push(...(await coldFigures(2000, speed)));
  if (mode === 'full') {
    rows.push(...(await coldFigures(20_000, speed)));
    rows.push(...(await resyncFigures(100_000, speed, 1000)));
  }
});
rows.push({
  measure: 'peak RSS of the bench process (controller and emulator together)',
  figure: `${run.maxRssMiB.toFixed(0)} MiB`,
  goal: '≤ 256 MiB (controller alone)',
  model: '-',
  met: undefined,
});
rows.push({ measure: 'longest event-loop block during observe/plan/act (emulator in the same process)', figure: `${run.maxDelayMs.toFixed(0)} ms`, goal: '≤ 100 ms', model: '-', met: run.maxDelayMs <= 100 });
process.stdout.write(`mode ${mode}, budget refill × ${speed}\n\n`);
printTable(rows);

if (mode !== 'quick') {
  process.stdout.write('\nresync: 1,000 machines (10 resource groups × 100 VMs) under 2 rules\n');
  const groups = await benchResourceGroups(10, 100, 20);
  printFigures(groups.rows, groups.notes);
  process.stdout.write('\nresync: a Flexible scale set of 1,000 members under 2 rules\n');
  const flexible = await benchFlexibleScaleSet(1000, 20);
  printFigures(flexible.rows, flexible.notes);
  process.stdout.write('\nresync: a hybrid fleet of 1,000 VMs and 1,000 Azure Arc-enabled servers (10 resource groups) under 2 rules\n');
  const hybrid = await benchHybrid(10, 100, 100);
  printFigures(hybrid.rows, hybrid.notes);
}

process.stdout.write('\nevidence: one pass over Log Analytics (queries sent to the query API, whatever the number of machines)\n');
process.stdout.write('machines  queries  delivering  ms\n');
for (const [groups, perGroup] of (mode === 'quick' ? [[1, 10], [10, 100]] : [[1, 10], [10, 100], [50, 100]]) as [number, number][]) {
  const f = await benchEvidence(groups, perGroup);
  process.stdout.write(`${String(f.machines).padStart(8)}  ${String(f.queries).padStart(7)}  ${String(f.delivering).padStart(10)}  ${f.ms}\n`);
}

process.stdout.write('\nnetwork pass: private endpoints, Azure Monitor zones (records, links), NICs and VNets listed per resource group\n');
printNetworkFigures([await benchNetwork(10, 100, 10), await benchNetwork(20, 100, 20), await benchNetwork(10, 200, 10), await benchNetwork(100, 10, 10)]);

process.stdout.write('\nresync through Azure Resource Graph (--resource-graph=always): requests per pass, ARM and Resource Graph (goal at 10,000: ≤ 200)\n');
const { benchGraphResync, printGraphFigures } = await import('./graph.ts');
printGraphFigures([...(await benchGraphResync(1000)), ...(mode === 'quick' ? [] : await benchGraphResync(10_000))]);
