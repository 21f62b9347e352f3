import { describe, expect, it } from 'vitest';
import type { Finding } from '../../src/api/types.ts';
import { EventFilter, eventBody } from '../../src/kube/events.ts';
import { finalizerPatch, hasFinalizer } from '../../src/kube/finalizer.ts';
import {
  boundStatusFindings,
  mergeConditions,
  nextSyncTime,
  statusChanged,
  statusPatchBody,
} from '../../src/kube/status.ts';
import type { MonitoringTopology } from '../../src/api/types.ts';

const t0 = new Date('2026-01-01T00:00:00Z');
const t1 = new Date('2026-01-01T00:05:00Z');

const topology: MonitoringTopology = {
  apiVersion: 'monitoring.ampls.dev/v1alpha1',
  kind: 'MonitoringTopology',
  metadata: { name: 'prod', namespace: 'ns', uid: 'u-1', resourceVersion: '42', finalizers: ['other/finalizer'] },
  spec: {
    privateLinkScope: { resourceId: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Insights/privateLinkScopes/a' },
    configurationEndpoint: { resourceId: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Insights/dataCollectionEndpoints/d' },
    dataCollectionRules: [],
    targets: {},
  },
};

function f(code: Finding['code'], severity: Finding['severity'], resourceId: string, stage: Finding['stage'] = 'Rules'): Finding {
  return { code, severity, resourceId, stage, message: `${code} on ${resourceId}` };
}

describe('conditions', () => {
  it('keeps lastTransitionTime while the status is unchanged and moves it on a change', () => {
    const first = mergeConditions(undefined, [{ type: 'Ready', status: 'False', reason: 'Progressing', message: 'a' }], 1, t0);
    expect(first[0]).toMatchObject({ lastTransitionTime: t0.toISOString(), observedGeneration: 1 });
    const same = mergeConditions(first, [{ type: 'Ready', status: 'False', reason: 'FindingsPresent', message: 'b' }], 2, t1);
    expect(same[0]).toMatchObject({ lastTransitionTime: t0.toISOString(), reason: 'FindingsPresent', observedGeneration: 2 });
    const flipped = mergeConditions(same, [{ type: 'Ready', status: 'True', reason: 'Converged', message: 'c' }], 2, t1);
    expect(flipped[0]?.lastTransitionTime).toBe(t1.toISOString());
  });
});

describe('findings in status', () => {
  it('are deduplicated, most severe first and bounded, with the full count', () => {
    const list = [
      f('OverlappingDataSources', 'Warning', '/a'),
      ...Array.from({ length: 60 }, (_, i) => f('EndpointAssociationMissing', 'Error', `/vm${i}`, 'ConfigurationEndpoint')),
      f('AgentExtensionMissing', 'Error', '/x', 'Extension'),
      f('AgentExtensionMissing', 'Error', '/x', 'Extension'),
    ];
    const { findings, count } = boundStatusFindings(list, 50);
    expect(count).toBe(62);
    expect(findings).toHaveLength(50);
    expect(findings[0]?.code).toBe('AgentExtensionMissing');
    // Every distinct code keeps a place even when one code floods the list.
    expect(findings.some((x) => x.code === 'OverlappingDataSources')).toBe(true);
  });
});

describe('duplicate findings', () => {
  it('are those of one code on one resource (in any case) with the same message', () => {
    const a = f('AgentExtensionMissing', 'Error', '/x/VM', 'Extension');
    const sameInLowerCase = { ...a, resourceId: '/x/vm' };
    const otherMessage = { ...a, message: 'another reason' };
    const otherCode = { ...a, code: 'IdentityNotAssigned' as const };
    const { findings, count } = boundStatusFindings([a, sameInLowerCase, otherMessage, otherCode, { ...otherMessage }], 50);
    expect(count).toBe(3);
    expect(findings.map((x) => [x.code, x.message])).toEqual(
      expect.arrayContaining([
        ['AgentExtensionMissing', a.message],
        ['AgentExtensionMissing', 'another reason'],
        ['IdentityNotAssigned', a.message],
      ]),
    );
  });
});

describe('status patch decisions', () => {
  it('ignores lastSyncTime and key order when comparing', () => {
    const a = { observedGeneration: 1, lastSyncTime: t0.toISOString(), findingCount: 0 };
    const b = { findingCount: 0, observedGeneration: 1, lastSyncTime: t1.toISOString(), plan: undefined };
    expect(statusChanged(a, b)).toBe(false);
    expect(statusChanged(a, { ...b, findingCount: 1 })).toBe(true);
  });

  it('refreshes lastSyncTime on change or once per half resync interval', () => {
    const prev = { lastSyncTime: t0.toISOString() };
    expect(nextSyncTime(prev, false, 600_000, new Date(t0.getTime() + 10_000))).toBe(t0.toISOString());
    expect(nextSyncTime(prev, true, 600_000, t1)).toBe(t1.toISOString());
    expect(nextSyncTime(prev, false, 600_000, t1)).toBe(t1.toISOString());
    expect(nextSyncTime(undefined, false, 600_000, t1)).toBe(t1.toISOString());
  });

  it('sends absent fields as null so a merge patch removes them', () => {
    const body = statusPatchBody({ observedGeneration: 3, findingCount: 0 }) as { status: Record<string, unknown> };
    expect(body.status.plan).toBeNull();
    expect(body.status.dnsBoundaries).toBeNull();
    expect(body.status.observedGeneration).toBe(3);
  });

  it('nulls instances.delivering when evidence is off, since a merge patch merges nested objects', () => {
    const counts = { total: 2, compliant: 2, pending: 0, failing: 0, excluded: 0 };
    const off = statusPatchBody({ observedGeneration: 3, findingCount: 0, instances: counts }) as { status: { instances: Record<string, unknown> } };
    expect(off.status.instances).toEqual({ ...counts, delivering: null });
    const on = statusPatchBody({ observedGeneration: 3, findingCount: 0, instances: { ...counts, delivering: 1 } }) as { status: { instances: Record<string, unknown> } };
    expect(on.status.instances.delivering).toBe(1);
  });
});

describe('finalizer', () => {
  it('patches the full list guarded by resourceVersion', () => {
    expect(hasFinalizer(topology)).toBe(false);
    expect(finalizerPatch(topology, ['other/finalizer', 'monitoring.ampls.dev/finalizer'])).toEqual({
      metadata: { finalizers: ['other/finalizer', 'monitoring.ampls.dev/finalizer'], resourceVersion: '42' },
    });
  });
});

describe('events', () => {
  it('deduplicates identical events within the window and rate-limits per object', () => {
    let now = 0;
    const filter = new EventFilter({ now: () => now, dedupeWindowMs: 1000, burst: 3, refillMs: 10_000 });
    expect(filter.allow('o', 'R', 'm')).toBe(true);
    expect(filter.allow('o', 'R', 'm')).toBe(false);
    now = 1500;
    expect(filter.allow('o', 'R', 'm')).toBe(true);
    expect(filter.allow('o', 'R', 'm2')).toBe(true);
    expect(filter.allow('o', 'R', 'm3')).toBe(false);
    expect(filter.allow('other', 'R', 'm3')).toBe(true);
    now += 10_000;
    expect(filter.allow('o', 'R', 'm3')).toBe(true);
  });

  it('names the topology as the involved object and bounds the message', () => {
    const body = eventBody(topology, 'Warning', 'EndpointAssociationMisnamed', 'x'.repeat(2000), 'c', t0);
    expect(body.involvedObject).toMatchObject({ kind: 'MonitoringTopology', name: 'prod', namespace: 'ns', uid: 'u-1' });
    expect(body.message?.length).toBe(1024);
  });
});
