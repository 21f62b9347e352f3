import { describe, expect, it } from 'vitest';
import { CONFIGURATION_ACCESS_ENDPOINT } from '../../src/model/index.ts';
import type { Action } from '../../src/model/index.ts';
import { nextSources, planDeletion, planTopology } from '../../src/plan/index.ts';
import type { PlanInput } from '../../src/plan/types.ts';
import { ownerMarker, ruleAssociationName } from '../../src/plan/ownership.ts';
import { association, convergedInput, ids, otherOwner, owner, ownedAssociations, rule, spec, vm, withSnapshot } from './fixtures/estate.ts';

const OLD = ids.rule('dcr-old');
const NEW = ids.rule('dcr-new');
const deletes = (actions: Action[]): string[] =>
  actions.flatMap((a) => (a.kind === 'DeleteAssociation' ? [`${a.resourceId.split('/').pop() ?? ''}:${a.name}`] : [])).sort();

/** Two machines targeted by name; vm-gone was a target once and carries what this topology made for it. */
function edited(prune: boolean | undefined, change: Partial<PlanInput['spec']> = {}): PlanInput {
  const base = convergedInput(2);
  const [a, b] = base.snapshot.machines.map((m) => m.id) as [string, string];
  const gone = ids.vm('vm-gone');
  return {
    ...withSnapshot(base, (s) => ({
      markedElsewhere: [
        ...ownedAssociations(gone, [ids.rule('dcr-linux')]),
        // Another topology's association on the machine that left, and one a person marked by hand for someone else.
        association(gone, 'theirs', { rule: ids.rule('dcr-linux') }, ownerMarker(otherOwner)),
      ],
      associations: [...s.associations, association(a, 'by-hand', { rule: OLD }, 'made by a person')],
    })),
    spec: spec({ targets: { virtualMachines: [a, b] }, ...(prune !== undefined ? { prune } : {}), ...change }),
  };
}

describe('pruning (spec.prune)', () => {
  it('is off by default: nothing is removed for a target the spec dropped', () => {
    expect(deletes(planTopology(edited(undefined)).actions)).toEqual([]);
    expect(deletes(planTopology(edited(false)).actions)).toEqual([]);
  });

  it('removes what this topology made on a machine no longer targeted, and nothing without its marker', () => {
    const plan = planTopology(edited(true));
    expect(deletes(plan.actions)).toEqual([`vm-gone:${CONFIGURATION_ACCESS_ENDPOINT}`, `vm-gone:${ruleAssociationName(ids.rule('dcr-linux'))}`]);
    const reasons = plan.actions.filter((a) => a.kind === 'DeleteAssociation').map((a) => a.reason);
    expect(reasons.every((r) => r.includes('no longer one of its targets'))).toBe(true);
  });

  it('never prunes the association named configurationAccessEndpoint on a target, even holding a rule the spec dropped', () => {
    // A person made it with our marker and a rule; the endpoint step re-points it in place, so pruning would race that write.
    const base = convergedInput(1);
    const m = base.snapshot.machines[0]!.id;
    const input: PlanInput = {
      ...withSnapshot(base, (s) => ({
        rules: [rule('dcr-new')],
        associations: [association(m, CONFIGURATION_ACCESS_ENDPOINT, { rule: OLD }, ownerMarker(owner)), ...ownedAssociations(m, [NEW]).filter((a) => a.dataCollectionRuleId !== undefined)],
        fullyListedMachines: [m],
        endpoint: s.endpoint,
      })),
      spec: spec({ prune: true, dataCollectionRules: [{ resourceId: NEW }], targets: { virtualMachines: [m] } }),
    };
    const plan = planTopology(input);
    expect(deletes(plan.actions)).toEqual([]);
    expect(plan.actions.map((a) => a.kind)).toContain('CreateEndpointAssociation');
  });

  it('removes the association of a replaced rule only once the replacement exists on that machine', () => {
    const base = convergedInput(1);
    const m = base.snapshot.machines[0]!.id;
    const before: PlanInput = {
      ...withSnapshot(base, (s) => ({ rules: [rule('dcr-new')], associations: ownedAssociations(m, [OLD]), fullyListedMachines: [m], endpoint: s.endpoint })),
      spec: spec({ prune: true, dataCollectionRules: [{ resourceId: NEW }], targets: { virtualMachines: [m] } }),
    };
    // First pass: the replacement is created, the old association stays.
    const first = planTopology(before);
    expect(first.actions.map((a) => a.kind)).toContain('CreateRuleAssociation');
    expect(deletes(first.actions)).toEqual([]);
    // Next pass sees the replacement in Azure: now the old one goes.
    const after = withSnapshot(before, (s) => ({ associations: [...s.associations, ...ownedAssociations(m, [NEW]).slice(0, 1)] }));
    const second = planTopology(after);
    expect(second.actions.map((a) => a.kind)).toEqual(['DeleteAssociation']);
    expect(deletes(second.actions)).toEqual([`vm-000:${ruleAssociationName(OLD)}`]);
  });

  it('keeps the old association while a rule the spec names cannot be read', () => {
    const base = convergedInput(1);
    const m = base.snapshot.machines[0]!.id;
    const input: PlanInput = {
      ...withSnapshot(base, () => ({ rules: [], associations: ownedAssociations(m, [OLD]) })),
      spec: spec({ prune: true, dataCollectionRules: [{ resourceId: NEW }], targets: { virtualMachines: [m] } }),
    };
    expect(deletes(planTopology(input).actions)).toEqual([]);
  });

  it('prunes nothing when a read failed: a partial listing must never look like a removal', () => {
    const input = withSnapshot(edited(true), () => ({ errors: [{ resourceId: ids.rule('dcr-linux'), code: 'Failed', message: 'HTTP 500' }] }));
    expect(deletes(planTopology(input).actions)).toEqual([]);
  });

  it('never removes a rule association the spec still names, nor the endpoint association of a target', () => {
    const input = edited(true);
    const onTargets = planTopology(input).actions.filter((a) => a.kind === 'DeleteAssociation' && !a.resourceId.endsWith('vm-gone'));
    expect(onTargets).toEqual([]);
  });

  it('removes an association on an OS the remaining rules do not apply to once nothing else is missing', () => {
    const base = convergedInput(0);
    const win = vm('vm-win', { osType: 'Windows' });
    const input: PlanInput = {
      ...withSnapshot(base, () => ({ machines: [win], fullyListedMachines: [win.id], associations: ownedAssociations(win.id, [OLD]) })),
      spec: spec({ prune: true, targets: { virtualMachines: [win.id] } }),
    };
    // dcr-linux does not apply to a Windows machine: nothing replaces dcr-old there, and nothing needs to.
    expect(deletes(planTopology(input).actions)).toEqual([`vm-win:${ruleAssociationName(OLD)}`]);
  });
});

