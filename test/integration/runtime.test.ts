// The controller as a process: flags, probes before and after the informer cache syncs, metrics after a
// reconcile, redacted JSON logs, and a clean SIGTERM that releases the lease.
import { cpSync, readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { connect, createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { CoordinationV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parse, stringify } from 'yaml';
import { startEmulator } from '../../src/emulator/index.ts';
import type { RunningEmulator } from '../../src/emulator/index.ts';
import { createTopology, estate, estateIds, estateSpec, linuxVm, waitForReady } from '../support/controller.ts';
import { kubeconfigPath, testKubeConfig, useTestNamespace } from '../support/kube.ts';
import { metricValue, startControllerProcess } from './runtime-process.ts';
import { bundle } from '../../hack/bundle.ts';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
import type { ControllerProcess } from './runtime-process.ts';

const ns = useTestNamespace('runtime');

/** A TCP pass-through to the API server that holds every connection until opened: the cache cannot sync before. */
async function gatedProxy(target: URL): Promise<{ port: number; open(): void; close(): Promise<void> }> {
  let opened = false;
  const waiting: Socket[] = [];
  const sockets = new Set<Socket>();
  const forward = (client: Socket): void => {
    const upstream = connect(Number(target.port), target.hostname);
    sockets.add(upstream);
    client.pipe(upstream).pipe(client);
    const end = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end);
    upstream.on('error', end);
    client.on('close', end);
    upstream.on('close', end);
  };
  const server: Server = createServer((client) => {
    sockets.add(client);
    client.pause();
    if (opened) forward(client);
    else waiting.push(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    open() {
      opened = true;
      for (const c of waiting.splice(0)) forward(c);
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

function runToExit(args: string[]): ControllerProcess {
  return startControllerProcess({ name: 'cli', kubeconfig: kubeconfigPath(), args });
}

describe('controller process: configuration', () => {
  it('prints --help and exits 0', async () => {
    const p = runToExit(['--help']);
    expect((await p.exit).code).toBe(0);
    const usage = p.text.join('\n');
    for (const flag of ['--namespaces', '--arm-endpoint', '--authority-host', '--azure-ca-file', '--leader-elect', '--metrics-bind-address', 'WATCH_NAMESPACES']) {
      expect(usage).toContain(flag);
    }
  });

  it('refuses a bad value with a message naming the flag, and exits 2', async () => {
    const p = runToExit(['--concurrency', 'lots']);
    expect((await p.exit).code).toBe(2);
    expect(p.text.join('\n')).toMatch(/^error: --concurrency: "lots" must be an integer from 1 to 64/m);
  });
});

describe('controller process: probes, metrics, logs, shutdown', () => {
  let emulator: RunningEmulator;
  let proxy: Awaited<ReturnType<typeof gatedProxy>>;
  let work: string;
  let proc: ControllerProcess | undefined;
  const lease = 'runtime-test-lease';

  beforeAll(async () => {
    emulator = await startEmulator({ lroDelayMs: 5, estate: estate({ virtualMachines: [linuxVm('vm-web-1'), linuxVm('vm-web-2')] }) });
    const kubeconfig = parse(readFileSync(kubeconfigPath(), 'utf8')) as { clusters: { cluster: { server: string } }[] };
    const server = new URL(kubeconfig.clusters[0]?.cluster.server ?? '');
    proxy = await gatedProxy(server);
    // The API server's certificate names 127.0.0.1, so the proxied address still verifies.
    for (const c of kubeconfig.clusters) c.cluster.server = `https://127.0.0.1:${proxy.port}`;
    work = mkdtempSync(join(tmpdir(), 'mtopo-runtime-'));
    writeFileSync(join(work, 'kubeconfig'), stringify(kubeconfig));
  });

  afterAll(async () => {
    await proc?.kill();
    await proxy?.close();
    await emulator?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('is live at once, ready only after the cache syncs, and reports controller-runtime metrics after a reconcile', async () => {
    proc = startControllerProcess({
      name: 'solo',
      kubeconfig: join(work, 'kubeconfig'),
      emulator,
      args: ['--namespaces', ns.name, '--leader-elect', '--leader-election-namespace', ns.name, '--leader-election-id', lease],
    });
    const p = proc;
    expect((await p.get('health', '/healthz')).status).toBe(200);
    // The API server is unreachable through the closed gate: the informers cannot have synced.
    for (let i = 0; i < 5; i++) {
      const ready = await p.get('health', '/readyz');
      expect(ready.status).toBe(503);
      await new Promise((r) => setTimeout(r, 100));
    }
    proxy.open();
    await vi.waitFor(async () => expect((await p.get('health', '/readyz')).status).toBe(200), { timeout: 30_000, interval: 100 });
    await p.waitForLog('successfully acquired lease');

    await createTopology(ns.name, 'prod', estateSpec({ virtualMachines: [estateIds.vm('vm-web-1'), estateIds.vm('vm-web-2')] }));
    await waitForReady(ns.name, 'prod', 60_000);

    const metrics = await vi.waitFor(
      async () => {
        const m = await p.get('metrics', '/metrics');
        expect(metricValue(m.body, 'controller_runtime_reconcile_total', { controller: 'monitoringtopology' })).toBeGreaterThan(0);
        return m;
      },
      { timeout: 10_000, interval: 200 },
    );
    expect(metrics.status).toBe(200);
    // controller-runtime's result label: success, error, requeue or requeue_after.
    expect(metrics.body).toMatch(/^controller_runtime_reconcile_total\{controller="monitoringtopology",result="(success|requeue|requeue_after)"\} [1-9]/m);
    // Every family is registered and exposed (a labelled counter has no sample until it first counts).
    for (const name of [
      'controller_runtime_reconcile_total',
      'controller_runtime_reconcile_errors_total',
      'controller_runtime_reconcile_time_seconds',
      'workqueue_depth',
      'workqueue_adds_total',
      'workqueue_retries_total',
      'workqueue_queue_duration_seconds',
      'workqueue_work_duration_seconds',
      'azure_arm_requests_total',
      'azure_arm_budget_wait_seconds',
      'monitoringtopology_findings',
      'monitoringtopology_instances',
      'process_cpu_seconds_total',
      'nodejs_heap_size_used_bytes',
    ]) {
      expect(metrics.body, name).toMatch(new RegExp(`^# TYPE ${name} `, 'm'));
    }
    for (const name of ['controller_runtime_reconcile_time_seconds_bucket', 'workqueue_queue_duration_seconds_bucket', 'workqueue_work_duration_seconds_bucket', 'azure_arm_budget_wait_seconds_bucket', 'workqueue_depth']) {
      expect(metrics.body, name).toMatch(new RegExp(`^${name}[{ ]`, 'm'));
    }
    expect(metricValue(metrics.body, 'workqueue_adds_total', { name: 'monitoringtopology' })).toBeGreaterThan(0);
    expect(metricValue(metrics.body, 'azure_arm_requests_total')).toBeGreaterThan(0);

    // JSON lines; reconcile lines name the topology and a reconcile id; no secret or token leaks.
    const reconcileLines = p.logs.filter((l) => l.topology === `${ns.name}/prod` && typeof l.reconcileID === 'string');
    expect(reconcileLines.length).toBeGreaterThan(0);
    const raw = JSON.stringify(p.logs) + p.text.join('\n');
    expect(raw).not.toContain(emulator.clientSecret);
    expect(raw).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/);
  });

  it('on SIGTERM stops, releases the lease and exits 0', async () => {
    const p = proc as ControllerProcess;
    p.child.kill('SIGTERM');
    const { code } = await p.exit;
    expect(code).toBe(0);
    await p.waitForLog('released lease', 1_000);
    const l = await testKubeConfig().makeApiClient(CoordinationV1Api).readNamespacedLease({ name: lease, namespace: ns.name });
    expect(l.spec?.holderIdentity ?? '').toBe('');
    expect(l.spec?.leaseDurationSeconds).toBe(1);
  });
});

describe('bundled entrypoint (npm start, the image)', () => {
  const out = join(REPO, '.cache', `dist-${ns.name}`);

  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('bundles with hack/bundle.ts and runs as node dist/main.js, without node_modules, until SIGTERM', async () => {
    // The same bundler and options as `npm run build`, into a private directory.
    const packages = await bundle({ entryPoints: ['src/runtime/main.ts'], outdir: out });
    expect(packages).toContain('@kubernetes/client-node');
    // The image ships no node_modules: a copy of the bundle outside this checkout proves it needs none.
    const alone = mkdtempSync(join(tmpdir(), 'mtopo-bundle-'));
    cpSync(out, join(alone, 'dist'), { recursive: true });
    writeFileSync(join(alone, 'package.json'), JSON.stringify({ type: 'module' }));
    expect(readFileSync(join(alone, 'dist', 'THIRD-PARTY-NOTICES.txt'), 'utf8')).toMatch(/^@kubernetes\/client-node@[\d.]+ \(Apache-2\.0\)$/m);
    const p = startControllerProcess({ name: 'bundled', kubeconfig: kubeconfigPath(), main: join(alone, 'dist', 'main.js'), args: ['--namespaces', ns.name] });
    try {
      await vi.waitFor(async () => expect((await p.get('health', '/readyz')).status).toBe(200), { timeout: 30_000, interval: 100 });
      expect((await p.get('metrics', '/metrics')).body).toMatch(/^# TYPE workqueue_depth gauge/m);
      p.child.kill('SIGTERM');
      expect((await p.exit).code).toBe(0);
    } finally {
      await p.kill();
      rmSync(alone, { recursive: true, force: true });
    }
  }, 120_000);
  it('loads the SDKs the controller imports on first use from the bundle, each with its client class', async () => {
    // A CommonJS build bundled apart for a dynamic import gives only a default export: the Arc reads would then fail.
    const alone = mkdtempSync(join(tmpdir(), 'mtopo-bundle-'));
    try {
      await bundle({ entryPoints: ['test/support/bundled-sdks.ts'], outdir: alone });
      writeFileSync(join(alone, 'package.json'), JSON.stringify({ type: 'module' }));
      const { stdout } = await promisify(execFile)(process.execPath, [join(alone, 'bundled-sdks.js')], { cwd: alone });
      expect(JSON.parse(stdout)).toEqual({
        network: 'NetworkManagementClient',
        privateDns: 'PrivateDnsManagementClient',
        hybridCompute: 'HybridComputeManagementClient',
        resourceGraph: 'ResourceGraphClient',
        logs: 'LogsQueryClient',
      });
    } finally {
      rmSync(alone, { recursive: true, force: true });
    }
  }, 60_000);
});
