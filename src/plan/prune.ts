// Pruning (`spec.prune`), as GitOps users expect of Flux: what this topology created for a rule or a machine the spec
// no longer names is removed — only what carries its marker, and for a dropped rule only once the machine holds
// every rule the spec names now, so a replaced rule never leaves the machine without one.
import type { MonitoringTopologySpec } from '../api/types.ts';
import { CONFIGURATION_ACCESS_ENDPOINT, IdMap, idKey, sameName } from '../model/index.ts';
import type { Action, ObservedAssociation, ObservedMachine, Owner, Snapshot } from '../model/index.ts';
import { eachWork, ruleFit, runSync } from '../findings/index.ts';
import type { Work } from '../findings/index.ts';
import { isOwnedBy } from './ownership.ts';
import { withinTargets } from './targets.ts';
import type { PlanInput } from './types.ts';

/** Every association observe saw (targets and elsewhere), each once. */
export function allAssociations(snapshot: Snapshot): ObservedAssociation[] {
  return runSync(allAssociationsWork(snapshot));
}

function* allAssociationsWork(snapshot: Snapshot): Work<ObservedAssociation[]> {
  const out = new IdMap<ObservedAssociation>();
  const add = (a: ObservedAssociation): void => {
    if (!out.has(a.id)) out.set(a.id, a);
  };
  yield* eachWork(snapshot.associations, add);
  yield* eachWork(snapshot.markedElsewhere ?? [], add);
  return [...out.values()];
}

/** Reads that failed may hide targets or associations: a partial view must never look like a removal. */
function viewIsPartial(snapshot: Snapshot): boolean {
  return snapshot.errors.some((e) => e.code === 'Failed' || e.code === 'Forbidden' || e.code === 'Malformed');
}

/**
 * The associations pruning removes this pass. `planned` are the plan's other actions: a machine that still gets a
 * rule association this pass keeps its old ones until a later pass sees the new one in Azure.
 */
export function planPrune(input: PlanInput, planned: readonly Action[]): Action[] {
  const { spec, snapshot, owner } = input;
  if (spec.prune !== true || viewIsPartial(snapshot)) return [];
  // Keyed by id (IdMap), not by lower-case copies: an estate of 100,000 machines would copy each id three times here.
  const targets = new IdMap<true>();
  for (const m of withinTargets(spec.targets, snapshot.machines).inside) targets.set(m.id, true);
  const osTypes = new IdMap<ObservedMachine['osType']>();
  for (const m of snapshot.machines) osTypes.set(m.id, m.osType);
  const specRules = new Set(spec.dataCollectionRules.map((r) => idKey(r.resourceId)));
  const readRules = snapshot.rules.filter((r) => specRules.has(idKey(r.id)));
  const unreadRule = readRules.length < specRules.size;
  const creating = new IdMap<true>();
  for (const a of planned) if (a.kind === 'CreateRuleAssociation') creating.set(a.resourceId, true);
  const all = allAssociations(snapshot);
  const rulesOn = new IdMap<Set<string>>();
  for (const a of all) {
    if (!a.dataCollectionRuleId) continue;
    const set = rulesOn.get(a.resourceId) ?? new Set<string>();
    set.add(idKey(a.dataCollectionRuleId));
    rulesOn.set(a.resourceId, set);
  }
  // The machine holds an association with every rule the spec names that applies to it (the replacement exists).
  const covered = (machine: string): boolean => {
    if (unreadRule || creating.has(machine)) return false;
    const held = rulesOn.get(machine) ?? new Set<string>();
    return readRules.every((r) => ruleFit(r, osTypes.get(machine)) === 'mismatch' || held.has(idKey(r.id)));
  };
  const actions: Action[] = [];
  for (const a of all) {
    if (!isOwnedBy(a.description, owner)) continue;
    const why = reasonToPrune(a, owner, targets.has(a.resourceId), () => covered(a.resourceId), specRules);
    if (why) actions.push({ kind: 'DeleteAssociation', resourceId: a.resourceId, name: a.name, associationId: a.id, reason: why });
  }
  return actions;
}

function reasonToPrune(a: ObservedAssociation, owner: Owner, isTarget: boolean, covered: () => boolean, specRules: Set<string>): string | undefined {
  const who = `topology ${owner.namespace}/${owner.name} created it and prunes`;
  if (!isTarget) return `${who}: the machine is no longer one of its targets`;
  // The configuration endpoint association is re-pointed in place by the plan (its name is fixed), never pruned on a target:
  // not even when it holds a rule, which the endpoint step overwrites in the same pass.
  if (sameName(a.name, CONFIGURATION_ACCESS_ENDPOINT)) return undefined;
  if (a.dataCollectionRuleId && !specRules.has(idKey(a.dataCollectionRuleId)) && covered()) {
    return `${who}: the spec no longer names the rule, and the machine is associated with every rule it names`;
  }
  return undefined;
}

/**
 * The rules and endpoints to list next time (status.inventory): those the spec names now, and earlier ones until a
 * full listing shows nothing of this topology's left there.
 */
export function nextSources(
  previous: { dataCollectionRules?: string[]; dataCollectionEndpoints?: string[] } | undefined,
  spec: MonitoringTopologySpec,
  snapshot: Snapshot | undefined,
  owner: Owner,
): { dataCollectionRules: string[]; dataCollectionEndpoints: string[] } {
  return runSync(nextSourcesWork(previous, spec, snapshot, owner));
}

/** `nextSources` in slices: it reads every association of the estate. */
export function* nextSourcesWork(
  previous: { dataCollectionRules?: string[]; dataCollectionEndpoints?: string[] } | undefined,
  spec: MonitoringTopologySpec,
  snapshot: Snapshot | undefined,
  owner: Owner,
): Work<{ dataCollectionRules: string[]; dataCollectionEndpoints: string[] }> {
  const listed = new Set((snapshot?.listedSources ?? []).map(idKey));
  const stillUsed = new Set<string>();
  // Only an earlier source the spec dropped needs the scan; the spec's own sources are kept whatever it finds.
  const named = new Set([...spec.dataCollectionRules.map((r) => idKey(r.resourceId)), idKey(spec.configurationEndpoint.resourceId)]);
  const dropped = [...(previous?.dataCollectionRules ?? []), ...(previous?.dataCollectionEndpoints ?? [])].filter((id) => !named.has(idKey(id)));
  if (snapshot && dropped.length > 0) {
    yield* eachWork(yield* allAssociationsWork(snapshot), (a) => {
      if (!isOwnedBy(a.description, owner)) return;
      if (a.dataCollectionRuleId) stillUsed.add(idKey(a.dataCollectionRuleId));
      if (a.dataCollectionEndpointId) stillUsed.add(idKey(a.dataCollectionEndpointId));
    });
  }
  const merge = (current: string[], earlier: string[]): string[] => {
    const out = new IdMap<string>();
    for (const id of current) out.set(id, id);
    for (const id of earlier) if (!out.has(id) && (!listed.has(idKey(id)) || stillUsed.has(idKey(id)))) out.set(id, id);
    return [...out.values()];
  };
  return {
    dataCollectionRules: merge(spec.dataCollectionRules.map((r) => r.resourceId), previous?.dataCollectionRules ?? []),
    dataCollectionEndpoints: merge([spec.configurationEndpoint.resourceId], previous?.dataCollectionEndpoints ?? []),
  };
}
