// The gateway against an emulator as strict as Azure: the token scope follows the cloud, a Compute 429 slows
// Compute only, writes adapt when ARM grants less than configured, and scope writes go one at a time.
import pino from 'pino';
import { afterEach, describe, expect, test } from 'vitest';
import type { Estate, EmulatorOptions } from '../../src/emulator/index.ts';
import { armScopeFor, createArmGateway, createSubscriptionBudgets } from '../../src/azure/index.ts';
import type { ArmGateway, SubscriptionBudgets } from '../../src/azure/index.ts';
import type { Action } from '../../src/model/index.ts';
import { computeClient, startTestEmulator } from '../support/emulator.ts';
import type { TestEmulator } from '../support/emulator.ts';

const SUB = '99999999-1111-2222-3333-444444444444';
const RG = `/subscriptions/${SUB}/resourceGroups/rg`;
const DCR = `${RG}/providers/Microsoft.Insights/dataCollectionRules/dcr`;
const SCOPE = `${RG}/providers/Microsoft.Insights/privateLinkScopes/ampls`;

function estate(machines: number): Estate {
  return {
    subscriptions: [
      {
        id: SUB,
        resourceGroups: [
          {
            name: 'rg',
            location: 'eastus',
            workspaces: [{ name: 'law' }, { name: 'law-2' }, { name: 'law-3' }],
            dataCollectionEndpoints: [{ name: 'dce' }],
            dataCollectionRules: [{ name: 'dcr', kind: 'Linux', workspace: 'law' }],
            privateLinkScopes: [{ name: 'ampls' }],
            virtualMachines: Array.from({ length: machines }, (_, i) => ({ name: `vm-${i}` })),
          },
        ],
      },
    ],
  };
}

let emu: TestEmulator | undefined;
afterEach(async () => {
  await emu?.close();
  emu = undefined;
});

async function gateway(
  options: EmulatorOptions,
  budgets: SubscriptionBudgets,
  extra: { scope?: string; maxRetries?: number; logger?: pino.Logger } = {},
): Promise<{ e: TestEmulator; gw: ArmGateway }> {
  emu = await startTestEmulator(options);
  const gw = createArmGateway({ endpoint: emu.url, credential: emu.credential, budgets, logger: pino({ level: 'silent' }), retryDelayInMs: 20, maxRetryDelayInMs: 200, lroPollIntervalMs: 10, ...extra });
  return { e: emu, gw };
}

const associate = (i: number): Action => ({
  kind: 'CreateRuleAssociation',
  resourceId: `${RG}/providers/Microsoft.Compute/virtualMachines/vm-${i}`,
  name: 'rule',
  dataCollectionRuleId: DCR,
  description: 'test',
  reason: 'test',
});

describe('token scope', { timeout: 60_000 }, () => {
  test("follows the ARM endpoint's cloud", () => {
    expect(armScopeFor('https://management.azure.com')).toBe('https://management.azure.com/.default');
    expect(armScopeFor('https://management.usgovcloudapi.net/')).toBe('https://management.usgovcloudapi.net/.default');
    expect(armScopeFor('https://management.chinacloudapi.cn')).toBe('https://management.chinacloudapi.cn/.default');
    expect(armScopeFor('https://127.0.0.1:8443')).toBe('https://management.azure.com/.default');
  });

  test("an ARM that accepts only China's audience refuses the public scope and serves the scope derived from China's endpoint", async () => {
    const china = { estate: estate(1), armAudiences: ['https://management.chinacloudapi.cn/', 'https://management.core.chinacloudapi.cn/'] };
    const { gw: wrong } = await gateway(china, createSubscriptionBudgets(), { maxRetries: 0 });
    const refused = await wrong.act([associate(0)]);
    expect(refused[0]?.error?.code).toBe('InvalidAuthenticationTokenAudience');
    await emu?.close();
    const { gw: right } = await gateway(china, createSubscriptionBudgets(), { scope: armScopeFor('https://management.chinacloudapi.cn') });
    expect((await right.act([associate(0)]))[0]?.ok).toBe(true);
  });
});

