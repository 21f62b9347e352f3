// Azure Arc-enabled servers in the pure plan: associations as for VMs, one system identity, the agent's state.
import { describe, expect, it } from 'vitest';
import type { ObservedMachine } from '../../src/model/index.ts';
import { planTopology } from '../../src/plan/index.ts';
import type { PlanInput } from '../../src/plan/types.ts';
import { association, convergedInput, ids, ownedAssociations, spec, SUB, withSnapshot } from './fixtures/estate.ts';

const arcId = (name: string) => `/subscriptions/${SUB}/resourceGroups/rg-onprem/providers/Microsoft.HybridCompute/machines/${name}`;

function arc(name: string, over: Partial<ObservedMachine> = {}): ObservedMachine {
  const id = arcId(name);
  return {
    id,
    kind: 'ArcMachine',
    osType: 'Linux',
    identity: { type: 'SystemAssigned', principalId: '4f8c6a1e-0000-4000-8000-000000000001', userAssignedIdentities: [] },
    tags: {},
    agentExtension: { id: `${id}/extensions/AzureMonitorLinuxAgent`, name: 'AzureMonitorLinuxAgent', type: 'AzureMonitorLinuxAgent', publisher: 'Microsoft.Azure.Monitor', settings: {} },
    arc: { status: 'Connected', privateLinkScopeId: `/subscriptions/${SUB}/resourceGroups/rg-onprem/providers/Microsoft.HybridCompute/privateLinkScopes/arc-pls` },
    selectedBy: 'arcMachines',
    ...over,
  };
}

function only(machines: ObservedMachine[], associations = machines.flatMap((m) => ownedAssociations(m.id, [ids.rule('dcr-linux')])), agent: PlanInput['spec']['agent'] = undefined): PlanInput {
  const input = withSnapshot(convergedInput(0), () => ({ machines, associations, fullyListedMachines: machines.map((m) => m.id) }));
  // The plan acts only on machines under the spec's targets: name the servers there, as a topology would.
  const base = spec({ agent });
  return { ...input, spec: { ...base, targets: { ...base.targets, arcMachines: machines.map((m) => m.id) } } };
}

const codes = (input: PlanInput) => planTopology(input).findings.map((f) => f.code);

describe('plan: Azure Arc-enabled servers', () => {
  it('a converged, connected server bound to an Arc scope is compliant with nothing to do', () => {
    const plan = planTopology(only([arc('srv-a')]));
    expect(plan.actions).toEqual([]);
    expect(plan.findings).toEqual([]);
    expect(plan.instances).toMatchObject({ total: 1, compliant: 1 });
  });

  it('acts on a server named in targets.arcMachines and on no other listed server', () => {
    const input = only([arc('srv-a'), arc('srv-x')]);
    const named = { ...input, spec: { ...input.spec, targets: { arcMachines: [arcId('srv-a')] } } };
    const plan = planTopology(named);
    expect(plan.findings.filter((f) => f.code === 'TargetOutsideSpec').map((f) => f.resourceId)).toEqual([arcId('srv-x')]);
    expect(plan.actions.every((a) => !JSON.stringify(a).includes('srv-x'))).toBe(true);
    expect(plan.instances).toMatchObject({ total: 1 });
  });

  it('creates both associations on a bare server, marked as its own', () => {
    const plan = planTopology(only([arc('srv-a')], []));
    const pairs = plan.actions.map((a) => `${a.kind} ${'resourceId' in a ? a.resourceId : ''}`);
    expect(pairs.sort()).toEqual([`CreateEndpointAssociation ${arcId('srv-a')}`, `CreateRuleAssociation ${arcId('srv-a')}`]);
    expect(plan.actions).toHaveLength(2);
  });

  it('matches rules to the OS the agent reports', () => {
    const win = arc('srv-win', { osType: 'Windows' });
    const plan = planTopology(only([win], []));
    expect(plan.actions.map((a) => a.kind)).toEqual(['CreateEndpointAssociation']);
    expect(plan.findings.map((f) => f.code)).toContain('OsKindMismatch');
  });

  it('keeps to the agent limit of 30 rule associations', () => {
    const m = arc('srv-full');
    const existing = Array.from({ length: 30 }, (_, i) => association(m.id, `user-${i}`, { rule: ids.rule(`other-${i}`) }));
    const plan = planTopology(only([m], [...existing, association(m.id, 'configurationAccessEndpoint', { endpoint: ids.endpoint() })]));
    expect(plan.actions).toEqual([]);
    expect(plan.findings.find((f) => f.code === 'AssociationLimitExceeded')?.resourceId).toBe(m.id);
  });

  it('never repairs an Arc extension and reports a user-assigned identity in the spec once', () => {
    const input = only([arc('srv-a'), arc('srv-b')], undefined, { userAssignedIdentity: ids.identity(), manageExtension: true });
    const plan = planTopology(input);
    expect(plan.actions).toEqual([]);
    expect(plan.findings).toEqual([expect.objectContaining({ code: 'ArcUserAssignedIdentityUnsupported', severity: 'Warning', resourceId: ids.identity() })]);
  });

  it('reports a server without its system identity, or without the agent', () => {
    const noId = arc('srv-noid', { identity: { type: 'None', userAssignedIdentities: [] } });
    const noAgent = arc('srv-noagent', { agentExtension: null });
    expect(codes(only([noId, noAgent])).sort()).toEqual(['AgentExtensionMissing', 'SystemIdentityMissing']);
  });

  it('reports a Disconnected agent with the time it was last seen, and the server as failing', () => {
    const plan = planTopology(only([arc('srv-down', { arc: { status: 'Disconnected', lastStatusChange: '2026-11-20T06:00:00.000Z', privateLinkScopeId: 'x' } })]));
    expect(plan.findings).toEqual([expect.objectContaining({ code: 'ArcMachineDisconnected', severity: 'Error', stage: 'Extension' })]);
    expect(plan.findings[0]?.message).toContain('Disconnected since 2026-11-20T06:00:00.000Z');
    expect(plan.instances.failing).toBe(1);
  });

  it('reports a server outside any Arc private link scope only when ingestion is PrivateOnly', () => {
    const loose = arc('srv-loose', { arc: { status: 'Connected' } });
    expect(codes(only([loose]))).toEqual(['ArcPrivateLinkScopeMissing']);
    const open = withSnapshot(only([loose]), (s) => ({ scope: s.scope ? { ...s.scope, ingestionAccessMode: 'Open' } : undefined }));
    expect(codes(open)).not.toContain('ArcPrivateLinkScopeMissing');
  });

  it('adopts a rule association a person made under another name', () => {
    const m = arc('srv-a');
    const plan = planTopology(only([m], [association(m.id, 'my-syslog', { rule: ids.rule('dcr-linux') }), ...ownedAssociations(m.id, []).slice(-1)]));
    expect(plan.actions).toEqual([]);
    expect(plan.findings).toEqual([]);
  });
});
