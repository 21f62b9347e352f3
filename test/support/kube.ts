// Test access to the control plane started by test/setup/control-plane.ts: a KubeConfig, a namespace
// per test file, and kubectl.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, inject } from 'vitest';
import { stringify } from 'yaml';

export function kubeconfigPath(): string {
  return inject('kubeconfigPath');
}

export function testKubeConfig(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigPath());
  return kc;
}

export interface TestNamespace {
  /** Known at once; the namespace exists from beforeAll until afterAll. */
  readonly name: string;
}

/**
 * A fresh namespace for the calling test file. Without a controller-manager a deleted namespace stays
 * Terminating, which is harmless: names are unique and the control plane is thrown away after the run.
 */
export function useTestNamespace(prefix: string): TestNamespace {
  const name = `${prefix}-${randomBytes(4).toString('hex')}`.toLowerCase();
  beforeAll(async () => {
    await testKubeConfig().makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name } } });
  });
  afterAll(async () => {
    await testKubeConfig().makeApiClient(CoreV1Api).deleteNamespace({ name });
  });
  return { name };
}

export interface KubectlResult {
  stdout: string;
  stderr: string;
  code: number;
}

export interface KubectlOptions {
  namespace?: string;
  /** Written to kubectl's stdin (for `-f -`). */
  input?: string;
  /** Throw when kubectl exits non-zero (default false: the caller inspects `code`). */
  check?: boolean;
}

/** Runs kubectl (built with the apiserver, so no version skew) against the test control plane. */
export async function kubectl(args: string[], opts: KubectlOptions = {}): Promise<KubectlResult> {
  const full = ['--kubeconfig', kubeconfigPath(), ...(opts.namespace ? ['--namespace', opts.namespace] : []), ...args];
  const child = spawn(inject('kubectlPath'), full, { stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdin.end(opts.input ?? '');
  const code = await new Promise<number>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (c) => resolve(c ?? 1));
  });
  if (opts.check && code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${code}): ${stderr}`);
  return { stdout, stderr, code };
}

export interface ApplyOptions extends Omit<KubectlOptions, 'input'> {
  /** Server-side dry run: the apiserver validates and admits but stores nothing. */
  dryRun?: boolean;
}

/** `kubectl apply -f -` of one or more objects (or YAML text). */
export async function applyYaml(objects: string | object | object[], opts: ApplyOptions = {}): Promise<KubectlResult> {
  const { dryRun, ...rest } = opts;
  const input =
    typeof objects === 'string'
      ? objects
      : (Array.isArray(objects) ? objects : [objects]).map((o) => stringify(o)).join('---\n');
  return kubectl(['apply', ...(dryRun ? ['--dry-run=server'] : []), '-f', '-'], { ...rest, input });
}
