import { describe, expect, it } from 'vitest';
import { CONFIGURATION_ACCESS_ENDPOINT } from '../../src/model/index.ts';
import { planTopology } from '../../src/plan/index.ts';
import type { Action, ObservedMachine } from '../../src/model/index.ts';
import type { PlanInput } from '../../src/plan/types.ts';
import { ownerMarker, ruleAssociationName } from '../../src/plan/ownership.ts';
import {
  association,
  convergedInput,
  ids,
  otherOwner,
  owner,
  ownedAssociations,
  rule,
  scaleSet,
  vm,
  withSnapshot,
} from './fixtures/estate.ts';

const LINUX = ids.rule('dcr-linux');

/** One machine with the given associations, listed in full. */
function single(m: ObservedMachine, associations = ownedAssociations(m.id, [LINUX]), extra: Partial<PlanInput> = {}): PlanInput {
  return { ...withSnapshot(convergedInput(0), () => ({ machines: [m], associations, fullyListedMachines: [m.id] })), ...extra };
}

const kinds = (actions: Action[]): string[] => actions.map((a) => a.kind);
const withoutEndpoint = (m: ObservedMachine) => ownedAssociations(m.id, [LINUX]).filter((a) => a.name !== CONFIGURATION_ACCESS_ENDPOINT);

