// The bench's emulator in a process of its own, so the bench process's RSS and event loop are the controller's alone.
// Driven over IPC: the parent sends an estate description, then counter, scale-out and close requests.
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { setPriority } from 'node:os';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RequestCounters } from '../src/emulator/types.ts';

/** The emulator's nice value (see `spawnEmulator`). */
export const EMULATOR_NICE = 10;

export type EstateRequest =
  | { kind: 'groups'; groups: number; machinesPerGroup: number; cold: boolean }
  | { kind: 'flexible'; capacity: number };

export interface EmulatorRequest {
  estate: EstateRequest;
  pageSize: number;
  /** Throttling refill × speed (both sides sped up alike). */
  speed: number;
}

export interface Connection {
  url: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  authorityHost: string;
  caCertPem: string;
}

type Op = { op: 'counters' } | { op: 'reset' } | { op: 'scale'; scaleSetId: string; capacity: number } | { op: 'rss' } | { op: 'graphLag'; ms: number };
type Reply = { id: number; value?: unknown; error?: string };

export interface RemoteEmulator extends Connection {
  counters(): Promise<RequestCounters>;
  resetCounters(): Promise<void>;
  scaleVmss(id: string, capacity: number): Promise<void>;
  /** Resource Graph shows ARM's writes this many ms late (wall time). */
  setGraphLagMs(ms: number): Promise<void>;
  rssMiB(): Promise<number>;
  close(): Promise<void>;
}

/** Starts the emulator in a child process with the given estate; resolves once it listens. */
export function spawnEmulator(request: EmulatorRequest): Promise<RemoteEmulator> {
  // BENCH_EMULATOR_CPU_PROF=<dir>: a CPU profile of the emulator's side, to tell its cost from the controller's.
  // The child beside this module: emulator-child.ts from source, emulator-child.js when the bench runs bundled.
  const child: ChildProcess = fork(fileURLToPath(new URL(`./emulator-child${extname(import.meta.url)}`, import.meta.url)), [], {
    execArgv: ['--experimental-strip-types', '--no-warnings', '--max-old-space-size=4096', ...(process.env['BENCH_EMULATOR_CPU_PROF'] ? ['--cpu-prof', `--cpu-prof-dir=${process.env['BENCH_EMULATOR_CPU_PROF']}`] : [])],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  // The emulator stands in for Azure, whose servers are not the controller's: at a lower priority (nice 10) it takes
  // the CPU the controller leaves, instead of keeping the controller's thread waiting to run (on 2 cores, a block of
  // 105 ms held 59 ms of the controller's CPU while the emulator served thousands of GETs at × 10).
  if (child.pid !== undefined) setPriority(child.pid, EMULATOR_NICE);
  let next = 1;
  const waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  const call = (op: Op): Promise<unknown> =>
    new Promise((resolve, reject) => {
      const id = next++;
      waiting.set(id, { resolve, reject });
      child.send({ id, ...op });
    });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => {
      for (const w of waiting.values()) w.reject(new Error(`emulator process exited (${String(code)})`));
      reject(new Error(`emulator process exited (${String(code)})`));
    });
    child.on('message', (m: Reply | { ready: Connection }) => {
      if ('ready' in m) {
        resolve({
          ...m.ready,
          counters: async () => (await call({ op: 'counters' })) as RequestCounters,
          resetCounters: async () => void (await call({ op: 'reset' })),
          scaleVmss: async (scaleSetId, capacity) => void (await call({ op: 'scale', scaleSetId, capacity })),
          setGraphLagMs: async (ms) => void (await call({ op: 'graphLag', ms })),
          rssMiB: async () => (await call({ op: 'rss' })) as number,
          close: () =>
            new Promise<void>((done) => {
              child.once('exit', () => done());
              child.kill('SIGTERM');
            }),
        });
        return;
      }
      const w = waiting.get(m.id);
      waiting.delete(m.id);
      if (m.error !== undefined) w?.reject(new Error(m.error));
      else w?.resolve(m.value);
    });
    child.send(request);
  });
}
