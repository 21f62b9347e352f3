import { createHttpHeaders, createPipelineRequest } from '@azure/core-rest-pipeline';
import type { PipelineRequest, PipelineResponse, SendRequest } from '@azure/core-rest-pipeline';
import pino from 'pino';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createSubscriptionBudgets } from '../../src/azure/budget.ts';
import { createArmMetrics } from '../../src/azure/metrics.ts';
import { armBudgetPolicy, operationOf, retryAfterMs, subscriptionOf } from '../../src/azure/policy.ts';

const SUB = '00000000-0000-0000-0000-000000000001';
const VM_URL = `https://arm.test/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines?api-version=2026-04-01`;

function respond(status: number, headers: Record<string, string> = {}): SendRequest {
  return (request: PipelineRequest): Promise<PipelineResponse> =>
    Promise.resolve({ request, status, headers: createHttpHeaders(headers) });
}

interface Line {
  level: number;
  msg: string;
  waitMs?: number;
  subscription?: string;
  pausedFor429?: boolean;
  policies?: string[];
}

function capture(): { logger: pino.Logger; lines: Line[] } {
  const lines: Line[] = [];
  const logger = pino(
    { level: 'debug' },
    { write: (s: string) => void lines.push(JSON.parse(s) as Line) },
  );
  return { logger, lines };
}

describe('ARM URL helpers', () => {
  it('finds the subscription, also in nextLink and polling URLs', () => {
    expect(subscriptionOf(VM_URL)).toBe(SUB);
    expect(subscriptionOf('https://arm.test/subscriptions/ABC/providers/x?%24skiptoken=1')).toBe('abc');
    expect(subscriptionOf('https://arm.test/providers/Microsoft.Insights/operations')).toBeUndefined();
  });

  it('names operations by resource type, without names', () => {
    expect(operationOf(VM_URL)).toBe('microsoft.compute/virtualmachines');
    expect(
      operationOf(`https://arm.test/subscriptions/${SUB}/resourcegroups/rg/providers/Microsoft.Insights/dataCollectionRules/r1/associations`),
    ).toBe('microsoft.insights/datacollectionrules/associations');
    expect(
      operationOf(
        `https://arm.test/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm1/providers/Microsoft.Insights/dataCollectionRuleAssociations/configurationAccessEndpoint`,
      ),
    ).toBe('microsoft.compute/virtualmachines/microsoft.insights/datacollectionruleassociations');
    expect(operationOf(`https://arm.test/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/w`)).toBe(
      'microsoft.operationalinsights/workspaces',
    );
  });

  it('reads Retry-After in seconds, as a date, and the -ms variants', () => {
    const req = createPipelineRequest({ url: VM_URL });
    const r = (h: Record<string, string>): PipelineResponse => ({ request: req, status: 429, headers: createHttpHeaders(h) });
    expect(retryAfterMs(r({ 'retry-after': '3' }))).toBe(3000);
    expect(retryAfterMs(r({ 'retry-after-ms': '250' }))).toBe(250);
    expect(retryAfterMs(r({ 'retry-after': new Date(10_000).toUTCString() }), 8000)).toBe(2000);
    expect(retryAfterMs(r({}))).toBeUndefined();
  });
});

describe('armBudgetPolicy', () => {
  it('corrects the bucket from x-ms-ratelimit-remaining-subscription-reads', async () => {
    const budgets = createSubscriptionBudgets();
    const policy = armBudgetPolicy({ budgets, logger: pino({ level: 'silent' }) });
    await policy.sendRequest(createPipelineRequest({ url: VM_URL }), respond(200, { 'x-ms-ratelimit-remaining-subscription-reads': '7' }));
    expect(budgets.get(SUB).tokens('reads')).toBeLessThan(8);
    expect(budgets.get(SUB).tokens('writes')).toBe(200);
  });

  it('waits instead of sending when the bucket is empty, and logs the wait', async () => {
    // A clock that stands still: the planned waits are exact, however slowly the machine runs.
    const budgets = createSubscriptionBudgets({ reads: { burst: 1, perSecond: 20 }, clock: { now: () => 0 } });
    const { logger, lines } = capture();
    const registry = new Registry();
    const metrics = createArmMetrics(registry);
    const policy = armBudgetPolicy({ budgets, logger, metrics });
    await Promise.all([0, 1, 2].map(() => policy.sendRequest(createPipelineRequest({ url: VM_URL }), respond(200))));
    // The second waits one refill (50 ms), the third two (100 ms).
    const waits = lines.filter((l) => l.msg === 'waiting for ARM budget').map((l) => l.waitMs);
    expect(waits).toEqual([50, 100]);
    const text = await registry.metrics();
    expect(text).toContain('azure_arm_requests_total{operation="microsoft.compute/virtualmachines",method="GET",status="200"} 3');
    expect(text).toContain(`azure_arm_budget_wait_seconds_count{subscription="${SUB}",kind="reads"} 3`);
    expect(text).toContain('azure_arm_budget_tokens');
  });

  it('pauses the whole subscription on a 429 until Retry-After, for every client of the budget', async () => {
    const budgets = createSubscriptionBudgets();
    const { logger, lines } = capture();
    // Two policies (two gateways) over one budget set.
    const a = armBudgetPolicy({ budgets, logger });
    const b = armBudgetPolicy({ budgets, logger });
    const throttled = await a.sendRequest(createPipelineRequest({ url: VM_URL }), respond(429, { 'retry-after-ms': '300' }));
    expect(throttled.status).toBe(429);
    expect(budgets.get(SUB).pausedUntil).toBeGreaterThan(0);
    await b.sendRequest(createPipelineRequest({ url: VM_URL, method: 'PUT' }), respond(200));
    expect(lines.some((l) => l.msg.includes('pausing it'))).toBe(true);
    // The other gateway's write waited for the pause (up to the 300 ms asked for), not for its own bucket.
    const paused = lines.filter((l) => l.msg === 'waiting for ARM budget' && l.subscription === SUB);
    expect(paused).toHaveLength(1);
    expect(paused[0]?.pausedFor429).toBe(true);
    expect(paused[0]?.waitMs).toBeGreaterThan(0);
    expect(paused[0]?.waitMs).toBeLessThanOrEqual(300);
    // Another subscription is not affected: it never waits.
    await b.sendRequest(createPipelineRequest({ url: VM_URL.replace(SUB, 'other') }), respond(200));
    expect(lines.filter((l) => l.msg === 'waiting for ARM budget' && l.subscription === 'other')).toEqual([]);
  });

  it('registers metrics once per registry, however many gateways ask', () => {
    const registry = new Registry();
    expect(createArmMetrics(registry).requests).toBe(createArmMetrics(registry).requests);
  });
});