describe('planTopology: rule associations', () => {
  it('creates the missing rule association with the owner marker', () => {
    const m = vm('vm-a');
    const plan = planTopology(single(m, ownedAssociations(m.id, []).slice(-1)));
    expect(plan.actions).toEqual([
      {
        kind: 'CreateRuleAssociation',
        resourceId: m.id,
        name: ruleAssociationName(LINUX),
        dataCollectionRuleId: LINUX,
        description: ownerMarker(owner),
        reason: expect.stringContaining('dcr-linux') as string,
      },
    ]);
    expect(plan.findings.map((f) => f.code)).toEqual(['RuleAssociationMissing']);
    expect(plan.instances.pending).toBe(1);
  });

  it('adopts an association of the rule under any name and never duplicates it', () => {
    const m = vm('vm-a');
    const byPolicy = association(m.id, 'dcra-from-policy', { rule: LINUX.toUpperCase() }, 'Created by Azure Policy');
    const plan = planTopology(single(m, [byPolicy, ...ownedAssociations(m.id, []).slice(-1)]));
    expect(plan.actions).toEqual([]);
    expect(plan.instances.compliant).toBe(1);
  });

  it("never overwrites a person's association that carries the controller's name (AssociationNameTaken)", () => {
    const m = vm('vm-a');
    // A person's association named exactly as the controller would name its own, pointing to another rule.
    const squatter = association(m.id, ruleAssociationName(LINUX), { rule: ids.rule('dcr-someone-else') }, 'made by hand');
    const plan = planTopology(single(m, [squatter, ...ownedAssociations(m.id, []).slice(-1)]));
    expect(plan.actions).toEqual([]);
    expect(plan.findings.map((f) => f.code)).toEqual(['AssociationNameTaken']);
    expect(plan.findings[0]?.message).toContain(ruleAssociationName(LINUX));
    expect(plan.instances.failing).toBe(1);
  });

  it('does not associate a rule of the other OS, and reports it once per rule', () => {
    const input = withSnapshot(convergedInput(0), () => {
      const machines = [vm('win-1', { osType: 'Windows' }), vm('win-2', { osType: 'Windows' }), vm('lin-1')];
      return { machines, associations: machines.flatMap((m) => ownedAssociations(m.id, []).slice(-1)), fullyListedMachines: machines.map((m) => m.id) };
    });
    const plan = planTopology(input);
    expect(plan.actions).toEqual([expect.objectContaining({ kind: 'CreateRuleAssociation', resourceId: ids.vm('lin-1') })]);
    const mismatch = plan.findings.filter((f) => f.code === 'OsKindMismatch');
    expect(mismatch).toHaveLength(1);
    expect(mismatch[0]).toMatchObject({ severity: 'Warning', resourceId: LINUX, stage: 'Rules' });
    expect(mismatch[0]?.message).toContain('2 target machine(s)');
    expect(mismatch[0]?.message).toContain('2 of them get no applicable rule at all');
    expect(mismatch[0]?.message).toContain('(win-1, win-2)');
    expect(mismatch[0]?.message).toContain('narrow spec.targets or add a rule for that OS');
    expect(plan.instances).toMatchObject({ compliant: 2, pending: 1 });
  });

  it('reports a rule of the other OS as Info when every machine gets a rule of its own OS', () => {
    const WINDOWS = ids.rule('dcr-windows');
    const input = withSnapshot(convergedInput(0), () => {
      const machines = [vm('win-1', { osType: 'Windows' }), vm('lin-1')];
      return {
        machines,
        rules: [rule('dcr-linux'), rule('dcr-windows', { kind: 'Windows' })],
        associations: [...ownedAssociations(machines[0]?.id ?? '', [WINDOWS]), ...ownedAssociations(machines[1]?.id ?? '', [LINUX])],
        fullyListedMachines: machines.map((m) => m.id),
      };
    });
    input.spec = { ...input.spec, dataCollectionRules: [{ resourceId: LINUX }, { resourceId: WINDOWS }] };
    const plan = planTopology(input);
    expect(plan.actions).toEqual([]);
    const mismatch = plan.findings.filter((f) => f.code === 'OsKindMismatch');
    expect(mismatch.map((f) => [f.resourceId, f.severity])).toEqual([
      [LINUX, 'Info'],
      [WINDOWS, 'Info'],
    ]);
    const linux = mismatch.find((f) => f.resourceId === LINUX);
    expect(linux?.message).toContain('not associated with 1 target machine(s) of the other OS (win-1), as is correct');
    expect(linux?.message).toContain('they get dcr-windows instead');
    expect(linux?.message).not.toContain('narrow spec.targets');
    expect(plan.instances).toMatchObject({ compliant: 2 });
  });

  it('counts a rule with no kind as covering the other OS', () => {
    const m = vm('win-1', { osType: 'Windows' });
    const input = single(m, ownedAssociations(m.id, [ids.rule('dcr-all')]));
    input.snapshot.rules = [rule('dcr-linux'), rule('dcr-all', { kind: undefined })];
    input.spec = { ...input.spec, dataCollectionRules: [{ resourceId: LINUX }, { resourceId: ids.rule('dcr-all') }] };
    const mismatch = planTopology(input).findings.find((f) => f.code === 'OsKindMismatch');
    expect(mismatch).toMatchObject({ severity: 'Info', resourceId: LINUX });
    expect(mismatch?.message).toContain('they get dcr-all instead');
  });

  it('stays a Warning naming only the machines left with no applicable rule', () => {
    const WINDOWS = ids.rule('dcr-windows');
    const input = withSnapshot(convergedInput(0), () => {
      const machines = [vm('lin-1'), vm('win-1', { osType: 'Windows' })];
      return { machines, rules: [rule('dcr-windows', { kind: 'Windows' })], fullyListedMachines: machines.map((m) => m.id) };
    });
    input.spec = { ...input.spec, dataCollectionRules: [{ resourceId: WINDOWS }] };
    const mismatch = planTopology(input).findings.find((f) => f.code === 'OsKindMismatch');
    expect(mismatch).toMatchObject({ severity: 'Warning', resourceId: WINDOWS });
    expect(mismatch?.message).toContain('1 of them get no applicable rule at all, so nothing is collected from them (lin-1)');
  });

  it('associates a rule with no kind everywhere and reports it as combined', () => {
    const m = vm('win-1', { osType: 'Windows' });
    const input = single(m, ownedAssociations(m.id, []).slice(-1));
    input.snapshot.rules = [rule('dcr-linux', { kind: undefined })];
    const plan = planTopology(input);
    expect(kinds(plan.actions)).toEqual(['CreateRuleAssociation']);
    expect(plan.findings.find((f) => f.code === 'CombinedOsRule')).toMatchObject({ severity: 'Info', resourceId: LINUX });
  });

  it('refuses to go over 30 rule associations on a machine', () => {
    const m = vm('vm-full');
    const others = Array.from({ length: 30 }, (_, i) => association(m.id, `other-${i}`, { rule: ids.rule(`other-${i}`) }));
    const plan = planTopology(single(m, [...others, ...ownedAssociations(m.id, []).slice(-1)]));
    expect(plan.actions).toEqual([]);
    expect(plan.findings.map((f) => f.code)).toEqual(['AssociationLimitExceeded']);
    expect(plan.findings[0]?.message).toContain('31 rule associations');
    expect(plan.instances.failing).toBe(1);
  });

  it('accepts exactly 30 rule associations', () => {
    const m = vm('vm-full');
    const others = Array.from({ length: 29 }, (_, i) => association(m.id, `other-${i}`, { rule: ids.rule(`other-${i}`) }));
    expect(kinds(planTopology(single(m, [...others, ...ownedAssociations(m.id, []).slice(-1)])).actions)).toEqual(['CreateRuleAssociation']);
  });
});

