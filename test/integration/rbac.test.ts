// The chart's RBAC on the real API server: impersonating its ServiceAccount, it can do what the controller
// needs and nothing else (no Secrets, no other kinds, no other Leases).
import { Registry } from 'prom-client';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { renderChart, toolsDir } from '../../hack/chart-tools.ts';
import { createArmGateway, createSubscriptionBudgets } from '../../src/azure/index.ts';
import { createController } from '../../src/controller/index.ts';
import {
  associationsOf,
  createTopology,
  deleteTopology,
  estate,
  estateIds,
  estateSpec,
  getTopology,
  linuxVm,
  LogCapture,
  waitForReady,
} from '../support/controller.ts';
import { startTestEmulator } from '../support/emulator.ts';
import { applyYaml, kubectl, testKubeConfig, useTestNamespace } from '../support/kube.ts';

const TOPOLOGIES = 'monitoringtopologies.monitoring.ampls.dev';
const home = useTestNamespace('rbac-home');
const watched = useTestNamespace('rbac-watched');
const other = useTestNamespace('rbac-other');

async function can(sa: string, args: string[]): Promise<boolean> {
  const r = await kubectl(['auth', 'can-i', ...args, `--as=system:serviceaccount:${home.name}:${sa}`]);
  if (r.code !== 0 && r.code !== 1) throw new Error(`kubectl auth can-i ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim() === 'yes';
}

/** The resource rules an identity holds in a namespace, apart from the self-reviews and discovery URLs every user has. */
async function grantedResources(sa: string, namespace: string): Promise<string[]> {
  const r = await kubectl(['auth', 'can-i', '--list', '-n', namespace, `--as=system:serviceaccount:${home.name}:${sa}`], { check: true });
  return r.stdout
    .split('\n')
    .slice(1)
    .map((l) => l.trim().split(/\s{2,}/))
    // A row whose first column is a [list] has no resource: it is a non-resource URL (discovery, health).
    .filter((cols) => cols[0] && !cols[0].startsWith('['))
    .filter((cols) => !/^self.*reviews\.(authorization|authentication)\.k8s\.io$/.test(cols[0] ?? ''))
    .map((cols) => cols.join(' '))
    .sort();
}

async function install(release: string, sets: string[]): Promise<string> {
  const { yaml, objects } = await renderChart(sets, { release, namespace: home.name });
  await applyYaml(yaml, { check: true });
  return objects.find((o) => o.kind === 'ServiceAccount')?.metadata.name ?? '';
}

beforeAll(async () => {
  await toolsDir();
}, 900_000);

describe('chart RBAC, watching all namespaces', () => {
  let sa = '';
  beforeAll(async () => {
    sa = await install('cw', []);
  });

  it.each([
    ...['list', 'watch', 'patch'].map((v) => [v, TOPOLOGIES, '']),
    ['patch', TOPOLOGIES, '--subresource=status'],
    ['create', 'events', ''],
  ])('may %s %s %s in any namespace', async (...args) => {
    for (const namespace of [home.name, other.name]) {
      expect(await can(sa, [...args.filter(Boolean), '-n', namespace]), `${args.join(' ')} in ${namespace}`).toBe(true);
    }
    if (args[0] === 'list' || args[0] === 'watch') expect(await can(sa, [args[0], TOPOLOGIES, '--all-namespaces'])).toBe(true);
  });

  it.each([
    ['update', TOPOLOGIES, ''],
    ['get', TOPOLOGIES, ''],
    ['get', TOPOLOGIES, '--subresource=status'],
    ['update', TOPOLOGIES, '--subresource=status'],
    ['update', TOPOLOGIES, '--subresource=finalizers'],
    ['patch', 'events', ''],
    ['create', 'events.events.k8s.io', ''],
    ['patch', 'events.events.k8s.io', ''],
  ])('holds no unused verb: may not %s %s %s', async (...args) => {
    expect(await can(sa, [...args.filter(Boolean), '-n', home.name])).toBe(false);
  });

  it('may create its Lease and get/update it by name in its own namespace only', async () => {
    const lease = 'cw-ampls-topology-controller.monitoring.ampls.dev';
    expect(await can(sa, ['create', 'leases.coordination.k8s.io', '-n', home.name])).toBe(true);
    expect(await can(sa, ['get', `leases.coordination.k8s.io/${lease}`, '-n', home.name])).toBe(true);
    expect(await can(sa, ['update', `leases.coordination.k8s.io/${lease}`, '-n', home.name])).toBe(true);
    expect(await can(sa, ['update', 'leases.coordination.k8s.io/someone-else', '-n', home.name])).toBe(false);
    expect(await can(sa, ['list', 'leases.coordination.k8s.io', '-n', home.name])).toBe(false);
    expect(await can(sa, ['delete', `leases.coordination.k8s.io/${lease}`, '-n', home.name])).toBe(false);
    expect(await can(sa, ['create', 'leases.coordination.k8s.io', '-n', other.name])).toBe(false);
  });

  it.each([
    ['get', 'secrets'],
    ['list', 'secrets'],
    ['watch', 'secrets'],
    ['get', 'configmaps'],
    ['list', 'pods'],
    ['create', 'pods'],
    ['list', 'serviceaccounts'],
    ['create', 'serviceaccounts/token'],
    ['create', TOPOLOGIES],
    ['delete', TOPOLOGIES],
    ['deletecollection', TOPOLOGIES],
    ['list', 'events'],
    ['delete', 'events'],
    ['list', 'namespaces'],
    ['list', 'nodes'],
    ['get', 'customresourcedefinitions.apiextensions.k8s.io'],
    ['list', 'deployments.apps'],
    ['create', 'roles.rbac.authorization.k8s.io'],
    ['impersonate', 'serviceaccounts'],
    ['*', '*'],
  ])('may not %s %s', async (verb, resource) => {
    for (const namespace of [home.name, other.name]) {
      expect(await can(sa, [verb, resource, '-n', namespace]), `${verb} ${resource} in ${namespace}`).toBe(false);
    }
  });

  it('holds no rule beyond topologies, events and its Lease', async () => {
    const granted = await grantedResources(sa, home.name);
    for (const row of granted) {
      expect(row, row).toMatch(/^(monitoringtopologies\.monitoring\.ampls\.dev(\/status)?|events|leases\.coordination\.k8s\.io) /);
    }
    expect(granted.some((row) => row.startsWith('monitoringtopologies.monitoring.ampls.dev'))).toBe(true);
  });

  it('is refused when it actually reads a Secret', async () => {
    await kubectl(['create', 'secret', 'generic', 'azure-creds', '--from-literal=clientSecret=do-not-read', '-n', home.name], { check: true });
    const r = await kubectl(['get', 'secret', 'azure-creds', '-n', home.name, `--as=system:serviceaccount:${home.name}:${sa}`]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/forbidden/i);
    expect(r.stdout).not.toContain('do-not-read');
  });
});

describe('chart RBAC, watching listed namespaces', () => {
  let sa = '';
  beforeAll(async () => {
    sa = await install('nsd', [`watchNamespaces={${watched.name}}`]);
  });

  it('reaches topologies and events in the watched namespace only', async () => {
    for (const verb of ['list', 'watch', 'patch']) {
      expect(await can(sa, [verb, TOPOLOGIES, '-n', watched.name])).toBe(true);
      expect(await can(sa, [verb, TOPOLOGIES, '-n', other.name])).toBe(false);
    }
    expect(await can(sa, ['patch', TOPOLOGIES, '--subresource=status', '-n', watched.name])).toBe(true);
    expect(await can(sa, ['create', 'events', '-n', watched.name])).toBe(true);
    expect(await can(sa, ['create', 'events', '-n', other.name])).toBe(false);
    expect(await can(sa, ['list', TOPOLOGIES, '--all-namespaces'])).toBe(false);
    expect(await can(sa, ['get', 'secrets', '-n', watched.name])).toBe(false);
    expect(await can(sa, ['create', 'leases.coordination.k8s.io', '-n', home.name])).toBe(true);
  });
});

describe('the controller under the chart RBAC', () => {
  const runNs = useTestNamespace('rbac-run');

  it('converges, records events, writes status and removes its finalizer with nothing but these permissions', async () => {
    const sa = await install('run', [`watchNamespaces={${runNs.name}}`]);
    const token = (await kubectl(['create', 'token', sa, '-n', home.name], { check: true })).stdout.trim();
    // The ServiceAccount's own token: every call the controller makes is authorized as the chart grants it.
    const kubeConfig = testKubeConfig();
    const user = kubeConfig.getCurrentUser();
    kubeConfig.users = kubeConfig.users.map((u) => (u.name === user?.name ? { name: u.name, token } : u));
    const emulator = await startTestEmulator({ estate: estate({ virtualMachines: [linuxVm('vm-rbac')] }), pageSize: 100, lroDelayMs: 5 });
    const logs = new LogCapture();
    const gateway = createArmGateway({ endpoint: emulator.url, credential: emulator.credential, budgets: createSubscriptionBudgets(), logger: logs.logger, lroPollIntervalMs: 10 });
    const controller = createController({ kubeConfig, namespaces: [runNs.name], gateway, logger: logs.logger, registry: new Registry(), confirmAfterMs: 200 });
    const abort = new AbortController();
    await controller.startInformers();
    const running = controller.run(abort.signal);
    try {
      await createTopology(runNs.name, 'rbac', estateSpec({ virtualMachines: [estateIds.vm('vm-rbac')] }, { deletionPolicy: 'Delete' }));
      const ready = await waitForReady(runNs.name, 'rbac', 60_000);
      expect(ready.metadata.finalizers).toContain('monitoring.ampls.dev/finalizer');
      const events = await kubectl(['get', 'events', '-n', runNs.name, '-o', 'jsonpath={.items[*].reason}'], { check: true });
      expect(events.stdout).toContain('CreatedRuleAssociation');
      await deleteTopology(runNs.name, 'rbac');
      await vi.waitFor(async () => expect(await getTopology(runNs.name, 'rbac')).toBeUndefined(), { timeout: 30_000 });
      expect(associationsOf(emulator, estateIds.vm('vm-rbac'))).toEqual([]);
      const refused = logs.lines.filter((l) => /forbidden/i.test(JSON.stringify(l)));
      expect(refused).toEqual([]);
    } finally {
      abort.abort();
      await running;
      await controller.stop();
      await emulator.close();
    }
  }, 120_000);
});
