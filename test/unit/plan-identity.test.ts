import { describe, expect, it } from 'vitest';
import { planTopology } from '../../src/plan/index.ts';
import type { ObservedMachine } from '../../src/model/index.ts';
import type { PlanInput } from '../../src/plan/types.ts';
import { convergedInput, ids, ownedAssociations, scaleSet, spec, vm, withSnapshot } from './fixtures/estate.ts';

const UAMI = ids.identity();
const OTHER = ids.identity('uami-other');

function single(m: ObservedMachine, agent: PlanInput['spec']['agent'], extra: Partial<PlanInput['snapshot']> = {}): PlanInput {
  const input = withSnapshot(convergedInput(0), () => ({
    machines: [m],
    associations: ownedAssociations(m.id, [ids.rule('dcr-linux')]),
    fullyListedMachines: [m.id],
    ...extra,
  }));
  return { ...input, spec: spec(agent ? { agent } : { agent: undefined }) };
}

function withSettings(m: ObservedMachine, settings: Record<string, unknown>): ObservedMachine {
  if (!m.agentExtension) throw new Error('fixture has no extension');
  return { ...m, agentExtension: { ...m.agentExtension, settings } };
}

const codes = (input: PlanInput): string[] => planTopology(input).findings.map((f) => f.code);

describe('agent identity with a user-assigned identity in the spec', () => {
  it('is satisfied when the identity is assigned and named (ids in any case)', () => {
    const m = withSettings(vm('vm-a', { identity: { type: 'UserAssigned', userAssignedIdentities: [UAMI.toLowerCase()] } }), {
      authentication: { managedIdentity: { 'identifier-name': 'MI_RES_ID', 'identifier-value': UAMI.toUpperCase() } },
    });
    const plan = planTopology(single(m, { userAssignedIdentity: UAMI, manageExtension: true }));
    expect(plan.actions).toEqual([]);
    expect(plan.findings).toEqual([]);
  });

  it('reports an identity that is not assigned and never changes identities', () => {
    const m = vm('vm-a', { identity: { type: 'SystemAssigned', principalId: 'p', userAssignedIdentities: [] } });
    const plan = planTopology(single(m, { userAssignedIdentity: UAMI, manageExtension: true }));
    expect(plan.actions).toEqual([]);
    expect(plan.findings).toEqual([expect.objectContaining({ code: 'IdentityNotAssigned', severity: 'Error', stage: 'Identity', resourceId: m.id })]);
    expect(plan.instances.failing).toBe(1);
  });

  it('accepts the identity assigned to the Flexible scale set instead of the member', () => {
    const ss = scaleSet('vmss-flex');
    const m = vm('vmss-flex_1', { scaleSetId: ss.id, identity: { type: 'None', userAssignedIdentities: [] } });
    expect(codes(single(m, { userAssignedIdentity: UAMI, manageExtension: true }, { scaleSets: [ss] }))).toEqual([]);
  });

  it('reports a missing agent extension and never installs one', () => {
    const plan = planTopology(single(vm('vm-a', { agentExtension: null }), { userAssignedIdentity: UAMI, manageExtension: true }));
    expect(plan.actions).toEqual([]);
    expect(plan.findings).toEqual([expect.objectContaining({ code: 'AgentExtensionMissing', stage: 'Extension', severity: 'Error' })]);
  });

  it('says nothing about an extension it could not read', () => {
    expect(codes(single(vm('vm-a', { agentExtension: undefined }), { userAssignedIdentity: UAMI, manageExtension: true }))).toEqual([]);
  });

  it('repairs the extension settings with manageExtension, keeping every other setting', () => {
    const m = withSettings(vm('vm-a', { identity: { type: 'UserAssigned', userAssignedIdentities: [UAMI, OTHER] } }), {
      workspaceId: 'keep-me',
      authentication: { proxy: { mode: 'application' } },
    });
    const plan = planTopology(single(m, { userAssignedIdentity: UAMI, manageExtension: true }));
    expect(plan.actions).toEqual([
      {
        kind: 'RepairExtensionIdentity',
        resourceId: m.id,
        extensionName: 'AzureMonitorLinuxAgent',
        settings: {
          workspaceId: 'keep-me',
          authentication: {
            proxy: { mode: 'application' },
            managedIdentity: { 'identifier-name': 'mi_res_id', 'identifier-value': UAMI },
          },
        },
        reason: expect.any(String) as string,
      },
    ]);
    expect(plan.findings.map((f) => f.code)).toEqual(['ExtensionIdentityMismatch']);
    expect(plan.instances.pending).toBe(1);
  });

  it('repairs an extension that names another identity', () => {
    const m = withSettings(vm('vm-a'), { authentication: { managedIdentity: { 'identifier-name': 'mi_res_id', 'identifier-value': OTHER } } });
    expect(planTopology(single(m, { userAssignedIdentity: UAMI, manageExtension: true })).actions.map((a) => a.kind)).toEqual(['RepairExtensionIdentity']);
  });

  it('only reports the mismatch without manageExtension', () => {
    const m = withSettings(vm('vm-a'), {});
    const plan = planTopology(single(m, { userAssignedIdentity: UAMI }));
    expect(plan.actions).toEqual([]);
    expect(plan.findings).toEqual([expect.objectContaining({ code: 'ExtensionIdentityMismatch', severity: 'Error' })]);
    expect(plan.findings[0]?.message).toContain('manageExtension');
    expect(plan.instances.failing).toBe(1);
  });

  it('does not point the agent at an identity that cannot be read', () => {
    const m = withSettings(vm('vm-a'), {});
    const input = single(m, { userAssignedIdentity: UAMI, manageExtension: true }, {
      errors: [{ resourceId: UAMI, code: 'NotFound', message: 'gone' }],
    });
    const plan = planTopology(input);
    expect(plan.actions).toEqual([]);
    expect(plan.findings.map((f) => f.code)).toContain('ReferencedResourceNotFound');
  });

  it('repairs a Uniform scale set at the scale-set level', () => {
    const uniform: ObservedMachine = withSettings(
      { ...vm('unused'), id: ids.scaleSet('vmss-uniform'), kind: 'UniformScaleSet' },
      {},
    );
    const plan = planTopology(single(uniform, { userAssignedIdentity: UAMI, manageExtension: true }));
    expect(plan.actions).toEqual([expect.objectContaining({ kind: 'RepairExtensionIdentity', resourceId: ids.scaleSet('vmss-uniform') })]);
  });
});

