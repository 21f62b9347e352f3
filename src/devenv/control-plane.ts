// A local Kubernetes control plane (etcd + kube-apiserver) for tests and the sandbox, set up the way
// controller-runtime's envtest does it: throwaway PKI, admin in system:masters, RBAC, CRDs installed.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import {
  appendFileSync,
  closeSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments, stringify } from 'yaml';
import { ApiClient } from './api-client.ts';
import { createControlPlanePki } from './pki.ts';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const BUILD_SCRIPT = join(REPO, 'hack', 'build-control-plane.sh');

export interface ControlPlaneOptions {
  /** Directory of CRD manifests to install; defaults to the repository's crds/. */
  crdDirectory?: string;
  /** Directory holding `etcd`, `kube-apiserver` and `kubectl`; by default hack/build-control-plane.sh builds or finds them. */
  binDirectory?: string;
  /** Progress lines (build, startup). Defaults to stderr. */
  log?: (line: string) => void;
  /** How long to wait for readiness, in ms. */
  timeoutMs?: number;
  /**
   * Kill the control plane on SIGINT/SIGTERM/SIGHUP (default true). A caller with its own graceful
   * shutdown passes false and calls stop(); process exit and a killed parent are covered either way.
   */
  killOnSignal?: boolean;
}

export interface ControlPlane {
  /** kubeconfig with an admin (system:masters) client certificate; usable by kubectl and client-node. */
  kubeconfigPath: string;
  /** https://127.0.0.1:port */
  server: string;
  /** Temp directory holding certificates, logs and etcd data; removed by stop(). */
  directory: string;
  /** Directory of etcd, kube-apiserver and a kubectl of the same release. */
  binDirectory: string;
  stop(): Promise<void>;
}

interface Running {
  children: ChildProcess[];
  directory: string;
  reaper?: ChildProcess;
}

// Everything started and not yet stopped, so an exit or a signal can still clean up.
const running = new Set<Running>();
let exitHooksInstalled = false;

function killSync(r: Running): void {
  for (const child of r.children) killGroup(child, 'SIGKILL');
  if (r.reaper) killGroup(r.reaper, 'SIGKILL');
  rmSync(r.directory, { recursive: true, force: true });
  running.delete(r);
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}

let signalHooksInstalled = false;

function installExitHooks(signals: boolean): void {
  if (!exitHooksInstalled) {
    exitHooksInstalled = true;
    process.on('exit', () => {
      for (const r of [...running]) killSync(r);
    });
  }
  if (!signals || signalHooksInstalled) return;
  signalHooksInstalled = true;
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = (): void => {
      for (const r of [...running]) killSync(r);
      process.off(signal, onSignal);
      // Keep the default behaviour (terminate) unless someone else handles the signal.
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    };
    process.on(signal, onSignal);
  }
}

async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: n }, async () => {
      const s = createServer();
      s.listen(0, '127.0.0.1');
      await once(s, 'listening');
      return s;
    }),
  );
  const ports = servers.map((s) => {
    const addr = s.address();
    if (addr === null || typeof addr === 'string') throw new Error('no port');
    return addr.port;
  });
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}

async function binaries(log: (line: string) => void): Promise<string> {
  const child = spawn('bash', [BUILD_SCRIPT, 'control-plane'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => {
    for (const line of d.toString().split('\n')) if (line.trim() !== '') log(line);
  });
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`${BUILD_SCRIPT} control-plane failed with exit code ${code}`);
  const lines = out.trim().split('\n');
  return lines[lines.length - 1] ?? '';
}

