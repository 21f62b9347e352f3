// Delivery evidence, the quiet cases, end to end (real apiserver, the emulator's agent fleet and query API, the
// official LogsQueryClient): a machine whose rules send only to Azure Monitor Metrics is NotExpected (Info, Ready
// unaffected), the metrics say so, and turning spec.evidence off clears what evidence put in status and metrics.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { MonitoringTopology } from '../../src/api/types.ts';
import { kubectl, useTestNamespace } from '../support/kube.ts';
import { condition, createTopology, estate, estateIds, estateSpec, linuxVm, startTestController, waitForTopology } from '../support/controller.ts';
import type { TestController } from '../support/controller.ts';

const ns = useTestNamespace('reconcile-delivery-expected');
const NAME = 'delivery-expected';
let env: TestController;
const metricsRule = estateIds.rule.replace('dcr-linux-syslog', 'dcr-windows-metrics');
const WINDOWS_AGENT = { name: 'AzureMonitorWindowsAgent', publisher: 'Microsoft.Azure.Monitor', type: 'AzureMonitorWindowsAgent' };

beforeAll(async () => {
  const e = estate({
    virtualMachines: [linuxVm('vm-logs'), { ...linuxVm('vm-metrics'), osType: 'Windows', extensions: [WINDOWS_AGENT] }],
  });
  // A Windows rule whose only destination is Azure Monitor Metrics: no workspace ever sees its machines.
  e.subscriptions![0]!.resourceGroups![0]!.dataCollectionRules!.push({
    name: 'dcr-windows-metrics',
    kind: 'Windows',
    dataCollectionEndpoint: 'dce-weu',
    dataSources: { performanceCounters: [{ name: 'perf', streams: ['Microsoft-InsightsMetrics'], samplingFrequencyInSeconds: 60, counterSpecifiers: ['\\Processor(_Total)\\% Processor Time'] }] },
    destinations: { azureMonitorMetrics: { name: 'metrics' } },
    dataFlows: [{ streams: ['Microsoft-InsightsMetrics'], destinations: ['metrics'] }],
  });
  env = await startTestController({ namespace: ns.name, emulator: { estate: e }, evidence: true });
  env.emulator.logAnalytics.setQueryOrigin({ privateLinkScope: estateIds.scope });
  await createTopology(ns.name, NAME, {
    ...estateSpec({ virtualMachines: [estateIds.vm('vm-logs'), estateIds.vm('vm-metrics')] }, { dataCollectionRules: [{ resourceId: estateIds.rule }, { resourceId: metricsRule }] }),
    evidence: { interval: '30s', window: '5m' },
  });
});

afterAll(async () => {
  await env?.stop();
});

let requests = 0;
async function lookAgain(): Promise<void> {
  requests++;
  await kubectl(['annotate', 'mtopo', NAME, '-n', ns.name, '--overwrite', `monitoring.ampls.dev/reconcile-requested-at=r${requests}`]);
}

function findingsOf(t: MonitoringTopology, vm: string): { code: string; severity: string; stage: string }[] {
  return (t.status?.findings ?? []).filter((f) => f.resourceId.toLowerCase() === estateIds.vm(vm).toLowerCase());
}

/** The value of one sample on the controller's registry, or undefined when the series does not exist. */
async function sample(metric: string, labels: Record<string, string>): Promise<number | undefined> {
  const m = env.registry.getSingleMetric(metric);
  if (!m) return undefined;
  const { values } = await m.get();
  const hit = values.find((v) => Object.entries(labels).every(([k, x]) => (v.labels as Record<string, unknown>)[k] === x));
  return hit?.value;
}

/** Passes run so far, whatever their outcome. */
async function reconciles(): Promise<number> {
  const m = env.registry.getSingleMetric('controller_runtime_reconcile_total');
  return ((await m?.get())?.values ?? []).reduce((n, v) => n + v.value, 0);
}