describe('a Compute 429 slows Compute reads only', { timeout: 60_000 }, () => {
  test('the provider is paused; the subscription and its association writes are not', async () => {
    const budgets = createSubscriptionBudgets();
    const lines: { msg: string; kind?: string; operation?: string }[] = [];
    const logger = pino({ level: 'debug' }, { write: (s: string) => void lines.push(JSON.parse(s) as (typeof lines)[number]) });
    const { e, gw } = await gateway({ estate: estate(3), computeLimits: { vmList: { burst: 1, perMinute: 1 } } }, budgets, { maxRetries: 0, logger });
    const spec = { targets: { resourceGroups: [RG] } } as Parameters<ArmGateway['listTargets']>[0];
    // Another client spends Compute's one VM list first, so the gateway meets the 429 without having seen the policy run low.
    for await (const page of computeClient(e, SUB, { retryOptions: { maxRetries: 0 } }).virtualMachines.list('rg').byPage()) void page;
    await gw.listTargets(spec);
    expect(e.counters().byOperation['LIST Microsoft.Compute/virtualMachines']?.['429']).toBe(1);
    const budget = budgets.get(SUB);
    expect(budget.providerWait('microsoft.compute')).toBeGreaterThan(30_000);
    expect(budget.pausedUntil).toBe(0);
    const logged = lines.length;
    expect((await gw.act([associate(0), associate(1)])).every((o) => o.ok)).toBe(true);
    // The association writes went at once: none of them waited for a budget or a pause.
    expect(lines.slice(logged).filter((l) => l.msg === 'waiting for ARM budget')).toEqual([]);
    expect(e.counters().byOperation['PUT Microsoft.Insights/dataCollectionRuleAssociations']?.['201']).toBe(2);
  });
});

describe('writes adapt when ARM grants less than configured', () => {
  test('ARM grants 20 and 1/s (time ×10), 30% 503s: all converge and 429s stay at most 1 per 20 writes', { timeout: 120_000 }, async () => {
    const machines = Number(process.env.ADAPTIVE_MACHINES ?? 120);
    // ARM's 20 burst / 1 per second, with time running ten times faster for both sides: the emulator refills ten
    // times faster and the controller is configured ten times higher than ARM's default (200 / 10 per second).
    const budgets = createSubscriptionBudgets({ writes: { burst: 2000, perSecond: 100 } });
    const { e, gw } = await gateway(
      { estate: estate(machines), throttling: { writes: { burst: 20, perSecond: 1 }, scale: 10 }, faults: { serverErrorRate: 0.3, serverErrorStatus: 503, pathPattern: 'dataCollectionRuleAssociations' }, seed: 3 },
      budgets,
    );
    e.resetCounters();
    const first = await gw.act(Array.from({ length: machines }, (_, i) => associate(i)));
    // As the work queue does, a write that met a 503 on every SDK retry (30% of answers are 503) is tried once more.
    const again = first.filter((o) => !o.ok && o.error?.status === 503).map((o) => o.action);
    const outcomes = again.length > 0 ? [...first.filter((o) => o.ok || o.error?.status !== 503), ...(await gw.act(again))] : first;
    expect(outcomes.filter((o) => !o.ok)).toEqual([]);
    const c = e.counters();
    const writes = c.writes;
    const throttled = c.byStatus['429'] ?? 0;
    console.log(`[adaptive writes] ${machines} associations: ${writes} PUTs, ${throttled} × 429, ${c.byStatus['503'] ?? 0} × 503, write rate now ${budgets.get(SUB).rate('writes').toFixed(2)}/s`);
    expect(throttled * 20).toBeLessThanOrEqual(writes);
  });
});

describe('scope writes', { timeout: 60_000 }, () => {
  test('go one at a time per scope, and a provisioning conflict from another client is retried', async () => {
    const budgets = createSubscriptionBudgets();
    const { e, gw } = await gateway({ estate: estate(0), lroDelays: { 'Microsoft.Insights/privateLinkScopes/scopedResources': 1500 } }, budgets);
    const link = (name: string): Action => ({ kind: 'AddScopedResource', scopeId: SCOPE, name, linkedResourceId: `${RG}/providers/Microsoft.OperationalInsights/workspaces/${name}`, reason: 'test' });
    // Another client starts a write on the scope first: ours meets "provisioning" and retries.
    const token = (await e.credential.getToken('https://management.azure.com/.default'))?.token ?? '';
    const other = await fetch(`${e.url}${SCOPE}/scopedResources/law-3?api-version=2023-06-01-preview`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ properties: { linkedResourceId: `${RG}/providers/Microsoft.OperationalInsights/workspaces/law-3` } }),
    });
    expect(other.status).toBe(201);
    const outcomes = await gw.act([link('law'), link('law-2')]);
    expect(outcomes.map((o) => o.ok)).toEqual([true, true]);
    const puts = e.counters().byOperation['PUT Microsoft.Insights/privateLinkScopes/scopedResources'] ?? {};
    expect(puts['201']).toBe(3);
    // Ours never collided with each other: only the other client's write made one of them wait.
    expect(puts['409'] ?? 0).toBeGreaterThanOrEqual(1);
    expect(puts['409'] ?? 0).toBeLessThanOrEqual(3);
  });
});