function tail(path: string, lines = 30): string {
  try {
    return readFileSync(path, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

const PIDS_FILE = 'process-groups';

/**
 * Exit hooks cannot run when this process is SIGKILLed (an OOM kill, a CI timeout): a detached watcher
 * then kills the process groups listed in the directory and removes it.
 */
function startReaper(r: Running): void {
  const script = [
    `while kill -0 ${process.pid} 2>/dev/null; do sleep 1; done`,
    `for g in $(cat "$1/${PIDS_FILE}" 2>/dev/null); do kill -KILL -- "-$g" 2>/dev/null; done`,
    'rm -rf -- "$1"',
  ].join('\n');
  r.reaper = spawn('bash', ['-c', script, 'mtopo-control-plane-reaper', r.directory], {
    detached: true,
    stdio: 'ignore',
  });
  r.reaper.unref();
}

function startProcess(r: Running, binary: string, args: string[], logPath: string): ChildProcess {
  const fd = openSync(logPath, 'a');
  // Own process group, so one kill reaches the whole tree and a terminal Ctrl+C does not race our cleanup.
  const child = spawn(binary, args, { detached: true, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  child.unref();
  r.children.push(child);
  if (child.pid !== undefined) appendFileSync(join(r.directory, PIDS_FILE), `${child.pid}\n`);
  return child;
}

async function waitUntil(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs: number,
  fail: () => string | undefined,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const failure = fail();
    if (failure !== undefined) throw new Error(`${what}: ${failure}`);
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function exited(child: ChildProcess, logPath: string): string | undefined {
  if (child.exitCode === null && child.signalCode === null) return undefined;
  return `exited (${child.exitCode ?? child.signalCode}); last log lines:\n${tail(logPath)}`;
}

interface CrdManifest {
  metadata: { name: string };
  spec: { group: string; names: { plural: string }; versions: { name: string; served: boolean }[] };
}

function readCrds(directory: string): CrdManifest[] {
  const crds: CrdManifest[] = [];
  for (const file of readdirSync(directory).sort()) {
    if (!/\.ya?ml$/.test(file)) continue;
    for (const doc of parseAllDocuments(readFileSync(join(directory, file), 'utf8'))) {
      const obj = doc.toJS() as { kind?: string } | null;
      if (obj?.kind === 'CustomResourceDefinition') crds.push(obj as CrdManifest);
    }
  }
  return crds;
}

async function installCrds(api: ApiClient, crds: CrdManifest[], timeoutMs: number): Promise<void> {
  for (const crd of crds) {
    const res = await api.request(
      'PATCH',
      `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crd.metadata.name}?fieldManager=mtopo-devenv&force=true`,
      JSON.stringify(crd),
      'application/apply-patch+yaml',
    );
    if (res.status >= 300) throw new Error(`installing CRD ${crd.metadata.name}: ${res.status} ${res.body}`);
  }
  // Established is not enough for clients: wait until discovery lists every served version.
  for (const crd of crds) {
    for (const version of crd.spec.versions.filter((v) => v.served)) {
      await waitUntil(
        `discovery of ${crd.spec.names.plural}.${crd.spec.group}/${version.name}`,
        async () => {
          const res = await api.request('GET', `/apis/${crd.spec.group}/${version.name}`);
          if (res.status !== 200) return false;
          const list = JSON.parse(res.body) as { resources?: { name: string }[] };
          return (list.resources ?? []).some((x) => x.name === crd.spec.names.plural);
        },
        timeoutMs,
        () => undefined,
      );
    }
  }
}

function kubeconfig(server: string, ca: string, cert: string, key: string): string {
  const b64 = (s: string): string => Buffer.from(s).toString('base64');
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'mtopo-test', cluster: { server, 'certificate-authority-data': b64(ca) } }],
    users: [{ name: 'admin', user: { 'client-certificate-data': b64(cert), 'client-key-data': b64(key) } }],
    contexts: [{ name: 'mtopo-test', context: { cluster: 'mtopo-test', user: 'admin', namespace: 'default' } }],
    'current-context': 'mtopo-test',
  });
}

export async function startControlPlane(options: ControlPlaneOptions = {}): Promise<ControlPlane> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const bin = options.binDirectory ?? (await binaries(log));
  installExitHooks(options.killOnSignal ?? true);
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(bin, options);
    } catch (err) {
      // A free port can be taken by a parallel run between probing and binding; try new ones.
      if (attempt >= 3 || !/address already in use/i.test(String(err))) throw err;
      log(`[control-plane] port taken, retrying (${attempt})`);
    }
  }
}

