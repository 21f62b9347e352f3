// Deterministic action order: scope first, then machine by machine (agent, endpoint, rules), then deletions.
import type { PlanSummary, PlannedActionSummary } from '../api/types.ts';
import { eachWork, mapWork, nameOf, runSync, sortWork } from '../findings/index.ts';
import type { Work } from '../findings/index.ts';
import { IdMap, actionTarget, idKey } from '../model/index.ts';
import type { Action, ActionKind } from '../model/index.ts';

const KIND_ORDER: ActionKind[] = [
  'UpdateAccessModes',
  'AddScopedResource',
  'RepairExtensionIdentity',
  'CreateEndpointAssociation',
  'CreateRuleAssociation',
  'DeleteAssociation',
  'RemoveScopedResource',
];

const KIND_RANK = Object.fromEntries(KIND_ORDER.map((k, i) => [k, String(i)])) as Record<ActionKind, string>;

// Machine-level writes share one phase so each machine gets its identity, endpoint and rules together:
// a scale-out finishes machine by machine instead of all endpoints before any rule.
const PHASE: Record<ActionKind, number> = {
  UpdateAccessModes: 0,
  AddScopedResource: 0,
  RepairExtensionIdentity: 1,
  CreateEndpointAssociation: 1,
  CreateRuleAssociation: 1,
  DeleteAssociation: 2,
  RemoveScopedResource: 3,
};

interface SortKey {
  phase: number;
  /** Within the machine phase the machine, then the kind; elsewhere the kind, then the target. */
  first: string;
  second: string;
}

/** The name an action's target has under its machine (association or extension name). */
function nameUnderMachine(a: Action): string {
  return (a.kind === 'RepairExtensionIdentity' ? a.extensionName : 'name' in a ? a.name : '').toLowerCase();
}

/**
 * `machines` shares one key per machine among its actions. Within a machine the kind, then the name under it decide:
 * the targets of one kind on one machine differ only there, so the whole target id need not be copied per action.
 */
function sortKey(a: Action, machines?: IdMap<string>): SortKey {
  const phase = PHASE[a.kind];
  const rank = KIND_RANK[a.kind];
  if ('resourceId' in a && phase === 1) {
    let first = machines?.get(a.resourceId);
    if (first === undefined) {
      first = idKey(a.resourceId);
      machines?.set(a.resourceId, first);
    }
    return { phase, first, second: `${rank}|${nameUnderMachine(a)}` };
  }
  return { phase, first: rank, second: idKey(actionTarget(a)) };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Scope first; then per machine its agent identity, endpoint and rule associations; then deletions. */
export function compareActions(a: Action, b: Action): number {
  const x = sortKey(a);
  const y = sortKey(b);
  return x.phase - y.phase || cmp(x.first, y.first) || cmp(x.second, y.second);
}

interface KeyedAction {
  a: Action;
  k: SortKey;
}

function compareKeyed(x: KeyedAction, y: KeyedAction): number {
  return x.k.phase - y.k.phase || cmp(x.k.first, y.k.first) || cmp(x.k.second, y.k.second);
}

/** The actions in plan order, in slices (a cold estate of 100,000 machines plans 300,000 writes). */
export function* sortActionsWork(actions: readonly Action[]): Work<Action[]> {
  // Keys computed once: plans for thousands of machines sort thousands of actions. An IdMap: a Map of 100,000
  // machines would rehash in blocks of ~100 ms.
  const machines = new IdMap<string>();
  const keyed = yield* mapWork(actions, (a) => ({ a, k: sortKey(a, machines) }));
  const sorted = yield* sortWork(keyed, compareKeyed);
  return yield* mapWork(sorted, (k) => k.a);
}

export function sortActions(actions: readonly Action[]): Action[] {
  return runSync(sortActionsWork(actions));
}

function describeAction(a: Action): string {
  switch (a.kind) {
    case 'UpdateAccessModes':
      return `set ingestion ${a.ingestionAccessMode} and query ${a.queryAccessMode}: ${a.reason}`;
    case 'AddScopedResource':
      return `link ${nameOf(a.linkedResourceId)}: ${a.reason}`;
    case 'RemoveScopedResource':
      return `unlink ${nameOf(a.linkedResourceId)}: ${a.reason}`;
    case 'CreateRuleAssociation':
      return `associate rule ${nameOf(a.dataCollectionRuleId)}: ${a.reason}`;
    case 'CreateEndpointAssociation':
      return `point ${a.name} to ${nameOf(a.dataCollectionEndpointId)}: ${a.reason}`;
    case 'DeleteAssociation':
      return `delete association ${a.name}: ${a.reason}`;
    case 'RepairExtensionIdentity':
      return `set the agent's managed identity: ${a.reason}`;
  }
}

/**
 * Counts per kind and a sample that shows every kind before repeating one (Audit mode status); in slices. `actions`
 * come in plan order, as `planWork` returns them: an Audit pass over 100,000 machines would otherwise sort its 300,000
 * planned writes a second time, only to count them.
 */
export function* summarizePlanWork(actions: readonly Action[], sampleSize: number): Work<PlanSummary> {
  const counts: Record<string, number> = {};
  const byKind = new Map<ActionKind, Action[]>();
  yield* eachWork(actions, (a) => {
    counts[a.kind] = (counts[a.kind] ?? 0) + 1;
    const list = byKind.get(a.kind);
    // Only the first `sampleSize` of a kind can be sampled.
    if (list === undefined) byKind.set(a.kind, [a]);
    else if (list.length < sampleSize) list.push(a);
  });
  const sample: PlannedActionSummary[] = [];
  const lists = KIND_ORDER.map((k) => byKind.get(k) ?? []);
  for (let round = 0; sample.length < sampleSize; round++) {
    let added = false;
    for (const list of lists) {
      const a = list[round];
      if (!a || sample.length >= sampleSize) continue;
      sample.push({ action: a.kind, resourceId: actionTarget(a), reason: describeAction(a) });
      added = true;
    }
    if (!added) break;
  }
  return { total: actions.length, counts, sample };
}

export function summarizePlan(actions: readonly Action[], sampleSize: number): PlanSummary {
  return runSync(summarizePlanWork(actions, sampleSize));
}
