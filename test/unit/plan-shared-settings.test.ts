// Conflicting declarations about one shared resource: detection (findings) and the plan writing neither side.
import { describe, expect, it } from 'vitest';
import { accessModeConflicts, differingAccessModes, identityConflict, outcomeFindings } from '../../src/findings/index.ts';
import type { SharedDeclaration } from '../../src/findings/index.ts';
import { planTopology } from '../../src/plan/index.ts';
import type { ObservedMachine } from '../../src/model/index.ts';
import type { PlanInput } from '../../src/plan/types.ts';
import { convergedInput, ids, ownedAssociations, scope, spec, vm, withSnapshot } from './fixtures/estate.ts';

const PRIVATE = { ingestion: 'PrivateOnly', query: 'PrivateOnly' } as const;
const mine = (over: Partial<SharedDeclaration> = {}): SharedDeclaration => ({ topology: 'monitoring/prod', scopeId: ids.scope(), accessModes: PRIVATE, ...over });
const other = (over: Partial<SharedDeclaration> = {}): SharedDeclaration => ({ topology: 'team/other', scopeId: ids.scope(), accessModes: PRIVATE, ...over });

describe('access mode declarations', () => {
  it('names each differing field; unset exclusions are not managed, so they never differ', () => {
    expect(differingAccessModes(PRIVATE, PRIVATE)).toEqual([]);
    expect(differingAccessModes(PRIVATE, { ingestion: 'Open', query: 'PrivateOnly' })).toEqual(['ingestion']);
    expect(differingAccessModes(PRIVATE, { ingestion: 'Open', query: 'Open' })).toEqual(['ingestion', 'query']);
    const excl = [{ privateEndpointConnectionName: 'pe-spoke', ingestion: 'Open' as const, query: 'Open' as const }];
    expect(differingAccessModes({ ...PRIVATE, exclusions: excl }, PRIVATE)).toEqual([]);
    expect(differingAccessModes({ ...PRIVATE, exclusions: excl }, { ...PRIVATE, exclusions: [] })).toEqual(['exclusions']);
    expect(differingAccessModes({ ...PRIVATE, exclusions: excl }, { ...PRIVATE, exclusions: [{ ...excl[0]!, privateEndpointConnectionName: 'PE-SPOKE' }] })).toEqual([]);
  });

  it('reports one finding per other topology on the same scope, naming it and the field', () => {
    const found = accessModeConflicts(mine(), [
      other({ accessModes: { ingestion: 'Open', query: 'PrivateOnly' } }),
      other({ topology: 'team/same' }),
      other({ topology: 'team/elsewhere', scopeId: ids.scope('ampls-other'), accessModes: { ingestion: 'Open', query: 'Open' } }),
      other({ topology: 'team/unset', accessModes: undefined }),
    ]);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ code: 'SharedSettingConflict', severity: 'Error', resourceId: ids.scope() });
    expect(found[0]?.message).toContain('team/other');
    expect(found[0]?.message).toContain('spec.privateLinkScope.accessModes.ingestion is PrivateOnly here and Open there');
    // Scope ids compare case-insensitively; a topology never conflicts with itself.
    expect(accessModeConflicts(mine(), [other({ scopeId: ids.scope().toUpperCase(), accessModes: { ingestion: 'PrivateOnly', query: 'Open' } })])).toHaveLength(1);
    expect(accessModeConflicts(mine(), [mine({ accessModes: { ingestion: 'Open', query: 'Open' } })])).toEqual([]);
    expect(accessModeConflicts(mine({ accessModes: undefined }), [other({ accessModes: { ingestion: 'Open', query: 'Open' } })])).toEqual([]);
  });

  it('the plan reports the conflict and writes the access modes for neither topology (other work continues)', () => {
    const base = withSnapshot(convergedInput(1), () => ({ scope: scope({ ingestionAccessMode: 'Open' }, [ids.workspace()]) }));
    const alone = planTopology(base);
    expect(alone.actions.map((a) => a.kind).sort()).toEqual(['AddScopedResource', 'UpdateAccessModes']);
    const contested = planTopology({ ...base, sharedDeclarations: [other({ accessModes: { ingestion: 'Open', query: 'PrivateOnly' } })] });
    expect(contested.actions.map((a) => a.kind)).toEqual(['AddScopedResource']);
    expect(contested.findings.map((f) => f.code)).toEqual(expect.arrayContaining(['SharedSettingConflict', 'AccessModeMismatch']));
    // Agreement is no conflict: the mismatch is fixed as usual.
    expect(planTopology({ ...base, sharedDeclarations: [other()] }).actions.map((a) => a.kind).sort()).toEqual(['AddScopedResource', 'UpdateAccessModes']);
  });
});

