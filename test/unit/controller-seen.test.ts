import { describe, expect, it } from 'vitest';
import { FINALIZER } from '../../src/api/types.ts';
import type { MonitoringTopology } from '../../src/api/types.ts';
import { seenOf, worthReconcile } from '../../src/controller/index.ts';

const topology = (metadata: Partial<MonitoringTopology['metadata']> = {}): MonitoringTopology => ({
  apiVersion: 'monitoring.ampls.dev/v1alpha1',
  kind: 'MonitoringTopology',
  metadata: { name: 'prod', namespace: 'ns', uid: 'u', generation: 1, ...metadata },
  spec: { privateLinkScope: { resourceId: '/s' }, configurationEndpoint: { resourceId: '/e' }, dataCollectionRules: [], targets: {} },
});

describe('worthReconcile', () => {
  it('ignores the controller adding its own finalizer, so the first pass is not repeated', () => {
    expect(worthReconcile(undefined, seenOf(topology()))).toBe(true);
    expect(worthReconcile(seenOf(topology()), seenOf(topology({ finalizers: [FINALIZER] })))).toBe(false);
  });

  it('reconciles on a new generation, a deletion, an annotation or someone else’s finalizer', () => {
    const base = seenOf(topology({ finalizers: [FINALIZER] }));
    expect(worthReconcile(base, seenOf(topology({ finalizers: [FINALIZER], generation: 2 })))).toBe(true);
    expect(worthReconcile(base, seenOf(topology({ finalizers: [FINALIZER], deletionTimestamp: '2026-01-01T00:00:00Z' })))).toBe(true);
    expect(worthReconcile(base, seenOf(topology({ finalizers: [FINALIZER], annotations: { a: 'b' } })))).toBe(true);
    expect(worthReconcile(base, seenOf(topology({ finalizers: [FINALIZER, 'other/finalizer'] })))).toBe(true);
  });
});
