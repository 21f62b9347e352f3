// Kubernetes Events for what a person should notice (actions taken, new findings), deduplicated and rate-limited
// per object like client-go's event correlator, so a flapping estate cannot flood the API server.
import { CoreV1Api } from '@kubernetes/client-node';
import type { CoreV1Event, KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { API_VERSION, KIND } from '../api/types.ts';
import type { MonitoringTopology } from '../api/types.ts';

export type EventType = 'Normal' | 'Warning';

export interface EventRecorder {
  /** Fire and forget: failures are logged, never thrown. */
  record(topology: MonitoringTopology, type: EventType, reason: string, message: string): void;
  /** Waits for the events in flight. */
  flush(): Promise<void>;
}

export interface EventRecorderOptions {
  component?: string;
  /** An identical event (same object, reason, message) is not repeated within this window. */
  dedupeWindowMs?: number;
  /** Per-object bucket: burst, then one event per `refillMs`. */
  burst?: number;
  refillMs?: number;
  now?: () => number;
}

/** Decides which events go out: dedupe window plus a token bucket per object. */
export class EventFilter {
  readonly #window: number;
  readonly #burst: number;
  readonly #refill: number;
  readonly #now: () => number;
  readonly #sent = new Map<string, number>();
  readonly #buckets = new Map<string, { tokens: number; at: number }>();

  constructor(options: EventRecorderOptions = {}) {
    this.#window = options.dedupeWindowMs ?? 10 * 60_000;
    this.#burst = options.burst ?? 25;
    this.#refill = options.refillMs ?? 5 * 60_000;
    this.#now = options.now ?? Date.now;
  }

  allow(objectKey: string, reason: string, message: string): boolean {
    const now = this.#now();
    const key = `${objectKey}|${reason}|${message}`;
    const last = this.#sent.get(key);
    if (last !== undefined && now - last < this.#window) return false;
    const bucket = this.#buckets.get(objectKey) ?? { tokens: this.#burst, at: now };
    bucket.tokens = Math.min(this.#burst, bucket.tokens + (now - bucket.at) / this.#refill);
    bucket.at = now;
    this.#buckets.set(objectKey, bucket);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    this.#sent.set(key, now);
    if (this.#sent.size > 10_000) this.#prune(now);
    return true;
  }

  /** Forgets an object (after it is deleted). */
  forget(objectKey: string): void {
    this.#buckets.delete(objectKey);
    for (const k of this.#sent.keys()) if (k.startsWith(`${objectKey}|`)) this.#sent.delete(k);
  }

  #prune(now: number): void {
    for (const [k, at] of this.#sent) if (now - at >= this.#window) this.#sent.delete(k);
  }
}

export function eventBody(
  topology: MonitoringTopology,
  type: EventType,
  reason: string,
  message: string,
  component: string,
  now: Date,
): CoreV1Event {
  const { name, namespace, uid, resourceVersion } = topology.metadata;
  return {
    metadata: { generateName: `${name}.`, namespace },
    involvedObject: { apiVersion: API_VERSION, kind: KIND, name, namespace, uid, resourceVersion },
    type,
    reason,
    // The API server refuses messages over 1 KiB.
    message: message.length > 1024 ? `${message.slice(0, 1021)}...` : message,
    source: { component },
    reportingComponent: component,
    reportingInstance: component,
    firstTimestamp: now,
    lastTimestamp: now,
    count: 1,
  };
}

export function createEventRecorder(
  kubeConfig: KubeConfig,
  logger: Logger,
  options: EventRecorderOptions = {},
): EventRecorder {
  const api = kubeConfig.makeApiClient(CoreV1Api);
  const filter = new EventFilter(options);
  const component = options.component ?? 'monitoringtopology-controller';
  const inFlight = new Set<Promise<void>>();
  return {
    record(topology, type, reason, message) {
      const objectKey = topology.metadata.uid ?? `${topology.metadata.namespace}/${topology.metadata.name}`;
      if (!filter.allow(objectKey, reason, message)) return;
      const body = eventBody(topology, type, reason, message, component, new Date());
      const p = api
        .createNamespacedEvent({ namespace: topology.metadata.namespace, body })
        .then(
          () => undefined,
          (err: unknown) => logger.warn({ err, reason }, 'could not record event'),
        )
        .finally(() => inFlight.delete(p));
      inFlight.add(p);
    },
    async flush() {
      await Promise.all([...inFlight]);
    },
  };
}

/** An EventRecorder that records nothing (events disabled). */
export const noEvents: EventRecorder = {
  record() {},
  flush: () => Promise.resolve(),
};
