// Prometheus metrics of ARM access: requests by operation and status, latency, budget waits and tokens.
import { Counter, Gauge, Histogram } from 'prom-client';
import type { Registry } from 'prom-client';
import type { BudgetKind } from './budget.ts';

export interface ArmMetrics {
  requests: Counter<'operation' | 'method' | 'status'>;
  duration: Histogram<'operation' | 'method'>;
  budgetWait: Histogram<'subscription' | 'kind'>;
  budgetTokens: Gauge<'subscription' | 'kind'>;
}

const names = {
  requests: 'azure_arm_requests_total',
  duration: 'azure_arm_request_duration_seconds',
  budgetWait: 'azure_arm_budget_wait_seconds',
  budgetTokens: 'azure_arm_budget_tokens',
} as const;

/** Registers the metrics on `registry`, or returns the ones already there (several gateways may share it). */
export function createArmMetrics(registry: Registry): ArmMetrics {
  const existing = registry.getSingleMetric(names.requests);
  if (existing) {
    return {
      requests: existing as Counter<'operation' | 'method' | 'status'>,
      duration: registry.getSingleMetric(names.duration) as Histogram<'operation' | 'method'>,
      budgetWait: registry.getSingleMetric(names.budgetWait) as Histogram<'subscription' | 'kind'>,
      budgetTokens: registry.getSingleMetric(names.budgetTokens) as Gauge<'subscription' | 'kind'>,
    };
  }
  return {
    requests: new Counter({
      name: names.requests,
      help: 'ARM HTTP requests (each attempt), by operation, method and status code.',
      labelNames: ['operation', 'method', 'status'],
      registers: [registry],
    }),
    duration: new Histogram({
      name: names.duration,
      help: 'ARM HTTP request latency in seconds (each attempt, excluding budget waits).',
      labelNames: ['operation', 'method'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    budgetWait: new Histogram({
      name: names.budgetWait,
      help: 'Time a request waited for the subscription budget before being sent, in seconds.',
      labelNames: ['subscription', 'kind'],
      buckets: [0, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [registry],
    }),
    budgetTokens: new Gauge({
      name: names.budgetTokens,
      help: 'Tokens left in the subscription budget (negative while requests queue).',
      labelNames: ['subscription', 'kind'],
      registers: [registry],
    }),
  };
}

export function recordTokens(metrics: ArmMetrics | undefined, subscription: string, kind: BudgetKind, tokens: number): void {
  metrics?.budgetTokens.set({ subscription, kind }, Math.floor(tokens * 100) / 100);
}
