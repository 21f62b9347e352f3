// What a pass leaves behind for the next one: the scoped resources it owns, the associations discovery expects.
import type { OwnedScopedResource } from '../api/types.ts';
import { eachWork, runSync } from '../findings/index.ts';
import type { Work } from '../findings/index.ts';
import { idKey, idMatcher } from '../model/index.ts';
import type { ActionOutcome, Snapshot } from '../model/index.ts';

/**
 * Associations through the given rules and endpoints after a pass: those observed, plus those created, minus those
 * deleted. Ids as observed or written (an id may repeat, in any case): the caller keys them, so no set of every
 * association is built here.
 */
export function expectedAssociations(snapshot: Snapshot, sources: string[], outcomes: ActionOutcome[]): string[] {
  return runSync(expectedAssociationsWork(snapshot, sources, outcomes));
}

/** `expectedAssociations` in slices: it reads every association and every outcome of the pass. */
export function* expectedAssociationsWork(snapshot: Snapshot, sources: string[], outcomes: ActionOutcome[]): Work<string[]> {
  // A few sources, each the same string on every association: compared once per distinct string.
  const through = idMatcher(sources);
  const out: string[] = [];
  // Deletions are few (what the pass removed): the only map built here. Each key's last deletion, as a position in
  // `out`: what was added before it is gone, what was created after it stays.
  const deleted = new Map<string, number>();
  yield* eachWork(snapshot.associations, (a) => {
    if (through(a.dataCollectionRuleId ?? a.dataCollectionEndpointId)) out.push(a.id);
  });
  yield* eachWork(outcomes, ({ action, ok }) => {
    if (!ok) return;
    if (action.kind === 'DeleteAssociation') deleted.set(idKey(action.associationId), out.length);
    if (action.kind !== 'CreateRuleAssociation' && action.kind !== 'CreateEndpointAssociation') return;
    if (through(action.kind === 'CreateRuleAssociation' ? action.dataCollectionRuleId : action.dataCollectionEndpointId)) {
      out.push(`${action.resourceId}/providers/Microsoft.Insights/dataCollectionRuleAssociations/${action.name}`);
    }
  });
  if (deleted.size === 0) return out;
  const kept: string[] = [];
  yield* eachWork(out, (id, i) => {
    if ((deleted.get(idKey(id)) ?? -1) <= i) kept.push(id);
  });
  return kept;
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

