// The chart's monitoring assets as data: the Grafana dashboard's queries, the PrometheusRule's expressions, and
// the metric names a PromQL expression reads, so tests can hold them against what /metrics exports.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { CHART, renderChart } from '../../hack/chart-tools.ts';

export const DASHBOARD_FILE = join(CHART, 'dashboards', 'ampls-topology-controller.json');

/** Names read from outside the controller: Prometheus's own scrape series and kube-state-metrics (kube-prometheus ships both). */
export const EXTERNAL_METRICS = new Set(['up', 'kube_deployment_status_replicas_available', 'kube_deployment_spec_replicas']);

interface Panel {
  title?: string;
  type: string;
  targets?: { expr: string }[];
  panels?: Panel[];
}

export interface Dashboard {
  uid: string;
  title: string;
  panels: Panel[];
  templating: { list: { name: string; type: string; query?: string | { query: string }; definition?: string }[] };
}

export function readDashboard(): Dashboard {
  return JSON.parse(readFileSync(DASHBOARD_FILE, 'utf8')) as Dashboard;
}

/** Every PromQL expression of the dashboard: panel targets and query variables. */
export function dashboardQueries(d: Dashboard): { where: string; expr: string }[] {
  const out: { where: string; expr: string }[] = [];
  const walk = (panels: Panel[]): void => {
    for (const p of panels) {
      for (const t of p.targets ?? []) out.push({ where: `panel "${p.title ?? p.type}"`, expr: t.expr });
      walk(p.panels ?? []);
    }
  };
  walk(d.panels);
  for (const v of d.templating.list) {
    if (v.type !== 'query') continue;
    const q = typeof v.query === 'string' ? v.query : (v.query?.query ?? '');
    // label_values(metric{...}, label): the metric part is PromQL.
    const m = /^label_values\((.*),\s*\w+\)$/.exec(q);
    out.push({ where: `variable $${v.name}`, expr: m?.[1] ?? q });
  }
  return out;
}

export interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface RuleGroup {
  name: string;
  rules: AlertRule[];
}

/** The PrometheusRule's groups as the chart renders them with the rule enabled. */
export async function renderedRuleGroups(sets: string[] = []): Promise<RuleGroup[]> {
  const { objects } = await renderChart(['metrics.prometheusRule.enabled=true', ...sets]);
  const rule = objects.find((o) => o.kind === 'PrometheusRule');
  if (!rule) throw new Error('the chart rendered no PrometheusRule');
  return (rule.spec as { groups: RuleGroup[] }).groups;
}

const KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'and', 'or', 'unless', 'offset', 'inf', 'nan']);

/** Metric names an expression selects: identifiers outside label matchers, ranges and grouping clauses that are not function calls. */
export function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const names = new Set<string>();
  for (const m of stripped.matchAll(/(?<![\w$.])([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\()?/g)) {
    const [, name, call] = m;
    if (!name || call || KEYWORDS.has(name.toLowerCase())) continue;
    names.add(name);
  }
  return [...names];
}

/** Metric families of an exposition (`# TYPE name kind`), with the series names each family exposes. */
export function exposedSeries(metricsText: string): Set<string> {
  const out = new Set<string>();
  for (const m of metricsText.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    const [, name, kind] = m;
    if (!name) continue;
    out.add(name);
    if (kind === 'histogram') for (const s of ['_bucket', '_sum', '_count']) out.add(name + s);
    if (kind === 'summary') for (const s of ['_sum', '_count']) out.add(name + s);
  }
  return out;
}

/** Asserts that every metric an expression reads is exported (or, where allowed, comes from Prometheus or kube-state-metrics). */
export function expectExported(exposed: Set<string>, queries: { where: string; expr: string }[], allowExternal: boolean): number {
  let checked = 0;
  for (const { where, expr } of queries) {
    const names = metricNames(expr);
    expect(names.length, `${where} reads no metric: ${expr}`).toBeGreaterThan(0);
    for (const name of names) {
      if (allowExternal && EXTERNAL_METRICS.has(name)) continue;
      expect(exposed.has(name), `${where} reads ${name}, which /metrics does not export`).toBe(true);
      checked++;
    }
  }
  return checked;
}

export function ruleQueries(groups: RuleGroup[]): { where: string; expr: string }[] {
  return groups.flatMap((g) => g.rules.map((r) => ({ where: `alert ${r.alert}`, expr: r.expr })));
}
