// The pipeline policy that keeps every SDK client inside its subscription's shared ARM budget.
import { setTimeout as delay } from 'node:timers/promises';
import type { PipelinePolicy, PipelineRequest, PipelineResponse, SendRequest } from '@azure/core-rest-pipeline';
import type { Logger } from 'pino';
import { budgetKindOf } from './budget.ts';
import { rememberArmError } from './errors.ts';
import type { BudgetKind, SubscriptionBudgets } from './budget.ts';
import type { ArmMetrics } from './metrics.ts';
import { recordTokens } from './metrics.ts';
import { parseRemainingResource } from './policy-budget.ts';

export const armBudgetPolicyName = 'armBudgetPolicy';

const REMAINING_HEADER: Record<BudgetKind, string> = {
  reads: 'x-ms-ratelimit-remaining-subscription-reads',
  writes: 'x-ms-ratelimit-remaining-subscription-writes',
  deletes: 'x-ms-ratelimit-remaining-subscription-deletes',
};

export interface ArmBudgetPolicyOptions {
  budgets: SubscriptionBudgets;
  logger: Logger;
  metrics?: ArmMetrics;
  /** Waits longer than this are logged at info, shorter ones at debug. */
  slowWaitMs?: number;
  /** Pause used on a 429 that carries no Retry-After. */
  defaultRetryAfterMs?: number;
}

