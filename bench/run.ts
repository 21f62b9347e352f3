// Runs every benchmark and prints its figures.
import { benchFlexibleScaleSet, benchResourceGroups, printFigures } from './resync.ts';

process.stdout.write('resync: 1,000 machines (10 resource groups × 100 VMs) under 2 rules\n');
const groups = await benchResourceGroups(10, 100, 20);
printFigures(groups.rows, groups.notes);

process.stdout.write('\nresync: a Flexible scale set of 1,000 members under 2 rules\n');
const flexible = await benchFlexibleScaleSet(1000, 20);
printFigures(flexible.rows, flexible.notes);
