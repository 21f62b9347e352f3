// A resync measurement in a process of its own whose V8 heap is capped as the Helm chart caps the controller's
// (three quarters of the chart's default memory limit), so its peak RSS is what the chart's default must hold.
import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ReadPath, Row } from './scale.ts';

export interface CappedRequest {
  machines: number;
  speed: number;
  goal?: number;
  path: ReadPath;
}

export interface CappedResult {
  rows: Row[];
  maxDelayMs: number;
  p99DelayMs: number;
  maxRssMiB: number;
  /** The process died (out of memory at the cap, or a failure): its last words. */
  error?: string;
}

/** The chart's default memory limit and what its deployment template derives from it (templates/_helpers.tpl, deployment.yaml). */
export interface ChartMemory {
  limitMiB: number;
  /** `--max-old-space-size`: memoryTuning.heapPercent of the limit. */
  heapMiB: number;
  /** `--max-semi-space-size`, when set. */
  semiSpaceMiB?: number;
  /** `GLIBC_TUNABLES`, when set. */
  mallocTunables?: string;
}

export function chartMemory(): ChartMemory {
  const values = readFileSync(fileURLToPath(new URL('../charts/ampls-topology-controller/values.yaml', import.meta.url)), 'utf8');
  const m = /^\s*limits:\s*\n\s*memory:\s*(\d+)(Mi|Gi)\s*$/m.exec(values);
  if (!m) throw new Error('values.yaml: resources.limits.memory not found');
  const limitMiB = Number(m[1]) * (m[2] === 'Gi' ? 1024 : 1);
  // The memoryTuning block: its indented lines, up to the next top-level key.
  const block = /^memoryTuning:\n((?:[ \t].*\n|\n)*)/m.exec(values)?.[1] ?? '';
  const tuning = (key: string): string | undefined => new RegExp(`^[ \\t]+${key}:[ \\t]*(\\S*)`, 'm').exec(block)?.[1];
  const percent = Number(tuning('heapPercent') ?? 50);
  const semi = tuning('semiSpaceMiB');
  const malloc = tuning('mallocTunables');
  return {
    limitMiB,
    heapMiB: Math.floor((limitMiB * percent) / 100),
    ...(semi && semi !== 'null' ? { semiSpaceMiB: Number(semi) } : {}),
    ...(malloc ? { mallocTunables: malloc } : {}),
  };
}

/** Runs `resyncFigures` in a child whose heap is capped at `heapMiB`; an out-of-memory death is reported, not thrown. */
export function resyncCapped(request: CappedRequest, heapMiB: number): Promise<CappedResult> {
  const child = fork(fileURLToPath(import.meta.url), [], {
    execArgv: ['--experimental-strip-types', '--no-warnings', `--max-old-space-size=${heapMiB}`],
    stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-2000);
  });
  return new Promise((resolve) => {
    let result: CappedResult | undefined;
    child.on('message', (m: CappedResult) => {
      result = m;
    });
    child.on('exit', (code) => {
      resolve(result ?? { rows: [], maxDelayMs: 0, p99DelayMs: 0, maxRssMiB: 0, error: `exited ${String(code)}: ${stderr.trim().split('\n').slice(-3).join(' ')}` });
    });
    child.send(request);
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.send) {
  process.once('message', (request: CappedRequest) => {
    void (async () => {
      const { resyncFigures, watched } = await import('./scale.ts');
      const run = await watched(() => resyncFigures(request.machines, request.speed, request.goal, request.path));
      process.send?.({ rows: run.value, maxDelayMs: run.maxDelayMs, p99DelayMs: run.p99DelayMs, maxRssMiB: run.maxRssMiB } satisfies CappedResult, () => process.exit(0));
    })();
  });
}
