// Child process for the startup-footprint test: records every package the module loader resolves, imports the
// controller's entry module, then uses each optional client named on the command line in turn, and prints as JSON
// the packages the import loaded and those each use loaded.
import { registerHooks } from 'node:module';
import { pathToFileURL } from 'node:url';

const loaded = new Set<string>();
registerHooks({
  resolve(specifier, context, nextResolve) {
    const resolved = nextResolve(specifier, context);
    const m = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(resolved.url);
    if (m?.[1]) loaded.add(m[1]);
    return resolved;
  },
});

const [entry = '', ...uses] = process.argv.slice(2);
await import(pathToFileURL(entry).href);
const startup = [...loaded].sort();

// Nothing listens on port 9: every request fails at once, after the SDK has been loaded to send it.
const endpoint = 'http://127.0.0.1:9';
const credential = { getToken: () => Promise.resolve({ token: 'test', expiresOnTimestamp: Date.now() + 3_600_000 }) };
const sub = '00000000-0000-0000-0000-000000000000';
const { ArmClientCache } = await import('../../src/azure/clients.ts');
const clients = new ArmClientCache({ endpoint, credential, policy: { name: 'none', sendRequest: (req, next) => next(req) }, maxRetries: 0 });

async function use(kind: string): Promise<void> {
  if (kind === 'network') await clients.optional(sub, 'network');
  else if (kind === 'privateDns') await clients.optional(sub, 'privateDns');
  else if (kind === 'hybridCompute') await clients.for(sub).hybridCompute.machines.get('rg', 'm').catch(() => undefined);
  else if (kind === 'evidence') {
    const { EvidenceReader } = await import('../../src/azure/evidence.ts');
    const [read] = await new EvidenceReader({ credential, endpoint }).read([{ workspaceId: 'w', customerId: 'c', tables: [] }], { freshMs: 60_000, lookbackMs: 600_000 });
    if (read?.ok !== false) throw new Error('the evidence read should have failed');
  } else if (kind === 'resourceGraph') {
    const { GraphReader } = await import('../../src/azure/graph.ts');
    const { pino } = await import('pino');
    const reader = new GraphReader(clients, 'https://management.azure.com/.default', { mode: 'auto', threshold: 1 }, pino({ level: 'silent' }));
    if (await reader.use({ resourceGroups: [`/subscriptions/${sub}/resourceGroups/rg`] })) throw new Error('Resource Graph should have been unavailable');
  } else throw new Error(`unknown use ${kind}`);
}

const used: Record<string, string[]> = {};
for (const kind of uses) {
  const before = new Set(loaded);
  await use(kind);
  used[kind] = [...loaded].filter((p) => !before.has(p)).sort();
}
process.stdout.write(`${JSON.stringify({ startup, used })}\n`);
