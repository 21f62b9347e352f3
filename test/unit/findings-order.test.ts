import { describe, expect, it } from 'vitest';
import type { Finding } from '../../src/api/types.ts';
import { boundFindings, diagnoseMachine, primaryFindings, sortFindings } from '../../src/findings/index.ts';
import { ids } from './fixtures/estate.ts';

const f = (over: Partial<Finding>): Finding => ({
  code: 'EndpointAssociationMissing',
  severity: 'Error',
  resourceId: ids.vm('vm-a'),
  stage: 'ConfigurationEndpoint',
  message: 'm',
  ...over,
});

describe('sortFindings', () => {
  it('orders by severity, lifecycle stage, code, then resource id (case-insensitively)', () => {
    const input = [
      f({ severity: 'Info', code: 'ImplicitSystemIdentity', stage: 'Identity' }),
      f({ severity: 'Warning', code: 'OverlappingDataSources', stage: 'Collection' }),
      f({ code: 'RuleAssociationMissing', stage: 'Rules' }),
      f({ resourceId: ids.vm('VM-B') }),
      f({ resourceId: ids.vm('vm-a') }),
      f({ code: 'AgentExtensionMissing', stage: 'Extension' }),
      f({ code: 'ConfigurationEndpointConflict' }),
    ];
    const sorted = sortFindings(input);
    expect(sorted.map((x) => `${x.severity}/${x.stage}/${x.code}/${x.resourceId.slice(-4)}`)).toEqual([
      'Error/Extension/AgentExtensionMissing/vm-a',
      'Error/ConfigurationEndpoint/ConfigurationEndpointConflict/vm-a',
      'Error/ConfigurationEndpoint/EndpointAssociationMissing/vm-a',
      'Error/ConfigurationEndpoint/EndpointAssociationMissing/VM-B',
      'Error/Rules/RuleAssociationMissing/vm-a',
      'Warning/Collection/OverlappingDataSources/vm-a',
      'Info/Identity/ImplicitSystemIdentity/vm-a',
    ]);
    expect(input[0]?.code).toBe('ImplicitSystemIdentity'); // the input is not mutated
  });
});

describe('boundFindings', () => {
  it('keeps the most severe first and gives every code a place before repeats', () => {
    const flood = Array.from({ length: 100 }, (_, i) => f({ resourceId: ids.vm(`vm-${String(i).padStart(3, '0')}`) }));
    const rare = f({ severity: 'Warning', code: 'DnsBoundaryConflict', resourceId: ids.scope() });
    const info = f({ severity: 'Info', code: 'CombinedOsRule', stage: 'Rules', resourceId: ids.rule('r') });
    const bounded = boundFindings([info, ...flood, rare], 5);
    expect(bounded).toHaveLength(5);
    expect(bounded.map((x) => x.code)).toEqual([
      'EndpointAssociationMissing',
      'EndpointAssociationMissing',
      'EndpointAssociationMissing',
      'DnsBoundaryConflict',
      'CombinedOsRule',
    ]);
    expect(boundFindings([info, rare], 10)).toEqual([rare, info]);
    expect(boundFindings(flood, 0)).toEqual([]);
  });
});

describe('diagnosis', () => {
  const m = ids.vm('vm-a');

  it('names the first failing lifecycle stage of a machine', () => {
    const d = diagnoseMachine(m, [
      f({ code: 'RuleAssociationMissing', stage: 'Rules' }),
      f({ code: 'ExtensionIdentityMismatch', stage: 'Identity' }),
      f({ code: 'ImplicitSystemIdentity', stage: 'Extension', severity: 'Info' }),
    ]);
    expect(d?.stage).toBe('Identity');
    expect(d?.primary.code).toBe('ExtensionIdentityMismatch');
    expect(diagnoseMachine(m, [f({ severity: 'Info', code: 'ImplicitSystemIdentity', stage: 'Identity' })])).toBeUndefined();
  });

  it('keeps, per machine, the failing stage and Info findings; leaves other resources alone', () => {
    const other = ids.vm('vm-b');
    const out = primaryFindings(
      [
        f({ code: 'RuleAssociationMissing', stage: 'Rules' }),
        f({ code: 'EndpointAssociationMissing' }),
        f({ code: 'EndpointAssociationMisnamed', severity: 'Warning' }),
        f({ code: 'ImplicitSystemIdentity', severity: 'Info', stage: 'Identity' }),
        f({ code: 'RuleAssociationMissing', stage: 'Rules', resourceId: other }),
        f({ code: 'OsKindMismatch', severity: 'Warning', stage: 'Rules', resourceId: ids.rule('r') }),
      ],
      [m.toUpperCase(), other],
    );
    expect(sortFindings(out).map((x) => `${x.code}@${x.resourceId.slice(-4)}`)).toEqual([
      'EndpointAssociationMissing@vm-a',
      'RuleAssociationMissing@vm-b',
      'EndpointAssociationMisnamed@vm-a',
      'OsKindMismatch@es/r',
      'ImplicitSystemIdentity@vm-a',
    ]);
  });
});
