// The shared subscription budget against the emulator's ARM throttling: wait instead of 429, pause on a storm.
import tls from 'node:tls';
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
    const started = performance.now();
    const snaps = await Promise.all([a.observe(spec), b.observe(spec), a.observe(spec)]);
    const elapsed = performance.now() - started;
    expect(snaps.every((s) => s.errors.length === 0 && s.machines.length === GROUPS * 3)).toBe(true);
    const c = ctx.em.counters();
    expect(c.reads).toBe(3 * READS_PER_OBSERVE);
    expect(c.throttled).toBe(0);
    // 135 reads at 15/s after a burst of 5 take at least ~7.5 s: the budget, not ARM, paced them.
    expect(elapsed).toBeGreaterThan(2000);
    expect(ctx.logs.some((l) => l.msg === 'waiting for ARM budget')).toBe(true);
    expect(ctx.logs.some((l) => l.msg === 'waiting for ARM budget' && l.level === 30 && (l.waitMs ?? 0) > 1000)).toBe(true);
    const text = await ctx.registry.metrics();
    expect(text).toMatch(new RegExp(`azure_arm_budget_wait_seconds_count\\{subscription="${SUB}",kind="reads"\\} ${3 * READS_PER_OBSERVE}`));
    expect(text).toContain('azure_arm_requests_total{operation="microsoft.compute/virtualmachines",method="GET",status="200"} 18');
  });

  it('without a shared budget or a margin the same load bounces off ARM (the contrast)', async () => {
    const ctx = await start({ throttling: { reads: { burst: 5, perSecond: 60 } } });
    const a = createArmGateway({ ...ctx.gatewayOptions, budgets: createSubscriptionBudgets({ margin: 0 }) });
    const b = createArmGateway({ ...ctx.gatewayOptions, budgets: createSubscriptionBudgets({ margin: 0 }) });
    ctx.em.resetCounters();
    const snaps = await Promise.all([a.observe(spec), b.observe(spec)]);
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
