// The MonitoringTopology reconciler: level-based, one entry point, a chain of small named steps
// (finalizer → observe → coordinate → plan → act → network), each returning its result and errors; then one summarizer
// reads them all and the reporter writes status and events.
import type { Logger } from 'pino';

import type { MonitoringTopology, MonitoringTopologyStatus } from '../api/types.ts';
import { ConditionType, RECONCILE_REQUESTED_AT } from '../api/types.ts';
import type { ArmGateway } from '../azure/gateway.ts';
import { checkDnsBoundary, outcomeFindings, stallingFindings } from '../findings/index.ts';
import type { EvidenceSource } from '../azure/evidence.ts';
import type { EventRecorder } from '../kube/events.ts';
import type { FinalizerWriter } from '../kube/finalizer.ts';
import { hasFinalizer, isDeleting } from '../kube/finalizer.ts';
import type { ConditionInput, StatusWriter } from '../kube/status.ts';
import { mergeConditions } from '../kube/status.ts';
import { associationSources, isTransientError } from '../model/index.ts';
import type { Action, ActionOutcome, GraphFingerprint, Snapshot } from '../model/index.ts';
import { MachinePlans } from '../plan/index.ts';
import { nextSources, nextSourcesWork } from '../plan/prune.ts';
import type { Plan, PlanInput } from '../plan/types.ts';
import { eachWork } from '../findings/index.ts';
import type { Work } from '../findings/index.ts';
import { durationOr } from './duration.ts';
import { runSliced } from './slices.ts';
import { EarlyWrites } from './early.ts';
import { EvidenceStep } from './evidence-step.ts';
import { machinesInput, planInput, planInputWork } from './plan-input.ts';
import { expectedAssociationsWork, updateInventory } from './inventory.ts';
import type { ControllerMetrics } from './metrics.ts';
import { networkStep } from './network.ts';
import { StepError, finished, next, stop } from './pass.ts';
import type { Pass, ReconcileResult, Step, StepOutcome, StepRecord } from './pass.ts';
import type { TopologyRegistry } from './registry.ts';
import { Reporter } from './report.ts';
import { Reason, areaOfAction, summarizeWork } from './summarize.ts';

export const DEFAULT_RESYNC_MS = 10 * 60_000;
export const DEFAULT_DISCOVERY_MS = 20_000;

export type { ReconcileResult } from './pass.ts';
export { DEFAULT_EVIDENCE_INTERVAL_MS, DEFAULT_EVIDENCE_WINDOW_MS } from './evidence-step.ts';

export interface ReconcilerDeps {
  gateway: ArmGateway;
  plan: (input: PlanInput) => Plan;
  /** The same plan as sliceable work: the pass's full plan runs in slices so a large estate never blocks the event loop. */
  planWork?: (input: PlanInput) => Work<Plan>;
  /**
   * The per-machine part of the plan alone, for a chunk's early writes; it keeps each machine's outcome in
   * `input.planned`, which the pass's full plan reuses. Without it a chunk is planned with `plan`.
   */
  planMachines?: (input: PlanInput) => Action[];
  /** Actions that remove what the topology created (only what carries its marker or is in its inventory). */
  planDeletion: (input: PlanInput) => Action[] | Plan;
  /** The informer cache. */
  get: (namespace: string, name: string) => MonitoringTopology | undefined;
  /** Every topology in the informer cache (what the others' specs need, before they have run a pass). */
  list?: () => MonitoringTopology[];
  status: StatusWriter;
  finalizers: FinalizerWriter;
  events: EventRecorder;
  registry: TopologyRegistry;
  logger: Logger;
  metrics?: ControllerMetrics;
  /** Called with other topologies whose cross-topology conflicts changed. */
  enqueue?: (key: string) => void;
  /** Called after observe with the target machine ids and, if it read through Resource Graph, its fingerprint (seeds discovery). */
  observedTargets?: (key: string, machineIds: string[], fingerprint?: GraphFingerprint) => void;
  /** Plan and write each chunk of machines as soon as it is read (default true; Enforce only). */
  pipelined?: boolean;
  /** Called after act with the associations through the spec's rules and endpoint that now exist (seeds discovery). */
  observedAssociations?: (key: string, associationIds: string[]) => void;
  /** Delay of the confirming pass after changes were applied. */
  confirmAfterMs?: number;
  /** A pass running longer than this shows Reconciling=True while it runs (default 10 s). */
  longPassMs?: number;
  now?: () => Date;
  /** Delivery evidence from Log Analytics (topologies with spec.evidence). */
  evidence?: EvidenceSource;
  /** Lower bound of evidence.interval (default 30 s, the CRD's minimum). */
  minEvidenceIntervalMs?: number;
}

