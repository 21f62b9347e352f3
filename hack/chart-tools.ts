// The chart's tools (helm, kubeconform) from the control-plane build cache, and a helper to render the chart.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';

const run = promisify(execFile);

export const REPO = fileURLToPath(new URL('../', import.meta.url));
export const CHART = join(REPO, 'charts', 'ampls-topology-controller');
/** The version of the test control plane, which helm must target when rendering offline. */
export const KUBE_VERSION = '1.36.3';

let binDir: Promise<string> | undefined;

/** Builds (first time only, with go install) or finds helm and kubeconform; returns their directory. */
export function toolsDir(): Promise<string> {
  binDir ??= run('bash', [join(REPO, 'hack', 'build-control-plane.sh'), 'tools'], { maxBuffer: 16 * 1024 * 1024 }).then(
    ({ stdout }) => stdout.trim().split('\n').at(-1) ?? '',
  );
  return binDir;
}

export interface ToolResult {
  stdout: string;
  stderr: string;
  code: number;
}

export async function tool(name: 'helm' | 'kubeconform', args: string[], env: NodeJS.ProcessEnv = process.env): Promise<ToolResult> {
  const bin = join(await toolsDir(), name);
  try {
    const { stdout, stderr } = await run(bin, args, { env, maxBuffer: 64 * 1024 * 1024 });
    return { stdout, stderr, code: 0 };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; code?: number };
    return { stdout: e.stdout ?? '', stderr: e.stderr ?? '', code: typeof e.code === 'number' ? e.code : 1 };
  }
}

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [key: string]: unknown;
}

/** `helm template` with `--set`-style values; throws with helm's message when rendering fails. */
export async function renderChart(
  sets: string[] = [],
  opts: { release?: string; namespace?: string; includeCrds?: boolean } = {},
): Promise<{ yaml: string; objects: K8sObject[] }> {
  const args = ['template', opts.release ?? 'mtopo', CHART, '--namespace', opts.namespace ?? 'mtopo-system', '--kube-version', KUBE_VERSION];
  if (opts.includeCrds) args.push('--include-crds');
  for (const s of sets) args.push('--set', s);
  const r = await tool('helm', args);
  if (r.code !== 0) throw new Error(`helm template failed: ${r.stderr}`);
  const objects = parseAllDocuments(r.stdout)
    .map((d) => d.toJS() as K8sObject | null)
    .filter((o): o is K8sObject => o !== null);
  return { yaml: r.stdout, objects };
}
