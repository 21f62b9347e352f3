// Measurements in a process of their own whose V8 heap is capped as the Helm chart caps the controller's (its
// memoryTuning flags), so that their peak RSS is what the chart's default must hold and their event-loop blocks include
// the garbage-collection pauses the container's heap has. The child (`capped-child.ts`) runs the controller bundled, as
// the container does: type stripping and a tree of node_modules would add their own memory and first-call costs.
import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { LoopFigures } from './controller-loop.ts';
import type { ReadPath, Row } from './scale.ts';
import type { ProbeReady, Stall } from './stall-probe.ts';

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
  /** The child's blocks over 20 ms, [start, end] µs of the shared monotonic clock (see `scale.ts`). */
  gaps?: Stall[];
  /**
   * The longest block once the machine's stalls (`stall-probe.ts`: times in which an idle probe at the highest
   * priority it may take was not woken either) are taken out of it; with the probe's nice value.
   */
  ownDelay?: { ms: number; stalledMs: number; probeNice: number };
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

const OUT = '.cache/mtopo-bench';
let bundled: Promise<string> | undefined;

/**
 * Bundles the child (`capped-child.ts`), the emulator's child and the controller's entry point as the image's build
 * bundles the controller (`hack/bundle.ts`) into .cache/mtopo-bench, once per process; resolves with the child's
 * path. In the worktree, not node_modules/.cache: node_modules may be shared by several checkouts, whose sources
 * differ. The controller's entry and the controller-loop bench are entries of their own, loaded by `import()`: a
 * module bundled into another would see that module's `import.meta`, and think it was run as the main module.
 */
export function bundleBench(): Promise<string> {
  bundled ??= (async () => {
    const { bundle } = await import('../hack/bundle.ts');
    await bundle({
      entryPoints: ['bench/capped-child.ts', 'bench/emulator-child.ts', 'bench/controller-loop.ts', 'src/runtime/main.ts'],
      outdir: OUT,
      outbase: '.',
      // Beside the bench's entries: emulator-process.ts finds the emulator's child next to its own module.
      chunkNames: 'bench/[name]-[hash]',
    });
    return fileURLToPath(new URL(`${OUT}/bench/capped-child.js`, new URL('../', import.meta.url)));
  })();
  return bundled;
}

/**
 * Of each gap ([start, end] µs), the time outside `stalls`; the longest, with the stalled time inside it. Stalls do not
 * overlap each other (the probe notes them one after another).
 */
export function longestOwnGap(gaps: readonly Stall[], stalls: readonly Stall[]): { ms: number; stalledMs: number } {
  let longest = { ms: 0, stalledMs: 0 };
  for (const [a, b] of gaps) {
    let stalled = 0;
    for (const [s, e] of stalls) stalled += Math.max(0, Math.min(b, e) - Math.max(a, s));
    const ms = (b - a - stalled) / 1000;
    if (ms > longest.ms) longest = { ms, stalledMs: stalled / 1000 };
  }
  return longest;
}

/** Starts `stall-probe.ts`; resolves once it runs, with a function that stops it and resolves with the stalls it saw. */
async function startProbe(): Promise<{ nice: number; stop: () => Promise<Stall[]> }> {
  const probe = fork(fileURLToPath(new URL('./stall-probe.ts', import.meta.url)), [], { execArgv: ['--no-warnings'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const ready = await new Promise<ProbeReady>((resolve, reject) => {
    probe.once('message', (m: ProbeReady) => resolve(m));
    probe.once('exit', (code) => reject(new Error(`the stall probe exited ${String(code)}`)));
  });
  return {
    nice: ready.nice,
    stop: () =>
      new Promise((resolve) => {
        probe.once('message', (stalls: Stall[]) => resolve(stalls));
        probe.send('stop');
      }),
  };
}

/**
 * Runs `request` bundled, in a child tuned as the chart tunes the container; an out-of-memory death is reported, not
 * thrown. A stall probe runs beside it, so that its blocks can be told from the machine's stalls.
 */
export async function runCapped(request: CappedRequest, memory: Pick<ChartMemory, 'heapMiB' | 'semiSpaceMiB' | 'mallocTunables'>): Promise<CappedResult> {
  const probe = await startProbe();
  const result = await runChild(request, memory);
  const stalls = await probe.stop();
  return result.gaps === undefined ? result : { ...result, ownDelay: { ...longestOwnGap(result.gaps, stalls), probeNice: probe.nice } };
}

async function runChild(request: CappedRequest, memory: Pick<ChartMemory, 'heapMiB' | 'semiSpaceMiB' | 'mallocTunables'>): Promise<CappedResult> {
  // As the chart runs the container: `node dist/main.js` with its NODE_OPTIONS and GLIBC_TUNABLES.
  const child = fork(await bundleBench(), [], {
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

