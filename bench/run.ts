// Runs every benchmark and prints its figures.
import { benchFlexibleScaleSet, benchHybrid, benchResourceGroups, printFigures } from './resync.ts';

process.stdout.write('resync: 1,000 machines (10 resource groups × 100 VMs) under 2 rules\n');
const groups = await benchResourceGroups(10, 100, 20);
printFigures(groups.rows, groups.notes);

process.stdout.write('\nresync: a Flexible scale set of 1,000 members under 2 rules\n');
const flexible = await benchFlexibleScaleSet(1000, 20);
printFigures(flexible.rows, flexible.notes);

process.stdout.write('\nresync: a hybrid fleet of 1,000 VMs and 1,000 Azure Arc-enabled servers (10 resource groups) under 2 rules\n');
const hybrid = await benchHybrid(10, 100, 100);
printFigures(hybrid.rows, hybrid.notes);
