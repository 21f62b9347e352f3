import { describe, expect, it } from 'vitest';
import { CONFIGURATION_ACCESS_ENDPOINT } from '../../src/model/index.ts';
import { planTopology } from '../../src/plan/index.ts';
import type { ObservedMachine } from '../../src/model/index.ts';
import { association, convergedInput, ids, ownedAssociations, vm, withSnapshot } from './fixtures/estate.ts';

const codes = (p: ReturnType<typeof planTopology>): string[] => p.findings.map((f) => f.code);

function upper(s: string): string {
  return s.toUpperCase();
}

describe('planTopology: idempotence', () => {
  it('plans nothing for an estate that already satisfies the spec', () => {
    const plan = planTopology(convergedInput(5));
    expect(plan.actions).toEqual([]);
    expect(plan.findings).toEqual([]);
    expect(plan.instances).toEqual({ total: 5, compliant: 5, pending: 0, failing: 0, excluded: 0 });
  });

  it('compares ids case-insensitively everywhere', () => {
    const input = convergedInput(3);
    const shouted = withSnapshot(input, (s) => ({
      scope: s.scope && {
        ...s.scope,
        id: upper(s.scope.id),
        scopedResources: s.scope.scopedResources.map((r) => ({ ...r, linkedResourceId: upper(r.linkedResourceId) })),
      },
      machines: s.machines.map((m) => ({ ...m, id: m.id.toLowerCase() })),
      associations: s.associations.map((a) => ({
        ...a,
        resourceId: upper(a.resourceId),
        ...(a.dataCollectionRuleId ? { dataCollectionRuleId: a.dataCollectionRuleId.toLowerCase() } : {}),
        ...(a.dataCollectionEndpointId ? { dataCollectionEndpointId: upper(a.dataCollectionEndpointId) } : {}),
      })),
      rules: s.rules.map((r) => ({ ...r, id: upper(r.id) })),
      fullyListedMachines: s.fullyListedMachines.map(upper),
    }));
    const plan = planTopology(shouted);
    expect(plan.actions).toEqual([]);
    expect(plan.instances.compliant).toBe(3);
  });

  it('is deterministic whatever the order of the snapshot', () => {
    const input = withSnapshot(convergedInput(6), (s) => ({ associations: [], fullyListedMachines: s.fullyListedMachines }));
    const reversed = withSnapshot(input, (s) => ({
      machines: [...s.machines].reverse(),
      fullyListedMachines: [...s.fullyListedMachines].reverse(),
    }));
    expect(planTopology(reversed)).toEqual(planTopology(input));
  });

  it('plans a machine selected twice only once', () => {
    const input = withSnapshot(convergedInput(1), (s) => ({ machines: [...s.machines, { ...s.machines[0]!, id: upper(s.machines[0]!.id) }] }));
    expect(planTopology(input).instances.total).toBe(1);
  });
});

describe('planTopology: instance counts', () => {
  it('counts pending, failing, compliant and excluded machines', () => {
    const input = withSnapshot(convergedInput(4), (s) => {
      const [a, b, c, d] = s.machines as [ObservedMachine, ObservedMachine, ObservedMachine, ObservedMachine];
      return {
        excludedCount: 7,
        machines: [a, b, { ...c, agentExtension: null }, d],
        // b lacks its endpoint association (pending); c has no agent (failing).
        associations: s.associations.filter((x) => !(x.resourceId === b.id && x.name === CONFIGURATION_ACCESS_ENDPOINT)),
      };
    });
    const plan = planTopology(input);
    expect(plan.instances).toEqual({ total: 4, compliant: 2, pending: 1, failing: 1, excluded: 7 });
  });

  it('keeps machines pending while the data path is not fully scoped', () => {
    const input = withSnapshot(convergedInput(2), (s) => ({
      scope: s.scope && { ...s.scope, scopedResources: s.scope.scopedResources.filter((r) => !r.linkedResourceId.includes('dataCollectionEndpoints')) },
    }));
    const plan = planTopology(input);
    expect(plan.actions.map((a) => a.kind)).toEqual(['AddScopedResource']);
    expect(plan.instances).toMatchObject({ compliant: 0, pending: 2 });
  });
});

