// Scale figures: requests of a no-drift resync, the first pass of a new controller, and cold convergence,
// counted by the emulator; times paced by ARM's documented budget, sped up `speed` times on both sides.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import tls from 'node:tls';
import { ClientSecretCredential } from '@azure/identity';
import pino from 'pino';
import { Registry } from 'prom-client';
import { ARM_LIMITS, createArmGateway, createArmMetrics, createSubscriptionBudgets } from '../src/azure/index.ts';
import type { ArmGateway } from '../src/azure/index.ts';
import { startEmulator } from '../src/emulator/index.ts';
import type { RunningEmulator } from '../src/emulator/index.ts';
import { planTopology } from '../src/plan/index.ts';
import { benchEstate, benchSpec } from './estate.ts';

export interface Row {
  measure: string;
  figure: string;
  goal: string;
  model: string;
  met: boolean | undefined;
}

// The event loop is watched only while the controller works (observe, plan, act), not while the emulator loads its estate.
const loop = monitorEventLoopDelay({ resolution: 10 });
let loopMaxNs = 0;
const watchLoop = (): void => {
  loop.reset();
  loop.enable();
};
const unwatchLoop = (): void => {
  loop.disable();
  loopMaxNs = Math.max(loopMaxNs, loop.max);
};

const OWNER = { namespace: 'bench', name: 'scale', uid: '0b6a4f7e-1c2d-4e5f-8a9b-0c1d2e3f4a5c' };
const GROUP = 100;

async function open(machines: number, cold: boolean, speed: number): Promise<{ em: RunningEmulator; gateway: ArmGateway }> {
  const groups = Math.ceil(machines / GROUP);
  const em = await startEmulator({ estate: benchEstate({ groups, machinesPerGroup: GROUP, cold }), pageSize: 1000, throttling: { scale: speed } });
  tls.setDefaultCACertificates([...tls.getCACertificates('default'), em.caCertPem]);
  const credential = new ClientSecretCredential(em.tenantId, em.clientId, em.clientSecret, { authorityHost: em.authorityHost, disableInstanceDiscovery: true });
  await credential.getToken('https://management.azure.com/.default');
  const scaled = (k: keyof typeof ARM_LIMITS): { burst: number; perSecond: number } => ({ burst: ARM_LIMITS[k].burst, perSecond: ARM_LIMITS[k].perSecond * speed });
  const gateway = createArmGateway({
    endpoint: em.url,
    credential,
    budgets: createSubscriptionBudgets({ reads: scaled('reads'), writes: scaled('writes'), deletes: scaled('deletes') }),
    logger: pino({ level: process.env['LOG_LEVEL'] ?? 'warn' }),
    metrics: createArmMetrics(new Registry()),
  });
  return { em, gateway };
}

const fmt = (n: number): string => n.toLocaleString('en-US');
const secs = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

/** Builds an estate of `machines`, runs a first pass, then a no-drift resync; counts every request. */
export async function resyncFigures(machines: number, speed: number, goal?: number): Promise<Row[]> {
  const { em, gateway } = await open(machines, false, speed);
  const spec = benchSpec(Math.ceil(machines / GROUP));
  try {
    em.resetCounters();
    watchLoop();
    const t0 = performance.now();
    const first = await gateway.observe(spec);
    const pacedMs = (performance.now() - t0) * speed;
    const firstReads = em.counters().reads;
    const boundMs = (Math.max(0, firstReads - ARM_LIMITS.reads.burst) / ARM_LIMITS.reads.perSecond) * 1000;
    em.resetCounters();
    const again = await gateway.observe(spec);
    unwatchLoop();
    const reads = em.counters().reads;
    const n = fmt(again.machines.length);
    return [
      {
        measure: `no-drift resync requests, ${n} machines (ARM)`,
        figure: fmt(reads),
        goal: goal === undefined ? '-' : `≤ ${fmt(goal)}`,
        model: fmt(2 * again.machines.length),
        met: goal === undefined ? undefined : reads <= goal,
      },
      {
        measure: `first pass of a new controller, ${fmt(first.machines.length)} machines`,
        figure: `${fmt(firstReads)} reads, ${secs(pacedMs)} paced (${(pacedMs / Math.max(boundMs, 1)).toFixed(2)} × the read bucket's bound ${secs(boundMs)})`,
        goal: machines >= 100_000 ? '≤ 300 s' : '-',
        model: fmt(2 * first.machines.length),
        met: machines >= 100_000 ? pacedMs <= 300_000 : undefined,
      },
    ];
  } finally {
    await em.close();
  }
}

/** Every machine without associations: observe → plan → act, writes against the write bucket's bound. */
export async function coldFigures(machines: number, speed: number): Promise<Row[]> {
  const { em, gateway } = await open(machines, true, speed);
  const spec = benchSpec(Math.ceil(machines / GROUP));
  try {
    watchLoop();
    const snapshot = await gateway.observe(spec);
    const plan = planTopology({ spec, owner: OWNER, snapshot, ownedScopedResources: [] });
    em.resetCounters();
    const t0 = performance.now();
    const outcomes = await gateway.act(plan.actions);
    unwatchLoop();
    const pacedMs = (performance.now() - t0) * speed;
    const c = em.counters();
    const writes = c.writes;
    const boundMs = (Math.max(0, writes - ARM_LIMITS.writes.burst) / ARM_LIMITS.writes.perSecond) * 1000;
    const ratio = boundMs / Math.max(pacedMs, 1);
    const failed = outcomes.filter((o) => !o.ok).length;
    return [
      {
        measure: `cold convergence, ${fmt(machines)} machines (${fmt(writes)} writes, ${failed} failed)`,
        figure: `${ratio.toFixed(2)} of the write bucket's bound (${secs(pacedMs)} paced vs ${secs(boundMs)}), ${c.throttled} × 429`,
        goal: '≥ 0.90, 0 × 429',
        model: '-',
        met: ratio >= 0.9 && c.throttled === 0,
      },
    ];
  } finally {
    await em.close();
  }
}

/** Runs `fn`; returns the longest event-loop block seen while the controller worked and the process's peak RSS (controller and emulator share it). */
export async function watched<T>(fn: () => Promise<T>): Promise<{ value: T; maxDelayMs: number; maxRssMiB: number }> {
  const value = await fn();
  return { value, maxDelayMs: loopMaxNs / 1e6, maxRssMiB: process.resourceUsage().maxRSS / 1024 };
}

export function printTable(rows: Row[]): void {
  const head = ['measure', 'figure', 'goal', 'per-resource model (2 GETs/machine)', 'met'];
  const cells = rows.map((r) => [r.measure, r.figure, r.goal, r.model, r.met === undefined ? '' : r.met ? 'yes' : 'NO']);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] ?? '').length)));
  const line = (c: string[]): string => `| ${c.map((x, i) => x.padEnd(widths[i] ?? 0)).join(' | ')} |\n`;
  process.stdout.write(line(head) + line(widths.map((w) => '-'.repeat(w))) + cells.map(line).join(''));
}