describe('delivery evidence: NotExpected, metrics, and evidence turned off', () => {
  it('a machine whose rules send only to Azure Monitor Metrics is NotExpected: Info, and Ready stays True', async () => {
    await waitForTopology(ns.name, NAME, (t) => expect(t.status?.instances?.compliant).toBe(2));
    env.emulator.logAnalytics.advance(120_000);
    await lookAgain();
    const t = await waitForTopology(ns.name, NAME, (x) => {
      expect(x.status?.delivery).toMatchObject({ delivering: 1, notExpected: 1, silent: 0, heartbeatOnly: 0, unknown: 0 });
      expect(condition(x, 'Ready')?.status).toBe('True');
    });
    expect(findingsOf(t, 'vm-metrics')).toContainEqual(expect.objectContaining({ code: 'NoDeliveryExpected', severity: 'Info', stage: 'Rules' }));
    expect(findingsOf(t, 'vm-metrics').filter((f) => f.severity !== 'Info')).toEqual([]);
    expect(condition(t, 'DataDelivered')).toMatchObject({ status: 'True', reason: 'DataArriving' });
    expect(condition(t, 'DataDelivered')?.message).toMatch(/^1 of 1 machine /);
    // One workspace, read by two queries: the Windows machine adds no query, since it expects nothing there.
    expect(t.status?.delivery).toMatchObject({ workspaces: 1, queries: 2 });
    expect(t.status?.instances?.delivering).toBe(1);
  });

  it('exports machines per delivery state and the evidence queries with their latency', async () => {
    const labels = { namespace: ns.name, name: NAME };
    expect(await sample('monitoringtopology_delivery_machines', { ...labels, state: 'Delivering' })).toBe(1);
    expect(await sample('monitoringtopology_delivery_machines', { ...labels, state: 'NotExpected' })).toBe(1);
    expect(await sample('monitoringtopology_delivery_machines', { ...labels, state: 'Silent' })).toBe(0);
    expect(await sample('mtopo_evidence_queries_total', { kind: 'heartbeat', outcome: 'ok' })).toBeGreaterThanOrEqual(1);
    expect(await sample('mtopo_evidence_queries_total', { kind: 'tables', outcome: 'ok' })).toBeGreaterThanOrEqual(1);
    const latency = env.registry.getSingleMetric('mtopo_evidence_query_duration_seconds');
    const count = (await latency?.get())?.values.find((v) => (v as { metricName?: string }).metricName === 'mtopo_evidence_query_duration_seconds_count' && v.labels.kind === 'heartbeat');
    expect(count?.value).toBeGreaterThanOrEqual(1);
  });

  it('turning spec.evidence off clears instances.delivering, status.delivery, DataDelivered and the delivery metrics', async () => {
    await kubectl(['patch', 'mtopo', NAME, '-n', ns.name, '--type', 'merge', '-p', JSON.stringify({ spec: { evidence: null } })]);
    const t = await waitForTopology(ns.name, NAME, (x) => {
      expect(x.status?.observedGeneration).toBe(x.metadata.generation);
      expect(x.status?.instances).toBeDefined();
      expect(x.status?.instances).not.toHaveProperty('delivering');
      expect(x.status?.delivery).toBeUndefined();
      expect(condition(x, 'DataDelivered')).toBeUndefined();
    });
    expect(condition(t, 'Ready')?.status).toBe('True');
    expect(findingsOf(t, 'vm-metrics').map((f) => f.code)).not.toContain('NoDeliveryExpected');
    for (const state of ['Delivering', 'NotExpected', 'Silent', 'HeartbeatOnly', 'Unknown']) {
      expect(await sample('monitoringtopology_delivery_machines', { namespace: ns.name, name: NAME, state })).toBeUndefined();
    }
    // Nothing reads Log Analytics any more: a reconcile request sends no query.
    env.emulator.logAnalytics.resetQueryStats();
    const passes = await reconciles();
    await lookAgain();
    await vi.waitFor(async () => expect(await reconciles()).toBeGreaterThan(passes), { timeout: 30_000, interval: 100 });
    expect(env.emulator.logAnalytics.queryStats().total).toBe(0);
  });
});