describe('planTopology: errors from observe', () => {
  it('turns failed reads into findings and plans nothing that depends on them', () => {
    const input = withSnapshot(convergedInput(2), (s) => ({
      scope: undefined,
      rules: [],
      associations: s.associations.filter((a) => a.name === CONFIGURATION_ACCESS_ENDPOINT),
      errors: [
        { resourceId: ids.scope(), code: 'Forbidden', message: 'AuthorizationFailed: no read on scope' },
        { resourceId: ids.rule('dcr-linux'), code: 'NotFound', message: 'ResourceNotFound' },
      ],
    }));
    const plan = planTopology(input);
    expect(plan.actions).toEqual([]);
    expect(codes(plan)).toContain('AuthorizationFailed');
    expect(codes(plan)).toContain('ReferencedResourceNotFound');
    const notFound = plan.findings.find((f) => f.code === 'ReferencedResourceNotFound');
    expect(notFound).toMatchObject({ severity: 'Error', stage: 'Rules', resourceId: ids.rule('dcr-linux') });
    expect(notFound?.message).toContain('dcr-linux');
    expect(plan.instances.failing).toBe(2);
  });

  it('creates no endpoint association while the configuration endpoint cannot be read', () => {
    const input = withSnapshot(convergedInput(1), (s) => ({
      endpoint: undefined,
      associations: s.associations.filter((a) => a.name !== CONFIGURATION_ACCESS_ENDPOINT),
      errors: [{ resourceId: ids.endpoint(), code: 'Failed', message: 'InternalServerError' }],
    }));
    const plan = planTopology(input);
    expect(plan.actions.filter((a) => a.kind === 'CreateEndpointAssociation')).toEqual([]);
    expect(codes(plan)).toEqual(expect.arrayContaining(['ArmRequestFailed', 'EndpointAssociationMissing']));
    expect(plan.findings.find((f) => f.code === 'ArmRequestFailed')?.stage).toBe('ConfigurationEndpoint');
    expect(plan.instances.failing).toBe(1);
  });

  it('counts a machine whose read failed as failing', () => {
    const input = withSnapshot(convergedInput(2), (s) => ({
      errors: [{ resourceId: s.machines[0]!.id, code: 'Forbidden', message: 'no read' }],
    }));
    expect(planTopology(input).instances).toMatchObject({ failing: 1, compliant: 1 });
  });
});

describe('planTopology: diagnosis in the field report order', () => {
  it('reports only the first failing stage of a machine', () => {
    const m = vm('vm-broken', { agentExtension: null, identity: { type: 'None', userAssignedIdentities: [] } });
    const input = withSnapshot(convergedInput(0), () => ({ machines: [m], associations: [], fullyListedMachines: [m.id] }));
    const plan = planTopology(input);
    const mine = plan.findings.filter((f) => f.resourceId === m.id);
    expect(mine.map((f) => f.code)).toEqual(['AgentExtensionMissing']);
    // The associations are still planned: diagnosis shapes the report, not the convergence.
    expect(plan.actions.map((a) => a.kind).sort()).toEqual(['CreateEndpointAssociation', 'CreateRuleAssociation']);
  });

  it('keeps every finding of the first failing stage', () => {
    const m = vm('vm-misnamed');
    const input = withSnapshot(convergedInput(0), () => ({
      machines: [m],
      associations: [
        ...ownedAssociations(m.id, [ids.rule('dcr-linux')]).filter((a) => a.name !== CONFIGURATION_ACCESS_ENDPOINT),
        association(m.id, 'dce-assoc', { endpoint: ids.endpoint() }),
      ],
      fullyListedMachines: [m.id],
    }));
    expect(codes(planTopology(input))).toEqual(['EndpointAssociationMissing', 'EndpointAssociationMisnamed']);
  });
});
