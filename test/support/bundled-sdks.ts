// Bundled with hack/bundle.ts and run apart from node_modules by runtime.test.ts: the SDKs the controller loads on first
// use, loaded through the controller's own code as the image's bundle loads them. Prints the clients it made.
import { ArmClientCache } from '../../src/azure/clients.ts';
import { loadSdk } from '../../src/azure/lazy.ts';

const cache = new ArmClientCache({
  endpoint: 'https://127.0.0.1:9',
  credential: { getToken: () => Promise.resolve({ token: 'unused', expiresOnTimestamp: Date.now() + 3_600_000 }) },
  policy: { name: 'none', sendRequest: (request, next) => next(request) },
});
const made: Record<string, string> = {};
for (const kind of ['network', 'privateDns', 'hybridCompute'] as const) made[kind] = (await cache.optional('00000000-0000-0000-0000-000000000000', kind)).constructor.name;
// The two loaded outside the client cache, by the same literal imports as graph.ts and evidence.ts.
made['resourceGraph'] = (await loadSdk('@azure/arm-resourcegraph', () => import('@azure/arm-resourcegraph'), 'ResourceGraphClient')).ResourceGraphClient.name;
made['logs'] = (await loadSdk('@azure/monitor-query-logs', () => import('@azure/monitor-query-logs'), 'LogsQueryClient')).LogsQueryClient.name;
process.stdout.write(`${JSON.stringify(made)}\n`);
