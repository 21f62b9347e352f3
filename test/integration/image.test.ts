// The container image, built from the project's Dockerfile with buildah and run the way Kubernetes runs it:
// UID 1000, read-only root filesystem, a writable /tmp, against the test control plane and the ARM emulator,
// with leader election on. Needs root, buildah and debootstrap (.ci/run installs them); skipped, saying why, without.
import { execFile, execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CoordinationV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startEmulator } from '../../src/emulator/index.ts';
import type { RunningEmulator } from '../../src/emulator/index.ts';
import { REPO } from '../../hack/chart-tools.ts';
import { createTopology, estate, estateIds, estateSpec, linuxVm, waitForReady } from '../support/controller.ts';
import { kubeconfigPath, testKubeConfig, useTestNamespace } from '../support/kube.ts';
import { dashboardQueries, expectExported, exposedSeries, readDashboard, renderedRuleGroups, ruleQueries } from '../support/monitoring.ts';
import { metricValue, startControllerProcess } from './runtime-process.ts';
import type { ControllerProcess } from './runtime-process.ts';

const run = promisify(execFile);

/** Every process below `root`, parents first, from /proc. */
function descendants(root: number): number[] {
  const parent = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // The parent pid follows the command name, which is in parentheses and may contain spaces.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parent.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // The process ended while we looked.
    }
  }
  const out: number[] = [];
  const walk = (pid: number): void => {
    for (const [child, ppid] of parent) {
      if (ppid === pid) {
        out.push(child);
        walk(child);
      }
    }
  };
  walk(root);
  return out;
}

