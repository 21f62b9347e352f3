// The report step: one pass and its summary become status (patched only when changed), events and metrics.
import type { DeliveryStatus, DnsBoundaryStatus, Finding, InstanceCounts, Inventory, MonitoringTopologyStatus } from '../api/types.ts';
import { eachWork, filterWork, groupByWork, listNames, runSync } from '../findings/index.ts';
import type { Work } from '../findings/index.ts';
import type { EventRecorder } from '../kube/events.ts';
import { boundStatusFindingsWork, findingHash, mergeConditions, nextSyncTime, statusChanged } from '../kube/status.ts';
import type { StatusWriter } from '../kube/status.ts';
import { actionTarget } from '../model/index.ts';
import type { Action, ActionOutcome } from '../model/index.ts';
import { summarizePlanWork } from '../plan/index.ts';
import { HashSet } from './keys.ts';
import type { ControllerMetrics } from './metrics.ts';
import type { Pass, PassDelivery } from './pass.ts';
import { runSliced } from './slices.ts';
import type { PassSummary } from './summarize.ts';

export const PLAN_SAMPLE_SIZE = 20;

/** At most 20 boundaries of at most 20 networks and scopes each, as the CRD allows. */
function boundedBoundaries(list: DnsBoundaryStatus[] | undefined): DnsBoundaryStatus[] | undefined {
  if (!list || list.length === 0) return undefined;
  return list.slice(0, 20).map((b) => ({ ...b, virtualNetworks: b.virtualNetworks.slice(0, 20), privateLinkScopes: b.privateLinkScopes.slice(0, 20) }));
}

const EVENT_REASON: Record<Action['kind'], string> = {
  UpdateAccessModes: 'UpdatedAccessModes',
  AddScopedResource: 'AddedScopedResource',
  RemoveScopedResource: 'RemovedScopedResource',
  CreateRuleAssociation: 'CreatedRuleAssociation',
  CreateEndpointAssociation: 'CreatedEndpointAssociation',
  DeleteAssociation: 'DeletedAssociation',
  RepairExtensionIdentity: 'RepairedExtensionIdentity',
};

/** Events of one pass, in slices: one per action kind that succeeded, one for failures, one per finding code that gained resources. */
function* recordEvents(pass: Pass, events: EventRecorder, previousKeys: HashSet): Work<void> {
  const { topology } = pass;
  const byKind = new Map<Action['kind'], Action[]>();
  const failed: ActionOutcome[] = [];
  yield* eachWork(pass.outcomes, (o) => {
    if (!o.ok) return void failed.push(o);
    const list = byKind.get(o.action.kind);
    if (list) list.push(o.action);
    else byKind.set(o.action.kind, [o.action]);
  });
  for (const [kind, actions] of byKind) events.record(topology, 'Normal', EVENT_REASON[kind], actionsMessage(kind, actions));
  if (failed.length > 0) {
    events.record(topology, 'Warning', 'ActionsFailed', `${failed.length} change(s) failed, e.g. ${failed[0]?.action.kind} on ${namesOf(failed, (o) => actionTarget(o.action))}: ${failed[0]?.error?.message ?? ''}`);
  }
  // One event per finding code that gained resources, not one per machine.
  const fresh = yield* groupByWork(yield* filterWork(pass.findings, (f) => !previousKeys.has(findingHash(f))), (f) => f.code);
  for (const [code, list] of fresh) {
    const first = list[0] as Finding;
    const more = list.length > 1 ? ` (${list.length} resources: ${namesOf(list, (f) => f.resourceId)})` : '';
    events.record(topology, first.severity === 'Info' ? 'Normal' : 'Warning', code, `${first.message}${more}`);
  }
}

/** `listNames` of the items' ids, reading only the few it names (a list of 300,000 writes is not copied to name three). */
function namesOf<T>(items: readonly T[], idOf: (item: T) => string, max = 3): string {
  const head = listNames(items.slice(0, max).map(idOf), max);
  return items.length > max ? `${head} and ${items.length - max} more` : head;
}

/** Items grouped by key in first-seen order; each group grows in place (a copy per item is quadratic at 100,000 machines). */
export function groupBy<T, K>(items: Iterable<T>, keyOf: (item: T) => K): Map<K, T[]> {
  return runSync(groupByWork(items, keyOf));
}

/** One sentence for the successful actions of one kind. */
export function actionsMessage(kind: Action['kind'], actions: Action[]): string {
  const n = actions.length;
  const machines = (): string => `${n} machine${n === 1 ? '' : 's'}: ${namesOf(actions, (a) => ('resourceId' in a ? a.resourceId : a.scopeId))}`;
  const linked = (): string => namesOf(actions, (a) => ('linkedResourceId' in a ? a.linkedResourceId : actionTarget(a)));
  switch (kind) {
    case 'UpdateAccessModes':
      return `Set the access modes of ${namesOf(actions, actionTarget)}: ${actions[0]?.reason ?? ''}.`;
    case 'AddScopedResource':
      return `Linked ${linked()} to the private link scope: ${actions[0]?.reason ?? ''}.`;
    case 'RemoveScopedResource':
      return `Unlinked ${linked()} from the private link scope.`;
    case 'CreateRuleAssociation':
      return `Created data collection rule associations on ${machines()}.`;
    case 'CreateEndpointAssociation':
      return `Created the configurationAccessEndpoint association on ${machines()}.`;
    case 'DeleteAssociation':
      return `Deleted associations this topology created on ${machines()}.`;
    case 'RepairExtensionIdentity':
      return `Set the agent extension's managed identity on ${machines()}.`;
  }
}

