// Process entry point: configuration, logs, Azure and Kubernetes clients, controller, probes, leader election, shutdown.
import { readFileSync } from 'node:fs';
import tls from 'node:tls';
import { DefaultAzureCredential } from '@azure/identity';
import type { DefaultAzureCredentialOptions } from '@azure/identity';
import { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { ARM_LIMITS, createArmGateway, createArmMetrics, createSubscriptionBudgets } from '../azure/index.ts';
import type { BucketLimits, BudgetConfig } from '../azure/index.ts';
import { createEvidenceMetrics, createEvidenceSource, EvidenceReader } from '../azure/evidence.ts';
import { createController } from '../controller/index.ts';
import type { Controller } from '../controller/index.ts';
import { ConfigError, parseConfig, usage } from './config.ts';
import type { BudgetOverride, RuntimeConfig } from './config.ts';
import { LeaderElector } from './leader.ts';
import { createLogger } from './logger.ts';
import { startHealthServer, startMetricsServer } from './server.ts';
import type { RunningServer } from './server.ts';

/** Authority hosts that Microsoft Entra instance discovery knows; any other (the emulator, a private cloud) skips it. */
const KNOWN_AUTHORITIES = ['login.microsoftonline.com', 'login.microsoftonline.us', 'login.chinacloudapi.cn'];

function budgetConfig(config: RuntimeConfig): BudgetConfig {
  const merge = (base: BucketLimits, o: BudgetOverride): BucketLimits => ({
    burst: o.burst ?? base.burst,
    perSecond: o.perSecond ?? base.perSecond,
  });
  return {
    reads: merge(ARM_LIMITS.reads, config.budgets.reads),
    writes: merge(ARM_LIMITS.writes, config.budgets.writes),
    deletes: merge(ARM_LIMITS.deletes, config.budgets.deletes),
  };
}

function credentialOptions(config: RuntimeConfig): DefaultAzureCredentialOptions {
  if (!config.authorityHost) return {};
  const host = new URL(config.authorityHost).hostname;
  return { authorityHost: config.authorityHost, disableInstanceDiscovery: !KNOWN_AUTHORITIES.includes(host) };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** What `run` hands back so the caller can exit with the right code. */
export type ExitCode = 0 | 1 | 2;

/** Runs the controller until a signal or a lost lease; resolves with the process exit code. */
export async function run(config: RuntimeConfig, logger: Logger, shutdown: AbortSignal): Promise<ExitCode> {
  if (config.azureCaFile) {
    // An extra CA for Azure endpoints (the emulator, a TLS-inspecting proxy), added to Node's defaults.
    tls.setDefaultCACertificates([...tls.getCACertificates('default'), readFileSync(config.azureCaFile, 'utf8')]);
  }
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromDefault();
  logger.info(
    { cluster: kubeConfig.getCurrentCluster()?.server, namespaces: config.namespaces.length ? config.namespaces : 'all', armEndpoint: config.armEndpoint },
    'starting',
  );

  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const credential = new DefaultAzureCredential(credentialOptions(config));
  const gateway = createArmGateway({
    endpoint: config.armEndpoint,
    // A factory: after `ExpiredAuthenticationToken` a new credential (with an empty token cache) gets a new token.
    credential: () => new DefaultAzureCredential(credentialOptions(config)),
    requestTimeoutMs: config.armRequestTimeoutMs,
    budgets: createSubscriptionBudgets(budgetConfig(config)),
    logger: logger.child({ component: 'arm' }),
    metrics: createArmMetrics(registry),
    resourceGraph: config.resourceGraph,
  });
  const controller: Controller = createController({
    kubeConfig,
    namespaces: config.namespaces,
    gateway,
    evidence: createEvidenceSource(
      new EvidenceReader({ credential, endpoint: config.logAnalyticsEndpoint, metrics: createEvidenceMetrics(registry) }),
      (id, version) => (gateway.readResource ? gateway.readResource(id, version) : Promise.reject(new Error('this gateway reads no raw resources'))),
    ),
    concurrency: config.concurrency,
    logger,
    registry,
  });
  const elector = config.leaderElect
    ? new LeaderElector({
        kubeConfig,
        namespace: config.leaderElectionNamespace,
        name: config.leaderElectionId,
        identity: config.identity,
        leaseDurationMs: config.leaseDurationMs,
        renewDeadlineMs: config.renewDeadlineMs,
        retryPeriodMs: config.retryPeriodMs,
        logger,
      })
    : undefined;

  const servers: RunningServer[] = [];
  if (config.healthProbeBindAddress) {
    servers.push(
      await startHealthServer(config.healthProbeBindAddress, { healthy: () => elector?.healthy() ?? true, ready: () => controller.watching() }, logger),
    );
  }
  if (config.metricsBindAddress) servers.push(await startMetricsServer(config.metricsBindAddress, registry, logger));

  const work = new AbortController();
  const renewing = new AbortController();
  let holding: Promise<unknown> = Promise.resolve();
  let leaseLost = false;
  try {
    const stopped = new Promise<'shutdown'>((resolve) => {
      if (shutdown.aborted) resolve('shutdown');
      shutdown.addEventListener('abort', () => resolve('shutdown'), { once: true });
    });
    if ((await Promise.race([controller.startInformers().then(() => 'synced' as const), stopped])) === 'shutdown') return 0;
    logger.info('informer cache synced');
    if (elector && !(await elector.acquire(shutdown))) return 0;

    const running = controller.run(work.signal);
    const lost = elector ? elector.hold(renewing.signal) : new Promise<'stopped'>(() => undefined);
    holding = lost;
    const outcome = await Promise.race([
      stopped,
      lost,
      running.then(
        () => 'returned' as const,
        (err: unknown) => {
          logger.error({ err }, 'controller failed');
          return 'failed' as const;
        },
      ),
    ]);
    if (outcome === 'lost') {
      // Another replica may already be acting: stop at once rather than drain (controller-runtime exits too).
      logger.error('leader election lost; exiting');
      leaseLost = true;
      work.abort();
      return 1;
    }
    if (outcome !== 'shutdown') return shutdown.aborted ? 0 : 1;
    logger.info({ timeoutMs: config.gracefulShutdownTimeoutMs }, 'shutting down: no new work, waiting for in-flight reconciles');
    work.abort();
    // The lease is still renewed while reconciles drain, so no successor starts while we write.
    if ((await withTimeout(running.catch(() => undefined), config.gracefulShutdownTimeoutMs)) === 'timeout') {
      logger.warn('in-flight reconciles did not finish in time; abandoning them (the next leader reconciles again)');
    }
    return 0;
  } finally {
    work.abort();
    renewing.abort();
    // After a lost lease nothing more is waited for (in-flight work dies with the process) and nothing is released.
    if (!leaseLost) {
      // Let an in-flight renewal land first, or the release would conflict with it.
      await withTimeout(holding, 5_000);
      await withTimeout(controller.stop(), 5_000).catch((err: unknown) => logger.warn({ err }, 'stopping informers failed'));
      if (elector?.isLeader()) await elector.release();
    }
    await Promise.all(servers.map((s) => s.close()));
  }
}

export async function main(argv: string[], env: NodeJS.ProcessEnv): Promise<ExitCode> {
  let config: RuntimeConfig;
  try {
    const parsed = parseConfig(argv, env);
    if (parsed.help) {
      process.stdout.write(`${usage()}\n`);
      return 0;
    }
    config = parsed.config;
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`error: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  const logger = createLogger(config.logLevel);
  const shutdown = new AbortController();
  for (const sig of ['SIGTERM', 'SIGINT'] as const) {
    process.once(sig, () => {
      logger.info({ signal: sig }, 'signal received');
      shutdown.abort();
      // A second signal, or a drain that overruns, ends the process regardless.
      process.once(sig, () => process.exit(1));
      setTimeout(() => process.exit(1), config.gracefulShutdownTimeoutMs + 15_000).unref();
    });
  }
  try {
    const code = await run(config, logger, shutdown.signal);
    logger.info({ code }, 'exiting');
    return code;
  } catch (err) {
    logger.fatal({ err }, 'controller could not start');
    return 1;
  }
}

if (import.meta.main) {
  process.exit(await main(process.argv.slice(2), process.env));
}
