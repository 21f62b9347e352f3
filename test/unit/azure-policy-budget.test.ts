// Compute's named budgets: the remaining-resource header parsed, each policy's bucket corrected from it, and
// only the operations that draw from a policy waiting for it.
import { createHttpHeaders, createPipelineRequest } from '@azure/core-rest-pipeline';
import type { PipelineRequest, PipelineResponse, SendRequest } from '@azure/core-rest-pipeline';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { createSubscriptionBudgets, TokenBucket } from '../../src/azure/budget.ts';
import type { Clock } from '../../src/azure/budget.ts';
import { parseRemainingResource, PolicyBudgets, policyWindowMs } from '../../src/azure/policy-budget.ts';
import { armBudgetPolicy, isCollectionUrl, policyOperationOf } from '../../src/azure/policy.ts';

function fakeClock(): Clock & { advance(ms: number): void } {
  let t = 0;
  return { now: () => t, advance: (ms) => void (t += ms) };
}

const budgetsOn = (clock: Clock): PolicyBudgets => new PolicyBudgets((l) => new TokenBucket(l, clock));

describe('parseRemainingResource', () => {
  it("reads Compute's comma-separated policies", () => {
    expect(parseRemainingResource('Microsoft.Compute/HighCostGet3Min;107,Microsoft.Compute/HighCostGet30Min;527')).toEqual([
      { provider: 'microsoft.compute', policy: 'HighCostGet3Min', remaining: 107 },
      { provider: 'microsoft.compute', policy: 'HighCostGet30Min', remaining: 527 },
    ]);
  });

  it('tolerates spaces and skips malformed entries', () => {
    expect(parseRemainingResource(' Microsoft.Compute/LowCostGet3Min ; 0 , garbage, Microsoft.Compute/X;-1,;5,Microsoft.Compute/GetVMScaleSet30Min;12')).toEqual([
      { provider: 'microsoft.compute', policy: 'LowCostGet3Min', remaining: 0 },
      { provider: 'microsoft.compute', policy: 'GetVMScaleSet30Min', remaining: 12 },
    ]);
    expect(parseRemainingResource(undefined)).toEqual([]);
    expect(parseRemainingResource('')).toEqual([]);
  });

  it('takes the window from the policy name', () => {
    expect(policyWindowMs('HighCostGet3Min')).toBe(180_000);
    expect(policyWindowMs('HighCostGet30Min')).toBe(1_800_000);
    expect(policyWindowMs('SomethingElse')).toBe(60_000);
  });
});

describe('PolicyBudgets', () => {
  const LIST = 'GET microsoft.compute/virtualmachines (list)';
  const GET = 'GET microsoft.compute/virtualmachines';

  it('lets an operation go freely until its policy has been reported', () => {
    const p = budgetsOn(fakeClock());
    for (let i = 0; i < 1000; i++) expect(p.reserve(LIST)).toBe(0);
  });

  it('spends what the header says is left, then waits for the policy to refill over its window', () => {
    const clock = fakeClock();
    const p = budgetsOn(clock);
    // 2 left of a 3-minute policy whose grant we have seen as 3 (2 + the request just answered).
    p.learn(LIST, parseRemainingResource('Microsoft.Compute/HighCostGet3Min;2'));
    expect(p.policiesOf(LIST)).toEqual(['microsoft.compute/highcostget3min']);
    expect([p.reserve(LIST), p.reserve(LIST)]).toEqual([0, 0]);
    // Empty: the next waits one refill, 3 per 180 s = one per 60 s.
    expect(p.reserve(LIST)).toBe(60_000);
    clock.advance(60_000);
    expect(p.remaining('microsoft.compute/highcostget3min')).toBeCloseTo(0);
  });

  it('waits for the scarcest of the policies an operation draws from', () => {
    const p = budgetsOn(fakeClock());
    p.learn(LIST, parseRemainingResource('Microsoft.Compute/HighCostGet3Min;107,Microsoft.Compute/HighCostGet30Min;527'));
    p.learn(LIST, parseRemainingResource('Microsoft.Compute/HighCostGet3Min;106,Microsoft.Compute/HighCostGet30Min;0'));
    // The 3-minute policy has plenty; the 30-minute one is empty and refills 528 per 1,800 s.
    expect(p.reserve(LIST)).toBe(Math.ceil((1 / (528 / 1800)) * 1000));
  });

  it('corrects downwards from later answers (other clients spend the same policy), counting requests in flight', () => {
    const p = budgetsOn(fakeClock());
    p.learn(LIST, parseRemainingResource('Microsoft.Compute/HighCostGet3Min;100'));
    expect(p.remaining('Microsoft.Compute/HighCostGet3Min')).toBe(100);
    p.reserve(LIST);
    p.sent(LIST);
    p.reserve(LIST);
    p.sent(LIST);
    // One answered: Compute says 40 left; the other request is still in flight and will spend one more.
    p.answered(LIST);
    p.learn(LIST, parseRemainingResource('Microsoft.Compute/HighCostGet3Min;40'));
    expect(p.remaining('microsoft.compute/highcostget3min')).toBe(39);
  });

  it('grows a policy to a larger grant than seen so far', () => {
    const p = budgetsOn(fakeClock());
    p.learn(LIST, parseRemainingResource('Microsoft.Compute/HighCostGet3Min;1'));
    p.learn(LIST, parseRemainingResource('Microsoft.Compute/HighCostGet3Min;899'));
    expect(p.remaining('microsoft.compute/highcostget3min')).toBe(899);
    // 900 per 180 s = 5 per second once empty.
    for (let i = 0; i < 899; i++) p.reserve(LIST);
    expect(p.reserve(LIST)).toBe(200);
  });

  it("keeps other operations out of a policy they were never reported to spend", () => {
    const p = budgetsOn(fakeClock());
    p.learn(LIST, parseRemainingResource('Microsoft.Compute/HighCostGet3Min;0'));
    p.learn(GET, parseRemainingResource('Microsoft.Compute/LowCostGet3Min;5000'));
    expect(p.reserve(LIST)).toBeGreaterThan(0);
    expect(p.reserve(GET)).toBe(0);
    expect(p.reserve('PUT microsoft.compute/virtualmachines/microsoft.insights/datacollectionruleassociations')).toBe(0);
  });
});

