import { describe, expect, it } from 'vitest';
import { planTopology } from '../../src/plan/index.ts';
import type { Action } from '../../src/model/index.ts';
import { scopedResourceName } from '../../src/plan/ownership.ts';
import { convergedInput, ids, owner, rule, scope, spec, withSnapshot, workspace } from './fixtures/estate.ts';

const ofKind = <K extends Action['kind']>(actions: Action[], kind: K): Extract<Action, { kind: K }>[] =>
  actions.filter((a): a is Extract<Action, { kind: K }> => a.kind === kind);

describe('planTopology: access modes', () => {
  it('updates the scope when the modes differ, and reports the mismatch', () => {
    const input = withSnapshot(convergedInput(1), () => ({ scope: scope({ ingestionAccessMode: 'Open' }) }));
    const plan = planTopology(input);
    expect(ofKind(plan.actions, 'UpdateAccessModes')).toEqual([
      expect.objectContaining({ scopeId: ids.scope(), ingestionAccessMode: 'PrivateOnly', queryAccessMode: 'PrivateOnly', exclusions: [] }),
    ]);
    expect(plan.findings.map((f) => f.code)).toEqual(['AccessModeMismatch']);
    expect(plan.findings[0]?.message).toContain('ingestion is Open, the spec wants PrivateOnly');
  });

  it('manages exclusions only when the spec lists them', () => {
    const excl = [{ privateEndpointConnectionName: 'pe-spoke', ingestionAccessMode: 'Open' as const, queryAccessMode: 'Open' as const }];
    const base = withSnapshot(convergedInput(1), () => ({ scope: scope({ exclusions: excl }) }));
    expect(planTopology(base).actions).toEqual([]);

    const cleared = { ...base, spec: spec({ privateLinkScope: { ...spec().privateLinkScope, accessModes: { ingestion: 'PrivateOnly', query: 'PrivateOnly', exclusions: [] } } }) };
    expect(ofKind(planTopology(cleared).actions, 'UpdateAccessModes')[0]?.exclusions).toEqual([]);

    const same = {
      ...base,
      spec: spec({
        privateLinkScope: {
          ...spec().privateLinkScope,
          accessModes: { ingestion: 'PrivateOnly', query: 'PrivateOnly', exclusions: [{ privateEndpointConnectionName: 'PE-SPOKE', ingestion: 'Open', query: 'Open' }] },
        },
      }),
    };
    expect(planTopology(same).actions).toEqual([]);
  });

  it('leaves access modes alone when the spec does not set them', () => {
    const input = withSnapshot(convergedInput(1), () => ({ scope: scope({ ingestionAccessMode: 'Open', queryAccessMode: 'Open' }) }));
    input.spec = spec({ privateLinkScope: { resourceId: ids.scope(), scopedResources: [{ resourceId: ids.workspace() }] } });
    expect(planTopology(input).actions).toEqual([]);
  });

  it('warns when PrivateOnly blocks public traffic a scoped workspace allows', () => {
    const input = withSnapshot(convergedInput(1), () => ({
      workspaces: [workspace({ publicNetworkAccessForIngestion: 'Enabled', publicNetworkAccessForQuery: 'enabled' })],
    }));
    const plan = planTopology(input);
    const f = plan.findings.find((x) => x.code === 'WorkspacePublicAccessOverridden');
    expect(f).toMatchObject({ severity: 'Warning', stage: 'Ingestion', resourceId: ids.workspace() });
    expect(f?.message).toContain('ingestion and query');
    expect(plan.instances.compliant).toBe(1);
  });

  it('does not warn for a direction the scope leaves Open', () => {
    const input = withSnapshot(convergedInput(1), () => ({
      scope: scope({ queryAccessMode: 'Open' }),
      workspaces: [workspace({ publicNetworkAccessForQuery: 'Enabled' })],
    }));
    input.spec = spec({ privateLinkScope: { ...spec().privateLinkScope, accessModes: { ingestion: 'PrivateOnly', query: 'Open' } } });
    expect(planTopology(input).findings).toEqual([]);
  });
});

describe('planTopology: scoped resources', () => {
  it('adds the configuration endpoint, rule endpoints and declared workspaces to the scope', () => {
    const ruleDce = ids.endpoint('dce-ingest-weu');
    const input = withSnapshot(convergedInput(1), () => ({
      scope: scope({}, []),
      rules: [rule('dcr-linux', { dataCollectionEndpointId: ruleDce })],
    }));
    const plan = planTopology(input);
    const adds = ofKind(plan.actions, 'AddScopedResource');
    expect(adds.map((a) => a.linkedResourceId).sort()).toEqual([ids.endpoint(), ruleDce, ids.workspace()].sort());
    expect(adds.every((a) => a.scopeId === ids.scope() && a.name === scopedResourceName(a.linkedResourceId, owner))).toBe(true);
    const notScoped = plan.findings.filter((f) => f.code === 'ResourceNotScoped');
    expect(notScoped).toHaveLength(3);
    expect(notScoped.find((f) => f.resourceId === ids.endpoint())?.stage).toBe('ConfigurationEndpoint');
    expect(notScoped.find((f) => f.resourceId === ruleDce)?.stage).toBe('Ingestion');
    expect(notScoped.every((f) => f.severity === 'Error')).toBe(true);
    expect(plan.desiredScopedResources).toHaveLength(3);
  });

  it('links every resource in the alsoLinkTo scopes too', () => {
    const other = ids.scope('ampls-new');
    const input = withSnapshot(convergedInput(1), () => ({ alsoLinkScopes: [scope({ id: other }, [ids.workspace()])] }));
    input.spec = spec({ privateLinkScope: { ...spec().privateLinkScope, alsoLinkTo: [other, other.toUpperCase()] } });
    const plan = planTopology(input);
    expect(ofKind(plan.actions, 'AddScopedResource')).toEqual([
      expect.objectContaining({ scopeId: other, linkedResourceId: ids.endpoint() }),
    ]);
    // Migration links do not hold machines back.
    expect(plan.instances.compliant).toBe(1);
    expect(plan.desiredScopedResources.filter((d) => d.scopeId === other)).toHaveLength(2);
  });

  it('plans nothing for a scope it could not read, and nothing for unreadable resources', () => {
    const other = ids.scope('ampls-new');
    const input = withSnapshot(convergedInput(1), () => ({
      scope: scope({}, [ids.workspace()]),
      errors: [
        { resourceId: other, code: 'Forbidden', message: 'no read' },
        { resourceId: ids.endpoint(), code: 'NotFound', message: 'gone' },
      ],
    }));
    input.spec = spec({ privateLinkScope: { ...spec().privateLinkScope, alsoLinkTo: [other] } });
    const plan = planTopology(input);
    expect(ofKind(plan.actions, 'AddScopedResource')).toEqual([]);
  });

  it('recognises linked resources whatever the case of their ids', () => {
    const input = withSnapshot(convergedInput(1), () => ({
      scope: scope({}, [ids.workspace().toUpperCase(), ids.endpoint().toLowerCase()]),
    }));
    expect(planTopology(input).actions).toEqual([]);
  });
});
