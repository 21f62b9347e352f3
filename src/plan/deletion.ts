// Deletion with `deletionPolicy: Delete`: remove exactly what carries this topology's mark, nothing else, ever.
import { idKey, sameId } from '../model/index.ts';
import { sortActions } from './actions.ts';
import type { Action, ObservedScope } from '../model/index.ts';
import type { PlanInput } from './types.ts';
import { isOwnedBy } from './ownership.ts';

export function planDeletion(input: PlanInput): Action[] {
  if (input.spec.deletionPolicy !== 'Delete') return [];
  const { snapshot, owner } = input;
  const actions: Action[] = [];
  const seen = new Set<string>();
  for (const a of snapshot.associations) {
    if (seen.has(idKey(a.id)) || !isOwnedBy(a.description, owner)) continue;
    seen.add(idKey(a.id));
    actions.push({
      kind: 'DeleteAssociation',
      resourceId: a.resourceId,
      name: a.name,
      associationId: a.id,
      reason: `topology ${owner.namespace}/${owner.name} is being deleted with deletionPolicy Delete and created this association`,
    });
  }
  const scopes: ObservedScope[] = [...(snapshot.scope ? [snapshot.scope] : []), ...snapshot.alsoLinkScopes];
  for (const owned of input.ownedScopedResources) {
    const scope = scopes.find((s) => sameId(s.id, owned.scopeId));
    // Only a scoped resource still linking what the topology recorded: a re-created or renamed one is not ours.
    const found = scope?.scopedResources.find(
      (r) => r.name.toLowerCase() === owned.name.toLowerCase() && sameId(r.linkedResourceId, owned.linkedResourceId),
    );
    if (!scope || !found || seen.has(idKey(found.id || `${scope.id}/${found.name}`))) continue;
    seen.add(idKey(found.id || `${scope.id}/${found.name}`));
    actions.push({
      kind: 'RemoveScopedResource',
      scopeId: scope.id,
      name: found.name,
      linkedResourceId: found.linkedResourceId,
      reason: `topology ${owner.namespace}/${owner.name} is being deleted with deletionPolicy Delete and added this scoped resource`,
    });
  }
  return sortActions(actions);
}
