// The sandbox's environment: control-plane binaries, a Kubernetes control plane and the ARM emulator
// loaded with an estate; each step prints a short stage.
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { startControlPlane } from '../devenv/control-plane.ts';
import type { ControlPlane } from '../devenv/control-plane.ts';
import { startEmulator } from '../emulator/index.ts';
import type { Principal, RunningEmulator } from '../emulator/index.ts';
import type { Output } from './output.ts';
import { elapsed, seconds } from './output.ts';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));
const BUILD_SCRIPT = fileURLToPath(new URL('../../hack/build-control-plane.sh', import.meta.url));

/** Builds kube-apiserver, etcd and kubectl on first use (minutes), finds them in the cache afterwards (instant). */
export async function controlPlaneBinaries(out: Output, signal: AbortSignal): Promise<string> {
  out.stage('Control plane binaries (kube-apiserver, etcd and kubectl, built from their Go modules)');
  const started = Date.now();
  const child = spawn('bash', [BUILD_SCRIPT, 'control-plane'], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const exit = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  let stdout = '';
  let building = false;
  let downloads = 0;
  const tail: string[] = [];
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => {
    for (const line of d.toString().split('\n')) {
      if (line.trim() === '') continue;
      if (line.includes('building')) building = true;
      tail.push(line);
      if (tail.length > 20) tail.shift();
      // Hundreds of module downloads: counted in the heartbeat instead of printed.
      if (line.startsWith('go: downloading')) downloads++;
      else out.line(line.replace(/^\[control-plane\] /, ''), 'dim');
    }
  });
  // `go build` is silent for minutes: say that it is still working.
  const heartbeat = setInterval(() => {
    if (!building) return;
    const modules = downloads > 0 ? `, ${downloads} Go modules downloaded` : '';
    out.line(`still building (${elapsed(Date.now() - started).slice(1)} so far${modules}; later runs reuse the cache)`, 'dim');
  }, 30_000);
  const onAbort = (): void => {
    if (child.pid !== undefined) process.kill(-child.pid, 'SIGTERM');
  };
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    const [code] = await exit;
    if (signal.aborted) throw new Error('interrupted');
    if (code !== 0) {
      const goMissing = spawnSync('go', ['version']).error !== undefined;
      const hint = goMissing ? '\nThe first run builds them from source and needs Go (https://go.dev/dl/) on the PATH.' : '';
      throw new Error(`${BUILD_SCRIPT} failed (exit ${code}):\n${tail.join('\n')}${hint}`);
    }
  } finally {
    clearInterval(heartbeat);
    signal.removeEventListener('abort', onAbort);
  }
  const bin = stdout.trim().split('\n').pop() ?? '';
  out.line(building ? `built into ${bin} in ${seconds(Date.now() - started)}` : `cached in ${bin}`);
  return bin;
}

export async function controlPlane(out: Output, binDirectory: string): Promise<ControlPlane> {
  out.stage('Kubernetes control plane (etcd + kube-apiserver, MonitoringTopology CRD installed)');
  const started = Date.now();
  const cp = await startControlPlane({ binDirectory, log: (line) => out.line(line, 'dim') });
  out.line(`API server ${cp.server} ready in ${seconds(Date.now() - started)}`);
  out.line(`kubeconfig ${cp.kubeconfigPath}`);
  return cp;
}

export async function emulator(out: Output, estate: string, caDir: string, principals: Principal[] = []): Promise<RunningEmulator> {
  out.stage(`Azure Resource Manager emulator, loaded with ${estate}`);
  const arm = await startEmulator({ estate: fileURLToPath(new URL(estate, `file://${REPO}`)), caDir, principals });
  out.line(`ARM endpoint ${arm.url} (HTTPS, its own CA and token endpoint)`);
  return arm;
}

export function hasKubectl(): boolean {
  return spawnSync('kubectl', ['version', '--client'], { stdio: 'ignore' }).status === 0;
}