describe('agent identity declarations', () => {
  const UAMI = ids.identity();
  const OTHER = ids.identity('uami-other');

  it('reports a machine whose agent another topology wants on another identity', () => {
    const m = ids.vm('vm-a');
    expect(identityConflict(m, UAMI, [])).toBeUndefined();
    expect(identityConflict(m, UAMI, [{ topology: 'team/other', identity: UAMI.toUpperCase() }])).toBeUndefined();
    const f = identityConflict(m, UAMI, [{ topology: 'team/other', identity: OTHER }]);
    expect(f).toMatchObject({ code: 'SharedSettingConflict', severity: 'Error', resourceId: m, stage: 'Identity' });
    expect(f?.message).toContain('team/other');
    expect(f?.message).toContain('spec.agent.userAssignedIdentity');
  });

  it('the plan repairs the extension for neither topology while they disagree', () => {
    const m: ObservedMachine = vm('vm-a');
    const withSettings = { ...m, agentExtension: { ...m.agentExtension!, settings: {} } };
    const input: PlanInput = {
      ...withSnapshot(convergedInput(0), () => ({ machines: [withSettings], associations: ownedAssociations(m.id, [ids.rule('dcr-linux')]), fullyListedMachines: [m.id] })),
      spec: spec({ agent: { userAssignedIdentity: UAMI, manageExtension: true } }),
    };
    expect(planTopology(input).actions.map((a) => a.kind)).toEqual(['RepairExtensionIdentity']);
    const contested = planTopology({ ...input, competingIdentities: { [m.id.toUpperCase()]: [{ topology: 'team/other', identity: OTHER }] } });
    expect(contested.actions).toEqual([]);
    expect(contested.findings.map((f) => f.code)).toContain('SharedSettingConflict');
    expect(contested.instances.failing).toBe(1);
  });
});

describe('a create that lost a race', () => {
  it('becomes the finding the next observe gives, not a generic ARM failure', () => {
    const m = ids.vm('vm-a');
    const [endpoint, rule] = outcomeFindings([
      {
        action: { kind: 'CreateEndpointAssociation', resourceId: m, name: 'configurationAccessEndpoint', dataCollectionEndpointId: ids.endpoint(), description: '', reason: '' },
        ok: false,
        error: { code: 'ChangedSinceObserved', status: 412, message: 'taken', found: { id: `${m}/x`, name: 'configurationAccessEndpoint', resourceId: m, dataCollectionEndpointId: ids.endpoint('dce-other') } },
      },
      {
        action: { kind: 'CreateRuleAssociation', resourceId: m, name: 'mtopo-x', dataCollectionRuleId: ids.rule('dcr-linux'), description: '', reason: '' },
        ok: false,
        error: { code: 'ChangedSinceObserved', status: 412, message: 'taken' },
      },
    ]);
    expect(endpoint).toMatchObject({ code: 'ConfigurationEndpointConflict', resourceId: m });
    expect(endpoint?.message).toContain('dce-other');
    expect(rule).toMatchObject({ code: 'AssociationNameTaken', resourceId: m });
  });

  it('says whether a failed write is retried with backoff or waits for the next resync, as the reconciler does', () => {
    const action = { kind: 'UpdateAccessModes' as const, scopeId: ids.scope(), ingestionAccessMode: 'Open' as const, queryAccessMode: 'Open' as const, exclusions: [], reason: '' };
    const say = (status: number | undefined) => outcomeFindings([{ action, ok: false, error: { code: 'X', message: 'm', ...(status === undefined ? {} : { status }) } }])[0]?.message ?? '';
    for (const status of [undefined, 408, 409, 429, 500, 503]) expect(say(status)).toContain('retried with backoff');
    for (const status of [400, 412, 422]) expect(say(status)).toContain('not retried before the next resync');
  });
});

