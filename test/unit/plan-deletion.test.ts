import { describe, expect, it } from 'vitest';
import { CONFIGURATION_ACCESS_ENDPOINT } from '../../src/model/index.ts';
import { planDeletion, planTopology, summarizePlan } from '../../src/plan/index.ts';
import type { PlanInput } from '../../src/plan/types.ts';
import { ownerMarker, scopedResourceName } from '../../src/plan/ownership.ts';
import { association, convergedInput, ids, otherOwner, owner, scope, spec, withSnapshot } from './fixtures/estate.ts';

function deleting(input: PlanInput): PlanInput {
  return { ...input, spec: spec({ deletionPolicy: 'Delete' }) };
}

describe('planDeletion', () => {
  it('removes nothing with deletionPolicy Orphan', () => {
    expect(planDeletion(convergedInput(3))).toEqual([]);
  });

  it('deletes only associations that carry this owner’s marker', () => {
    const base = convergedInput(2);
    const m = base.snapshot.machines[0]!.id;
    const input = deleting(
      withSnapshot(base, (s) => ({
        associations: [
          ...s.associations,
          s.associations[0]!, // the same association seen through the rule and the endpoint lists
          association(m, 'by-hand', { rule: ids.rule('dcr-linux') }, 'created by an operator'),
          association(m, 'theirs', { rule: ids.rule('dcr-linux') }, ownerMarker(otherOwner)),
          association(m, 'no-description', { endpoint: ids.endpoint() }),
        ],
      })),
    );
    const actions = planDeletion(input).filter((a) => a.kind === 'DeleteAssociation');
    expect(actions).toHaveLength(4);
    expect(actions.every((a) => a.kind === 'DeleteAssociation')).toBe(true);
    const names = actions.map((a) => ('name' in a ? a.name : ''));
    expect(names).not.toContain('by-hand');
    expect(names).not.toContain('theirs');
    expect(names.filter((n) => n === CONFIGURATION_ACCESS_ENDPOINT)).toHaveLength(2);
    expect(actions[0]).toMatchObject({ associationId: expect.stringContaining('/providers/Microsoft.Insights/dataCollectionRuleAssociations/') as string });
  });

  it('removes the scoped resources Azure shows are this topology\'s (by their topology-specific name), whatever status says', () => {
    const dce = ids.endpoint();
    const ws = ids.workspace();
    const other = ids.scope('ampls-new');
    const link = (scopeId: string, name: string, linked: string) => ({ id: `${scopeId}/scopedResources/${name}`, name, linkedResourceId: linked });
    const input = deleting(
      withSnapshot(convergedInput(0), () => ({
        scope: scope({
          scopedResources: [
            link(ids.scope(), scopedResourceName(dce, owner), dce.toLowerCase()),
            // A person's link of the workspace: never ours, even if a status patch claims it.
            link(ids.scope(), 'linked-by-hand', ws),
            // Another topology's link: its name is generated for that topology.
            link(ids.scope(), scopedResourceName(ws, otherOwner), ws),
          ],
        }),
        alsoLinkScopes: [scope({ id: other, scopedResources: [link(other, scopedResourceName(dce, owner), dce)] })],
      })),
    );
    // A status patch (or a restore) names the person's link as owned: status is a cache, not the proof.
    input.ownedScopedResources = [{ scopeId: ids.scope(), name: 'linked-by-hand', linkedResourceId: ws }];
    const actions = planDeletion(input);
    expect(actions).toEqual([
      expect.objectContaining({ kind: 'RemoveScopedResource', scopeId: ids.scope(), name: scopedResourceName(dce, owner) }),
      expect.objectContaining({ kind: 'RemoveScopedResource', scopeId: other, name: scopedResourceName(dce, owner) }),
    ]);
    expect(actions.map((a) => ('name' in a ? a.name : ''))).not.toContain('linked-by-hand');
    // A link another topology still needs in that scope stays.
    input.linksNeededByOthers = [{ scopeId: other.toUpperCase(), linkedResourceId: dce }];
    expect(planDeletion(input).map((a) => ('scopeId' in a ? a.scopeId : ''))).toEqual([ids.scope()]);
  });

  it('never deletes anything while planning a topology', () => {
    const input = withSnapshot(convergedInput(2), (s) => ({
      associations: [...s.associations, association(s.machines[0]!.id, 'stray', { rule: ids.rule('dcr-old') }, ownerMarker(owner))],
    }));
    expect(planTopology(deleting(input)).actions).toEqual([]);
  });
});

describe('summarizePlan', () => {
  it('counts actions per kind and samples every kind before repeating one', () => {
    const input = withSnapshot(convergedInput(5), () => ({ associations: [], scope: scope({ ingestionAccessMode: 'Open' }) }));
    const plan = planTopology(input);
    const summary = summarizePlan(plan.actions, 4);
    expect(summary.total).toBe(11);
    expect(summary.counts).toEqual({ UpdateAccessModes: 1, CreateEndpointAssociation: 5, CreateRuleAssociation: 5 });
    expect(summary.sample.map((s) => s.action)).toEqual([
      'UpdateAccessModes',
      'CreateEndpointAssociation',
      'CreateRuleAssociation',
      'CreateEndpointAssociation',
    ]);
    expect(summary.sample[1]?.resourceId).toContain('/dataCollectionRuleAssociations/configurationAccessEndpoint');
    expect(summarizePlan([], 10)).toEqual({ total: 0, counts: {}, sample: [] });
    expect(summarizePlan(plan.actions, 0).sample).toEqual([]);
  });
});
