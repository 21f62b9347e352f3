// The shared subscription budget against the emulator's ARM throttling: wait instead of 429, pause on a storm.
import tls from 'node:tls';
import { ComputeManagementClient } from '@azure/arm-compute';
import { ClientSecretCredential } from '@azure/identity';
import pino from 'pino';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import type { MonitoringTopologySpec } from '../../src/api/types.ts';
import { createArmGateway, createArmMetrics, createSubscriptionBudgets } from '../../src/azure/index.ts';
import type { ArmGatewayOptions } from '../../src/azure/index.ts';
import { startEmulator } from '../../src/emulator/index.ts';
import type { EmulatorOptions, Estate, RunningEmulator } from '../../src/emulator/index.ts';

const SUB = '22222222-3333-4444-8555-666666666666';
const RG = (i: number): string => `/subscriptions/${SUB}/resourceGroups/rg-${i}`;
const MON = `/subscriptions/${SUB}/resourceGroups/rg-mon`;
const GROUPS = 6;

const estate: Estate = {
  subscriptions: [
    {
      id: SUB,
      resourceGroups: [
        {
          name: 'rg-mon',
          workspaces: [{ name: 'law' }],
          dataCollectionEndpoints: [{ name: 'dce' }],
          dataCollectionRules: [{ name: 'dcr-a', kind: 'Linux', workspace: 'law' }, { name: 'dcr-b', kind: 'Linux', workspace: 'law' }],
          privateLinkScopes: [{ name: 'ampls', scopedResources: ['law', 'dce'] }],
        },
        ...Array.from({ length: GROUPS }, (_, i) => ({
          name: `rg-${i}`,
          virtualMachines: Array.from({ length: 3 }, (_, v) => ({
            name: `vm-${v}`,
            osType: 'Linux' as const,
            extensions: [{ name: 'AzureMonitorLinuxAgent', type: 'AzureMonitorLinuxAgent' }],
            associations: [
              { name: 'a', rule: `${MON}/providers/Microsoft.Insights/dataCollectionRules/dcr-a` },
              { name: 'b', rule: `${MON}/providers/Microsoft.Insights/dataCollectionRules/dcr-b` },
              { name: 'configurationAccessEndpoint', endpoint: `${MON}/providers/Microsoft.Insights/dataCollectionEndpoints/dce` },
            ],
          })),
        })),
      ],
    },
  ],
};

const spec: MonitoringTopologySpec = {
  privateLinkScope: { resourceId: `${MON}/providers/Microsoft.Insights/privateLinkScopes/ampls`, scopedResources: [{ resourceId: `${MON}/providers/Microsoft.OperationalInsights/workspaces/law` }] },
  configurationEndpoint: { resourceId: `${MON}/providers/Microsoft.Insights/dataCollectionEndpoints/dce` },
  dataCollectionRules: [{ resourceId: `${MON}/providers/Microsoft.Insights/dataCollectionRules/dcr-a` }, { resourceId: `${MON}/providers/Microsoft.Insights/dataCollectionRules/dcr-b` }],
  targets: { resourceGroups: Array.from({ length: GROUPS }, (_, i) => RG(i)) },
};
// Reads per observe on a gateway that has not seen the VMs yet: scope GET + scoped list + workspace + 2 rules + DCE +
// 2 rule lists + endpoint list + 6 groups × (VMs + scale sets + Arc machines), plus each VM's extension list (ARM's VM
// list names extensions by id only).
const BULK_READS = 27;
const READS_PER_OBSERVE = BULK_READS + GROUPS * 3;

interface Logged {
  level: number;
  msg: string;
  waitMs?: number;
  pausedFor429?: boolean;
  policies?: string[];
}

let em: RunningEmulator | undefined;
afterEach(async () => {
  await em?.close();
  em = undefined;
});