describe('planTopology: the configurationAccessEndpoint association', () => {
  it('creates it when missing', () => {
    const m = vm('vm-a');
    const plan = planTopology(single(m, withoutEndpoint(m)));
    expect(plan.actions).toEqual([
      {
        kind: 'CreateEndpointAssociation',
        resourceId: m.id,
        name: CONFIGURATION_ACCESS_ENDPOINT,
        dataCollectionEndpointId: ids.endpoint(),
        description: ownerMarker(owner),
        reason: expect.any(String) as string,
      },
    ]);
    expect(plan.findings).toEqual([expect.objectContaining({ code: 'EndpointAssociationMissing', severity: 'Error', stage: 'ConfigurationEndpoint' })]);
  });

  it('adopts one created by someone else that points to the right endpoint', () => {
    const m = vm('vm-a');
    const portal = association(m.id, CONFIGURATION_ACCESS_ENDPOINT, { endpoint: ids.endpoint().toUpperCase() });
    expect(planTopology(single(m, [...withoutEndpoint(m), portal])).actions).toEqual([]);
  });

  it('reports a misnamed endpoint association, leaves it alone and creates the right one', () => {
    const m = vm('vm-a');
    const misnamed = association(m.id, 'dce-association', { endpoint: ids.endpoint() }, 'made with the CLI');
    const plan = planTopology(single(m, [...withoutEndpoint(m), misnamed]));
    expect(kinds(plan.actions)).toEqual(['CreateEndpointAssociation']);
    expect(plan.findings.map((f) => f.code).sort()).toEqual(['EndpointAssociationMisnamed', 'EndpointAssociationMissing']);
    expect(plan.findings.find((f) => f.code === 'EndpointAssociationMisnamed')?.message).toContain('dce-association');

    // Once the right one exists, the misnamed one is only a warning and the machine is compliant.
    const after = planTopology(single(m, [...ownedAssociations(m.id, [LINUX]), misnamed]));
    expect(after.actions).toEqual([]);
    expect(after.findings.map((f) => f.code)).toEqual(['EndpointAssociationMisnamed']);
    expect(after.instances.compliant).toBe(1);
  });

  it('updates its own association when the spec names another endpoint', () => {
    const m = vm('vm-a');
    const stale = association(m.id, CONFIGURATION_ACCESS_ENDPOINT, { endpoint: ids.endpoint('dce-old') }, ownerMarker(owner));
    const plan = planTopology(single(m, [...withoutEndpoint(m), stale]));
    expect(plan.actions).toEqual([expect.objectContaining({ kind: 'CreateEndpointAssociation', dataCollectionEndpointId: ids.endpoint() })]);
    expect(plan.findings.map((f) => f.code)).toEqual(['EndpointAssociationMissing']);
    expect(plan.instances.pending).toBe(1);
  });

  it("never overwrites another owner's association to another endpoint", () => {
    const m = vm('vm-a');
    const theirs = association(m.id, CONFIGURATION_ACCESS_ENDPOINT, { endpoint: ids.endpoint('dce-legacy') }, ownerMarker(otherOwner));
    const plan = planTopology(single(m, [...withoutEndpoint(m), theirs]));
    expect(plan.actions).toEqual([]);
    expect(plan.findings).toEqual([expect.objectContaining({ code: 'ConfigurationEndpointConflict', severity: 'Error' })]);
    expect(plan.findings[0]?.message).toContain('dce-legacy');
    expect(plan.instances.failing).toBe(1);
  });

  it('does not flap when two topologies want different endpoints for one machine', () => {
    const m = vm('vm-a');
    const competingEndpoints = { [m.id.toUpperCase()]: [ids.endpoint('dce-legacy')] };
    // Neither has written yet: neither writes.
    const fresh = planTopology(single(m, withoutEndpoint(m), { competingEndpoints }));
    expect(fresh.actions).toEqual([]);
    expect(fresh.findings.map((f) => f.code)).toEqual(['ConfigurationEndpointConflict']);
    // Ours is in place: keep it, still report.
    const ours = planTopology(single(m, ownedAssociations(m.id, [LINUX]), { competingEndpoints }));
    expect(ours.actions).toEqual([]);
    expect(ours.findings.map((f) => f.code)).toEqual(['ConfigurationEndpointConflict']);
    // A competitor that wants the same endpoint is no conflict.
    const agreeing = planTopology(single(m, ownedAssociations(m.id, [LINUX]), { competingEndpoints: { [m.id]: [ids.endpoint().toUpperCase()] } }));
    expect(agreeing.findings).toEqual([]);
  });

  it('never writes blind to a machine seen only through bulk lists', () => {
    const m = vm('vm-new');
    const input = withSnapshot(single(m, withoutEndpoint(m)), () => ({ fullyListedMachines: [] }));
    const plan = planTopology(input);
    expect(plan.actions).toEqual([]);
    expect(plan.awaitingFullListing).toEqual([m.id]);
    expect(plan.findings.map((f) => f.code)).toEqual(['EndpointAssociationMissing']);
    expect(plan.instances.pending).toBe(1);
  });
});

