import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Finding, MonitoringTopology } from '../../src/api/types.ts';
import type { Pass } from '../../src/controller/pass.ts';
import { groupBy, Reporter } from '../../src/controller/report.ts';
import { findingHash, findingKey } from '../../src/kube/status.ts';
import type { EventRecorder } from '../../src/kube/events.ts';
import type { Action } from '../../src/model/index.ts';

const SUB = '/subscriptions/s/resourceGroups/rg';
const ENDPOINT = `${SUB}/providers/Microsoft.Insights/dataCollectionEndpoints/dce`;
const vm = (i: number): string => `${SUB}/providers/Microsoft.Compute/virtualMachines/vm-${i}`;

function topology(): MonitoringTopology {
  return {
    apiVersion: 'monitoring.ampls.dev/v1alpha1',
    kind: 'MonitoringTopology',
    metadata: { name: 'prod', namespace: 'ns', uid: 'u', generation: 1 },
    spec: { privateLinkScope: { resourceId: `${SUB}/providers/Microsoft.Insights/privateLinkScopes/ampls` }, configurationEndpoint: { resourceId: ENDPOINT }, dataCollectionRules: [], targets: {} },
  };
}

describe('findingHash', () => {
  // Ids in any case, with trailing slashes and spaces and letters beyond ASCII, so that equal keys are frequent.
  const anyId = fc
    .tuple(fc.array(fc.tuple(fc.constantFrom('a', 'B', '/', ' ', 'İ', 'ß', 'Σ', '|'), fc.boolean()), { maxLength: 6 }), fc.constantFrom('', '/', ' ', '//'))
    .map(([cs, tail]) => cs.map(([c, upper]) => (upper ? c.toUpperCase() : c.toLowerCase())).join('') + tail);
  const anyFinding = fc.record({ code: fc.constantFrom('EndpointAssociationMissing', 'RuleAssociationMissing', 'AuthorizationFailed'), resourceId: anyId });

  it('tells findings apart exactly as findingKey does', () => {
    fc.assert(fc.property(anyFinding, anyFinding, (a, b) => (findingHash(a) === findingHash(b)) === (findingKey(a) === findingKey(b))), { numRuns: 2000 });
    expect(findingHash({ code: 'AuthorizationFailed', resourceId: '/a/' })).not.toBe(findingHash({ code: 'AuthorizationFailed', resourceId: '/a' }));
  });
});

describe('groupBy', () => {
  it('groups in first-seen order and grows each group in place', () => {
    let keyCalls = 0;
    const groups = groupBy([1, 2, 3, 4, 5, 6], (n) => {
      keyCalls++;
      return n % 3;
    });
    expect([...groups.keys()]).toEqual([1, 2, 0]);
    expect(groups.get(1)).toEqual([1, 4]);
    expect(groups.get(0)).toEqual([3, 6]);
    expect(keyCalls).toBe(6);
  });
});

describe('Reporter at fleet scale', () => {
  it('reports 120,000 successful actions and 120,000 new findings as one event per kind and per code', async () => {
    const n = 120_000;
    const actions: Action[] = [];
    const findings: Finding[] = [];
    for (let i = 0; i < n; i++) {
      const id = vm(i);
      actions.push(
        i % 2 === 0
          ? { kind: 'CreateEndpointAssociation', resourceId: id, name: 'configurationAccessEndpoint', dataCollectionEndpointId: ENDPOINT, description: 'd', reason: 'missing' }
          : { kind: 'CreateRuleAssociation', resourceId: id, name: 'dcr', dataCollectionRuleId: `${SUB}/providers/Microsoft.Insights/dataCollectionRules/dcr`, description: 'd', reason: 'missing' },
      );
      findings.push({ code: 'EndpointAssociationMissing', severity: 'Error', resourceId: id, stage: 'ConfigurationEndpoint', message: 'missing' });
    }
    const recorded: { reason: string; message: string }[] = [];
    const events: EventRecorder = {
      record: (_t, _type, reason, message) => void recorded.push({ reason, message }),
      flush: () => Promise.resolve(),
    };
    let patches = 0;
    const reporter = new Reporter({ events, status: { patchStatus: () => Promise.resolve(void patches++) } });
    const pass: Pass = {
      key: 'ns/prod',
      topology: topology(),
      owner: { namespace: 'ns', name: 'prod', uid: 'u' },
      resyncMs: 600_000,
      outcomes: actions.map((action) => ({ action, ok: true })),
      findings,
      inventory: [],
      sources: { dataCollectionRules: [], dataCollectionEndpoints: [] },
      plan: { actions, findings, instances: { total: n, compliant: 0, pending: n, failing: 0, excluded: 0 }, desiredScopedResources: [] },
    };
    const status = await reporter.report(pass, { conditions: [], stalled: false, progressing: true, result: {} }, new Date(0));
    expect(recorded.map((e) => e.reason).sort()).toEqual(['CreatedEndpointAssociation', 'CreatedRuleAssociation', 'EndpointAssociationMissing']);
    expect(recorded.find((e) => e.reason === 'CreatedEndpointAssociation')?.message).toContain(`${n / 2} machines`);
    expect(recorded.find((e) => e.reason === 'EndpointAssociationMissing')?.message).toContain(`${n} resources`);
    expect(status?.findingCount).toBe(n);
    expect(patches).toBe(1);
    // A generous bound for a loaded machine: the copy-per-item grouping this replaces needed minutes here.
  }, 120_000);
});
