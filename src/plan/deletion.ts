// Deletion with `deletionPolicy: Delete`: remove exactly what carries this topology's mark, nothing else, ever.
import { idKey } from '../model/index.ts';
import { sortActions } from './actions.ts';
import type { Action, ObservedScope } from '../model/index.ts';
import type { PlanInput } from './types.ts';
import { isOwnedBy, isOwnedLink } from './ownership.ts';
import { allAssociations } from './prune.ts';

export function planDeletion(input: PlanInput): Action[] {
  if (input.spec.deletionPolicy !== 'Delete') return [];
  const { snapshot, owner } = input;
  const actions: Action[] = [];
  const seen = new Set<string>();
  // Every association observe listed through the rules and endpoints this topology ever used, targets or not.
  for (const a of allAssociations(snapshot)) {
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
  // Ownership of a link is read from Azure (its topology-specific name), never from status.inventory alone.
  const neededByOthers = new Set((input.linksNeededByOthers ?? []).map((l) => `${idKey(l.scopeId)}|${idKey(l.linkedResourceId)}`));
  for (const scope of scopes) {
    for (const link of scope.scopedResources) {
      const key = idKey(link.id || `${scope.id}/scopedResources/${link.name}`);
      if (seen.has(key) || !isOwnedLink(link, owner)) continue;
      seen.add(key);
      // Another topology still needs this resource in this scope: unlinking it would cut its data path.
      if (neededByOthers.has(`${idKey(scope.id)}|${idKey(link.linkedResourceId)}`)) continue;
      actions.push({
        kind: 'RemoveScopedResource',
        scopeId: scope.id,
        name: link.name,
        linkedResourceId: link.linkedResourceId,
        reason: `topology ${owner.namespace}/${owner.name} is being deleted with deletionPolicy Delete and added this scoped resource`,
      });
    }
  }
  return sortActions(actions);
}