describe('planTopology: scale sets', () => {
  it('associates a Uniform scale set at the scale-set level', () => {
    const uniform: ObservedMachine = { ...vm('unused'), id: ids.scaleSet('vmss-uniform'), kind: 'UniformScaleSet', selectedBy: 'virtualMachineScaleSets' };
    const plan = planTopology(single(uniform, []));
    expect(plan.actions.map((a) => [a.kind, 'resourceId' in a ? a.resourceId : ''])).toEqual([
      ['CreateEndpointAssociation', ids.scaleSet('vmss-uniform')],
      ['CreateRuleAssociation', ids.scaleSet('vmss-uniform')],
    ]);
  });

  it('associates every Flexible member on its own', () => {
    const ss = scaleSet('vmss-flex');
    const members = [1, 2, 3].map((i) => vm(`vmss-flex_${i}`, { scaleSetId: ss.id, selectedBy: 'virtualMachineScaleSets' }));
    const input = withSnapshot(convergedInput(0), () => ({
      machines: members,
      scaleSets: [ss],
      associations: ownedAssociations(members[0]!.id, [LINUX]),
      fullyListedMachines: members.map((m) => m.id),
    }));
    const plan = planTopology(input);
    expect(plan.actions).toHaveLength(4);
    expect(new Set(plan.actions.map((a) => ('resourceId' in a ? a.resourceId : '')))).toEqual(new Set([members[1]!.id, members[2]!.id]));
    expect(plan.instances).toMatchObject({ total: 3, compliant: 1, pending: 2 });
  });
});