async function start(options: EmulatorOptions): Promise<{ em: RunningEmulator; gatewayOptions: Omit<ArmGatewayOptions, 'budgets'>; logs: Logged[]; registry: Registry }> {
  em = await startEmulator({ estate, ...options });
  tls.setDefaultCACertificates([...tls.getCACertificates('default'), em.caCertPem]);
  const credential = new ClientSecretCredential(em.tenantId, em.clientId, em.clientSecret, { authorityHost: em.authorityHost, disableInstanceDiscovery: true });
  await credential.getToken('https://management.azure.com/.default');
  const logs: Logged[] = [];
  const logger = pino({ level: 'debug' }, { write: (s: string) => void logs.push(JSON.parse(s) as Logged) });
  const registry = new Registry();
  return {
    em,
    logs,
    registry,
    gatewayOptions: { endpoint: em.url, credential, logger, metrics: createArmMetrics(registry), retryDelayInMs: 50, maxRetryDelayInMs: 2000 },
  };
}

describe('subscription budget', () => {
  it('is shared by two gateways and keeps them under ARM limits: waits, never a 429', async () => {
    const ctx = await start({ throttling: { reads: { burst: 10, perSecond: 20 } } });
    // One budget set for the process, under ARM's bucket (headroom for timers that fire late on a busy
    // machine and release several queued requests at once), shared by both gateways.
    const budgets = createSubscriptionBudgets({ reads: { burst: 5, perSecond: 15 } });
    const a = createArmGateway({ ...ctx.gatewayOptions, budgets });
    const b = createArmGateway({ ...ctx.gatewayOptions, budgets });
    ctx.em.resetCounters();
    const snaps = await Promise.all([a.observe(spec), b.observe(spec), a.observe(spec)]);
    expect(snaps.every((s) => s.errors.length === 0 && s.machines.length === GROUPS * 3)).toBe(true);
    const c = ctx.em.counters();
    expect(c.reads).toBe(3 * READS_PER_OBSERVE);
    expect(c.throttled).toBe(0);
    // The budget, not ARM, paced them: requests waited for budget (its planned waits are logged), none bounced.
    expect(ctx.logs.some((l) => l.msg === 'waiting for ARM budget')).toBe(true);
    expect(ctx.logs.some((l) => l.msg === 'waiting for ARM budget' && l.level === 30 && (l.waitMs ?? 0) > 1000)).toBe(true);
    const text = await ctx.registry.metrics();
    expect(text).toMatch(new RegExp(`azure_arm_budget_wait_seconds_count\\{subscription="${SUB}",kind="reads"\\} ${3 * READS_PER_OBSERVE}`));
    expect(text).toContain('azure_arm_requests_total{operation="microsoft.compute/virtualmachines",method="GET",status="200"} 18');
  });

  it('without a shared budget or a margin the same load bounces off ARM (the contrast)', async () => {
    // Four unpaced observes (about 120 reads, sent at well over 20/s on any machine) against a bucket of 20 refilled
    // at 20/s: ARM must refuse some, however fast or slow the machine; 20 left leaves the adaptive rate room to recover.
    const ctx = await start({ throttling: { reads: { burst: 20, perSecond: 20 } } });
    const a = createArmGateway({ ...ctx.gatewayOptions, budgets: createSubscriptionBudgets({ margin: 0 }) });
    const b = createArmGateway({ ...ctx.gatewayOptions, budgets: createSubscriptionBudgets({ margin: 0 }) });
    ctx.em.resetCounters();
    const snaps = await Promise.all([a.observe(spec), b.observe(spec), a.observe(spec), b.observe(spec)]);
    // Still converges (SDK throttling retry + pause), but ARM had to refuse requests.
    expect(snaps.every((s) => s.errors.length === 0)).toBe(true);
    expect(ctx.em.counters().throttled).toBeGreaterThan(0);
    expect(await ctx.registry.metrics()).toMatch(/azure_arm_requests_total\{[^}]*status="429"\} [1-9]/);
  });

  it('pauses the subscription on a 429 storm until Retry-After, for every gateway, then succeeds', async () => {
    const ctx = await start({});
    const budgets = createSubscriptionBudgets();
    const a = createArmGateway({ ...ctx.gatewayOptions, budgets });
    const b = createArmGateway({ ...ctx.gatewayOptions, budgets });
    ctx.em.setFaults({ throttleRate: 1, throttleRetryAfterSeconds: 1 });
    const calm = setTimeout(() => ctx.em.setFaults({}), 1500);
    const pausing = (): boolean => ctx.logs.some((l) => l.msg === 'ARM throttled the subscription; pausing it');
    try {
      const first = a.observe(spec);
      while (!pausing()) await new Promise((r) => setTimeout(r, 5));
      // The second topology starts while the subscription is paused: it waits instead of sending.
      const second = b.observe(spec);
      for (const snap of await Promise.all([first, second])) {
        expect(snap.errors).toEqual([]);
        expect(snap.machines).toHaveLength(GROUPS * 3);
      }
    } finally {
      clearTimeout(calm);
    }
    const c = ctx.em.counters();
    expect(c.throttled).toBeGreaterThan(0);
    const waits = ctx.logs.filter((l) => l.msg === 'waiting for ARM budget' && (l.waitMs ?? 0) > 100);
    // Every bulk read of the second topology was held back while the subscription was paused.
    expect(waits.length).toBeGreaterThanOrEqual(BULK_READS);
    expect(await ctx.registry.metrics()).toMatch(/azure_arm_requests_total\{[^}]*status="429"\} [1-9]/);
  });

  it('rides out transient 5xx with the SDK retry', async () => {
    const ctx = await start({ faults: { serverErrorRate: 0.3, serverErrorStatus: 503 }, seed: 7 });
    const gateway = createArmGateway({ ...ctx.gatewayOptions, budgets: createSubscriptionBudgets() });
    const snap = await gateway.observe(spec);
    expect(snap.errors).toEqual([]);
    expect(snap.machines).toHaveLength(GROUPS * 3);
    expect(ctx.em.counters().byStatus['503']).toBeGreaterThan(0);
    expect(await ctx.registry.metrics()).toMatch(/azure_arm_requests_total\{[^}]*status="503"\} [1-9]/);
  });
});

