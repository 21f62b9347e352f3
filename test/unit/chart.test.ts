import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CHART, REPO, renderChart, tool, toolsDir } from '../../hack/chart-tools.ts';
import type { K8sObject } from '../../hack/chart-tools.ts';

interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}

const find = (objects: K8sObject[], kind: string, name?: string): K8sObject[] =>
  objects.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));

function one(objects: K8sObject[], kind: string): K8sObject {
  const found = find(objects, kind);
  expect(found, `exactly one ${kind}`).toHaveLength(1);
  return found[0] as K8sObject;
}

interface Container {
  args: string[];
  securityContext: Record<string, unknown>;
  livenessProbe: { httpGet: { path: string } };
  readinessProbe: { httpGet: { path: string } };
  resources: { requests?: unknown; limits?: unknown };
}
interface PodTemplate {
  metadata: { labels: Record<string, string> };
  spec: { securityContext: Record<string, unknown>; serviceAccountName: string; containers: Container[] };
}

function pod(objects: K8sObject[]): PodTemplate {
  return (one(objects, 'Deployment').spec as { template: PodTemplate }).template;
}

const TOPOLOGY_RULES: Rule[] = [
  { apiGroups: ['monitoring.ampls.dev'], resources: ['monitoringtopologies'], verbs: ['list', 'watch', 'patch'] },
  { apiGroups: ['monitoring.ampls.dev'], resources: ['monitoringtopologies/status'], verbs: ['patch'] },
  { apiGroups: [''], resources: ['events'], verbs: ['create'] },
];

