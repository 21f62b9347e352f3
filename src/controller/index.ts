// Wiring: informers feed a keyed work queue; workers run the reconciler; a discovery pass per topology
// finds new targets between resyncs. Informers (reads) run on every replica; workers only on the leader.
import type { EvidenceSource } from '../azure/evidence.ts';
import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { FINALIZER } from '../api/types.ts';
import type { MonitoringTopology } from '../api/types.ts';
import type { ArmGateway } from '../azure/gateway.ts';
import { createEventRecorder, noEvents } from '../kube/events.ts';
import type { EventRecorder } from '../kube/events.ts';
import { createFinalizerWriter } from '../kube/finalizer.ts';
import { createStatusWriter } from '../kube/status.ts';
import { planDeletion, planMachines, planTopology, planWork } from '../plan/index.ts';
import { TargetDiscovery } from './discovery.ts';
import { TopologyInformer, topologyKey } from './informer.ts';
import { createControllerMetrics } from './metrics.ts';
import type { ControllerMetrics } from './metrics.ts';
import { runWorkers, WorkQueue } from './queue.ts';
import type { WorkQueueOptions } from './queue.ts';
import { Reconciler } from './reconciler.ts';
import { TopologyRegistry } from './registry.ts';

export const CONTROLLER_NAME = 'monitoringtopology';

export interface ControllerOptions {
  kubeConfig: KubeConfig;
  /** Empty = all namespaces. */
  namespaces: string[];
  gateway: ArmGateway;
  /** Topologies reconciled in parallel (default 4). */
  concurrency?: number;
  logger: Logger;
  /** Where the controller's metrics are registered (default: a new Registry). */
  registry?: Registry;
  /** Record Kubernetes Events (default true). */
  events?: boolean;
  /** Delay of the confirming pass after changes were applied (default 1 s). */
  confirmAfterMs?: number;
  /** A pass running longer than this shows Reconciling=True while it runs (default 10 s). */
  longPassMs?: number;
  /** Lower bound of discoveryInterval (default 1 s). */
  minDiscoveryIntervalMs?: number;
  /** Delivery evidence from Log Analytics; without it, topologies with spec.evidence report DataDelivered Unknown. */
  evidence?: EvidenceSource;
  /** Lower bound of evidence.interval (default 30 s, the CRD's minimum). */
  minEvidenceIntervalMs?: number;
  /** Queue backoff and bucket tuning (defaults: client-go's). */
  queue?: Omit<WorkQueueOptions, 'observer'>;
}

export interface Controller {
  /** Starts the informers (reads only); resolves when the cache has synced. */
  startInformers(): Promise<void>;
  /** Runs the workers and the discovery passes until the signal aborts (leader only). */
  run(signal: AbortSignal): Promise<void>;
  hasSynced(): boolean;
  /** Readiness: the cache synced and every watch is up now. */
  watching(): boolean;
  /** Stops workers (letting in-flight reconciles finish) and informers. */
  stop(): Promise<void>;
  /** The metrics, registered on `registry`. */
  readonly metrics: ControllerMetrics;
}

export interface Seen {
  generation: number | undefined;
  deleting: boolean;
  meta: string;
}

/** What of a topology is worth a reconcile when it changes; the controller's own finalizer is left out, so adding it costs no second pass. */
export function seenOf(topology: MonitoringTopology): Seen {
  const finalizers = (topology.metadata.finalizers ?? []).filter((f) => f !== FINALIZER);
  return {
    generation: topology.metadata.generation,
    deleting: Boolean(topology.metadata.deletionTimestamp),
    meta: JSON.stringify([topology.metadata.labels, topology.metadata.annotations, finalizers]),
  };
}

export function worthReconcile(before: Seen | undefined, now: Seen): boolean {
  return !before || before.generation !== now.generation || before.deleting !== now.deleting || before.meta !== now.meta;
}

