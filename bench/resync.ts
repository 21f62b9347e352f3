// Resync cost: observe → plan on a converged estate of 1,000 machines under two rules, ARM reads counted by the emulator.
import tls from 'node:tls';
import { ClientSecretCredential } from '@azure/identity';
import pino from 'pino';
import { Registry } from 'prom-client';
import { createArmGateway, createArmMetrics, createSubscriptionBudgets } from '../src/azure/index.ts';
import { startEmulator } from '../src/emulator/index.ts';
import type { RunningEmulator } from '../src/emulator/types.ts';
import { planTopology } from '../src/plan/index.ts';
import type { Plan, Snapshot } from '../src/plan/model.ts';
import { benchEstate, benchSpec } from './estate.ts';

export interface ResyncFigures {
  scenario: string;
  machines: number;
  associations: number;
  fullyListed: number;
  actions: number;
  actionKinds: Record<string, number>;
  armReads: number;
  armWrites: number;
  byOperation: Record<string, number>;
  observeMs: number;
  planMs: number;
  heapDeltaMb: number;
  rssMb: number;
  errors: number;
}

const OWNER = { namespace: 'bench', name: 'resync', uid: '0b6a4f7e-1c2d-4e5f-8a9b-0c1d2e3f4a5b' };

function trust(em: RunningEmulator): void {
  tls.setDefaultCACertificates([...tls.getCACertificates('default'), em.caCertPem]);
}

async function once(
  em: RunningEmulator,
  scenario: string,
  groups: number,
  observeOnce: () => Promise<Snapshot>,
): Promise<ResyncFigures> {
  global.gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  em.resetCounters();
  const t0 = performance.now();
  const snapshot = await observeOnce();
  const t1 = performance.now();
  const plan: Plan = planTopology({ spec: benchSpec(groups), owner: OWNER, snapshot, ownedScopedResources: [] });
  const t2 = performance.now();
  const c = em.counters();
  const byOperation: Record<string, number> = {};
  for (const [op, statuses] of Object.entries(c.byOperation)) byOperation[op] = Object.values(statuses).reduce((a, b) => a + b, 0);
  const actionKinds: Record<string, number> = {};
  for (const a of plan.actions) actionKinds[a.kind] = (actionKinds[a.kind] ?? 0) + 1;
  return {
    scenario,
    machines: snapshot.machines.length,
    associations: snapshot.associations.length,
    fullyListed: snapshot.fullyListedMachines.length,
    actions: plan.actions.length,
    actionKinds,
    armReads: c.reads,
    armWrites: c.writes + c.deletes,
    byOperation,
    observeMs: Math.round(t1 - t0),
    planMs: Math.round(t2 - t1),
    heapDeltaMb: Math.round(((process.memoryUsage().heapUsed - heapBefore) / 1048576) * 10) / 10,
    rssMb: Math.round(process.memoryUsage().rss / 1048576),
    errors: snapshot.errors.length,
  };
}

/** Runs the resync benchmark; `drifted` machines lack their endpoint association (found via ListByResource). */
export async function benchResync(opts: { groups?: number; perGroup?: number; drifted?: number } = {}): Promise<ResyncFigures[]> {
  const groups = opts.groups ?? 10;
  const perGroup = opts.perGroup ?? 100;
  const em = await startEmulator({ estate: benchEstate({ groups, machinesPerGroup: perGroup, withoutEndpointAssociation: opts.drifted ?? 20 }) });
  try {
    trust(em);
    const credential = new ClientSecretCredential(em.tenantId, em.clientId, em.clientSecret, {
      authorityHost: em.authorityHost,
      disableInstanceDiscovery: true,
    });
    const gateway = createArmGateway({
      endpoint: em.url,
      credential,
      budgets: createSubscriptionBudgets(),
      logger: pino({ level: process.env['LOG_LEVEL'] ?? 'warn' }),
      metrics: createArmMetrics(new Registry()),
    });
    const spec = benchSpec(groups);
    await credential.getToken('https://management.azure.com/.default');
    const out: ResyncFigures[] = [];
    out.push(await once(em, `drifted resync (${opts.drifted ?? 20} machines without endpoint association)`, groups, () => gateway.observe(spec)));
    // Converge the drift directly in the emulator, then measure the steady state.
    const converged = await gateway.observe(spec);
    const plan = planTopology({ spec, owner: OWNER, snapshot: converged, ownedScopedResources: [] });
    await gateway.act(plan.actions);
    out.push(await once(em, 'no-drift resync (cold process caches)', groups, () => gateway.observe(spec)));
    out.push(await once(em, 'no-drift resync (warm)', groups, () => gateway.observe(spec)));
    em.resetCounters();
    const t = performance.now();
    const targets = await gateway.listTargets(spec);
    const c = em.counters();
    process.stdout.write(`discovery pass: ${targets.length} targets, ${c.reads} ARM reads, ${Math.round(performance.now() - t)} ms\n`);
    return out;
  } finally {
    await em.close();
  }
}

export function printFigures(rows: ResyncFigures[]): void {
  for (const r of rows) {
    process.stdout.write(
      `\n${r.scenario}\n` +
        `  machines ${r.machines}, associations ${r.associations}, fully listed ${r.fullyListed}, read errors ${r.errors}\n` +
        `  plan: ${r.actions} actions ${JSON.stringify(r.actionKinds)}\n` +
        `  ARM: ${r.armReads} reads, ${r.armWrites} writes/deletes\n` +
        `  by operation: ${JSON.stringify(r.byOperation)}\n` +
        `  time: observe ${r.observeMs} ms, plan ${r.planMs} ms; heap delta ${r.heapDeltaMb} MB, rss ${r.rssMb} MB\n`,
    );
  }
}

if (import.meta.filename === process.argv[1]) {
  printFigures(await benchResync());
}
