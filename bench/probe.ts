// A probe for one estate size: first pass and no-drift resync through the default path, with requests, event-loop
// delay and this process's memory. `node --experimental-strip-types --no-warnings bench/probe.ts 100000 auto|never`.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import v8 from 'node:v8';
import vm from 'node:vm';
import { readFileSync } from 'node:fs';
import { spawnEmulator } from './emulator-process.ts';
import { benchGateway } from './gateway.ts';
import { benchSpec } from './estate.ts';
const machines = Number(process.argv[2] ?? 100000);
const mode = (process.argv[3] ?? 'auto') as 'auto' | 'never';
const speed = 10;
const t0 = performance.now();
const em = await spawnEmulator({ estate: { kind: 'groups', groups: machines / 100, machinesPerGroup: 100, cold: false }, pageSize: 1000, speed });
console.log('emulator up', ((performance.now() - t0) / 1000).toFixed(1), 's, emu rss', await em.rssMiB());
// PROBE_GRAPH_TIMEOUT_MS: a longer wait for the emulator's first evaluation of a query over 100,000 machines on a busy host.
const graphTimeout = Number(process.env['PROBE_GRAPH_TIMEOUT_MS'] ?? '') || undefined;
const gw = await benchGateway(em, speed, 80, { mode, threshold: 1000, maxQuotaWaitMs: 60_000, ...(graphTimeout ? { requestTimeoutMs: graphTimeout } : {}) });
const spec = benchSpec(machines / 100);
const loop = monitorEventLoopDelay({ resolution: 10 });
// The heap a pass leaves behind, after a full collection (the snapshot of the pass is still referenced).
v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;
const mib = (n: number): string => (n / 2 ** 20).toFixed(0);
/** Resident memory by kind of mapping (PROBE_SMAPS=1): V8's heap and malloc's arenas are anonymous, code is file-backed. */
function residentByMapping(): string {
  const sums = new Map<string, number>();
  let kind = '';
  for (const line of readFileSync('/proc/self/smaps', 'utf8').split('\n')) {
    const head = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (head) kind = head[1] === '' ? 'anonymous' : head[1]?.startsWith('/') ? 'files' : (head[1] ?? '');
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss) sums.set(kind, (sums.get(kind) ?? 0) + Number(rss[1]) / 1024);
  }
  return [...sums].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v.toFixed(0)}`).join(', ');
}
// One pass per call: a loop's variable would keep the previous pass's snapshot alive in the suspended frame while the
// next observe runs, and the second pass would measure two estates.
async function pass(name: string): Promise<void> {
  await em.resetCounters();
  loop.reset(); loop.enable();
  const t = performance.now();
  const snap = await gw.observe(spec);
  loop.disable();
  const c = await em.counters();
  console.log(name, snap.machines.length, 'reads', c.reads, 'writes', c.writes, 'errors', snap.errors.length, 'ms', Math.round(performance.now() - t), 'paced s', ((performance.now() - t) * speed / 1000).toFixed(0), 'loop max', (loop.max / 1e6).toFixed(0), 'p99', (loop.percentile(99) / 1e6).toFixed(0), 'rss', (process.memoryUsage().rss / 2 ** 20).toFixed(0), 'peak', (process.resourceUsage().maxRSS / 1024).toFixed(0), 'heap', mib(process.memoryUsage().heapUsed));
  gc();
  console.log(name, 'after gc: heap', mib(process.memoryUsage().heapUsed), 'rss', mib(process.memoryUsage().rss), 'heapTotal', mib(process.memoryUsage().heapTotal), 'external', mib(process.memoryUsage().external), 'per machine', Math.round(process.memoryUsage().heapUsed / snap.machines.length), 'B');
  if (process.env['PROBE_SMAPS']) console.log(name, 'mappings (MiB resident):', residentByMapping());
  // HEAP_SNAPSHOT=dir writes one heap snapshot per pass there, with the pass's snapshot still alive.
  const dir = process.env['HEAP_SNAPSHOT'];
  if (dir) console.log('wrote', v8.writeHeapSnapshot(`${dir}/${name}-${machines}-${mode}.heapsnapshot`));
}
await pass('first');
await pass('again');
console.log('emu rss', await em.rssMiB());
await em.close();