describe('Helm chart', () => {
  beforeAll(async () => {
    await toolsDir();
  }, 900_000);

  it('ships the CRDs byte-identical to crds/ (run hack/sync-chart-crds.sh after regenerating them)', () => {
    const repoCrds = readdirSync(join(REPO, 'crds')).filter((f) => f.endsWith('.yaml')).sort();
    const chartCrds = readdirSync(join(CHART, 'crds')).filter((f) => f.endsWith('.yaml')).sort();
    expect(chartCrds).toEqual(repoCrds);
    expect(repoCrds.length).toBeGreaterThan(0);
    for (const f of repoCrds) {
      expect(readFileSync(join(CHART, 'crds', f), 'utf8'), f).toBe(readFileSync(join(REPO, 'crds', f), 'utf8'));
    }
  });

  it('passes helm lint --strict without warnings', async () => {
    const r = await tool('helm', ['lint', '--strict', CHART, '--set', 'workloadIdentity.clientId=00000000-0000-0000-0000-000000000001']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).not.toMatch(/\[(WARNING|ERROR)\]/);
  });

  it('runs two replicas with leader election, workload identity and a locked-down pod', async () => {
    const { objects } = await renderChart(['workloadIdentity.clientId=11111111-2222-3333-4444-555555555555'], { namespace: 'ops' });
    const deployment = one(objects, 'Deployment');
    expect((deployment.spec as { replicas: number }).replicas).toBe(2);
    const template = pod(objects);
    expect(template.metadata.labels['azure.workload.identity/use']).toBe('true');
    const sa = one(objects, 'ServiceAccount');
    expect(sa.metadata.annotations?.['azure.workload.identity/client-id']).toBe('11111111-2222-3333-4444-555555555555');
    expect(template.spec.serviceAccountName).toBe(sa.metadata.name);
    expect(template.spec.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    const container = template.spec.containers[0] as Container;
    expect(container.securityContext).toMatchObject({
      runAsNonRoot: true,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(container.args).toEqual(
      expect.arrayContaining(['--leader-elect=true', '--leader-election-namespace=ops', '--metrics-bind-address=:8080', '--health-probe-bind-address=:8081']),
    );
    expect(container.args.some((a) => a.startsWith('--namespaces'))).toBe(false);
    expect(container.livenessProbe.httpGet.path).toBe('/healthz');
    expect(container.readinessProbe.httpGet.path).toBe('/readyz');
    expect(container.resources.requests).toBeDefined();
    expect(container.resources.limits).toBeDefined();
    expect(one(objects, 'Service').spec).toMatchObject({ ports: [{ name: 'metrics', port: 8080, targetPort: 'metrics' }] });
    expect(one(objects, 'PodDisruptionBudget').spec).toMatchObject({ minAvailable: 1 });
    expect(find(objects, 'ServiceMonitor')).toHaveLength(0);
    expect(find(objects, 'NetworkPolicy')).toHaveLength(0);
  });

  it('grants cluster-wide exactly the topology rules when watching all namespaces, and a Lease role in its own namespace', async () => {
    const { objects } = await renderChart([], { namespace: 'ops', release: 'r' });
    expect((one(objects, 'ClusterRole').rules as Rule[])).toEqual(TOPOLOGY_RULES);
    expect(one(objects, 'ClusterRoleBinding')).toMatchObject({ subjects: [{ kind: 'ServiceAccount', name: 'r-ampls-topology-controller', namespace: 'ops' }] });
    const roles = find(objects, 'Role');
    expect(roles).toHaveLength(1);
    expect(roles[0]?.metadata.namespace).toBe('ops');
    expect(roles[0]?.rules).toEqual([
      { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create'] },
      { apiGroups: ['coordination.k8s.io'], resources: ['leases'], resourceNames: ['r-ampls-topology-controller.monitoring.ampls.dev'], verbs: ['get', 'update'] },
    ]);
  });

  it('uses a Role and RoleBinding per namespace when namespaces are listed', async () => {
    const { objects } = await renderChart(['watchNamespaces={team-a,team-b}'], { namespace: 'ops' });
    expect(find(objects, 'ClusterRole')).toHaveLength(0);
    expect(find(objects, 'ClusterRoleBinding')).toHaveLength(0);
    const topologyRoles = find(objects, 'Role').filter((r) => !r.metadata.name.endsWith('-leader-election'));
    expect(topologyRoles.map((r) => r.metadata.namespace)).toEqual(['team-a', 'team-b']);
    for (const r of topologyRoles) expect(r.rules).toEqual(TOPOLOGY_RULES);
    expect(find(objects, 'RoleBinding').map((b) => b.metadata.namespace).sort()).toEqual(['ops', 'team-a', 'team-b']);
    expect(pod(objects).spec.containers[0]?.args).toContain('--namespaces=team-a,team-b');
  });

  it('never grants secrets, wildcards or anything beyond its kinds', async () => {
    for (const sets of [[], ['watchNamespaces={a}']]) {
      const { objects } = await renderChart(sets);
      const rules = objects.filter((o) => o.kind === 'Role' || o.kind === 'ClusterRole').flatMap((o) => o.rules as Rule[]);
      for (const rule of rules) {
        expect(rule.resources.join()).not.toMatch(/secret|\*/);
        expect(rule.verbs.join()).not.toMatch(/\*|delete|deletecollection|escalate|bind|impersonate/);
        expect(rule.apiGroups.every((g) => ['', 'monitoring.ampls.dev', 'events.k8s.io', 'coordination.k8s.io'].includes(g))).toBe(true);
      }
    }
  });

  it('renders the optional ServiceMonitor, NetworkPolicy and budget flags', async () => {
    const { objects } = await renderChart([
      'metrics.serviceMonitor.enabled=true',
      'networkPolicy.enabled=true',
      'networkPolicy.egress.enabled=true',
      'azure.budgets.reads.burst=100',
      'azure.budgets.writes.perSecond=5',
      'leaderElection.enabled=false',
    ]);
    expect(one(objects, 'ServiceMonitor').spec).toMatchObject({ endpoints: [{ port: 'metrics', path: '/metrics' }] });
    expect(one(objects, 'NetworkPolicy').spec).toMatchObject({ policyTypes: ['Ingress', 'Egress'] });
    const args = pod(objects).spec.containers[0]?.args ?? [];
    expect(args).toEqual(expect.arrayContaining(['--arm-read-burst=100', '--arm-write-rate=5', '--leader-elect=false']));
    expect(find(objects, 'Role')).toHaveLength(0);
  });

  it('ships the Grafana dashboard and the PrometheusRule off by default, and both when asked', async () => {
    const defaults = await renderChart();
    expect(find(defaults.objects, 'ConfigMap')).toHaveLength(0);
    expect(find(defaults.objects, 'PrometheusRule')).toHaveLength(0);

    const { objects } = await renderChart([
      'metrics.serviceMonitor.enabled=true',
      'metrics.grafanaDashboard.enabled=true',
      'metrics.grafanaDashboard.namespace=monitoring',
      'metrics.grafanaDashboard.annotations.grafana_folder=Controllers',
      'metrics.prometheusRule.enabled=true',
      'metrics.prometheusRule.labels.release=kube-prometheus-stack',
    ]);
    const dashboard = one(objects, 'ConfigMap') as K8sObject & { data: Record<string, string> };
    expect(dashboard.metadata).toMatchObject({ namespace: 'monitoring', labels: { grafana_dashboard: '1' }, annotations: { grafana_folder: 'Controllers' } });
    const json = dashboard.data['ampls-topology-controller.json'] ?? '';
    expect(JSON.parse(json)).toEqual(JSON.parse(readFileSync(join(CHART, 'dashboards', 'ampls-topology-controller.json'), 'utf8')));
    expect(one(objects, 'PrometheusRule').metadata).toMatchObject({ namespace: 'mtopo-system', labels: { release: 'kube-prometheus-stack' } });
    // The topology series carry their own namespace label; the dashboard and alerts group by it.
    expect(one(objects, 'ServiceMonitor').spec).toMatchObject({ endpoints: [{ honorLabels: true }] });
  }, 60_000);

  it('sets the V8 heap limit to memoryTuning.heapPercent of the memory limit, a small young generation and malloc tunables, unless the user sets them', async () => {
    const env = async (sets: string[]): Promise<{ name: string; value?: string }[]> =>
      (pod((await renderChart(sets)).objects).spec.containers[0] as unknown as { env: { name: string; value?: string }[] }).env;
    const defaults = await env([]);
    expect(defaults).toContainEqual({ name: 'NODE_OPTIONS', value: '--max-old-space-size=576 --max-semi-space-size=8' });
    expect(defaults.find((e) => e.name === 'GLIBC_TUNABLES')?.value).toMatch(/^glibc\.malloc\.arena_max=2:/);
    expect(await env(['resources.limits.memory=1Gi', 'memoryTuning.heapPercent=50'])).toContainEqual({ name: 'NODE_OPTIONS', value: '--max-old-space-size=512 --max-semi-space-size=8' });
    expect(await env(['resources.limits.memory=500M'])).toContainEqual({ name: 'NODE_OPTIONS', value: '--max-semi-space-size=8' });
    expect((await env(['resources.limits.memory=500M', 'memoryTuning.semiSpaceMiB=null'])).map((e) => e.name)).not.toContain('NODE_OPTIONS');
    expect((await env(['memoryTuning.mallocTunables='])).map((e) => e.name)).not.toContain('GLIBC_TUNABLES');
    const own = await env(['extraEnv[0].name=NODE_OPTIONS', 'extraEnv[0].value=--max-old-space-size=100', 'extraEnv[1].name=GLIBC_TUNABLES', 'extraEnv[1].value=glibc.malloc.arena_max=1']);
    expect(own.filter((e) => e.name === 'NODE_OPTIONS' || e.name === 'GLIBC_TUNABLES')).toEqual([
      { name: 'NODE_OPTIONS', value: '--max-old-space-size=100' },
      { name: 'GLIBC_TUNABLES', value: 'glibc.malloc.arena_max=1' },
    ]);
  }, 60_000);

  it.each([
    ['logLevel=loud', /logLevel/],
    ['watchNamespaces={Bad_NS}', /watchNamespaces/],
    ['workloadIdentity.clientId=not-a-guid', /clientId/],
    ['azure.resourceManagerEndpoint=http://management.azure.com', /resourceManagerEndpoint/],
    ['leaderElection.leaseDuration=15', /leaseDuration/],
    ['unknownValue=1', /unknownValue/],
    ['metrics.prometheusRule.reconcileErrorRatio=2', /reconcileErrorRatio/],
    ['metrics.grafanaDashboard.namespace=Bad_NS', /namespace/],
  ])('refuses %s through values.schema.json', async (set, message) => {
    await expect(renderChart([set])).rejects.toThrow(message);
  });
});