describe('policy operations', () => {
  const base = 'https://arm.test/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines';
  it('tell a list from a read of one resource', () => {
    expect(isCollectionUrl(`${base}?api-version=1`)).toBe(true);
    expect(isCollectionUrl(`${base}/vm-1?api-version=1`)).toBe(false);
    expect(isCollectionUrl(`${base}/vm-1/extensions`)).toBe(true);
    expect(isCollectionUrl('https://arm.test/subscriptions/s/providers/Microsoft.Compute/virtualMachineScaleSets')).toBe(true);
    expect(policyOperationOf('get', `${base}?api-version=1`)).toBe('GET microsoft.compute/virtualmachines (list)');
    expect(policyOperationOf('GET', `${base}/vm-1`)).toBe('GET microsoft.compute/virtualmachines');
  });
});

describe('armBudgetPolicy with Compute policies', () => {
  const SUB = '00000000-0000-0000-0000-000000000002';
  const LIST_URL = `https://arm.test/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines?api-version=2024-07-01`;
  const ASSOC_URL = `https://arm.test/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm/providers/Microsoft.Insights/dataCollectionRuleAssociations/a?api-version=2022-06-01`;
  const respond =
    (headers: Record<string, string>): SendRequest =>
    (request: PipelineRequest): Promise<PipelineResponse> =>
      Promise.resolve({ request, status: 200, headers: createHttpHeaders(headers) });

  it('corrects the Compute list budget from the header: the next list waits, an association write does not', async () => {
    // A clock that stands still: the planned waits are exact.
    const budgets = createSubscriptionBudgets({ clock: { now: () => 0 } });
    const lines: { msg: string; operation?: string; policies?: string[]; waitMs?: number }[] = [];
    const logger = pino({ level: 'debug' }, { write: (s: string) => void lines.push(JSON.parse(s) as (typeof lines)[number]) });
    const policy = armBudgetPolicy({ budgets, logger });
    // Compute reports its list policy empty, with a large 30-minute one beside it.
    await policy.sendRequest(createPipelineRequest({ url: LIST_URL }), respond({ 'x-ms-ratelimit-remaining-resource': 'Microsoft.Compute/HighCostGet3Min;0,Microsoft.Compute/HighCostGet30Min;527' }));
    const budget = budgets.get(SUB);
    expect(budget.policies.remaining('microsoft.compute/highcostget3min')).toBe(0);
    expect(budget.policies.remaining('microsoft.compute/highcostget30min')).toBe(527);
    expect(lines.filter((l) => l.msg === 'waiting for ARM budget')).toEqual([]);

    await policy.sendRequest(createPipelineRequest({ url: ASSOC_URL, method: 'PUT' }), respond({}));
    expect(lines.filter((l) => l.msg === 'waiting for ARM budget')).toEqual([]);

    // The next list waits for Compute's policy (one refill of a 1-per-180-s grant), not for ARM's buckets.
    const abort = new AbortController();
    const next = policy.sendRequest(createPipelineRequest({ url: LIST_URL, abortSignal: abort.signal }), respond({}));
    const waiting = lines.filter((l) => l.msg === 'waiting for ARM budget');
    expect(waiting).toHaveLength(1);
    expect(waiting[0]?.waitMs).toBe(180_000);
    expect(waiting[0]?.policies).toEqual(['microsoft.compute/highcostget3min', 'microsoft.compute/highcostget30min']);
    abort.abort();
    await expect(next).rejects.toThrow();
    expect(budget.tokens('reads')).toBeGreaterThan(200);
  });
});
