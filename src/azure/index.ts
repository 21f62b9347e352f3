// ARM access for the controller: SDK clients per subscription behind one shared budget per subscription.
import PQueue from 'p-queue';
import type { Logger } from 'pino';
import type { MonitoringTopologySpec } from '../api/types.ts';
import type { Action, GraphFingerprint, NetworkSnapshot, Snapshot } from '../model/index.ts';
import { associationSources } from '../model/index.ts';
import { act } from './act.ts';
import type { SubscriptionBudgets } from './budget.ts';
import { READ_PRIORITY } from './budget.ts';
import { ArmClientCache, armScopeFor } from './clients.ts';
import type { CredentialSource } from './credential.ts';
import type { ActionOutcome, ArmGateway, DiscoveryLook, ObserveOptions } from './gateway.ts';
import type { ArmMetrics } from './metrics.ts';
import { listAssociationIds, observe, readsThroughGraph } from './observe.ts';
import { observeNetwork } from './network.ts';
import { armBudgetPolicy } from './policy.ts';
import { ExtensionCache } from './extensions.ts';
import { discoverTargets } from './targets.ts';
import { GraphReader } from './graph.ts';
import type { ResourceGraphMode } from './graph.ts';
import type { DiscoveryContext, ServiceTraits } from './targets.ts';

export interface ArmGatewayOptions {
  /** ARM base URL, e.g. https://management.azure.com or the emulator's URL. */
  endpoint: string;
  /** A credential, or a factory of them: a factory lets an expired token be replaced even when a cache still holds it. */
  credential: CredentialSource;
  /** Token scope; by default the audience of the endpoint's cloud (public, US Government, China). */
  scope?: string;
  /** Per attempt of every ARM request and per token request (default 60 s). */
  requestTimeoutMs?: number;
  /** Shared by every gateway and topology of the process: one budget per subscription. */
  budgets: SubscriptionBudgets;
  /** Requests in flight at once, for reads and for actions each (default 16 and 8). */
  concurrency?: number;
  logger: Logger;
  metrics?: ArmMetrics;
  /** SDK retry for transient errors and 429s (default 6 retries, 500 ms doubling, 30 s cap). */
  maxRetries?: number;
  retryDelayInMs?: number;
  maxRetryDelayInMs?: number;
  /** Poll interval of long-running operations (default: the SDK's, which honours Retry-After). */
  lroPollIntervalMs?: number;
  /** At most this many drifted machines get a full association listing per observe (default: all). */
  fullListingLimit?: number;
  /** How long a VM's agent extension settings are trusted without a new read (default one hour). */
  extensionMaxAgeMs?: number;
  /** At most this many expired agent extensions re-read per observe (the rest wait for a later pass). */
  extensionRefreshPerPass?: number;
  /** Bulk reads through Resource Graph (default never): always, or in auto for topologies of at least `threshold` machines. */
  resourceGraph?: { mode: ResourceGraphMode; threshold: number; maxQuotaWaitMs?: number };
}

