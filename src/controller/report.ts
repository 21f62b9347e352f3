// The report step: one pass and its summary become status (patched only when changed), events and metrics.
import type { DeliveryStatus, DnsBoundaryStatus, Finding, InstanceCounts, Inventory, MonitoringTopologyStatus } from '../api/types.ts';
import { listNames } from '../findings/index.ts';
import type { EventRecorder } from '../kube/events.ts';
import { boundStatusFindings, findingKey, mergeConditions, nextSyncTime, statusChanged } from '../kube/status.ts';
import type { StatusWriter } from '../kube/status.ts';
import { actionTarget } from '../model/index.ts';
import type { Action } from '../model/index.ts';
import { summarizePlan } from '../plan/index.ts';
import type { ControllerMetrics } from './metrics.ts';
import type { Pass, PassDelivery } from './pass.ts';
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

function recordEvents(pass: Pass, events: EventRecorder, previousKeys: Set<string>): void {
  const { topology } = pass;
  const byKind = groupBy(
    pass.outcomes.filter((o) => o.ok).map((o) => o.action),
    (a) => a.kind,
  );
  for (const [kind, actions] of byKind) events.record(topology, 'Normal', EVENT_REASON[kind], actionsMessage(kind, actions));
  const failed = pass.outcomes.filter((o) => !o.ok);
  if (failed.length > 0) {
    events.record(topology, 'Warning', 'ActionsFailed', `${failed.length} change(s) failed, e.g. ${failed[0]?.action.kind} on ${listNames(failed.map((o) => actionTarget(o.action)))}: ${failed[0]?.error?.message ?? ''}`);
  }
  // One event per finding code that gained resources, not one per machine.
  const fresh = groupBy(
    pass.findings.filter((f) => !previousKeys.has(findingKey(f))),
    (f) => f.code,
  );
  for (const [code, list] of fresh) {
    const first = list[0] as Finding;
    const more = list.length > 1 ? ` (${list.length} resources: ${listNames(list.map((f) => f.resourceId))})` : '';
    events.record(topology, first.severity === 'Info' ? 'Normal' : 'Warning', code, `${first.message}${more}`);
  }
}

/** Items grouped by key in first-seen order; each group grows in place (a copy per item is quadratic at 100,000 machines). */
export function groupBy<T, K>(items: Iterable<T>, keyOf: (item: T) => K): Map<K, T[]> {
  const out = new Map<K, T[]>();
  for (const item of items) {
    const k = keyOf(item);
    const list = out.get(k);
    if (list) list.push(item);
    else out.set(k, [item]);
  }
  return out;
}

/** One sentence for the successful actions of one kind. */
export function actionsMessage(kind: Action['kind'], actions: Action[]): string {
  const n = actions.length;
  const machines = (): string => `${n} machine${n === 1 ? '' : 's'}: ${listNames(actions.map((a) => ('resourceId' in a ? a.resourceId : a.scopeId)))}`;
  const linked = (): string => listNames(actions.map((a) => ('linkedResourceId' in a ? a.linkedResourceId : actionTarget(a))));
  switch (kind) {
    case 'UpdateAccessModes':
      return `Set the access modes of ${listNames(actions.map(actionTarget))}: ${actions[0]?.reason ?? ''}.`;
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
  // Finding keys seen on the previous pass of each topology (status holds only the bounded list).
  readonly #seen = new Map<string, Set<string>>();

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
      ? boundStatusFindings(pass.findings)
      : { findings: previous?.findings ?? [], count: previous?.findingCount ?? 0 };
    const next: MonitoringTopologyStatus = {
      observedGeneration: generation,
      conditions: mergeConditions(previous?.conditions, summary.conditions, generation, now),
      instances: withDelivering(pass.plan?.instances ?? previous?.instances, pass, previous),
      findings: bounded.findings,
      findingCount: bounded.count,
      plan: mode === 'Audit' && pass.plan ? summarizePlan(pass.plan.actions, PLAN_SAMPLE_SIZE) : undefined,
      inventory: inventoryOf(pass),
      delivery: topology.spec.evidence === undefined ? undefined : pass.delivery ? deliveryStatus(pass.delivery, previous?.delivery) : previous?.delivery,
      dnsBoundaries: boundedBoundaries(pass.dnsBoundaries) ?? previous?.dnsBoundaries,
    };
    const changed = statusChanged(previous, next);
    // Only a pass that read everything the spec names without a failed read counts as a sync.
    const fullRead = planned && pass.snapshot !== undefined && !pass.snapshot.errors.some((e) => e.code === 'Failed');
    const lastSyncTime = fullRead ? nextSyncTime(previous, changed, pass.resyncMs, now) : previous?.lastSyncTime;
    if (lastSyncTime !== undefined) next.lastSyncTime = lastSyncTime;

    const previousKeys = this.#seen.get(pass.key) ?? new Set((previous?.findings ?? []).map(findingKey));
    if (planned) {
      recordEvents(pass, this.#deps.events, previousKeys);
      this.#seen.set(pass.key, new Set(pass.findings.map(findingKey)));
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
