// Runs every benchmark and prints its figures.
import { benchNetwork, printNetworkFigures } from './network.ts';
import { benchFlexibleScaleSet, benchResourceGroups, printFigures } from './resync.ts';

process.stdout.write('resync: 1,000 machines (10 resource groups × 100 VMs) under 2 rules\n');
const groups = await benchResourceGroups(10, 100, 20);
printFigures(groups.rows, groups.notes);

process.stdout.write('\nresync: a Flexible scale set of 1,000 members under 2 rules\n');
const flexible = await benchFlexibleScaleSet(1000, 20);
printFigures(flexible.rows, flexible.notes);

process.stdout.write('\nnetwork pass: private endpoints, Azure Monitor zones (records, links), NICs and VNets listed per resource group\n');
printNetworkFigures([await benchNetwork(10, 100, 10), await benchNetwork(20, 100, 20), await benchNetwork(10, 200, 10), await benchNetwork(100, 10, 10)]);
