import { describe, expect, it } from 'vitest';
import type { Finding, MonitoringTopology } from '../../src/api/types.ts';
import { StepError, next, stop } from '../../src/controller/pass.ts';
import type { Pass, StepRecord } from '../../src/controller/pass.ts';
import { summarize } from '../../src/controller/summarize.ts';

const SCOPE = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Insights/privateLinkScopes/ampls';
const RULE = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Insights/dataCollectionRules/dcr';

function pass(mode: 'Enforce' | 'Audit' = 'Enforce', planned = true): Pass {
  const topology: MonitoringTopology = {
    apiVersion: 'monitoring.ampls.dev/v1alpha1',
    kind: 'MonitoringTopology',
    metadata: { name: 'prod', namespace: 'ns', uid: 'u', generation: 1 },
    spec: {
      mode,
      privateLinkScope: { resourceId: SCOPE },
      configurationEndpoint: { resourceId: `${SCOPE}x` },
      dataCollectionRules: [],
      targets: {},
    },
  };
  return {
    key: 'ns/prod',
    topology,
    owner: { namespace: 'ns', name: 'prod', uid: 'u' },
    resyncMs: 600_000,
    outcomes: [],
    findings: [],
    inventory: [],
    sources: { dataCollectionRules: [], dataCollectionEndpoints: [] },
    ...(planned ? { plan: { actions: [], findings: [], instances: { total: 0, compliant: 0, pending: 0, failing: 0, excluded: 0 }, desiredScopedResources: [] } } : {}),
  };
}

const notFound: Finding = { code: 'ReferencedResourceNotFound', severity: 'Error', resourceId: RULE, stage: 'Rules', message: 'Data collection rule dcr does not exist.' };

function condition(summary: ReturnType<typeof summarize>, type: string): { status: string; reason: string } | undefined {
  return summary.conditions.find((c) => c.type === type);
}

describe('summarize: the one reader of step results', () => {
  it('converges and resyncs when no step reports an error', () => {
    const s = summarize(pass(), [{ step: 'plan', ...next() }]);
    expect(condition(s, 'Ready')).toMatchObject({ status: 'True', reason: 'Converged' });
    expect(s.result).toEqual({ requeueAfter: 600_000 });
    expect(s.stalled).toBe(false);
  });

  it('a generic error retries with backoff, reports the last one and keeps the previous area conditions', () => {
    const previous = [{ type: 'AssociationsReady', status: 'True' as const, reason: 'Converged', message: 'ok' }];
    const records: StepRecord[] = [
      { step: 'plan', ...next(new StepError('Generic', 'observe: read failed')) },
      { step: 'act', ...next(new StepError('Generic', 'act: throttled')) },
    ];
    const s = summarize(pass(), records, previous);
    expect(s.result.error?.message).toBe('act: throttled');
    expect(condition(s, 'Ready')).toMatchObject({ status: 'False', reason: 'ArmUnavailable' });
    expect(condition(s, 'Reconciling')).toMatchObject({ status: 'True', reason: 'RetryingAfterError' });
    expect(condition(s, 'AssociationsReady')).toMatchObject({ status: 'True', reason: 'Converged' });
  });

  it('a stalling error stalls with the reason of its first finding and does not retry sooner than the resync', () => {
    const p = pass();
    p.findings.push(notFound);
    const s = summarize(p, [{ step: 'plan', ...next(new StepError('Stalling', notFound.message, { findings: [notFound] })) }]);
    expect(s.stalled).toBe(true);
    expect(condition(s, 'Stalled')).toMatchObject({ status: 'True', reason: 'ReferencedResourceNotFound' });
    expect(condition(s, 'Ready')).toMatchObject({ status: 'False', reason: 'ReferencedResourceNotFound' });
    expect(s.result).toEqual({ requeueAfter: 600_000 });
  });

  it('a waiting error asks for an early pass; in Enforce it is progress, in Audit it is not', () => {
    const waiting = (): StepRecord => ({ step: 'plan', ...next(new StepError('Waiting', '3 machines', { pending: 3, requeueAfterMs: 10_000 })) });
    const enforce = summarize(pass('Enforce'), [waiting()]);
    expect(enforce.result).toEqual({ requeueAfter: 10_000 });
    expect(condition(enforce, 'Ready')).toMatchObject({ status: 'Unknown', reason: 'Progressing' });
    const audit = summarize(pass('Audit'), [waiting()]);
    expect(audit.result).toEqual({ requeueAfter: 10_000 });
    expect(condition(audit, 'Reconciling')).toMatchObject({ status: 'False', reason: 'Idle' });
  });

  it('a pass stopped before planning reports the areas as not observed', () => {
    const s = summarize(pass('Enforce', false), [{ step: 'observe', ...stop(new StepError('Generic', 'observe: down')) }]);
    expect(condition(s, 'PrivateLinkScopeReady')).toMatchObject({ status: 'Unknown', reason: 'NotObserved' });
  });
});
