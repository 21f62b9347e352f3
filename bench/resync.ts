// Resync cost: observe → plan on estates of 1,000 machines under two rules, ARM requests counted by the emulator.
import tls from 'node:tls';
import { ClientSecretCredential } from '@azure/identity';
import pino from 'pino';
import { Registry } from 'prom-client';
import type { MonitoringTopologySpec } from '../src/api/types.ts';
import { createArmGateway, createArmMetrics, createSubscriptionBudgets } from '../src/azure/index.ts';
import type { ArmGateway } from '../src/azure/index.ts';
import { startEmulator } from '../src/emulator/index.ts';
import type { Estate, RunningEmulator } from '../src/emulator/index.ts';
import { planTopology } from '../src/plan/index.ts';
import { benchEstate, benchSpec, flexibleEstate, flexibleSpec, flexScaleSetId } from './estate.ts';

export interface ResyncFigures {
  scenario: string;
  machines: number;
  associations: number;
  fullyListed: number;
  actions: number;
  actionKinds: Record<string, number>;
  armReads: number;
  armWrites: number;
  throttled: number;
  byOperation: Record<string, number>;
  observeMs: number;
  planMs: number;
  heapDeltaMb: number;
  rssMb: number;
  errors: number;
}

const OWNER = { namespace: 'bench', name: 'resync', uid: '0b6a4f7e-1c2d-4e5f-8a9b-0c1d2e3f4a5b' };

interface Bench {
  em: RunningEmulator;
  gateway: ArmGateway;
}

async function open(estate: Estate): Promise<Bench> {
  const em = await startEmulator({ estate });
  tls.setDefaultCACertificates([...tls.getCACertificates('default'), em.caCertPem]);
  const credential = new ClientSecretCredential(em.tenantId, em.clientId, em.clientSecret, {
    authorityHost: em.authorityHost,
    disableInstanceDiscovery: true,
  });
  await credential.getToken('https://management.azure.com/.default');
  const gateway = createArmGateway({
    endpoint: em.url,
    credential,
    budgets: createSubscriptionBudgets(),
    logger: pino({ level: process.env['LOG_LEVEL'] ?? 'warn' }),
    metrics: createArmMetrics(new Registry()),
  });
  return { em, gateway };
}

/** One observe → plan pass, with the emulator's counters reset first. */
async function measure(b: Bench, scenario: string, spec: MonitoringTopologySpec): Promise<ResyncFigures> {
  const heapBefore = process.memoryUsage().heapUsed;
  b.em.resetCounters();
  const t0 = performance.now();
  const snapshot = await b.gateway.observe(spec);
  const t1 = performance.now();
  const plan = planTopology({ spec, owner: OWNER, snapshot, ownedScopedResources: [] });
  const t2 = performance.now();
  const c = b.em.counters();
  const byOperation: Record<string, number> = {};
  for (const [op, statuses] of Object.entries(c.byOperation)) byOperation[op] = Object.values(statuses).reduce((x, y) => x + y, 0);
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
    throttled: c.throttled,
    byOperation,
    observeMs: Math.round(t1 - t0),
    planMs: Math.round(t2 - t1),
    heapDeltaMb: Math.round(((process.memoryUsage().heapUsed - heapBefore) / 1048576) * 10) / 10,
    rssMb: Math.round(process.memoryUsage().rss / 1048576),
    errors: snapshot.errors.length,
  };
}

async function converge(b: Bench, spec: MonitoringTopologySpec): Promise<number> {
  const snapshot = await b.gateway.observe(spec);
  const plan = planTopology({ spec, owner: OWNER, snapshot, ownedScopedResources: [] });
  const outcomes = await b.gateway.act(plan.actions);
  return outcomes.filter((o) => !o.ok).length;
}

async function discovery(b: Bench, spec: MonitoringTopologySpec): Promise<string> {
  b.em.resetCounters();
  const t = performance.now();
  const targets = await b.gateway.listTargets(spec);
  return `discovery pass: ${targets.length} targets, ${b.em.counters().reads} ARM reads, ${Math.round(performance.now() - t)} ms`;
}

