// Runs every benchmark and prints its figures.
import { benchResync, printFigures } from './resync.ts';

process.stdout.write('resync: 1,000 machines (10 resource groups × 100) under 2 rules\n');
printFigures(await benchResync({ groups: 10, perGroup: 100, drifted: 20 }));
