// Runs every benchmark and prints its figures.
import { benchFlexibleScaleSet, benchResourceGroups, printFigures } from './resync.ts';
import { benchEvidence } from './evidence.ts';

process.stdout.write('resync: 1,000 machines (10 resource groups × 100 VMs) under 2 rules\n');
const groups = await benchResourceGroups(10, 100, 20);
printFigures(groups.rows, groups.notes);

process.stdout.write('\nresync: a Flexible scale set of 1,000 members under 2 rules\n');
const flexible = await benchFlexibleScaleSet(1000, 20);
printFigures(flexible.rows, flexible.notes);

process.stdout.write('\nevidence: one pass over Log Analytics (queries sent to the query API, whatever the number of machines)\n');
process.stdout.write('machines  queries  delivering  ms\n');
for (const [groups, perGroup] of [[1, 10], [10, 100], [50, 100]] as const) {
  const f = await benchEvidence(groups, perGroup);
  process.stdout.write(`${String(f.machines).padStart(8)}  ${String(f.queries).padStart(7)}  ${String(f.delivering).padStart(10)}  ${f.ms}\n`);
}
