// A process that does nothing but wake every millisecond, at the highest priority it may take, and notes each wake-up
// that came late: the times in which this machine ran none of its processes. On the 2-core virtual machine the bench
// was written on, such stalls of 40–105 ms came while the controller's process sat idle in its event loop (no CPU, no
// involuntary context switch) and while a real-time (SCHED_FIFO) probe written in C saw the same gap: they are the
// host's, not the controller's. `capped.ts` takes them out of the controller's event-loop blocks.
import { setPriority } from 'node:os';

/** A stall: [start, end] in microseconds of the monotonic clock every process shares (`process.hrtime`). */
export type Stall = [number, number];

const STALL_US = 10_000;

export interface ProbeReady {
  /** The nice value the probe runs at: -20 when it may raise its priority (root), else its parent's. */
  nice: number;
}

if (process.send !== undefined) {
  let nice = 0;
  try {
    setPriority(-20);
    nice = -20;
  } catch {
    // Not permitted: the probe competes with the others as an ordinary process, and sees more stalls than the host's.
  }
  const stalls: Stall[] = [];
  const nowUs = (): number => Number(process.hrtime.bigint() / 1000n);
  let last = nowUs();
  const timer = setInterval(() => {
    const now = nowUs();
    if (now - last > STALL_US) stalls.push([last, now]);
    last = now;
  }, 1);
  process.on('message', () => {
    clearInterval(timer);
    process.send?.(stalls, () => process.exit(0));
  });
  process.send({ nice } satisfies ProbeReady);
}
