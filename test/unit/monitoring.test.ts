// The chart's Grafana dashboard and alerting rules as files: the shape Grafana's sidecar and the Prometheus
// Operator load, the panels and alerts the controller's operators need, and the PromQL name extraction the
// integration tests rely on to hold them against /metrics.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { toolsDir } from '../../hack/chart-tools.ts';
import { DASHBOARD_FILE, dashboardQueries, metricNames, readDashboard, renderedRuleGroups } from '../support/monitoring.ts';
import type { Dashboard, RuleGroup } from '../support/monitoring.ts';

describe('metricNames', () => {
  it.each([
    ['sum by (namespace, name, state) (monitoringtopology_instances{namespace=~"$namespace", state="failing"})', ['monitoringtopology_instances']],
    ['histogram_quantile(0.99, sum by (le) (rate(workqueue_work_duration_seconds_bucket{name="x"}[$__rate_interval])))', ['workqueue_work_duration_seconds_bucket']],
    ['time() - max by (namespace, name) (a_seconds{job="j"}) > 2 * max by (namespace, name) (b_seconds{job="j"})', ['a_seconds', 'b_seconds']],
    ['absent(up{job="x", namespace="y"} == 1)', ['up']],
    ['rate(x_total[5m]) / on (pod) group_left rate(y_total[5m]) > bool 0.1 and z unless w offset 5m', ['x_total', 'y_total', 'z', 'w']],
    ['sum(rate(azure_arm_requests_total{status="429", op="sum(by)"}[1m]))', ['azure_arm_requests_total']],
  ])('reads %s', (expr, names) => {
    expect(metricNames(expr).sort()).toEqual([...names].sort());
  });
});

describe('Grafana dashboard', () => {
  let d: Dashboard;
  beforeAll(() => {
    d = readDashboard();
  });

  it('is importable JSON with a stable uid and a Prometheus data-source variable every query uses', () => {
    expect(() => JSON.parse(readFileSync(DASHBOARD_FILE, 'utf8')) as unknown).not.toThrow();
    expect(d.uid).toMatch(/^[a-z0-9-]{1,40}$/);
    expect(d.templating.list.find((v) => v.name === 'datasource')).toMatchObject({ type: 'datasource', query: 'prometheus' });
    const panels = d.panels.filter((p) => p.type !== 'row');
    for (const p of panels) {
      expect((p as { datasource?: { uid?: string } }).datasource?.uid, p.title).toBe('${datasource}');
      expect(p.targets?.length, p.title).toBeGreaterThan(0);
    }
    const ids = d.panels.map((p) => (p as { id?: number }).id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('shows, per topology, machines by state, findings by code and reconcile age; reconciles, the queue and ARM traffic', () => {
    const byTitle = new Map(d.panels.map((p) => [p.title, (p.targets ?? []).map((t) => t.expr).join('\n')]));
    const expectPanel = (title: string, metric: RegExp): void => expect(byTitle.get(title) ?? '', title).toMatch(metric);
    expectPanel('Machines by state', /monitoringtopology_instances\{namespace=~"\$namespace", name=~"\$topology"\}/);
    expectPanel('Findings by code', /by \(namespace, name, code\) \(monitoringtopology_findings/);
    expectPanel('Time since last reconcile', /monitoringtopology_last_reconcile_timestamp_seconds[\s\S]*monitoringtopology_resync_interval_seconds/);
    expectPanel('Reconcile rate by result', /by \(result\) \(rate\(controller_runtime_reconcile_total/);
    expectPanel('Reconcile errors', /controller_runtime_reconcile_errors_total/);
    expectPanel('ARM requests by status', /by \(status\) \(rate\(azure_arm_requests_total/);
    expectPanel('Budget waits', /azure_arm_budget_wait_seconds_bucket/);
    expectPanel('Queue depth', /workqueue_depth\{name="monitoringtopology"/);
    // The topology variables come from the controller's own series.
    expect(dashboardQueries(d).filter((q) => q.where.startsWith('variable')).map((q) => metricNames(q.expr))).toEqual([
      ['controller_runtime_reconcile_total'],
      ['monitoringtopology_instances'],
      ['monitoringtopology_instances'],
    ]);
  });
});

describe('PrometheusRule', () => {
  let groups: RuleGroup[];
  beforeAll(async () => {
    await toolsDir();
    groups = await renderedRuleGroups(['fullnameOverride=mtopo', 'metrics.prometheusRule.additionalAlertLabels.team=platform']);
  }, 600_000);

  it('has the alerts an operator needs, each with a severity, a summary and a description', () => {
    const rules = groups.flatMap((g) => g.rules);
    expect(rules.map((r) => r.alert).sort()).toEqual([
      'AmplsTopologyArmThrottled',
      'AmplsTopologyControllerDown',
      'AmplsTopologyControllerNotReady',
      'AmplsTopologyMachinesFailing',
      'AmplsTopologyNotReconciled',
      'AmplsTopologyReconcileErrors',
    ]);
    for (const r of rules) {
      expect(r.for, r.alert).toMatch(/^\d+[smh]$/);
      expect(r.labels, r.alert).toMatchObject({ severity: expect.stringMatching(/^(warning|critical)$/) as unknown, team: 'platform' });
      expect(r.annotations?.summary, r.alert).toMatch(/\.$/);
      expect(r.annotations?.description, r.alert).toBeTruthy();
    }
  });

  it('selects the release’s own job, and compares each topology’s last reconcile with twice its resync interval', () => {
    const byName = new Map(groups.flatMap((g) => g.rules).map((r) => [r.alert, r.expr]));
    for (const [alert, expr] of byName) {
      if (alert === 'AmplsTopologyControllerNotReady') expect(expr).toContain('deployment="mtopo"');
      else expect(expr, alert).toContain('job="mtopo-metrics"');
    }
    expect(byName.get('AmplsTopologyNotReconciled')).toMatch(
      /time\(\) - max by \(namespace, name\) \(monitoringtopology_last_reconcile_timestamp_seconds\{[^}]*\}\)\s*> 2 \* max by \(namespace, name\) \(monitoringtopology_resync_interval_seconds/,
    );
    expect(byName.get('AmplsTopologyArmThrottled')).toContain('status="429"');
  });
});
