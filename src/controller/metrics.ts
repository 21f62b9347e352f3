// Controller metrics under controller-runtime's names, so existing dashboards and alerts read them unchanged.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { InstanceCounts, Finding } from '../api/types.ts';
import { DELIVERY_STATES, type DeliveryState } from '../model/evidence.ts';
import type { QueueObserver } from './queue.ts';

export type ReconcileOutcome = 'success' | 'error' | 'requeue' | 'requeue_after';

export interface ControllerMetrics {
  readonly registry: Registry;
  queueObserver(name: string): QueueObserver;
  reconciled(controller: string, outcome: ReconcileOutcome, seconds: number): void;
  /**
   * Current findings (by code) and instances (by state) of one topology; a pass that observed Azure (instances
   * known) also stamps the time, so an alert can compare its age with the resync interval.
   */
  topology(namespace: string, name: string, findings: Finding[], instances: InstanceCounts | undefined, resyncMs?: number): void;
  forgetTopology(namespace: string, name: string): void;
  /** Machines of one topology per delivery state (with spec.evidence). */
  delivery(namespace: string, name: string, states: Record<DeliveryState, number> | undefined): void;
  /** The discovery pass asked for a reconcile: `targets` changed, or `associations` the last pass saw are gone. */
  discoveryTriggered(reason: 'targets' | 'associations'): void;
}

const INSTANCE_STATES = ['compliant', 'pending', 'failing', 'excluded'] as const;

export function createControllerMetrics(registry: Registry = new Registry()): ControllerMetrics {
  const reconcileTotal = new Counter({
    name: 'controller_runtime_reconcile_total',
    help: 'Total number of reconciliations per controller',
    labelNames: ['controller', 'result'],
    registers: [registry],
  });
  const reconcileErrors = new Counter({
    name: 'controller_runtime_reconcile_errors_total',
    help: 'Total number of reconciliation errors per controller',
    labelNames: ['controller'],
    registers: [registry],
  });
  const reconcileTime = new Histogram({
    name: 'controller_runtime_reconcile_time_seconds',
    help: 'Length of time per reconciliation per controller',
    labelNames: ['controller'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [registry],
  });
  const depth = new Gauge({ name: 'workqueue_depth', help: 'Current depth of workqueue', labelNames: ['name'], registers: [registry] });
  const adds = new Counter({ name: 'workqueue_adds_total', help: 'Total number of adds handled by workqueue', labelNames: ['name'], registers: [registry] });
  const retries = new Counter({ name: 'workqueue_retries_total', help: 'Total number of retries handled by workqueue', labelNames: ['name'], registers: [registry] });
  const durationBuckets = [1e-6, 1e-5, 1e-4, 1e-3, 0.01, 0.1, 1, 10, 100, 1000];
  const queueDuration = new Histogram({
    name: 'workqueue_queue_duration_seconds',
    help: 'How long in seconds an item stays in workqueue before being requested',
    labelNames: ['name'],
    buckets: durationBuckets,
    registers: [registry],
  });
  const workDuration = new Histogram({
    name: 'workqueue_work_duration_seconds',
    help: 'How long in seconds processing an item from workqueue takes',
    labelNames: ['name'],
    buckets: durationBuckets,
    registers: [registry],
  });
  const findings = new Gauge({
    name: 'monitoringtopology_findings',
    help: 'Current findings of a MonitoringTopology by code',
    labelNames: ['namespace', 'name', 'code'],
    registers: [registry],
  });
  const instances = new Gauge({
    name: 'monitoringtopology_instances',
    help: 'Target machines of a MonitoringTopology by state',
    labelNames: ['namespace', 'name', 'state'],
    registers: [registry],
  });
  const lastReconcile = new Gauge({
    name: 'monitoringtopology_last_reconcile_timestamp_seconds',
    help: 'Unix time of the last pass of a MonitoringTopology that observed Azure and planned',
    labelNames: ['namespace', 'name'],
    registers: [registry],
  });
  const resyncInterval = new Gauge({
    name: 'monitoringtopology_resync_interval_seconds',
    help: 'Resync interval of a MonitoringTopology in seconds',
    labelNames: ['namespace', 'name'],
    registers: [registry],
  });
  const delivery = new Gauge({
    name: 'monitoringtopology_delivery_machines',
    help: 'Target machines of a MonitoringTopology by delivery state read from Log Analytics',
    labelNames: ['namespace', 'name', 'state'],
    registers: [registry],
  });
  const discoveryTriggers = new Counter({
    name: 'monitoringtopology_discovery_triggers_total',
    help: 'Reconciles the discovery pass asked for, by reason (targets changed, associations gone)',
    labelNames: ['reason'],
    registers: [registry],
  });
  const codesSeen = new Map<string, Set<string>>();

  return {
    registry,
    queueObserver(name) {
      return {
        added: () => adds.inc({ name }),
        depth: (n) => depth.set({ name }, n),
        retried: () => retries.inc({ name }),
        queued: (s) => queueDuration.observe({ name }, s),
        worked: (s) => workDuration.observe({ name }, s),
      };
    },
    reconciled(controller, outcome, seconds) {
      reconcileTotal.inc({ controller, result: outcome });
      if (outcome === 'error') reconcileErrors.inc({ controller });
      reconcileTime.observe({ controller }, seconds);
    },
    topology(namespace, name, list, counts, resyncMs) {
      const key = `${namespace}/${name}`;
      const byCode = new Map<string, number>();
      for (const f of list) byCode.set(f.code, (byCode.get(f.code) ?? 0) + 1);
      // Codes that went away drop to zero rather than keeping a stale value.
      for (const code of codesSeen.get(key) ?? []) if (!byCode.has(code)) findings.set({ namespace, name, code }, 0);
      for (const [code, n] of byCode) findings.set({ namespace, name, code }, n);
      const seen = codesSeen.get(key) ?? new Set<string>();
      for (const code of byCode.keys()) seen.add(code);
      codesSeen.set(key, seen);
      if (counts) {
        for (const state of INSTANCE_STATES) instances.set({ namespace, name, state }, counts[state]);
        lastReconcile.set({ namespace, name }, Date.now() / 1000);
      }
      if (resyncMs !== undefined) resyncInterval.set({ namespace, name }, resyncMs / 1000);
    },
    forgetTopology(namespace, name) {
      const key = `${namespace}/${name}`;
      for (const code of codesSeen.get(key) ?? []) findings.remove({ namespace, name, code });
      codesSeen.delete(key);
      for (const state of INSTANCE_STATES) instances.remove({ namespace, name, state });
      lastReconcile.remove({ namespace, name });
      resyncInterval.remove({ namespace, name });
      for (const state of DELIVERY_STATES) delivery.remove({ namespace, name, state });
    },
    discoveryTriggered(reason) {
      discoveryTriggers.inc({ reason });
    },
    delivery(namespace, name, states) {
      for (const state of DELIVERY_STATES) {
        if (states) delivery.set({ namespace, name, state }, states[state]);
        else delivery.remove({ namespace, name, state });
      }
    },
  };
}
