// Deterministic action order: scope first, then the agent, then associations; within a kind by resource and name.
import type { PlanSummary, PlannedActionSummary } from '../api/types.ts';
import { nameOf } from '../findings/index.ts';
import { actionTarget, idKey } from '../model/index.ts';
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

export function compareActions(a: Action, b: Action): number {
  const k = KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind);
  if (k !== 0) return k;
  const ta = idKey(actionTarget(a));
  const tb = idKey(actionTarget(b));
  return ta < tb ? -1 : ta > tb ? 1 : 0;
}

export function sortActions(actions: readonly Action[]): Action[] {
  // Keys computed once: plans for thousands of machines sort thousands of actions.
  const keyed = actions.map((a) => ({ a, rank: KIND_ORDER.indexOf(a.kind), key: idKey(actionTarget(a)) }));
  keyed.sort((x, y) => x.rank - y.rank || (x.key < y.key ? -1 : x.key > y.key ? 1 : 0));
  return keyed.map((k) => k.a);
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

/** Counts per kind and a sample that shows every kind before repeating one (Audit mode status). */
export function summarizePlan(actions: readonly Action[], sampleSize: number): PlanSummary {
  const sorted = sortActions(actions);
  const counts: Record<string, number> = {};
  const byKind = new Map<ActionKind, Action[]>();
  for (const a of sorted) {
    counts[a.kind] = (counts[a.kind] ?? 0) + 1;
    const list = byKind.get(a.kind) ?? [];
    list.push(a);
    byKind.set(a.kind, list);
  }
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
  return { total: sorted.length, counts, sample };
}