describe('deletion after spec edits', () => {
  it('finds what this topology made for a machine or rule the spec no longer names', () => {
    const input = edited(false, { deletionPolicy: 'Delete' });
    const withRetiredRule = withSnapshot(input, (s) => ({
      markedElsewhere: [...(s.markedElsewhere ?? []), association(s.machines[0]!.id, ruleAssociationName(OLD), { rule: OLD }, ownerMarker(owner))],
    }));
    const names = deletes(planDeletion(withRetiredRule));
    expect(names).toContain(`vm-gone:${CONFIGURATION_ACCESS_ENDPOINT}`);
    expect(names).toContain(`vm-gone:${ruleAssociationName(ids.rule('dcr-linux'))}`);
    expect(names).toContain(`vm-000:${ruleAssociationName(OLD)}`);
    expect(names).not.toContain('vm-gone:theirs');
    expect(names).not.toContain('vm-000:by-hand');
  });
});

describe('nextSources (status.inventory)', () => {
  const s = spec({ dataCollectionRules: [{ resourceId: NEW }] });
  it('records the rules and endpoint the spec names', () => {
    expect(nextSources(undefined, s, undefined, owner)).toEqual({ dataCollectionRules: [NEW], dataCollectionEndpoints: [ids.endpoint()] });
  });

  it('keeps an earlier rule until a full listing shows nothing of this topology through it', () => {
    const previous = { dataCollectionRules: [OLD, NEW], dataCollectionEndpoints: [ids.endpoint('dce-old')] };
    const m = ids.vm('vm-000');
    const snapshot = withSnapshot(convergedInput(0), () => ({
      markedElsewhere: [association(m, ruleAssociationName(OLD), { rule: OLD }, ownerMarker(owner))],
      listedSources: [OLD, NEW, ids.endpoint()],
    })).snapshot;
    // dcr-old still holds ours; dce-old was not listed (its list failed): both kept.
    expect(nextSources(previous, s, snapshot, owner)).toEqual({ dataCollectionRules: [NEW, OLD], dataCollectionEndpoints: [ids.endpoint(), ids.endpoint('dce-old')] });
    // Listed and empty of ours: forgotten.
    const empty = { ...snapshot, markedElsewhere: [association(m, 'theirs', { rule: OLD }, ownerMarker(otherOwner))], listedSources: [OLD, ids.endpoint('dce-old')] };
    expect(nextSources(previous, s, empty, owner)).toEqual({ dataCollectionRules: [NEW], dataCollectionEndpoints: [ids.endpoint()] });
  });
});