async function startOnce(bin: string, options: ControlPlaneOptions): Promise<ControlPlane> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const directory = mkdtempSync(join(tmpdir(), 'mtopo-control-plane-'));
  const r: Running = { children: [], directory };
  running.add(r);
  startReaper(r);
  const stop = async (): Promise<void> => {
    if (!running.has(r)) return;
    // The apiserver first, so it does not log etcd errors while shutting down.
    for (const child of [...r.children].reverse()) {
      if (child.exitCode !== null || child.signalCode !== null) continue;
      const exit = once(child, 'exit');
      killGroup(child, 'SIGTERM');
      const timer = setTimeout(() => killGroup(child, 'SIGKILL'), 5_000);
      await exit;
      clearTimeout(timer);
    }
    if (r.reaper) killGroup(r.reaper, 'SIGKILL');
    rmSync(directory, { recursive: true, force: true });
    running.delete(r);
  };
  try {
    const pki = await createControlPlanePki();
    const file = (name: string, content: string): string => {
      const path = join(directory, name);
      writeFileSync(path, content, { mode: 0o600 });
      return path;
    };
    const caFile = file('ca.crt', pki.ca.cert);
    const [etcdClient, etcdPeer, apiPort] = (await freePorts(3)) as [number, number, number];
    const etcdUrl = `http://127.0.0.1:${etcdClient}`;
    const peerUrl = `http://127.0.0.1:${etcdPeer}`;
    const etcdLog = join(directory, 'etcd.log');
    const etcd = startProcess(
      r,
      join(bin, 'etcd'),
      [
        '--name=default',
        `--data-dir=${join(directory, 'etcd')}`,
        `--listen-client-urls=${etcdUrl}`,
        `--advertise-client-urls=${etcdUrl}`,
        `--listen-peer-urls=${peerUrl}`,
        `--initial-advertise-peer-urls=${peerUrl}`,
        `--initial-cluster=default=${peerUrl}`,
        '--unsafe-no-fsync=true',
        '--log-level=warn',
      ],
      etcdLog,
    );
    await waitUntil(
      'etcd',
      async () => (await fetch(`${etcdUrl}/health`)).ok,
      timeoutMs,
      () => exited(etcd, etcdLog),
    );

    const server = `https://127.0.0.1:${apiPort}`;
    const apiLog = join(directory, 'kube-apiserver.log');
    const apiserver = startProcess(
      r,
      join(bin, 'kube-apiserver'),
      [
        `--etcd-servers=${etcdUrl}`,
        '--bind-address=127.0.0.1',
        '--advertise-address=127.0.0.1',
        `--secure-port=${apiPort}`,
        `--cert-dir=${join(directory, 'apiserver')}`,
        `--tls-cert-file=${file('apiserver.crt', pki.serving.cert)}`,
        `--tls-private-key-file=${file('apiserver.key', pki.serving.key)}`,
        `--client-ca-file=${caFile}`,
        '--authorization-mode=RBAC',
        `--service-account-issuer=${server}`,
        `--service-account-key-file=${file('sa.pub', pki.serviceAccount.publicKey)}`,
        `--service-account-signing-key-file=${file('sa.key', pki.serviceAccount.privateKey)}`,
        '--service-cluster-ip-range=10.0.0.0/24',
        '--allow-privileged=true',
        // No controller-manager creates the `default` service account, so this plugin would refuse every pod.
        '--disable-admission-plugins=ServiceAccount',
        '--profiling=false',
      ],
      apiLog,
    );
    const api = new ApiClient(server, pki.ca.cert, pki.admin.cert, pki.admin.key);
    await waitUntil(
      'kube-apiserver /readyz',
      async () => (await api.request('GET', '/readyz')).status === 200,
      timeoutMs,
      () => exited(apiserver, apiLog),
    );
    await installCrds(api, readCrds(options.crdDirectory ?? join(REPO, 'crds')), timeoutMs);
    const kubeconfigPath = file('kubeconfig', kubeconfig(server, pki.ca.cert, pki.admin.cert, pki.admin.key));
    return { kubeconfigPath, server, directory, binDirectory: bin, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
