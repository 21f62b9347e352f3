// Informers on MonitoringTopology (all namespaces or a list). client-node's ListWatch stops for good on any
// error but 410 Gone; here each one is restarted with backoff, and the cache counts as synced once every
// informer has completed a first list.
import { CustomObjectsApi, makeInformer } from '@kubernetes/client-node';
import type { Informer, KubeConfig, KubernetesListObject, KubernetesObject, ObjectCache } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { GROUP, PLURAL, VERSION } from '../api/types.ts';
import type { MonitoringTopology } from '../api/types.ts';

export type TopologyEvent = 'add' | 'update' | 'delete';

export interface TopologyInformerOptions {
  kubeConfig: KubeConfig;
  /** Empty = all namespaces. */
  namespaces: string[];
  logger: Logger;
  onEvent: (event: TopologyEvent, topology: MonitoringTopology) => void;
  restartBaseMs?: number;
  restartMaxMs?: number;
}

/** `namespace/name`, the work-queue key of a topology. */
export function topologyKey(t: { metadata: { namespace?: string; name?: string } }): string {
  return `${t.metadata.namespace ?? ''}/${t.metadata.name ?? ''}`;
}

export function splitKey(key: string): { namespace: string; name: string } {
  const i = key.indexOf('/');
  return { namespace: key.slice(0, i), name: key.slice(i + 1) };
}

// client-node types metadata as V1ObjectMeta; custom objects arrive as plain JSON, i.e. MonitoringTopology.
type CachedTopology = KubernetesObject;
const asTopology = (o: CachedTopology): MonitoringTopology => o as unknown as MonitoringTopology;

interface Watched {
  namespace: string | undefined;
  informer: Informer<CachedTopology> & ObjectCache<CachedTopology>;
  synced: boolean;
  failures: number;
  /** Listed and watching now; false from a watch error until the next successful list. */
  watching: boolean;
  restart?: NodeJS.Timeout;
}

/** Longest wait before a failed watch is restarted: an apiserver back after an outage is seen within seconds. */
export const DEFAULT_RESTART_MAX_MS = 5000;

/** The wait before the restart that follows `failures` consecutive failures: doubling from `baseMs`, capped at `maxMs`. */
export function restartDelayMs(failures: number, baseMs: number, maxMs: number): number {
  return Math.min(baseMs * 2 ** failures, maxMs);
}

export class TopologyInformer {
  readonly #options: TopologyInformerOptions;
  readonly #watched: Watched[] = [];
  readonly #syncWaiters: (() => void)[] = [];
  #stopped = false;

  constructor(options: TopologyInformerOptions) {
    this.#options = options;
    const api = options.kubeConfig.makeApiClient(CustomObjectsApi);
    const targets = options.namespaces.length === 0 ? [undefined] : [...new Set(options.namespaces)];
    for (const namespace of targets) {
      const path =
        namespace === undefined
          ? `/apis/${GROUP}/${VERSION}/${PLURAL}`
          : `/apis/${GROUP}/${VERSION}/namespaces/${namespace}/${PLURAL}`;
      const watched: Partial<Watched> & { namespace: string | undefined; synced: boolean; failures: number; watching: boolean } = {
        namespace,
        synced: false,
        failures: 0,
        watching: false,
      };
      const list = async (): Promise<KubernetesListObject<CachedTopology>> => {
        const result = (await (namespace === undefined
          ? api.listClusterCustomObject({ group: GROUP, version: VERSION, plural: PLURAL })
          : api.listNamespacedCustomObject({ group: GROUP, version: VERSION, plural: PLURAL, namespace }))) as
          KubernetesListObject<CachedTopology>;
        // The list is applied to the cache right after this returns, before the watch starts.
        queueMicrotask(() => this.#markSynced(watched as Watched));
        return result;
      };
      const informer = makeInformer<CachedTopology>(options.kubeConfig, path, list);
      informer.on('add', (o) => options.onEvent('add', asTopology(o)));
      informer.on('update', (o) => options.onEvent('update', asTopology(o)));
      informer.on('delete', (o) => options.onEvent('delete', asTopology(o)));
      informer.on('error', (err: unknown) => this.#scheduleRestart(watched as Watched, err));
      watched.informer = informer;
      this.#watched.push(watched as Watched);
    }
  }

  /** Starts every informer; resolves once all have listed (retrying failures with backoff). */
  start(): Promise<void> {
    this.#stopped = false;
    const synced = this.hasSynced() ? Promise.resolve() : new Promise<void>((r) => this.#syncWaiters.push(r));
    for (const w of this.#watched) void this.#startOne(w);
    return synced;
  }

  hasSynced(): boolean {
    return this.#watched.every((w) => w.synced);
  }

  /** Every watch is up now (readiness): false while the apiserver is unreachable, until a list succeeds again. */
  watching(): boolean {
    return !this.#stopped && this.#watched.every((w) => w.watching);
  }

  get(namespace: string, name: string): MonitoringTopology | undefined {
    for (const w of this.#watched) {
      if (w.namespace !== undefined && w.namespace !== namespace) continue;
      const o = w.informer.get(name, namespace);
      if (o) return asTopology(o);
    }
    return undefined;
  }

  list(): MonitoringTopology[] {
    return this.#watched.flatMap((w) => w.informer.list().map(asTopology));
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    for (const w of this.#watched) {
      if (w.restart) clearTimeout(w.restart);
      w.restart = undefined;
      await w.informer.stop();
    }
    this.#syncWaiters.splice(0);
  }

  async #startOne(w: Watched): Promise<void> {
    try {
      await w.informer.start();
      // A restart may resume the watch from the last resourceVersion without listing again. The watch reports
      // a failed connection before start() resolves: a restart already scheduled means it is not watching.
      if (w.synced && !w.restart) w.watching = true;
    } catch (err) {
      this.#scheduleRestart(w, err);
    }
  }

  #markSynced(w: Watched): void {
    w.synced = true;
    w.watching = true;
    w.failures = 0;
    if (this.hasSynced()) this.#syncWaiters.splice(0).forEach((r) => r());
  }

  #scheduleRestart(w: Watched, err: unknown): void {
    w.watching = false;
    if (this.#stopped || w.restart) return;
    const base = this.#options.restartBaseMs ?? 1000;
    const delay = restartDelayMs(w.failures, base, this.#options.restartMaxMs ?? DEFAULT_RESTART_MAX_MS);
    w.failures++;
    this.#options.logger.warn(
      { err, namespace: w.namespace ?? '*', restartInMs: delay },
      'MonitoringTopology watch failed; restarting',
    );
    w.restart = setTimeout(() => {
      w.restart = undefined;
      if (!this.#stopped) void this.#startOne(w);
    }, delay);
    w.restart.unref();
  }
}