describe("Compute's named budgets", () => {
  it('are corrected from x-ms-ratelimit-remaining-resource: the gateway waits for the policy instead of earning a 429', async () => {
    // One VM list policy, consistent with its name: 180 per 3 minutes (1 per second); the other policies off.
    const ctx = await start({ computeLimits: { vmList: { burst: 180, perMinute: 60 }, vmGet: false, scaleSetList: false } });
    const budgets = createSubscriptionBudgets();
    const gateway = createArmGateway({ ...ctx.gatewayOptions, budgets });
    const groups: MonitoringTopologySpec = { ...spec, targets: { resourceGroups: [RG(0)] } };
    await gateway.listTargets(groups);
    const policy = 'microsoft.compute/highcostget3min';
    const learned = budgets.get(SUB).policies.remaining(policy);
    expect(learned).toBeGreaterThan(170);

    // Another client (same subscription and region) spends nearly all of it: the gateway cannot know until Compute says so.
    const credential = new ClientSecretCredential(ctx.em.tenantId, ctx.em.clientId, ctx.em.clientSecret, { authorityHost: ctx.em.authorityHost, disableInstanceDiscovery: true });
    const other = new ComputeManagementClient(credential, SUB, { endpoint: ctx.em.url, credentials: { scopes: ['https://management.azure.com/.default'] } });
    for (let i = 0; i < 177; i++) for await (const page of other.virtualMachines.list(`rg-${i % GROUPS}`).byPage()) void page;
    expect(ctx.em.counters().byOperation['LIST Microsoft.Compute/virtualMachines']?.['429']).toBeUndefined();

    // The gateway's next answer carries Compute's low figure; six more lists at once then wait for the policy's refill.
    await gateway.listTargets(groups);
    expect(budgets.get(SUB).policies.remaining(policy)).toBeLessThan(10);
    const lists = Array.from({ length: GROUPS }, (_, i) => gateway.listTargets({ ...spec, targets: { resourceGroups: [RG(i)] } }));
    const found = await Promise.all(lists);
    expect(found.every((ids) => ids.length === 3)).toBe(true);
    expect(ctx.em.counters().byOperation['LIST Microsoft.Compute/virtualMachines']?.['429']).toBeUndefined();
    const waited = ctx.logs.filter((l) => l.msg === 'waiting for ARM budget' && (l.policies ?? []).includes(policy));
    expect(waited.length).toBeGreaterThan(0);
    // ARM's own read bucket had plenty: it is Compute's policy that held the lists back.
    expect(waited.every((l) => l.pausedFor429 === false)).toBe(true);
  });
});
