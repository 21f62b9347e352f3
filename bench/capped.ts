// Measurements in a process of their own whose V8 heap is capped as the Helm chart caps the controller's (its
// memoryTuning flags), so that their peak RSS is what the chart's default must hold and their event-loop blocks include
// the garbage-collection pauses the container's heap has. The child runs the controller compiled to JavaScript, as the
// container does: type stripping would add its own memory and first-call costs.
import { execFile, fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { LoopFigures } from './controller-loop.ts';
import type { ReadPath, Row } from './scale.ts';

/** What the child measures: a resync, a cold convergence, a Flexible scale-out, or the controller's own pass. */
export type CappedRequest =
  | { kind: 'resync'; machines: number; speed: number; goal?: number; path: ReadPath }
  | { kind: 'cold'; machines: number; speed: number; path: ReadPath }
  | { kind: 'scaleOut'; capacity: number; by: number; speed: number }
  | { kind: 'loop'; machines: number };

export interface CappedResult {
  rows: Row[];
  /** The controller's passes (`loop`). */
  loop?: LoopFigures[];
  maxDelayMs: number;
  p99DelayMs: number;
  /** The longest block in the controller thread's CPU time (see `watched`). */
  maxCpuBlockMs: number;
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

const REPO = new URL('../', import.meta.url);
let compiled: Promise<string> | undefined;

/**
 * Compiles this file, what it runs and the emulator's child (tsconfig.bench.json, emit only) into .cache/mtopo-bench,
 * once per process; resolves with the compiled child's path. In the worktree, not node_modules/.cache: node_modules
 * may be shared by several checkouts, whose sources differ.
 */
export function compileBench(): Promise<string> {
  compiled ??= (async () => {
    const tsc = createRequire(import.meta.url).resolve('typescript/lib/tsc.js');
    try {
      await promisify(execFile)(process.execPath, [tsc, '-p', fileURLToPath(new URL('tsconfig.bench.json', REPO))], { cwd: fileURLToPath(REPO) });
    } catch (err) {
      const out = (err as { stdout?: string }).stdout ?? '';
      throw new Error(`compiling the bench (tsc -p tsconfig.bench.json) failed: ${out.trim() || String(err)}`, { cause: err });
    }
    return fileURLToPath(new URL('.cache/mtopo-bench/bench/capped.js', REPO));
  })();
  return compiled;
}

/** Runs `request` compiled, in a child tuned as the chart tunes the container; an out-of-memory death is reported, not thrown. */
export async function runCapped(request: CappedRequest, memory: Pick<ChartMemory, 'heapMiB' | 'semiSpaceMiB' | 'mallocTunables'>): Promise<CappedResult> {
  // As the chart runs the container: `node dist/runtime/main.js` with its NODE_OPTIONS and GLIBC_TUNABLES.
  const child = fork(await compileBench(), [], {
    execArgv: ['--no-warnings', `--max-old-space-size=${memory.heapMiB}`, ...(memory.semiSpaceMiB !== undefined ? [`--max-semi-space-size=${memory.semiSpaceMiB}`] : [])],
    env: { ...process.env, ...(memory.mallocTunables !== undefined ? { GLIBC_TUNABLES: memory.mallocTunables } : {}) },
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
      resolve(result ?? { rows: [], maxDelayMs: 0, p99DelayMs: 0, maxCpuBlockMs: 0, maxRssMiB: 0, error: `exited ${String(code)}: ${stderr.trim().split('\n').slice(-3).join(' ')}` });
    });
    child.send(request);
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.send) {
  process.once('message', (request: CappedRequest) => {
    void (async () => {
      // Every module the container's entry loads (the Kubernetes client among them), so the baseline is the container's;
      // importing it starts nothing.
      await import('../src/runtime/main.ts');
      const { coldFigures, resyncFigures, scaleOutFigures, watched } = await import('./scale.ts');
      if (request.kind === 'loop') {
        const { benchControllerLoop } = await import('./controller-loop.ts');
        const loop = await benchControllerLoop(request.machines);
        const maxRssMiB = process.resourceUsage().maxRSS / 1024;
        process.send?.({ rows: [], loop, maxDelayMs: 0, p99DelayMs: 0, maxCpuBlockMs: 0, maxRssMiB } satisfies CappedResult, () => process.exit(0));
        return;
      }
      const run = await watched(async () => {
        switch (request.kind) {
          case 'resync':
            return resyncFigures(request.machines, request.speed, request.goal, request.path);
          case 'cold':
            return coldFigures(request.machines, request.speed, request.path);
          case 'scaleOut':
            return [await scaleOutFigures(request.capacity, request.by, request.speed)];
        }
      });
      process.send?.({ rows: run.value, maxDelayMs: run.maxDelayMs, p99DelayMs: run.p99DelayMs, maxCpuBlockMs: run.maxCpuBlockMs, maxRssMiB: run.maxRssMiB } satisfies CappedResult, () => process.exit(0));
    })();
  });
}