interface Progress {
  pass: Pass;
  done?: boolean;
  write?: Promise<void>;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export class Reconciler {
  readonly #deps: ReconcilerDeps;
  readonly #steps: Step[];
  readonly #reporter: Reporter;
  // The status this process last wrote per topology: the informer cache may not have seen it yet.
  readonly #written = new Map<string, { uid: string | undefined; status: MonitoringTopologyStatus }>();
  /** The last reconcile request (annotation value) served per topology: a new one reads Azure afresh. */
  readonly #requests = new Map<string, string>();
  /** Status writes a pass made while running (Reconciling=True): the report waits for them, so it lands last. */
  readonly #progress = new WeakMap<Pass, Progress>();
  readonly #evidence: EvidenceStep;

  constructor(deps: ReconcilerDeps) {
    this.#deps = deps;
    this.#reporter = new Reporter(deps);
    this.#evidence = new EvidenceStep(deps);
    this.#steps = [
      { name: 'finalizer', run: (p) => this.#finalizer(p) },
      { name: 'progress', run: (p) => this.#progressStep(p) },
      { name: 'observe', run: (p) => this.#observe(p) },
      { name: 'coordinate', run: (p) => this.#coordinate(p) },
      { name: 'plan', run: (p) => this.#plan(p) },
      { name: 'act', run: (p) => this.#act(p) },
      { name: 'evidence', run: (p) => this.#evidence.run(p) },
      { name: 'network', run: (p) => this.#network(p) },
    ];
  }

  async reconcile(key: string): Promise<ReconcileResult> {
    const slash = key.indexOf('/');
    const namespace = key.slice(0, slash);
    const name = key.slice(slash + 1);
    const cached = this.#deps.get(namespace, name);
    const log = this.#deps.logger.child({ topology: key });
    const written = this.#written.get(key);
    const topology =
      cached && written && written.uid === cached.metadata.uid ? { ...cached, status: written.status } : cached;
    if (!topology) {
      this.#forget(key);
      // Gone (deleted after its finalizer was removed): forget it everywhere.
      for (const other of this.#deps.registry.release(key)) this.#deps.enqueue?.(other);
      this.#deps.metrics?.forgetTopology(namespace, name);
      return {};
    }
    const pass: Pass = {
      key,
      topology,
      owner: { namespace, name, uid: topology.metadata.uid ?? '' },
      resyncMs: durationOr(topology.spec.resyncInterval, DEFAULT_RESYNC_MS, 1000),
      outcomes: [],
      findings: [],
      inventory: [...(topology.status?.inventory?.scopedResources ?? [])],
      sources: nextSources(topology.status?.inventory, topology.spec, undefined, { namespace, name, uid: topology.metadata.uid ?? '' }),
    };
    const records: StepRecord[] = [];
    // A long pass (a throttled estate, a slow ARM) says so while it runs, not only when it ends.
    const progress: Progress = { pass };
    const longPass = setTimeout(() => this.#markReconciling(progress, 'A pass has been reading or changing Azure for a while; still working.'), this.#deps.longPassMs ?? 10_000);
    longPass.unref();
    this.#progress.set(pass, progress);
    try {
      for (const step of this.#steps) {
        const outcome = await this.#run(step, pass, log);
        records.push({ step: step.name, ...outcome });
        if (outcome.result === 'Finished') {
          progress.done = true;
          const error = outcome.errors[0];
          if (error) return { error };
          this.#forget(key);
          return {};
        }
        if (outcome.result === 'Stop') break;
      }
    } finally {
      clearTimeout(longPass);
      progress.done = true;
    }
    await progress.write;
    const summary = await runSliced(summarizeWork(pass, records, pass.topology.status?.conditions, this.#deps.confirmAfterMs ?? 1000));
    const now = this.#deps.now?.() ?? new Date();
    const status: MonitoringTopologyStatus | undefined = await this.#reporter.report(pass, summary, now);
    if (status) {
      this.#written.set(key, { uid: pass.topology.metadata.uid, status });
      log.debug({ findingCount: status.findingCount }, 'status written');
    }
    return summary.result;
  }

  /** A step that throws ends the pass with a generic error; the finalizer's failures say nothing about Azure. */
  async #run(step: Step, pass: Pass, log: Logger): Promise<StepOutcome> {
    try {
      return await step.run(pass);
    } catch (err) {
      log.error({ err, step: step.name }, 'reconcile step failed');
      // A finalizer conflict or a failed deletion is retried with backoff, and not reported in status.
      const error = new StepError('Generic', step.name === 'finalizer' ? message(err) : `${step.name}: ${message(err)}`, { cause: err });
      return step.name === 'finalizer' ? finished(error) : stop(error);
    }
  }

  // kstatus reads an object without conditions as Current: a new generation says Reconciling before any ARM call.
  async #progressStep(pass: Pass): Promise<StepOutcome> {
    const generation = pass.topology.metadata.generation;
    const progress = this.#progress.get(pass);
    if (!progress || generation === undefined || pass.topology.status?.observedGeneration === generation) return next();
    this.#markReconciling(progress, `Reading Azure for generation ${generation}.`, true);
    await progress.write;
    return next();
  }

  /** Writes Reconciling=True (and Ready=Unknown for a new generation) now; the report step writes the outcome. */
  #markReconciling(progress: Progress, why: string, newGeneration = false): void {
    const { pass } = progress;
    if (progress.done) return;
    const previous = pass.topology.status;
    if (!newGeneration && previous?.conditions?.some((c) => c.type === ConditionType.Reconciling && c.status === 'True')) return;
    const generation = pass.topology.metadata.generation;
    const now = this.#deps.now?.() ?? new Date();
    const changes: ConditionInput[] = [{ type: ConditionType.Reconciling, status: 'True', reason: Reason.Progressing, message: why }];
    if (newGeneration) changes.unshift({ type: ConditionType.Ready, status: 'Unknown', reason: Reason.Progressing, message: why });
    const merged = mergeConditions(previous?.conditions, changes, generation, now);
    const kept = (previous?.conditions ?? []).filter((c) => !changes.some((n) => n.type === c.type));
    const status: MonitoringTopologyStatus = {
      ...previous,
      ...(newGeneration && generation !== undefined ? { observedGeneration: generation } : {}),
      conditions: [...merged, ...kept],
    };
    const topology = pass.topology;
    pass.topology = { ...topology, status };
    this.#written.set(pass.key, { uid: topology.metadata.uid, status });
    const write = this.#deps.status.patchStatus(topology, status).catch((err: unknown) => {
      this.#deps.logger.warn({ err, topology: pass.key }, 'could not write the Reconciling condition');
    });
    progress.write = Promise.all([progress.write, write]).then(() => undefined);
  }

  #forget(key: string): void {
    this.#written.delete(key);
    this.#requests.delete(key);
    this.#evidence.forget(key);
    this.#reporter.forget(key);
  }

  async #finalizer(pass: Pass): Promise<StepOutcome> {
    const { topology } = pass;
    if (!isDeleting(topology)) {
      if (!hasFinalizer(topology)) pass.topology = await this.#deps.finalizers.add(topology);
      return next();
    }
    if (!hasFinalizer(topology)) return finished();
    const spec = topology.spec;
    // A topology being deleted needs no link any more: another one deleted at the same time must not keep its links for it.
    this.#deps.registry.claimLinks(pass.key, []);
    // Audit mode changes nothing, deletion included; Orphan leaves everything in place.
    if (spec.deletionPolicy === 'Delete' && spec.mode !== 'Audit') {
      // Every rule and endpoint this topology ever used is listed (through ARM: Resource Graph may lag): what it made for a rule or machine since dropped counts too.
      const snapshot = await this.#deps.gateway.observe(spec, undefined, { alsoList: pass.sources, armOnly: true });
      // A read that failed may hide an association or link this topology made: keep the finalizer and say why.
      const unread = snapshot.errors.filter((e) => e.code === 'Failed' || e.code === 'Forbidden');
      if (unread.length > 0) {
        const first = unread[0];
        const why = `${unread.length} read(s) failed, e.g. ${first?.resourceId ?? ''}: ${first?.message ?? ''}`;
        const text = `Deletion waits: what this topology created cannot be listed in full (${why}); the finalizer stays and deletion is retried.`;
        this.#deps.events.record(topology, 'Warning', 'DeletionBlocked', text);
        await this.#deletionCondition(pass, Reason.DeletionBlocked, text);
        throw new Error(`deletion blocked: ${why}`);
      }
      const planned = this.#deps.planDeletion(planInput(this.#deps, pass, snapshot));
      const actions = Array.isArray(planned) ? planned : planned.actions;
      const outcomes = actions.length > 0 ? await this.#deps.gateway.act(actions) : [];
      // Only what this pass removed is counted as removed; what someone else removed first is said apart.
      const removed = outcomes.filter((o) => o.ok).length;
      const gone = outcomes.filter((o) => !o.ok && o.error?.status === 404).length;
      const failed = outcomes.filter((o) => !o.ok && o.error?.status !== 404);
      if (removed > 0 || gone > 0) {
        const also = gone > 0 ? `; ${gone} were already gone` : '';
        this.#deps.events.record(topology, 'Normal', 'DeletedOwnedResources', `Removed ${removed} resource(s) this topology created${also}.`);
      }
      if (failed.length > 0) {
        const first = failed[0]?.error?.message ?? 'unknown error';
        const text = `${failed.length} removal(s) failed; retrying: ${first}`;
        this.#deps.events.record(topology, 'Warning', 'DeletionFailed', text);
        await this.#deletionCondition(pass, Reason.DeletionFailed, `Deletion waits: ${removed} removed, ${text}; the finalizer stays.`);
        throw new Error(`deletion: ${failed.length} removal(s) failed: ${first}`);
      }
    }
    await this.#deps.finalizers.remove(topology);
    for (const other of this.#deps.registry.release(pass.key)) this.#deps.enqueue?.(other);
    this.#deps.metrics?.forgetTopology(pass.owner.namespace, pass.owner.name);
    this.#deps.logger.info({ topology: pass.key, deletionPolicy: spec.deletionPolicy ?? 'Orphan' }, 'finalizer removed');
    return finished();
  }

  /** A deletion that waits says so in status (Ready=False), not only in events and logs. */
  async #deletionCondition(pass: Pass, reason: Reason, text: string): Promise<void> {
    const { topology } = pass;
    const now = this.#deps.now?.() ?? new Date();
    const changes: ConditionInput[] = [
      { type: ConditionType.Ready, status: 'False', reason, message: text },
      { type: ConditionType.Reconciling, status: 'True', reason, message: text },
    ];
    const previous = topology.status;
    const kept = (previous?.conditions ?? []).filter((c) => !changes.some((n) => n.type === c.type));
    const status: MonitoringTopologyStatus = { ...previous, conditions: [...mergeConditions(previous?.conditions, changes, topology.metadata.generation, now), ...kept] };
    try {
      await this.#deps.status.patchStatus(topology, status);
      this.#written.set(pass.key, { uid: topology.metadata.uid, status });
    } catch (err) {
      this.#deps.logger.warn({ err, topology: pass.key }, 'could not write the deletion condition');
    }
  }

  async #observe(pass: Pass): Promise<StepOutcome> {
    const requested = pass.topology.metadata.annotations?.[RECONCILE_REQUESTED_AT];
    const refresh = requested !== undefined && this.#requests.get(pass.key) !== requested;
    const { spec } = pass.topology;
    // Enforce: each chunk of machines is planned and written as soon as it is read, after the machines are claimed
    // (cross-topology endpoint agreement needs every target id, which discovery gives before any per-machine read).
    const early = spec.mode === 'Audit' || this.#deps.pipelined === false ? undefined : this.#earlyWrites(pass);
    if (early) pass.early = early;
    let claimed: Promise<void> | undefined;
    pass.snapshot = await this.#deps.gateway.observe(spec, undefined, {
      ...(refresh ? { refresh } : {}),
      alsoList: pass.sources,
      ...(early ? { onTargets: (ids: string[]) => {
        // Declared and claimed before any early write (the gate holds them), so a conflicting agent identity or
        // endpoint is never written on a first pass; in slices, as 100,000 claims are no single turn's work.
        claimed = this.#declareAndClaim(pass, ids);
        early.gate(claimed);
      }, onMachinesRead: (partial: Snapshot) => early.offer(partial) } : {}),
    });
    // The next step claims again: never two claims of one topology in flight.
    await claimed;
    if (requested !== undefined) this.#requests.set(pass.key, requested);
    this.#deps.observedTargets?.(pass.key, pass.snapshot.machines.map((m) => m.id), pass.snapshot.graphFingerprint);
    return next();
  }

  /** Early writes of a pass: each chunk's machines planned alone, their outcomes kept for the full plan. */
  #earlyWrites(pass: Pass): EarlyWrites {
    const planMachines = this.#deps.planMachines;
    if (planMachines) pass.planned = new MachinePlans();
    return new EarlyWrites({
      plan: (partial) => (planMachines ? planMachines(machinesInput(this.#deps, pass, partial)) : this.#deps.plan(planInput(this.#deps, pass, partial)).actions),
      act: (actions) => this.#deps.gateway.act(actions),
    });
  }

  // Cross-topology agreement: configuration endpoints per machine and one scope per DNS boundary.
  async #coordinate(pass: Pass): Promise<StepOutcome> {
    const { spec } = pass.topology;
    const machines = pass.snapshot?.machines ?? [];
    const { registry } = this.#deps;
    // Audit observes and reports; it never claims machines, so it never holds back an Enforce topology.
    const claimed = spec.mode === 'Audit' ? [] : machines.map((m) => m.id);
    const woken = [
      ...(await runSliced(registry.claimMachinesWork(pass.key, claimed, spec.configurationEndpoint.resourceId))),
      ...registry.claimBoundary(pass.key, spec.privateLinkScope.dnsBoundary, spec.privateLinkScope.resourceId, spec.privateLinkScope.alsoLinkTo),
      ...(await runSliced(this.#declare(pass))),
    ];
    for (const other of new Set(woken)) this.#deps.enqueue?.(other);
    pass.findings.push(...(checkDnsBoundary(registry.boundaryMembers(pass.key)).get(pass.key) ?? []));
    return next();
  }

  // Access modes and agent identity: conflicting declarations are reported by both and written by neither.
  #declare(pass: Pass): Work<string[]> {
    const { spec } = pass.topology;
    return this.#deps.registry.declareWork(
      {
        topology: pass.key,
        scopeId: spec.privateLinkScope.resourceId,
        ...(spec.privateLinkScope.accessModes ? { accessModes: spec.privateLinkScope.accessModes } : {}),
        ...(spec.agent?.userAssignedIdentity ? { identity: spec.agent.userAssignedIdentity } : {}),
      },
      spec.mode === 'Audit',
    );
  }

  /** Declares, then claims the machines for this topology's endpoint; wakes topologies whose conflicts this changes. */
  async #declareAndClaim(pass: Pass, machineIds: string[]): Promise<void> {
    const declared = await runSliced(this.#declare(pass));
    const claimed = await runSliced(this.#deps.registry.claimMachinesWork(pass.key, machineIds, pass.topology.spec.configurationEndpoint.resourceId));
    for (const other of new Set([...declared, ...claimed])) this.#deps.enqueue?.(other);
  }

  async #plan(pass: Pass): Promise<StepOutcome> {
    if (!pass.snapshot) return stop();
    const input = await runSliced(planInputWork(this.#deps, pass, pass.snapshot));
    const plan = this.#deps.planWork ? await runSliced(this.#deps.planWork(input)) : this.#deps.plan(input);
    pass.plan = plan;
    // Every reusable outcome was taken: what is left would only hold memory.
    delete pass.planned;
    pass.sources = await runSliced(nextSourcesWork(pass.topology.status?.inventory, pass.topology.spec, pass.snapshot, pass.owner));
    this.#deps.registry.claimLinks(pass.key, plan.desiredScopedResources, pass.topology.spec.mode === 'Audit');
    await runSliced(eachWork(plan.findings, (f) => pass.findings.push(f)));
    const failedRead = pass.snapshot.errors.find((e) => e.code === 'Failed');
    const stallers = stallingFindings(plan.findings);
    const awaiting = plan.awaitingFullListing?.length ?? 0;
    const confirmMs = this.#deps.confirmAfterMs ?? 1000;
    return next(
      failedRead && new StepError('Generic', `observe: ${failedRead.message}`),
      stallers.length > 0 ? new StepError('Stalling', stallers[0]?.message ?? '', { findings: stallers }) : undefined,
      // Machines whose associations observe has not listed in full yet: look again soon, not at once.
      awaiting > 0 ? new StepError('Waiting', `${awaiting} machine(s) await a full association listing`, { pending: awaiting, requeueAfterMs: Math.max(confirmMs, 10_000) }) : undefined,
    );
  }

  async #act(pass: Pass): Promise<StepOutcome> {
    const planned = pass.plan?.actions ?? [];
    if (pass.topology.spec.mode === 'Audit') {
      await this.#expectAssociations(pass);
      return next();
    }
    const { rest, outcomes } = pass.early ? await pass.early.settle(planned) : { rest: planned, outcomes: [] };
    if (rest.length === 0 && outcomes.length === 0) {
      await this.#expectAssociations(pass);
      return next();
    }
    const late = rest.length > 0 ? await this.#deps.gateway.act(rest) : [];
    // Pushed, not spread: one outcome per write is more arguments than a call takes.
    pass.outcomes = outcomes;
    await runSliced(eachWork(late, (o) => pass.outcomes.push(o)));
    await this.#expectAssociations(pass);
    // One pass over the outcomes (300,000 for a cold estate of 100,000 machines), in slices: the failures, and the
    // few scope changes, which are all the inventory and the network step need.
    const failed: ActionOutcome[] = [];
    const scope: ActionOutcome[] = [];
    await runSliced(
      eachWork(pass.outcomes, (o) => {
        if (!o.ok) failed.push(o);
        else if (areaOfAction(o.action) === 'scope') scope.push(o);
      }),
    );
    pass.scopeOutcomes = scope;
    const findings = outcomeFindings(failed);
    for (const f of findings) pass.findings.push(f);
    pass.inventory = updateInventory(pass.inventory, scope);
    // A scope changed under the topologies that share it: they look again now, not at their next resync.
    if (scope.length > 0) {
      for (const other of this.#deps.registry.sharingScopes(pass.key)) this.#deps.enqueue?.(other);
    }
    const transient = failed.find((o) => isTransient(o));
    const stallers = stallingFindings(findings);
    return next(
      transient && new StepError('Generic', `act: ${transient.error?.message ?? 'unknown error'}`),
      stallers.length > 0 ? new StepError('Stalling', stallers[0]?.message ?? '', { findings: stallers }) : undefined,
    );
  }

  /** What discovery compares its lists with: the associations seen through the spec's rules and endpoint, after this pass's writes. */
  async #expectAssociations(pass: Pass): Promise<void> {
    const report = this.#deps.observedAssociations;
    if (!report || !pass.snapshot) return;
    const spec = pass.topology.spec;
    report(pass.key, await runSliced(expectedAssociationsWork(pass.snapshot, associationSources(spec), pass.outcomes)));
  }

  // Read after acting, so that records written because a resource was just linked are seen. Never writes.
  async #network(pass: Pass): Promise<StepOutcome> {
    if (!pass.snapshot || !pass.plan) return next();
    const result = await networkStep(this.#deps.gateway, pass.topology.spec, pass.snapshot, pass.scopeOutcomes ?? []);
    if (!result) return next();
    pass.findings.push(...result.findings);
    pass.dnsBoundaries = result.boundaries;
    const stallers = stallingFindings(result.findings);
    // Like observe's: a network read that failed transiently is retried with backoff, not left until the next resync.
    return next(
      result.failedRead && new StepError('Generic', `network: ${result.failedRead.message}`),
      stallers.length > 0 ? new StepError('Stalling', stallers[0]?.message ?? '', { findings: stallers }) : undefined,
    );
  }

}

/** Throttling, server errors, conflicts and network failures are retried; 4xx answers about the spec are not. */
export function isTransient(outcome: ActionOutcome): boolean {
  return isTransientError(outcome.error);
}
