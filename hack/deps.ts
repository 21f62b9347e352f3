// Prints the folder dependency graph of src/ and its cycles: `npm run deps`.
import { fileURLToPath } from 'node:url';
import { formatFolders, importGraph } from './import-graph.ts';

const root = fileURLToPath(new URL('../src', import.meta.url));
process.stdout.write(`${formatFolders(importGraph(root))}\n`);
