// The report step: one pass and its summary become status (patched only when changed), events and metrics.
import type { Finding, MonitoringTopologyStatus } from '../api/types.ts';
import { listNames } from '../findings/index.ts';
import type { EventRecorder } from '../kube/events.ts';
import { boundStatusFindings, findingKey, mergeConditions, nextSyncTime, statusChanged } from '../kube/status.ts';
import type { StatusWriter } from '../kube/status.ts';
import { actionTarget } from '../model/index.ts';
import type { Action } from '../model/index.ts';
import { summarizePlan } from '../plan/index.ts';
import type { ControllerMetrics } from './metrics.ts';
import type { Pass } from './pass.ts';
import type { PassSummary } from './summarize.ts';

export const PLAN_SAMPLE_SIZE = 20;

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
  const byKind = new Map<Action['kind'], Action[]>();
  for (const o of pass.outcomes) if (o.ok) byKind.set(o.action.kind, [...(byKind.get(o.action.kind) ?? []), o.action]);
  for (const [kind, actions] of byKind) events.record(topology, 'Normal', EVENT_REASON[kind], actionsMessage(kind, actions));
  const failed = pass.outcomes.filter((o) => !o.ok);
  if (failed.length > 0) {
    events.record(topology, 'Warning', 'ActionsFailed', `${failed.length} change(s) failed, e.g. ${failed[0]?.action.kind} on ${listNames(failed.map((o) => actionTarget(o.action)))}: ${failed[0]?.error?.message ?? ''}`);
  }
  // One event per finding code that gained resources, not one per machine.
  const fresh = new Map<string, Finding[]>();
  for (const f of pass.findings) {
    if (previousKeys.has(findingKey(f))) continue;
    fresh.set(f.code, [...(fresh.get(f.code) ?? []), f]);
  }
  for (const [code, list] of fresh) {
    const first = list[0] as Finding;
    const more = list.length > 1 ? ` (${list.length} resources: ${listNames(list.map((f) => f.resourceId))})` : '';
    events.record(topology, first.severity === 'Info' ? 'Normal' : 'Warning', code, `${first.message}${more}`);
  }
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
      instances: pass.plan?.instances ?? previous?.instances,
      findings: bounded.findings,
      findingCount: bounded.count,
      plan: mode === 'Audit' && pass.plan ? summarizePlan(pass.plan.actions, PLAN_SAMPLE_SIZE) : undefined,
      inventory: pass.inventory.length > 0 ? { scopedResources: pass.inventory } : undefined,
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

    if (!changed && next.lastSyncTime === previous?.lastSyncTime) return undefined;
    await this.#deps.status.patchStatus(topology, next);
    return next;
  }

  /** Forgets a topology whose life ended. */
  forget(key: string): void {
    this.#seen.delete(key);
  }
}
