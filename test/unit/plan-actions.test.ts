import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { actionTarget, idKey } from '../../src/model/index.ts';
import type { Action } from '../../src/model/index.ts';
import { sortActions } from '../../src/plan/index.ts';

const RG = '/subscriptions/s/resourceGroups/rg/providers';
const SCOPE = `${RG}/Microsoft.Insights/privateLinkScopes/ampls`;
const DCE = `${RG}/Microsoft.Insights/dataCollectionEndpoints/dce`;
const DCR = `${RG}/Microsoft.Insights/dataCollectionRules/dcr`;
const vm = (n: string): string => `${RG}/Microsoft.Compute/virtualMachines/${n}`;

const endpoint = (m: string): Action => ({ kind: 'CreateEndpointAssociation', resourceId: vm(m), name: 'configurationAccessEndpoint', dataCollectionEndpointId: DCE, description: 'd', reason: 'r' });
const rule = (m: string): Action => ({ kind: 'CreateRuleAssociation', resourceId: vm(m), name: 'dcr', dataCollectionRuleId: DCR, description: 'd', reason: 'r' });

describe('sortActions', () => {
  it('orders scope changes first, then each machine whole (endpoint before rules), then deletions', () => {
    const actions: Action[] = [
      rule('b'),
      { kind: 'DeleteAssociation', resourceId: vm('a'), name: 'old', associationId: `${vm('a')}/providers/Microsoft.Insights/dataCollectionRuleAssociations/old`, reason: 'r' },
      endpoint('b'),
      rule('a'),
      { kind: 'AddScopedResource', scopeId: SCOPE, name: 'dce', linkedResourceId: DCE, reason: 'r' },
      endpoint('a'),
    ];
    const order = sortActions(actions).map((a) => `${a.kind}:${'resourceId' in a ? a.resourceId.split('/').at(-1) : ''}`);
    expect(order).toEqual([
      'AddScopedResource:',
      'CreateEndpointAssociation:a',
      'CreateRuleAssociation:a',
      'CreateEndpointAssociation:b',
      'CreateRuleAssociation:b',
      'DeleteAssociation:a',
    ]);
  });

  it('orders machine-level writes as comparing whole target ids would, with one key per machine', () => {
    // The order the keys stand for: phase, then the machine, then the kind, then the whole target id.
    const kinds = ['RepairExtensionIdentity', 'CreateEndpointAssociation', 'CreateRuleAssociation'] as const;
    const reference = (a: Action): string => `${'resourceId' in a ? idKey(a.resourceId) : ''}|${kinds.indexOf(a.kind as (typeof kinds)[number])}|${idKey(actionTarget(a))}`;
    const machineAction = fc
      .tuple(fc.constantFrom('a', 'B', 'b', 'c'), fc.constantFrom(...kinds), fc.constantFrom('dcr', 'DCR-2', 'x', 'AzureMonitorLinuxAgent'))
      .map(([m, kind, name]): Action => {
        if (kind === 'RepairExtensionIdentity') return { kind, resourceId: vm(m), extensionName: name, reason: 'r' } as Action;
        return { ...(kind === 'CreateRuleAssociation' ? rule(m) : endpoint(m)), name } as Action;
      });
    fc.assert(
      fc.property(fc.array(machineAction, { maxLength: 12 }), (actions) => {
        const sorted = sortActions(actions).map(reference);
        expect(sorted).toEqual([...sorted].sort());
      }),
    );
  });
});
