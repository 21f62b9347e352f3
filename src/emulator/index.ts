// Azure Resource Manager emulator: HTTPS on loopback, an Entra-style token endpoint and the ARM REST contract
// for the resources the monitoring topology controller reads and writes.
//
// Clients: trust `caCertPem` (tls.setDefaultCACertificates or NODE_EXTRA_CA_CERTS=caCertPath), get tokens from
// `${authorityHost}/${tenantId}/oauth2/v2.0/token` (ClientSecretCredential / ClientAssertionCredential /
// WorkloadIdentityCredential with `authorityHost` and `disableInstanceDiscovery: true`), and call `url` as the ARM
// endpoint. Unauthenticated admin endpoints: GET /_emulator/counters, POST /_emulator/reset-counters,
// GET|POST /_emulator/faults, GET /_emulator/state, GET /_emulator/health (resource count, heap, rss).
// Counters name operations `GET|PUT|PATCH|DELETE <Provider/type>` for items and `LIST <Provider/type>` for
// collections (associations by rule/endpoint: `LIST Microsoft.Insights/dataCollectionRuleAssociations/byRule|byEndpoint`).
// The estate format is described in estate.ts; estates/seed-story.yaml is the field report's estate. Layout and how
// to add a provider: docs/emulator-fidelity.md.
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { KindRegistry } from './arm/kind.ts';
import type { Env } from './arm/kind.ts';
import { Operations } from './arm/lro.ts';
import { ResourceStore } from './arm/store.ts';
import { exportEstate, loadEstate, readEstate } from './estate.ts';
import { Authority } from './pipeline/authenticate.ts';
import { Counters } from './pipeline/counters.ts';
import { Faults } from './pipeline/faults.ts';
import { createRequestListener } from './pipeline/listener.ts';
import { Throttle } from './pipeline/throttle.ts';
import { PROVIDERS } from './providers/index.ts';
import { LogAnalyticsService } from './providers/Microsoft.OperationalInsights/query/index.ts';
import { resourceGraphOf } from './providers/Microsoft.ResourceGraph/index.ts';
import { scaleVmss } from './providers/Microsoft.Compute/index.ts';
import { createTlsMaterial } from './tls.ts';
import type { EmulatorOptions, EmulatorStore, Json, RunningEmulator } from './types.ts';

export type * from './types.ts';

function storeFacade(env: Env): EmulatorStore {
  const render = (id: string): Json | undefined => {
    const r = env.store.get(id);
    if (!r) return undefined;
    const kind = env.kinds.get(r.type);
    return structuredClone(kind?.view ? kind.view(env, r) : r.body);
  };
  return {
    addSubscription: (id, displayName) => env.store.addSubscription(id, displayName),
    get: render,
    put: (resource) => {
      env.store.put(structuredClone(resource));
      return render(String(resource.id)) as Json;
    },
    delete: (id) => env.store.delete(id) !== undefined,
    list: (parentId, type) => env.store.list(parentId, type).map((r) => structuredClone(r.body)),
    count: (type) => env.store.count(type),
    scaleVmss: (id, capacity) => scaleVmss(env, id, capacity),
  };
}

function withoutUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

export async function startEmulator(given: EmulatorOptions = {}): Promise<RunningEmulator> {
  const host = given.host ?? '127.0.0.1';
  const estate = given.estate === undefined ? undefined : await readEstate(given.estate);
  // Options given in code win over the estate file's settings.
  const options: EmulatorOptions = { ...estate?.settings, ...withoutUndefined(given) };
  const tenantId = estate?.tenantId ?? options.principals?.[0]?.tenantId ?? randomUUID();
  const clientId = randomUUID();
  const clientSecret = randomBytes(24).toString('base64url');
  const principals = [{ tenantId, clientId, clientSecret }, ...(options.principals ?? [])];
  const operations = new Operations();
  const faults = new Faults(options.faults, options.seed ?? 1);
  const store = new ResourceStore();
  const lroDelays = new Map(Object.entries(options.lroDelays ?? {}).map(([type, ms]) => [type.toLowerCase(), ms]));
  const env: Env = {
    store,
    kinds: new KindRegistry(store, PROVIDERS, options),
    operations,
    tenantId,
    pageSize: options.pageSize ?? 100,
    lroDelayMs: (type) => Math.round((lroDelays.get(type.toLowerCase()) ?? options.lroDelayMs ?? 0) * faults.lroDelayFactor()),
    locks: new Map(),
    lroFails: () => faults.lroFails(),
  };
  const authority = new Authority(principals, options.armAudiences);
  // Before the estate loads: the service indexes workspaces by their customerId as they are stored.
  const logAnalytics = new LogAnalyticsService(env.store, authority, { agents: options.agents, queryRate: options.queryRate });
  // Before the estate loads too: Resource Graph's lagged view records every write from the start.
  const graph = resourceGraphOf(env.store, options.resourceGraph);
  if (estate) loadEstate(env, estate);
  const tls = await createTlsMaterial(host, options.caDir);
  const counters = new Counters();
  let url = '';
  const server = createServer(
    { cert: tls.certPem, key: tls.keyPem },
    createRequestListener({
      env,
      logAnalytics,
      authority,
      throttle: new Throttle(options.throttling),
      faults,
      counters,
      baseUrl: () => url,
      exportState: () => exportEstate(env),
    }),
  );
  // Longer than client agents keep idle sockets, so clients close first and never reuse a socket being closed.
  server.keepAliveTimeout = 65_000;
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, host, () => resolve());
    });
  } catch (err) {
    operations.close();
    await tls.dispose();
    throw err;
  }
  const address = server.address() as AddressInfo;
  url = `https://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
  return {
    url,
    authorityHost: url,
    tokenEndpoint: `${url}/${tenantId}/oauth2/v2.0/token`,
    tenantId,
    clientId,
    clientSecret,
    caCertPath: tls.caCertPath,
    caCertPem: tls.caCertPem,
    counters: () => counters.snapshot(),
    resetCounters: () => counters.reset(),
    setFaults: (f) => faults.set(f),
    expireIssuedTokens: () => authority.expireIssuedTokens(),
    exportState: () => exportEstate(env),
    store: storeFacade(env),
    logAnalytics: {
      endpoint: `${url}/v1`,
      advance: (ms) => logAnalytics.agents.advance(ms),
      now: () => logAnalytics.agents.now(),
      setGuestFault: (machineId, fault) => logAnalytics.agents.setGuestFault(machineId, fault),
      setMachineOrigin: (machineId, origin) => logAnalytics.agents.setOrigin(machineId, origin),
      setQueryOrigin: (origin) => logAnalytics.setQueryOrigin(origin),
      setQueryRate: (config) => logAnalytics.setQueryRate(config),
      queryStats: () => logAnalytics.queryStats(),
      resetQueryStats: () => logAnalytics.resetQueryStats(),
      lifecycles: () => logAnalytics.describe(),
    },
    resourceGraph: {
      setLagMs: (ms) => void (graph.view.lagMs = ms),
      setQuota: (quota) => graph.quota.configure(quota),
      setDenied: (denied) => void (graph.denied = denied),
      stats: () => ({ ...graph.stats }),
      resetStats: () => void (graph.stats = { queries: 0, throttled: 0, rows: 0 }),
    },
    close: async () => {
      operations.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await tls.dispose();
    },
  };
}