/** 10 resource groups × 100 VMs; `drifted` of them start without their endpoint association. */
export async function benchResourceGroups(groups = 10, perGroup = 100, drifted = 20): Promise<{ rows: ResyncFigures[]; notes: string[] }> {
  const b = await open(benchEstate({ groups, machinesPerGroup: perGroup, withoutEndpointAssociation: drifted }));
  try {
    const spec = benchSpec(groups);
    const rows = [await measure(b, `resource groups: first pass of a new controller (reads every agent extension once; ${drifted} machines without endpoint association)`, spec)];
    const failed = await converge(b, spec);
    rows.push(await measure(b, 'resource groups: no-drift resync', spec));
    rows.push(await measure(b, 'resource groups: no-drift resync (again)', spec));
    return { rows, notes: [`converge: ${failed} failed actions`, await discovery(b, spec)] };
  } finally {
    await b.em.close();
  }
}

/** 10 resource groups × (100 VMs + 100 Azure Arc-enabled servers), all converged. */
export async function benchHybrid(groups = 10, vmsPerGroup = 100, arcPerGroup = 100): Promise<{ rows: ResyncFigures[]; notes: string[] }> {
  const b = await open(benchEstate({ groups, machinesPerGroup: vmsPerGroup, arcMachinesPerGroup: arcPerGroup }));
  try {
    const spec = benchSpec(groups);
    const rows = [await measure(b, 'hybrid: first pass of a new controller (reads every agent extension once)', spec)];
    rows.push(await measure(b, 'hybrid: no-drift resync', spec));
    rows.push(await measure(b, 'hybrid: no-drift resync (again)', spec));
    return { rows, notes: [await discovery(b, spec)] };
  } finally {
    await b.em.close();
  }
}

/** One Flexible scale set of 1,000 members, converged, then scaled out by 20. */
export async function benchFlexibleScaleSet(capacity = 1000, scaleOut = 20): Promise<{ rows: ResyncFigures[]; notes: string[] }> {
  const b = await open(flexibleEstate(capacity));
  try {
    const spec = flexibleSpec();
    // Converge the initial members directly in the store: the benchmark is about reads, not about 3,000 paced writes.
    seedAssociations(b.em);
    const rows = [await measure(b, `flexible scale set of ${capacity}: first pass of a new controller (reads every agent extension once)`, spec)];
    b.em.store.scaleVmss(flexScaleSetId, capacity + scaleOut);
    const notes = [await discovery(b, spec)];
    rows.push(await measure(b, `flexible scale set: resync after scale-out by ${scaleOut}`, spec));
    const failed = await converge(b, spec);
    rows.push(await measure(b, 'flexible scale set: no-drift resync after converging', spec));
    notes.push(`converge after scale-out: ${failed} failed actions`);
    return { rows, notes };
  } finally {
    await b.em.close();
  }
}

function seedAssociations(em: RunningEmulator): void {
  const spec = flexibleSpec();
  const rules = spec.dataCollectionRules.map((r) => r.resourceId);
  const rg = flexScaleSetId.split('/providers/')[0] as string;
  for (const vm of em.store.list(rg, 'Microsoft.Compute/virtualMachines')) {
    const base = `${String(vm['id'])}/providers/Microsoft.Insights/dataCollectionRuleAssociations`;
    const put = (name: string, properties: Record<string, unknown>): void =>
      void em.store.put({ id: `${base}/${name}`, name, type: 'Microsoft.Insights/dataCollectionRuleAssociations', properties });
    rules.forEach((rule, i) => put(`rule-${i}`, { dataCollectionRuleId: rule }));
    put('configurationAccessEndpoint', { dataCollectionEndpointId: spec.configurationEndpoint.resourceId });
  }
}

export function printFigures(rows: ResyncFigures[], notes: string[] = []): void {
  for (const r of rows) {
    process.stdout.write(
      `\n${r.scenario}\n` +
        `  machines ${r.machines}, associations ${r.associations}, fully listed ${r.fullyListed}, read errors ${r.errors}\n` +
        `  plan: ${r.actions} actions ${JSON.stringify(r.actionKinds)}\n` +
        `  ARM: ${r.armReads} reads, ${r.armWrites} writes/deletes, ${r.throttled} throttled\n` +
        `  by operation: ${JSON.stringify(r.byOperation)}\n` +
        `  time: observe ${r.observeMs} ms, plan ${r.planMs} ms; heap delta ${r.heapDeltaMb} MB, rss ${r.rssMb} MB\n`,
    );
  }
  for (const n of notes) process.stdout.write(`  ${n}\n`);
}