describe('agent identity without an identity in the spec', () => {
  const system = { type: 'SystemAssigned', principalId: '1111', userAssignedIdentities: [] };

  it('reports an implicit system identity as information', () => {
    const m = withSettings(vm('vm-a', { identity: system }), {});
    const plan = planTopology(single(m, undefined));
    expect(plan.findings).toEqual([expect.objectContaining({ code: 'ImplicitSystemIdentity', severity: 'Info' })]);
    expect(plan.instances.compliant).toBe(1);
  });

  it('reports a missing system identity', () => {
    const m = withSettings(vm('vm-a', { identity: { type: 'UserAssigned', userAssignedIdentities: [UAMI] } }), {});
    expect(codes(single(m, undefined))).toEqual(['SystemIdentityMissing']);
    const none = withSettings(vm('vm-b', { identity: { type: 'None', userAssignedIdentities: [] } }), {});
    expect(codes(single(none, undefined))).toEqual(['SystemIdentityMissing']);
  });

  it('tells Flexible members they need a user-assigned identity', () => {
    const ss = scaleSet('vmss-flex');
    const m = withSettings(vm('vmss-flex_1', { scaleSetId: ss.id, identity: system }), {});
    const plan = planTopology(single(m, undefined, { scaleSets: [ss] }));
    expect(plan.findings).toEqual([expect.objectContaining({ code: 'FlexibleScaleSetNeedsUserAssignedIdentity', severity: 'Error', stage: 'Identity' })]);
    expect(plan.instances.failing).toBe(1);
  });

  it('reports several user-assigned identities with no explicit setting as ambiguous', () => {
    const two = { type: 'UserAssigned', userAssignedIdentities: [UAMI, OTHER] };
    const m = withSettings(vm('vm-a', { identity: two }), {});
    expect(planTopology(single(m, undefined)).findings).toEqual([expect.objectContaining({ code: 'AmbiguousIdentity', severity: 'Error' })]);
    const withSystem = withSettings(vm('vm-b', { identity: { ...two, type: 'SystemAssigned, UserAssigned', principalId: '2222' } }), {});
    expect(planTopology(single(withSystem, undefined)).findings).toEqual([expect.objectContaining({ code: 'AmbiguousIdentity', severity: 'Warning' })]);
  });

  it('accepts an explicit identity in the extension when it is assigned', () => {
    const named = { authentication: { managedIdentity: { 'identifier-name': 'mi_res_id', 'identifier-value': OTHER } } };
    const ok = withSettings(vm('vm-a', { identity: { type: 'UserAssigned', userAssignedIdentities: [UAMI, OTHER] } }), named);
    expect(codes(single(ok, undefined))).toEqual([]);
    const missing = withSettings(vm('vm-b', { identity: { type: 'UserAssigned', userAssignedIdentities: [UAMI] } }), named);
    expect(codes(single(missing, undefined))).toEqual(['IdentityNotAssigned']);
  });
});

describe('Flexible scale-set model', () => {
  it('warns when the model would start new instances without the identity', () => {
    const ss = scaleSet('vmss-flex', {
      agentExtension: {
        id: `${ids.scaleSet('vmss-flex')}/extensions/AzureMonitorLinuxAgent`,
        name: 'AzureMonitorLinuxAgent',
        type: 'AzureMonitorLinuxAgent',
        publisher: 'Microsoft.Azure.Monitor',
        settings: {},
      },
    });
    const m = vm('vmss-flex_1', { scaleSetId: ss.id });
    const plan = planTopology(single(m, { userAssignedIdentity: UAMI, manageExtension: true }, { scaleSets: [ss] }));
    expect(plan.actions).toEqual([]);
    expect(plan.findings).toEqual([expect.objectContaining({ code: 'ExtensionIdentityMismatch', severity: 'Warning', resourceId: ss.id })]);
    expect(plan.instances.compliant).toBe(1);
  });
});