export interface ReporterDeps {
  status: StatusWriter;
  events: EventRecorder;
  metrics?: ControllerMetrics;
}

/** Writes what passes found; remembers per topology which findings the last pass saw, to report only new ones. */
export class Reporter {
  readonly #deps: ReporterDeps;
  // Findings seen on the previous pass of each topology, by findingHash (status holds only the bounded list).
  readonly #seen = new Map<string, HashSet>();

  constructor(deps: ReporterDeps) {
    this.#deps = deps;
  }

  /** Builds the status, patches it when something changed, records events and metrics. Returns what was written. */
  async report(pass: Pass, summary: PassSummary, now: Date): Promise<MonitoringTopologyStatus | undefined> {
    const { topology } = pass;
    const mode = topology.spec.mode ?? 'Enforce';
    const previous = topology.status;
    const generation = topology.metadata.generation;
    const planned = pass.plan !== undefined;

    const bounded = planned
      ? await runSliced(boundStatusFindingsWork(pass.findings))
      : { findings: previous?.findings ?? [], count: previous?.findingCount ?? 0 };
    const plan = mode === 'Audit' && pass.plan ? await runSliced(summarizePlanWork(pass.plan.actions, PLAN_SAMPLE_SIZE)) : undefined;
    const next: MonitoringTopologyStatus = {
      observedGeneration: generation,
      conditions: mergeConditions(previous?.conditions, summary.conditions, generation, now),
      instances: withDelivering(pass.plan?.instances ?? previous?.instances, pass, previous),
      findings: bounded.findings,
      findingCount: bounded.count,
      plan,
      inventory: inventoryOf(pass),
      delivery: topology.spec.evidence === undefined ? undefined : pass.delivery ? deliveryStatus(pass.delivery, previous?.delivery) : previous?.delivery,
      dnsBoundaries: boundedBoundaries(pass.dnsBoundaries) ?? previous?.dnsBoundaries,
    };
    const changed = statusChanged(previous, next);
    // Only a pass that read everything the spec names without a failed read counts as a sync.
    const fullRead = planned && pass.snapshot !== undefined && !pass.snapshot.errors.some((e) => e.code === 'Failed');
    const lastSyncTime = fullRead ? nextSyncTime(previous, changed, pass.resyncMs, now) : previous?.lastSyncTime;
    if (lastSyncTime !== undefined) next.lastSyncTime = lastSyncTime;

    const previousKeys = this.#seen.get(pass.key) ?? seenOf(previous?.findings ?? []);
    if (planned) {
      await runSliced(recordEvents(pass, this.#deps.events, previousKeys));
      const keys = new HashSet();
      await runSliced(eachWork(pass.findings, (f) => void keys.add(findingHash(f))));
      this.#seen.set(pass.key, keys);
    }
    this.#deps.metrics?.topology(pass.owner.namespace, pass.owner.name, pass.findings, pass.plan?.instances, pass.resyncMs);
    if (pass.delivery || topology.spec.evidence === undefined) this.#deps.metrics?.delivery(pass.owner.namespace, pass.owner.name, pass.delivery?.counts);

    if (!changed && next.lastSyncTime === previous?.lastSyncTime) return undefined;
    await this.#deps.status.patchStatus(topology, next);
    return next;
  }

  /** Forgets a topology whose life ended. */
  forget(key: string): void {
    this.#seen.delete(key);
  }
}

function seenOf(findings: readonly Finding[]): HashSet {
  const out = new HashSet();
  for (const f of findings) out.add(findingHash(f));
  return out;
}

function withDelivering(counts: InstanceCounts | undefined, pass: Pass, previous: MonitoringTopologyStatus | undefined): InstanceCounts | undefined {
  if (counts === undefined) return undefined;
  const { delivering: _old, ...rest } = counts;
  if (pass.topology.spec.evidence === undefined) return rest;
  const delivering = pass.delivery?.counts.Delivering ?? previous?.instances?.delivering;
  return delivering === undefined ? rest : { ...rest, delivering };
}

function deliveryStatus(d: PassDelivery, previous: DeliveryStatus | undefined): DeliveryStatus {
  const out: DeliveryStatus = {
    workspaces: d.workspaces,
    queries: d.queries,
    delivering: d.counts.Delivering,
    heartbeatOnly: d.counts.HeartbeatOnly,
    silent: d.counts.Silent,
    notExpected: d.counts.NotExpected,
    unknown: d.counts.Unknown,
  };
  const readAt = d.readAt ?? previous?.lastReadTime;
  if (readAt !== undefined) out.lastReadTime = readAt;
  return out;
}

/** What the topology created (links) and where its associations are listed from (rules and endpoints). */
function inventoryOf(pass: Pass): Inventory | undefined {
  const { dataCollectionRules, dataCollectionEndpoints } = pass.sources;
  const inventory: Inventory = {
    ...(pass.inventory.length > 0 ? { scopedResources: pass.inventory } : {}),
    ...(dataCollectionRules.length > 0 ? { dataCollectionRules } : {}),
    ...(dataCollectionEndpoints.length > 0 ? { dataCollectionEndpoints } : {}),
  };
  return Object.keys(inventory).length > 0 ? inventory : undefined;
}