export function createController(opts: ControllerOptions): Controller {
  const logger: Logger = opts.logger.child({ controller: CONTROLLER_NAME });
  const metrics = createControllerMetrics(opts.registry);
  const queue = new WorkQueue({ ...opts.queue, observer: metrics.queueObserver(CONTROLLER_NAME) });
  const events: EventRecorder = opts.events === false ? noEvents : createEventRecorder(opts.kubeConfig, logger);
  const seen = new Map<string, Seen>();
  let running = false;
  let stopping: Promise<void> | undefined;

  const get = (key: string): MonitoringTopology | undefined => {
    const i = key.indexOf('/');
    return informer.get(key.slice(0, i), key.slice(i + 1));
  };
  const discovery = new TargetDiscovery({
    gateway: opts.gateway,
    logger,
    get,
    enqueue: (key) => queue.add(key),
    minIntervalMs: opts.minDiscoveryIntervalMs,
    triggered: (reason) => metrics.discoveryTriggered(reason),
  });

  // Status writes come back as updates: only spec, deletion and metadata changes are worth a reconcile.
  const onEvent = (event: 'add' | 'update' | 'delete', topology: MonitoringTopology): void => {
    const key = topologyKey(topology);
    if (event === 'delete') {
      seen.delete(key);
      discovery.untrack(key);
      queue.add(key);
      return;
    }
    const now = seenOf(topology);
    const before = seen.get(key);
    seen.set(key, now);
    if (running) discovery.track(key, topology);
    if (worthReconcile(before, now)) queue.add(key);
  };

  const informer = new TopologyInformer({ kubeConfig: opts.kubeConfig, namespaces: opts.namespaces, logger, onEvent });

  const reconciler = new Reconciler({
    gateway: opts.gateway,
    plan: planTopology,
    planWork,
    planMachines,
    planDeletion,
    get: (namespace, name) => informer.get(namespace, name),
    list: () => informer.list(),
    status: createStatusWriter(opts.kubeConfig),
    finalizers: createFinalizerWriter(opts.kubeConfig),
    events,
    registry: new TopologyRegistry(),
    logger,
    metrics,
    enqueue: (key) => queue.add(key),
    observedTargets: (key, ids, fingerprint) => discovery.observed(key, ids, fingerprint),
    observedAssociations: (key, ids) => discovery.observedAssociations(key, ids),
    confirmAfterMs: opts.confirmAfterMs,
    ...(opts.longPassMs !== undefined ? { longPassMs: opts.longPassMs } : {}),
    ...(opts.evidence ? { evidence: opts.evidence } : {}),
    ...(opts.minEvidenceIntervalMs !== undefined ? { minEvidenceIntervalMs: opts.minEvidenceIntervalMs } : {}),
  });

  const handle = async (key: string): Promise<{ requeueAfter?: number; error?: unknown }> => {
    const started = performance.now();
    let result: { requeueAfter?: number; error?: unknown };
    try {
      result = await reconciler.reconcile(key);
    } catch (error) {
      result = { error };
    }
    const seconds = (performance.now() - started) / 1000;
    if (result.error !== undefined) {
      logger.warn({ topology: key, err: result.error, retries: queue.numRequeues(key) }, 'reconcile failed; backing off');
      metrics.reconciled(CONTROLLER_NAME, 'error', seconds);
    } else {
      metrics.reconciled(CONTROLLER_NAME, result.requeueAfter !== undefined ? 'requeue_after' : 'success', seconds);
    }
    return result;
  };

  return {
    metrics,
    startInformers: () => informer.start(),
    hasSynced: () => informer.hasSynced(),
    watching: () => informer.watching(),
    async run(signal) {
      if (signal.aborted) return;
      running = true;
      for (const t of informer.list()) {
        const key = topologyKey(t);
        discovery.track(key, t);
        queue.add(key);
      }
      const workers = runWorkers(queue, opts.concurrency ?? 4, handle);
      const abort = (): void => {
        running = false;
        discovery.stop();
        void queue.shutDown();
      };
      signal.addEventListener('abort', abort, { once: true });
      await workers;
      signal.removeEventListener('abort', abort);
      await events.flush();
    },
    stop() {
      stopping ??= (async () => {
        running = false;
        discovery.stop();
        await queue.shutDown();
        await informer.stop();
        await events.flush();
      })();
      return stopping;
    },
  };
}
