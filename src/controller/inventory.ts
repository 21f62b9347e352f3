// What a pass leaves behind for the next one: the scoped resources it owns, the associations discovery expects.
import type { OwnedScopedResource } from '../api/types.ts';
import { eachWork, runSync } from '../findings/index.ts';
import type { Work } from '../findings/index.ts';
import { idKey } from '../model/index.ts';
import type { ActionOutcome, Snapshot } from '../model/index.ts';

/** Associations through the given rules and endpoints after a pass: those observed, plus those created, minus those deleted. */
export function expectedAssociations(snapshot: Snapshot, sources: string[], outcomes: ActionOutcome[]): string[] {
  return runSync(expectedAssociationsWork(snapshot, sources, outcomes));
}

/** `expectedAssociations` in slices: it reads every association and every outcome of the pass. */
export function* expectedAssociationsWork(snapshot: Snapshot, sources: string[], outcomes: ActionOutcome[]): Work<string[]> {
  const wanted = new Set(sources.map(idKey));
  const out = new Set<string>();
  yield* eachWork(snapshot.associations, (a) => {
    const via = a.dataCollectionRuleId ?? a.dataCollectionEndpointId;
    if (via !== undefined && wanted.has(idKey(via))) out.add(idKey(a.id));
  });
  yield* eachWork(outcomes, ({ action, ok }) => {
    if (!ok) return;
    if (action.kind === 'DeleteAssociation') out.delete(idKey(action.associationId));
    if (action.kind !== 'CreateRuleAssociation' && action.kind !== 'CreateEndpointAssociation') return;
    const via = action.kind === 'CreateRuleAssociation' ? action.dataCollectionRuleId : action.dataCollectionEndpointId;
    if (wanted.has(idKey(via))) out.add(idKey(`${action.resourceId}/providers/Microsoft.Insights/dataCollectionRuleAssociations/${action.name}`));
  });
  return [...out];
}

/** The inventory after a pass: what was added is recorded, what was removed is forgotten. */
export function updateInventory(inventory: OwnedScopedResource[], outcomes: ActionOutcome[]): OwnedScopedResource[] {
  const key = (r: { scopeId: string; linkedResourceId: string }): string => `${idKey(r.scopeId)}|${idKey(r.linkedResourceId)}`;
  const out = new Map(inventory.map((r) => [key(r), r]));
  for (const { action, ok } of outcomes) {
    if (!ok) continue;
    if (action.kind === 'AddScopedResource') {
      out.set(key(action), { scopeId: action.scopeId, name: action.name, linkedResourceId: action.linkedResourceId });
    } else if (action.kind === 'RemoveScopedResource') {
      out.delete(key(action));
    }
  }
  return [...out.values()];
}