export function createArmGateway(options: ArmGatewayOptions): ArmGateway {
  const logger = options.logger;
  const policy = armBudgetPolicy({
    budgets: options.budgets,
    logger,
    ...(options.metrics ? { metrics: options.metrics } : {}),
  });
  const clients = new ArmClientCache({
    endpoint: options.endpoint,
    credential: options.credential,
    ...(options.scope !== undefined ? { scope: options.scope } : {}),
    policy,
    ...(options.requestTimeoutMs !== undefined ? { requestTimeoutMs: options.requestTimeoutMs } : {}),
    ...(options.maxRetries !== undefined ? { maxRetries: options.maxRetries } : {}),
    ...(options.retryDelayInMs !== undefined ? { retryDelayInMs: options.retryDelayInMs } : {}),
    ...(options.maxRetryDelayInMs !== undefined ? { maxRetryDelayInMs: options.maxRetryDelayInMs } : {}),
  });
  // Requests start in turns: at most 8 in any 10 ms window, the next ones on a timer. A start costs about a millisecond
  // of CPU (the SDK's pipeline up to the socket), and a burst of 80 started at once held every timer for 86 ms. 800
  // starts a second is far above ARM's budgets, so the windows cost no throughput.
  const starts = { intervalCap: 8, interval: 10 };
  const reads = new PQueue({ concurrency: options.concurrency ?? 16, ...starts });
  const writes = new PQueue({ concurrency: options.concurrency ?? 8, ...starts });
  const service: ServiceTraits = { vmListsCarryExtensions: false, vmListPages: new Map() };
  const graphOptions = options.resourceGraph;
  const graph =
    graphOptions && graphOptions.mode !== 'never'
      ? new GraphReader(clients, options.scope ?? armScopeFor(options.endpoint), { ...graphOptions, ...(options.requestTimeoutMs !== undefined ? { requestTimeoutMs: options.requestTimeoutMs } : {}) }, logger.child({ component: 'resource-graph' }))
      : undefined;
  const extensions = new ExtensionCache({
    ...(options.extensionMaxAgeMs !== undefined ? { maxAgeMs: options.extensionMaxAgeMs } : {}),
    ...(options.extensionRefreshPerPass !== undefined ? { refreshPerPass: options.extensionRefreshPerPass } : {}),
  });
  // Discovery's target lists go ahead of every other read in the queue.
  const discovering = (signal?: AbortSignal): DiscoveryContext => ({ clients, queue: reads, service, priority: READ_PRIORITY.discovery, ...(signal ? { signal } : {}) });

  return {
    async observe(spec: MonitoringTopologySpec, signal?: AbortSignal, observeOptions?: ObserveOptions): Promise<Snapshot> {
      const started = performance.now();
      const snapshot = await observe(spec, {
        clients,
        queue: reads,
        service,
        extensions,
        refresh: observeOptions?.refresh === true,
        ...(observeOptions?.onTargets ? { onTargets: observeOptions.onTargets } : {}),
        ...(observeOptions?.onMachinesRead ? { onMachinesRead: observeOptions.onMachinesRead } : {}),
        ...(observeOptions?.alsoList ? { alsoList: observeOptions.alsoList } : {}),
        ...(signal ? { signal } : {}),
        // Deletion lists what this controller created through ARM: Resource Graph may not show the newest yet.
        ...(graph && observeOptions?.armOnly !== true ? { graph } : {}),
        ...(options.fullListingLimit !== undefined ? { fullListingLimit: options.fullListingLimit } : {}),
      });
      // A cancelled pass would look like a world full of read errors: never hand it to the plan.
      signal?.throwIfAborted();
      logger.debug(
        {
          machines: snapshot.machines.length,
          associations: snapshot.associations.length,
          fullyListed: snapshot.fullyListedMachines.length,
          errors: snapshot.errors.length,
          ms: Math.round(performance.now() - started),
        },
        'observed topology estate',
      );
      return snapshot;
    },
    readResource: (resourceId: string, apiVersion: string) => reads.add(() => clients.getRaw(resourceId, apiVersion)),
    async observeNetwork(spec: MonitoringTopologySpec, snapshot: Snapshot, signal?: AbortSignal): Promise<NetworkSnapshot> {
      const network = await observeNetwork(spec, snapshot, { clients, queue: reads, ...(signal ? { signal } : {}) });
      signal?.throwIfAborted();
      logger.debug({ zones: network.zones.length, endpoints: network.endpoints.length, machines: network.machines.length, errors: network.errors.length }, 'observed topology network');
      return network;
    },
    async listTargets(spec: MonitoringTopologySpec, signal?: AbortSignal): Promise<string[]> {
      const found = await discoverTargets(spec.targets, discovering(signal));
      signal?.throwIfAborted();
      if (found.errors.length > 0) logger.debug({ errors: found.errors }, 'target discovery had read errors');
      return [...found.machines.values()].map((m) => m.id);
    },
    forgetMachines(machineIds: string[]): void {
      for (const id of machineIds) extensions.invalidate(id);
    },
    async fingerprint(spec: MonitoringTopologySpec, signal?: AbortSignal): Promise<DiscoveryLook | undefined> {
      // The same decision as observe's: a topology whose passes read through ARM is discovered through ARM.
      if (!graph || !(await readsThroughGraph(graph, spec, signal))) return undefined;
      let look: GraphFingerprint;
      try {
        look = await graph.fingerprint(spec.targets, associationSources(spec), signal);
      } catch {
        return undefined; // the reader logged why; this discovery pass lists through ARM
      }
      // Named scale sets' members through ARM too, as the passes list them: a scale-out is seen before Resource Graph shows it.
      const sets = spec.targets.virtualMachineScaleSets ?? [];
      if (sets.length === 0) return look;
      const found = await discoverTargets({ virtualMachineScaleSets: sets, ...(spec.targets.exclude ? { exclude: spec.targets.exclude } : {}) }, discovering(signal));
      return { ...look, members: [...found.machines.values()].map((m) => m.id) };
    },
    async listAssociations(spec: MonitoringTopologySpec, signal?: AbortSignal): Promise<string[] | undefined> {
      const found = await listAssociationIds(spec, { clients, queue: reads, ...(signal ? { signal } : {}) });
      signal?.throwIfAborted();
      return found;
    },
    async act(actions: Action[], signal?: AbortSignal): Promise<ActionOutcome[]> {
      const outcomes = await act(actions, {
        clients,
        queue: writes,
        logger,
        exclusive: (key, task) => options.budgets.exclusive(key, task),
        ...(signal ? { signal } : {}),
        ...(options.lroPollIntervalMs !== undefined ? { lroPollIntervalMs: options.lroPollIntervalMs } : {}),
      });
      // An extension the controller changed (or tried to) is read afresh on the next pass.
      for (const o of outcomes) if (o.action.kind === 'RepairExtensionIdentity') extensions.invalidate(o.action.resourceId);
      return outcomes;
    },
  };
}

export { createSubscriptionBudgets, ARM_LIMITS, TokenBucket } from './budget.ts';
export type { BudgetConfig, BudgetKind, BucketLimits, Clock, SubscriptionBudget, SubscriptionBudgets } from './budget.ts';
export { createArmMetrics } from './metrics.ts';
export type { ArmMetrics } from './metrics.ts';
export { armBudgetPolicy } from './policy.ts';
export { armScopeFor } from './clients.ts';
export type { ResourceGraphMode } from './graph.ts';
export type { ActionError, ActionOutcome, ArmGateway, AssociationSources, DiscoveryLook, ObserveOptions } from './gateway.ts';