/** The subscription an ARM URL addresses (also for nextLink and LRO polling URLs). */
export function subscriptionOf(url: string): string | undefined {
  const m = /\/subscriptions\/([^/?#]+)/i.exec(url);
  return m?.[1] ? decodeURIComponent(m[1]).toLowerCase() : undefined;
}

/**
 * A low-cardinality operation label: the resource-type path with names dropped, e.g.
 * `microsoft.insights/datacollectionrules/associations` or `microsoft.compute/virtualmachines`.
 */
export function operationOf(url: string): string {
  let path: string;
  try {
    path = new URL(url).pathname;
  } catch {
    return 'unknown';
  }
  const segs = path.split('/').filter((s) => s !== '').map((s) => decodeURIComponent(s).toLowerCase());
  const out: string[] = [];
  let i = 0;
  while (i < segs.length) {
    const s = segs[i] as string;
    if (s === 'subscriptions' || s === 'resourcegroups') {
      i += 2;
    } else if (s === 'providers') {
      if (segs[i + 1] !== undefined) out.push(segs[i + 1] as string);
      i += 2;
      // type/name pairs follow; a trailing odd segment is a collection or an action
      while (i < segs.length && segs[i] !== 'providers') {
        out.push(segs[i] as string);
        i += 2;
      }
    } else {
      out.push(s);
      i += 2;
    }
  }
  return out.length > 0 ? out.join('/') : 'subscription';
}

/** Whether a URL names a collection (a list) rather than one resource: an odd number of segments after its provider. */
export function isCollectionUrl(url: string): boolean {
  let path: string;
  try {
    path = new URL(url).pathname;
  } catch {
    return false;
  }
  const segs = path.split('/').filter((s) => s !== '');
  const last = segs.map((s) => s.toLowerCase()).lastIndexOf('providers');
  if (last < 0) return segs.length % 2 === 1;
  return (segs.length - last - 2) % 2 === 1;
}

/** The key a provider's named policies are learned under: method, operation, and whether it lists. */
export function policyOperationOf(method: string, url: string): string {
  return `${method.toUpperCase()} ${operationOf(url)}${isCollectionUrl(url) ? ' (list)' : ''}`;
}

/** The resource provider that serves a URL: the namespace after its last `/providers/` (extension resources belong to theirs). */
export function providerOf(url: string): string {
  const m = /\/providers\/([^/?#]+)(?:\/(?!.*\/providers\/)[^?#]*)?(?:[?#].*)?$/i.exec(url);
  return m?.[1] ? decodeURIComponent(m[1]).toLowerCase() : '';
}

/** Milliseconds a throttled response asks us to wait (Retry-After seconds or date, or the -ms variants). */
export function retryAfterMs(response: PipelineResponse, now = Date.now()): number | undefined {
  for (const h of ['retry-after-ms', 'x-ms-retry-after-ms']) {
    const v = Number(response.headers.get(h));
    if (response.headers.get(h) !== undefined && Number.isFinite(v) && v >= 0) return v;
  }
  const raw = response.headers.get('retry-after');
  if (raw === undefined) return undefined;
  const seconds = Number(raw);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(raw);
  return Number.isFinite(date) ? Math.max(0, date - now) : undefined;
}

/**
 * Added per retry (after the SDK's retry policy), so every attempt spends a token and every 429 pauses
 * the whole subscription; the SDK's throttling retry then re-sends after Retry-After.
 */
export function armBudgetPolicy(options: ArmBudgetPolicyOptions): PipelinePolicy {
  const { budgets, logger, metrics } = options;
  const slowWaitMs = options.slowWaitMs ?? 1000;
  const defaultRetryAfterMs = options.defaultRetryAfterMs ?? 5000;
  return {
    name: armBudgetPolicyName,
    async sendRequest(request: PipelineRequest, next: SendRequest): Promise<PipelineResponse> {
      const subscription = subscriptionOf(request.url);
      const method = request.method.toUpperCase();
      const operation = operationOf(request.url);
      if (subscription === undefined) return timed(request, next, metrics, operation, method);
      const budget = budgets.get(subscription);
      const kind = budgetKindOf(method);
      const provider = providerOf(request.url);
      const policyOperation = policyOperationOf(method, request.url);
      let epoch = budget.epoch(kind);
      let waitMs = Math.max(budget.reserve(kind), budget.providerWait(provider), budget.policies.reserve(policyOperation));
      recordTokens(metrics, subscription, kind, budget.tokens(kind));
      let waited = 0;
      while (waitMs > 0) {
        const fields = { subscription, kind, operation, waitMs, pausedFor429: budget.pausedUntil > 0, policies: budget.policies.policiesOf(policyOperation) };
        if (waitMs > slowWaitMs) logger.info(fields, 'waiting for ARM budget');
        else logger.debug(fields, 'waiting for ARM budget');
        await delay(waitMs, undefined, request.abortSignal ? { signal: request.abortSignal as AbortSignal } : undefined);
        waited += waitMs;
        if (budget.epoch(kind) === epoch && budget.providerWait(provider) === 0) break;
        // ARM refused another request while this one waited: queue again behind the pause, at the slower rate,
        // instead of every waiting request going at once when the pause ends.
        budget.release(kind);
        budget.policies.release(policyOperation);
        epoch = budget.epoch(kind);
        waitMs = Math.max(budget.reserve(kind), budget.providerWait(provider), budget.policies.reserve(policyOperation));
      }
      metrics?.budgetWait.observe({ subscription, kind }, waited / 1000);

      budget.sent(kind);
      budget.policies.sent(policyOperation);
      let response: PipelineResponse;
      try {
        response = await timed(request, next, metrics, operation, method);
      } finally {
        budget.answered(kind);
        budget.policies.answered(policyOperation);
      }
      if (response.status >= 400) rememberArmError(request, response.bodyAsText);
      // The provider's own policies (Compute's): what is left of each, and which of them this operation spends.
      budget.policies.learn(policyOperation, parseRemainingResource(response.headers.get('x-ms-ratelimit-remaining-resource')));

      const remaining = response.headers.get(REMAINING_HEADER[kind]);
      if (remaining !== undefined) budget.correct(kind, Number(remaining));
      if (response.status === 429) {
        const after = retryAfterMs(response) ?? defaultRetryAfterMs;
        const own = providerThrottle(response);
        if (own !== undefined) {
          // The resource provider's own limit (Compute's per-minute buckets): only its requests wait.
          budget.pauseProvider(own, budgets.clock.now() + after);
          logger.info({ subscription, provider: own, operation, retryAfterMs: after }, 'a resource provider throttled its requests; pausing them');
        } else {
          budget.pauseUntil(budgets.clock.now() + after);
          budget.throttled(kind, epoch);
          logger.info({ subscription, kind, operation, retryAfterMs: after, ratePerSecond: budget.rate(kind) }, 'ARM throttled the subscription; pausing it');
        }
      } else if (response.status < 400) {
        budget.succeeded(kind, remaining === undefined ? undefined : Number(remaining));
      }
      recordTokens(metrics, subscription, kind, budget.tokens(kind));
      return response;
    },
  };
}

/**
 * The provider whose own limit refused a request, from `x-ms-ratelimit-remaining-resource`
 * (`Microsoft.Compute/HighCostGet3Min;0`, one or more comma-separated policies); undefined when ARM refused it.
 */
export function providerThrottle(response: PipelineResponse): string | undefined {
  const header = response.headers.get('x-ms-ratelimit-remaining-resource');
  if (header === undefined) return undefined;
  const exhausted = header.split(',').map((p) => p.trim()).find((p) => /;\s*0$/.test(p));
  const provider = (exhausted ?? header).split('/')[0]?.trim();
  return provider ? provider.toLowerCase() : undefined;
}

async function timed(
  request: PipelineRequest,
  next: SendRequest,
  metrics: ArmMetrics | undefined,
  operation: string,
  method: string,
): Promise<PipelineResponse> {
  const end = metrics?.duration.startTimer({ operation, method });
  try {
    const response = await next(request);
    metrics?.requests.inc({ operation, method, status: String(response.status) });
    return response;
  } catch (err) {
    metrics?.requests.inc({ operation, method, status: 'error' });
    throw err;
  } finally {
    end?.();
  }
}