function onPath(tool: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function skipReason(): string | undefined {
  if (process.env.MTOPO_SKIP_IMAGE_TEST) return 'MTOPO_SKIP_IMAGE_TEST is set';
  const missing = ['buildah', 'debootstrap', 'mount'].filter((t) => !onPath(t));
  if (missing.length) return `${missing.join(' and ')} not installed (apt-get install buildah debootstrap; .ci/run installs them)`;
  if (process.getuid?.() !== 0) return 'needs root (buildah chroot isolation and bind mounts)';
  return undefined;
}

const reason = skipReason();
if (reason) process.stderr.write(`[image] container image test skipped: ${reason}\n`);

const ns = useTestNamespace('image');
const lease = 'image-test-lease';
/** Figures for the log: the build, the image and the start. */
const figures: Record<string, string> = {};

describe.skipIf(reason !== undefined)('the container image', () => {
  const tag = `localhost/ampls-topology-controller:test-${ns.name}`;
  let work: string;
  let container = '';
  let rootfs = '';
  let readOnly = false;
  let entrypoint: string[] = [];
  let emulator: RunningEmulator;
  let proc: ControllerProcess | undefined;
  let child: ChildProcess | undefined;

  /** `buildah run` as Kubernetes would run the pod: UID 1000, /tmp writable, configuration mounted read-only. */
  const runArgs = (env: Record<string, string>, command: string[]): string[] => [
    'run',
    '--isolation',
    'chroot',
    '--user',
    '1000:1000',
    '--volume',
    `${join(work, 'tmp')}:/tmp`,
    '--volume',
    `${join(work, 'config')}:/tmp-config:ro`,
    ...Object.entries(env).flatMap(([k, v]) => ['--env', `${k}=${v}`]),
    container,
    '--',
    ...command,
  ];

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'mtopo-image-'));
    for (const d of ['tmp', 'config']) mkdirSync(join(work, d));
    chmodSync(join(work, 'tmp'), 0o1777);
    const started = performance.now();
    const built = await run('bash', [join(REPO, 'hack', 'image', 'build.sh'), tag], { maxBuffer: 64 * 1024 * 1024 }).catch((err: { stderr?: string }) => {
      throw new Error(`image build failed:\n${(err.stderr ?? '').slice(-4000)}`);
    });
    figures.build = `${((performance.now() - started) / 1000).toFixed(1)} s`;
    expect(built.stdout.trim().split('\n').at(-1)).toBe(tag);
    const [image] = JSON.parse((await run('buildah', ['images', '--json', tag])).stdout) as { size: string }[];
    figures.size = image?.size ?? '?';
    const config = (JSON.parse((await run('buildah', ['inspect', '--type', 'image', tag], { maxBuffer: 16 * 1024 * 1024 })).stdout) as { OCIv1: { config: { Entrypoint: string[]; User: string } } })
      .OCIv1.config;
    entrypoint = config.Entrypoint;
    expect(config.User).toBe('1000:1000');
    container = (await run('buildah', ['from', '--pull-never', '--name', `mtopo-${ns.name}`, tag])).stdout.trim();
    emulator = await startEmulator({ lroDelayMs: 5, estate: estate({ virtualMachines: [linuxVm('vm-img-1'), linuxVm('vm-img-2')] }) });
    // Readable by UID 1000, as a mounted Secret would be (the test's kubeconfig is the host's, mode 0600).
    chmodSync(join(work, 'config'), 0o755);
    copyFileSync(kubeconfigPath(), join(work, 'config', 'kubeconfig'));
    writeFileSync(join(work, 'config', 'azure-ca.pem'), readFileSync(emulator.caCertPath));
    for (const f of ['kubeconfig', 'azure-ca.pem']) chmodSync(join(work, 'config', f), 0o644);
  }, 45 * 60_000);

  afterAll(async () => {
    if (child?.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      // buildah runs the controller in namespaces of its own: end the whole process group.
      process.kill(-child.pid, 'SIGKILL');
    }
    await proc?.kill();
    await emulator?.close();
    if (readOnly) {
      await run('umount', [join(rootfs, 'run')]).catch(() => undefined);
      await run('umount', [rootfs]).catch(() => undefined);
    }
    if (container) await run('buildah', ['rm', container]).catch(() => undefined);
    await run('buildah', ['rmi', tag]).catch(() => undefined);
    if (work) rmSync(work, { recursive: true, force: true });
    process.stderr.write(`[image] figures: ${Object.entries(figures).map(([k, v]) => `${k} ${v}`).join('; ')}\n`);
  }, 120_000);

  it('answers --help as UID 1000 from a read-only root filesystem, where every write outside /tmp fails', async () => {
    // The first run creates the mount points buildah binds (/dev, /proc, /etc/hosts, ...) in the container's own layer.
    const first = await run('buildah', runArgs({}, [...entrypoint, '--help']));
    expect(first.stdout).toContain('Usage: ampls-topology-controller');
    // Then the container's root is bind-mounted read-only over itself: the run below sees it read-only, as
    // Kubernetes' readOnlyRootFilesystem would make it.
    // buildah adds and, after each run, removes /run/.containerenv: /run is a small tmpfs of its own, as
    // container runtimes give it, so that nothing else under the root needs to be writable.
    rootfs = (await run('buildah', ['mount', container])).stdout.trim();
    await run('mount', ['--bind', rootfs, rootfs]);
    readOnly = true;
    await run('mount', ['-o', 'remount,bind,ro', rootfs]);
    await run('mount', ['-t', 'tmpfs', '-o', 'mode=0755,size=1m', 'tmpfs', join(rootfs, 'run')]);

    const help = await run('buildah', runArgs({}, [...entrypoint, '--help']));
    for (const flag of ['--namespaces', '--arm-endpoint', '--leader-elect', '--metrics-bind-address', '--health-probe-bind-address']) expect(help.stdout).toContain(flag);

    const probe = `const fs = require('node:fs');
const out = { uid: process.getuid(), gid: process.getgid(), root: fs.readFileSync('/proc/mounts', 'utf8').split('\\n').find((l) => l.split(' ')[1] === '/') };
for (const p of ['/app/x', '/x', '/etc/x', '/usr/local/bin/x', '/tmp/x']) { try { fs.writeFileSync(p, 'x'); out[p] = 'written'; } catch (e) { out[p] = e.code; } }
console.log(JSON.stringify(out));`;
    const [node] = entrypoint;
    const checked = JSON.parse((await run('buildah', runArgs({}, [node ?? 'node', '-e', probe]))).stdout) as Record<string, unknown>;
    expect(checked).toMatchObject({ uid: 1000, gid: 1000, '/app/x': 'EROFS', '/x': 'EROFS', '/etc/x': 'EROFS', '/usr/local/bin/x': 'EROFS', '/tmp/x': 'written' });
    expect(String(checked.root)).toMatch(/ ro[, ]/);
  }, 120_000);

  it('starts ready, takes the lease, converges a topology and exports every metric the dashboard and alerts read', async () => {
    const started = performance.now();
    proc = startControllerProcess({
      name: 'image',
      kubeconfig: '/tmp-config/kubeconfig',
      args: [
        '--namespaces',
        ns.name,
        '--leader-elect',
        '--leader-election-namespace',
        ns.name,
        '--leader-election-id',
        lease,
        '--arm-endpoint',
        emulator.url,
        '--authority-host',
        emulator.authorityHost,
        '--azure-ca-file',
        '/tmp-config/azure-ca.pem',
      ],
      env: { AZURE_TENANT_ID: emulator.tenantId, AZURE_CLIENT_ID: emulator.clientId, AZURE_CLIENT_SECRET: emulator.clientSecret },
      spawn: (args, env) => {
        // Only what a pod would have: no host PATH or HOME inside the container.
        const pass = Object.fromEntries(
          Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined && ['KUBECONFIG', 'POD_NAME', 'AZURE_TENANT_ID', 'AZURE_CLIENT_ID', 'AZURE_CLIENT_SECRET'].includes(e[0])),
        );
        child = spawn('buildah', runArgs(pass, [...entrypoint, ...args]), { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
        return child;
      },
    });
    const p = proc;
    await vi.waitFor(() => expect(p.logs.filter((l) => l.msg === 'serving')).toHaveLength(2), { timeout: 120_000, interval: 100 });
    expect((await p.get('health', '/healthz')).status).toBe(200);
    await vi.waitFor(async () => expect((await p.get('health', '/readyz')).status).toBe(200), { timeout: 60_000, interval: 100 });
    figures.startToReady = `${((performance.now() - started) / 1000).toFixed(2)} s`;
    await p.waitForLog('successfully acquired lease');

    await createTopology(ns.name, 'prod', estateSpec({ virtualMachines: [estateIds.vm('vm-img-1'), estateIds.vm('vm-img-2')] }));
    const ready = await waitForReady(ns.name, 'prod', 60_000);
    expect(ready.status?.instances).toMatchObject({ total: 2, compliant: 2, failing: 0 });

    const body = await vi.waitFor(
      async () => {
        const m = await p.get('metrics', '/metrics');
        expect(metricValue(m.body, 'monitoringtopology_last_reconcile_timestamp_seconds', { namespace: ns.name, name: 'prod' })).toBeGreaterThan(0);
        return m.body;
      },
      { timeout: 15_000, interval: 200 },
    );
    expect(metricValue(body, 'azure_arm_requests_total')).toBeGreaterThan(0);
    const exposed = exposedSeries(body);
    expectExported(exposed, dashboardQueries(readDashboard()), false);
    expectExported(exposed, ruleQueries(await renderedRuleGroups()), true);
    // Nothing the process logged complains about the read-only root.
    expect(JSON.stringify(p.logs) + p.text.join('\n')).not.toMatch(/EROFS|read-only file system/i);
  }, 300_000);

  it('on SIGTERM to the container process releases the lease and exits 0', async () => {
    const p = proc as ControllerProcess;
    // buildah run answers a signal by killing its child; the kubelet signals the container's process itself.
    // The controller is the process whose program is node (buildah's chroot helper above it names it in its arguments).
    const node = descendants(p.child.pid ?? -1).find((pid) => /(^|\/)node$/.test(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0] ?? ''));
    expect(node, 'the controller process under buildah run').toBeDefined();
    process.kill(node ?? -1, 'SIGTERM');
    expect((await p.exit).code).toBe(0);
    await p.waitForLog('released lease', 1_000);
    const l = await testKubeConfig().makeApiClient(CoordinationV1Api).readNamespacedLease({ name: lease, namespace: ns.name });
    expect(l.spec?.holderIdentity ?? '').toBe('');
  }, 60_000);
});
