// The chart against the real control plane: kubeconform-valid for its version and our CRD, and installable.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHART, KUBE_VERSION, REPO, renderChart, tool, toolsDir } from '../../hack/chart-tools.ts';
import { fetchOpenApiV2, schemasFromCrd, schemasFromOpenApi, writeSchemas } from '../../hack/kube-schemas.ts';
import { kubeconfigPath, kubectl, useTestNamespace } from '../support/kube.ts';

const CRD_FILE = join(REPO, 'crds', 'monitoring.ampls.dev_monitoringtopologies.yaml');
const ns = useTestNamespace('helm');
const watched = useTestNamespace('helm-watched');
let work: string;
let schemaDir: string;

async function kubeconform(yaml: string, extra: string[] = []): Promise<{ code: number; out: string }> {
  const file = join(work, `render-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, yaml);
  const r = await tool('kubeconform', [
    '-strict',
    '-summary',
    '-output',
    'text',
    '-kubernetes-version',
    KUBE_VERSION,
    '-schema-location',
    `${schemaDir}/{{ .ResourceKind }}{{ .KindSuffix }}.json`,
    ...extra,
    file,
  ]);
  return { code: r.code, out: r.stdout + r.stderr };
}

beforeAll(async () => {
  await toolsDir();
  work = mkdtempSync(join(tmpdir(), 'mtopo-helm-'));
  schemaDir = join(work, 'schemas');
  // Offline schemas: this API server's own OpenAPI document, plus the CRD file (not only its installed copy).
  const n = writeSchemas(schemaDir, schemasFromOpenApi(await fetchOpenApiV2(kubeconfigPath())), schemasFromCrd(readFileSync(CRD_FILE, 'utf8')));
  expect(n).toBeGreaterThan(50);
}, 900_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('Helm chart on the test control plane', () => {
  it('passes helm lint', async () => {
    const r = await tool('helm', ['lint', '--strict', CHART]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('0 chart(s) failed');
    expect(r.stdout).not.toMatch(/\[(WARNING|ERROR)\]/);
  });

  it('renders objects kubeconform accepts in strict mode, with defaults and with every option on', async () => {
    // With the CRD too: it is validated against the API server's own CustomResourceDefinition schema.
    const defaults = await renderChart(['workloadIdentity.clientId=00000000-0000-0000-0000-000000000001'], { includeCrds: true });
    let r = await kubeconform(defaults.yaml);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/Valid: 9, Invalid: 0, Errors: 0, Skipped: 0/);

    const everything = await renderChart([
      'watchNamespaces={team-a,team-b}',
      'networkPolicy.enabled=true',
      'networkPolicy.egress.enabled=true',
      'networkPolicy.metricsFrom[0].namespaceSelector.matchLabels.name=monitoring',
      'azure.budgets.reads.burst=100',
      'azure.authorityHost=https://login.microsoftonline.us',
      'podDisruptionBudget.minAvailable=50%',
      'extraEnv[0].name=NODE_OPTIONS',
      'extraEnv[0].value=--max-old-space-size=256',
    ]);
    r = await kubeconform(everything.yaml);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/Invalid: 0, Errors: 0, Skipped: 0/);
  });

  it('renders the monitoring objects kubeconform accepts, the Prometheus Operator kinds left to promtool and the chart tests', async () => {
    const { yaml } = await renderChart([
      'metrics.serviceMonitor.enabled=true',
      'metrics.grafanaDashboard.enabled=true',
      'metrics.prometheusRule.enabled=true',
      'metrics.prometheusRule.additionalAlertLabels.team=platform',
    ]);
    // No schema of the operator's CRDs is at hand offline: those two kinds are skipped by name, and counted.
    const r = await kubeconform(yaml, ['-skip', 'ServiceMonitor,PrometheusRule']);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/Valid: 9, Invalid: 0, Errors: 0, Skipped: 2/);
  });

  it('catches an invalid object (the schemas are strict, not empty)', async () => {
    const { yaml } = await renderChart();
    const r = await kubeconform(yaml.replace('revisionHistoryLimit: 5', 'revisionHistoryLimit: 5\n  notAField: true'));
    expect(r.code).not.toBe(0);
    expect(r.out).toMatch(/notAField/);
  });

  it('validates MonitoringTopology manifests against the CRD schema', async () => {
    const good = `apiVersion: monitoring.ampls.dev/v1alpha1
kind: MonitoringTopology
metadata: { name: t, namespace: n }
spec:
  privateLinkScope: { resourceId: /subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/microsoft.insights/privateLinkScopes/ampls }
  configurationEndpoint: { resourceId: /subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Microsoft.Insights/dataCollectionEndpoints/dce }
  dataCollectionRules: [ { resourceId: /subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Microsoft.Insights/dataCollectionRules/dcr } ]
  targets: { resourceGroups: [ /subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg ] }
`;
    expect((await kubeconform(good)).code, (await kubeconform(good)).out).toBe(0);
    const bad = good.replace('targets:', 'unknownField: 1\n  targets:');
    expect((await kubeconform(bad)).code).not.toBe(0);
  });

  it('installs into the control plane and creates every object', async () => {
    const release = `mtopo-${ns.name.slice(-8)}`;
    const env = { ...process.env, KUBECONFIG: kubeconfigPath(), HELM_CACHE_HOME: join(work, 'cache'), HELM_CONFIG_HOME: join(work, 'config'), HELM_DATA_HOME: join(work, 'data') };
    const install = await tool(
      'helm',
      ['install', release, CHART, '--namespace', ns.name, '--set', `watchNamespaces={${watched.name}}`, '--set', 'networkPolicy.enabled=true', '--set', 'workloadIdentity.clientId=00000000-0000-0000-0000-000000000001'],
      env,
    );
    expect(install.code, install.stderr).toBe(0);
    try {
      const { objects } = await renderChart([`watchNamespaces={${watched.name}}`, 'networkPolicy.enabled=true'], { release, namespace: ns.name });
      for (const o of objects) {
        const where = o.metadata.namespace ?? ns.name;
        const got = await kubectl(['get', `${o.kind}.${o.apiVersion.includes('/') ? o.apiVersion.split('/')[0] : ''}`.replace(/\.$/, ''), o.metadata.name, '-n', where, '-o', 'name']);
        expect(got.code, `${o.kind} ${where}/${o.metadata.name}: ${got.stderr}`).toBe(0);
      }
      expect(objects.map((o) => o.kind).sort()).toEqual(
        ['Deployment', 'NetworkPolicy', 'PodDisruptionBudget', 'Role', 'Role', 'RoleBinding', 'RoleBinding', 'Service', 'ServiceAccount'].sort(),
      );
      const deployment = await kubectl(['get', 'deployment', '-n', ns.name, '-o', 'jsonpath={.items[0].spec.replicas}']);
      expect(deployment.stdout).toBe('2');
      const crd = await kubectl(['get', 'crd', 'monitoringtopologies.monitoring.ampls.dev', '-o', 'name']);
      expect(crd.code).toBe(0);
      const status = await tool('helm', ['status', release, '--namespace', ns.name], env);
      expect(status.stdout).toMatch(/STATUS: deployed/);
    } finally {
      const un = await tool('helm', ['uninstall', release, '--namespace', ns.name, '--wait=false'], env);
      expect(un.code, un.stderr).toBe(0);
    }
  });
});
