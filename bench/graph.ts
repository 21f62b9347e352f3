// Resync cost through Resource Graph: a converged estate observed and planned with the bulk reads in Resource Graph,
// requests counted by the emulator (ARM reads and Resource Graph queries), the quota paced as Resource Graph paces it.
// Run alone: `node --experimental-strip-types --no-warnings bench/graph.ts [machines…]`.
import tls from 'node:tls';
import { ClientSecretCredential } from '@azure/identity';
import pino from 'pino';
import type { MonitoringTopologySpec } from '../src/api/types.ts';
import { createArmGateway, createSubscriptionBudgets } from '../src/azure/index.ts';
import type { ArmGateway } from '../src/azure/index.ts';
import { startEmulator } from '../src/emulator/index.ts';
import type { RunningEmulator } from '../src/emulator/index.ts';
import { planTopology } from '../src/plan/index.ts';
import { benchEstate, benchSpec } from './estate.ts';

const OWNER = { namespace: 'bench', name: 'graph', uid: '7d0c5a9e-2b1f-4c3e-8d7a-5e6f7a8b9c0d' };
const GRAPH = 'POST Microsoft.ResourceGraph/resources';

export interface GraphResyncFigures {
  machines: number;
  pass: string;
  armRequests: number;
  graphQueries: number;
  /** 429s from Resource Graph (the quota policy waits instead: expected 0). */
  graphThrottled: number;
  actions: number;
  fullyListed: number;
  errors: number;
  ms: number;
}

async function pass(em: RunningEmulator, gateway: ArmGateway, spec: MonitoringTopologySpec, name: string): Promise<GraphResyncFigures> {
  em.resetCounters();
  const t = performance.now();
  const snapshot = await gateway.observe(spec);
  const plan = planTopology({ spec, owner: OWNER, snapshot, ownedScopedResources: [] });
  const c = em.counters();
  const graph = Object.values(c.byOperation[GRAPH] ?? {}).reduce((a, b) => a + b, 0);
  return {
    machines: snapshot.machines.length,
    pass: name,
    armRequests: c.reads + c.writes + c.deletes - graph,
    graphQueries: graph,
    graphThrottled: c.byOperation[GRAPH]?.['429'] ?? 0,
    actions: plan.actions.length,
    fullyListed: snapshot.fullyListedMachines.length,
    errors: snapshot.errors.length,
    ms: Math.round(performance.now() - t),
  };
}

/** A converged estate of `machines` VMs (resource groups of 100) under two rules: first pass, then a no-drift resync. */
export async function benchGraphResync(machines: number): Promise<GraphResyncFigures[]> {
  const groups = Math.max(1, Math.round(machines / 100));
  const em = await startEmulator({ estate: benchEstate({ groups, machinesPerGroup: Math.round(machines / groups) }) });
  try {
    tls.setDefaultCACertificates([...tls.getCACertificates('default'), em.caCertPem]);
    const credential = new ClientSecretCredential(em.tenantId, em.clientId, em.clientSecret, { authorityHost: em.authorityHost, disableInstanceDiscovery: true });
    await credential.getToken('https://management.azure.com/.default');
    const gateway = createArmGateway({
      endpoint: em.url,
      credential,
      budgets: createSubscriptionBudgets(),
      logger: pino({ level: process.env['LOG_LEVEL'] ?? 'warn' }),
      resourceGraph: { mode: 'always', threshold: 1, maxQuotaWaitMs: 60_000 },
    });
    const spec = benchSpec(groups);
    return [await pass(em, gateway, spec, 'first pass'), await pass(em, gateway, spec, 'no-drift resync')];
  } finally {
    await em.close();
  }
}

export function printGraphFigures(rows: GraphResyncFigures[]): void {
  process.stdout.write('machines  pass             ARM  graph  total  429  actions  errors  ms\n');
  for (const r of rows) {
    const total = r.armRequests + r.graphQueries;
    process.stdout.write(
      `${String(r.machines).padStart(8)}  ${r.pass.padEnd(15)}  ${String(r.armRequests).padStart(3)}  ${String(r.graphQueries).padStart(5)}  ${String(total).padStart(5)}  ${String(r.graphThrottled).padStart(3)}  ${String(r.actions).padStart(7)}  ${String(r.errors).padStart(6)}  ${r.ms}\n`,
    );
  }
}

if (import.meta.url === `file://${process.argv[1] ?? ''}`) {
  const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
  const rows: GraphResyncFigures[] = [];
  for (const n of sizes.length > 0 ? sizes : [1000, 10_000]) rows.push(...(await benchGraphResync(n)));
  printGraphFigures(rows);
}
