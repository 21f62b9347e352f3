// The pure centre of the reconciler: spec + snapshot -> idempotent actions, findings and instance counts.
// Findings describe the observed state (what Enforce would fix is reported too); the reconciler re-observes after acting.
import type { Finding } from '../api/types.ts';
import { IdSet, idKey } from '../model/index.ts';
import { arcUserAssignedIdentityUnsupported, checkScaleSetProfile, eachWork, mapWork, primaryFindingsWork, readErrorFindings, runSync, sortFindingsWork, sortWork } from '../findings/index.ts';
import type { Work } from '../findings/index.ts';
import { sortActionsWork } from './actions.ts';
import { indexMachinesWork, planMachine, stateOf } from './machines.ts';
import type { MachineOutcome } from './machines.ts';
import type { Action, ObservedMachine } from '../model/index.ts';
import type { Plan, PlanInput } from './types.ts';
import { ruleFindingsWork } from './rules.ts';
import { planPrune } from './prune.ts';
import { planScope } from './scope.ts';
export { specLinks } from './scope.ts';
import { unmatchedSelectorFindings, withinTargetsWork } from './targets.ts';

export { actionTarget } from '../model/index.ts';
export { compareActions, sortActions, sortActionsWork, summarizePlan, summarizePlanWork } from './actions.ts';
export { planDeletion } from './deletion.ts';
export { allAssociations, nextSources, nextSourcesWork, planPrune } from './prune.ts';
export { isPlainArmId, targetFilter, withinTargets } from './targets.ts';
export {
  MAX_ASSOCIATION_NAME,
  MAX_SCOPED_RESOURCE_NAME,
  isOwnedBy,
  isOwnedLink,
  ownerMarker,
  parseOwnerMarker,
  ruleAssociationName,
  scopedResourceName,
} from './ownership.ts';
export type { MachineState } from './machines.ts';
export { planMachines, planMachinesWork } from './machines.ts';
export { MachinePlans } from './reuse.ts';

/** Flexible scale-set models that start every new instance with the wrong identity (repaired per instance). */
function flexibleProfileFindings(input: PlanInput, machines: readonly ObservedMachine[]): Finding[] {
  const identity = input.spec.agent?.userAssignedIdentity;
  if (!identity) return [];
  const used = new Set(machines.flatMap((m) => (m.scaleSetId ? [idKey(m.scaleSetId)] : [])));
  return input.snapshot.scaleSets.flatMap((ss) => {
    const f = ss.orchestrationMode === 'Flexible' && used.has(idKey(ss.id)) ? checkScaleSetProfile(ss, identity) : undefined;
    return f ? [f] : [];
  });
}

function compareKeys(a: { key: string }, b: { key: string }): number {
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

/** The plan, in slices: every loop over machines, associations, actions or findings yields every few hundred items. */
export function* planWork(input: PlanInput): Work<Plan> {
  const { snapshot } = input;
  const scope = planScope(input);
  const ix = yield* indexMachinesWork(input, scope.dataPathIncomplete);
  // Sorted for determinism; a machine selected twice (by id and by tag) is planned once. An IdSet: 100,000 machines in
  // one Set would rehash it in a block of ~100 ms.
  const seen = new IdSet();
  const targets = yield* withinTargetsWork(input.spec.targets, snapshot.machines);
  const keyed = yield* sortWork(yield* mapWork(targets.inside, (m) => ({ m, key: idKey(m.id) })), compareKeys);
  const machines: ObservedMachine[] = [];
  yield* eachWork(keyed, ({ m }) => {
    if (seen.has(m.id)) return;
    seen.add(m.id);
    machines.push(m);
  });

  const actions: Action[] = [...scope.actions];
  const machineFindings: Finding[] = [];
  const awaiting: string[] = [];
  const counts = { compliant: 0, pending: 0, failing: 0 };
  yield* eachWork(machines, (m) => {
    const kept = input.planned?.take(m, ix);
    // A machine planned early from the same inputs keeps its outcome; its state depends on the whole scope, so is decided here.
    const outcome: MachineOutcome = kept ? { ...kept, state: stateOf(m, ix, kept) } : planMachine(m, ix);
    for (const a of outcome.actions) actions.push(a);
    for (const f of outcome.findings) machineFindings.push(f.finding);
    if (outcome.awaitingFullListing) awaiting.push(m.id);
    counts[outcome.state]++;
  });
  for (const a of planPrune(input, actions)) actions.push(a);

  const identity = input.spec.agent?.userAssignedIdentity;
  const arcIdentity = identity ? arcUserAssignedIdentityUnsupported(identity, machines.filter((m) => m.kind === 'ArcMachine').map((m) => m.id)) : undefined;
  const primary = yield* primaryFindingsWork(machineFindings, seen.ids());
  const rules = yield* ruleFindingsWork(ix.rules, machines);
  const findings = [
    ...readErrorFindings(snapshot.errors),
    ...(arcIdentity ? [arcIdentity] : []),
    ...targets.findings,
    ...unmatchedSelectorFindings(input.spec.targets, machines, snapshot.excludedCount, new Set(snapshot.errors.map((e) => idKey(e.resourceId)))),
    ...flexibleProfileFindings(input, machines),
    ...scope.findings,
    ...rules,
  ];
  // Pushed, not spread: a finding per machine is more arguments than a call takes.
  yield* eachWork(primary, (f) => findings.push(f));
  return {
    actions: yield* sortActionsWork(actions),
    findings: yield* sortFindingsWork(findings),
    instances: { total: seen.size, ...counts, excluded: snapshot.excludedCount },
    desiredScopedResources: scope.desiredScopedResources,
    ...(awaiting.length > 0 ? { awaitingFullListing: awaiting } : {}),
  };
}

export function planTopology(input: PlanInput): Plan {
  return runSync(planWork(input));
}
