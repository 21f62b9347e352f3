import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createControllerMetrics } from '../../src/controller/metrics.ts';
import { WorkQueue } from '../../src/controller/queue.ts';

describe('controller metrics', () => {
  it('registers controller-runtime names on the given registry and instruments the queue', async () => {
    const registry = new Registry();
    const metrics = createControllerMetrics(registry);
    const queue = new WorkQueue({ observer: metrics.queueObserver('monitoringtopology') });
    queue.add('ns/a');
    const key = await queue.get();
    queue.addRateLimited(key as string);
    queue.done(key as string);
    metrics.reconciled('monitoringtopology', 'error', 0.2);
    metrics.reconciled('monitoringtopology', 'requeue_after', 0.1);
    metrics.topology('ns', 'a', [{ code: 'OsKindMismatch', severity: 'Warning', resourceId: '/x', stage: 'Rules', message: 'm' }], {
      total: 3,
      compliant: 2,
      pending: 1,
      failing: 0,
      excluded: 0,
    });
    const text = await registry.metrics();
    for (const name of [
      'controller_runtime_reconcile_total{controller="monitoringtopology",result="error"} 1',
      'controller_runtime_reconcile_errors_total{controller="monitoringtopology"} 1',
      'controller_runtime_reconcile_time_seconds_count{controller="monitoringtopology"} 2',
      'workqueue_adds_total{name="monitoringtopology"} 1',
      'workqueue_retries_total{name="monitoringtopology"} 1',
      'workqueue_depth{name="monitoringtopology"} 0',
      'workqueue_queue_duration_seconds_count{name="monitoringtopology"} 1',
      'workqueue_work_duration_seconds_count{name="monitoringtopology"} 1',
      'monitoringtopology_findings{namespace="ns",name="a",code="OsKindMismatch"} 1',
      'monitoringtopology_instances{namespace="ns",name="a",state="pending"} 1',
    ]) {
      expect(text).toContain(name);
    }
    metrics.topology('ns', 'a', [], undefined);
    expect(await registry.metrics()).toContain('monitoringtopology_findings{namespace="ns",name="a",code="OsKindMismatch"} 0');
    metrics.forgetTopology('ns', 'a');
    expect(await registry.metrics()).not.toContain('namespace="ns"');
    await queue.shutDown();
  });

  it('stamps a topology when a pass observed Azure, not when it failed before planning, and exports its resync interval', async () => {
    const registry = new Registry();
    const metrics = createControllerMetrics(registry);
    const counts = { total: 1, compliant: 1, pending: 0, failing: 0, excluded: 0 };
    const stamp = async (): Promise<number> => {
      const m = /^monitoringtopology_last_reconcile_timestamp_seconds\{namespace="ns",name="a"\} (\S+)$/m.exec(await registry.metrics());
      return Number(m?.[1]);
    };
    metrics.topology('ns', 'a', [], undefined, 600_000);
    expect(await stamp()).toBeNaN();
    expect(await registry.metrics()).toContain('monitoringtopology_resync_interval_seconds{namespace="ns",name="a"} 600');
    const before = Date.now() / 1000;
    metrics.topology('ns', 'a', [], counts, 60_000);
    const first = await stamp();
    expect(first).toBeGreaterThanOrEqual(before);
    expect(first).toBeLessThanOrEqual(Date.now() / 1000);
    expect(await registry.metrics()).toContain('monitoringtopology_resync_interval_seconds{namespace="ns",name="a"} 60');
    // A pass that could not plan (a transient ARM error) leaves the last stamp as it was.
    metrics.topology('ns', 'a', [], undefined, 60_000);
    expect(await stamp()).toBe(first);
    metrics.forgetTopology('ns', 'a');
    expect(await registry.metrics()).not.toContain('namespace="ns"');
  });
});
