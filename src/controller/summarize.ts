// The one reader of a pass's step results: they become conditions (Ready / Reconciling / Stalled as kstatus reads
// them, plus one per area: private link scope, associations, agent identity, DNS boundary) and the queue's result.
import { ConditionType } from '../api/types.ts';
import type { Finding, FindingCode, InstanceCounts, Mode } from '../api/types.ts';
import { CHANGED_SINCE_OBSERVED, isType, ResourceTypes } from '../model/index.ts';
import type { Action, ActionOutcome } from '../model/index.ts';
import type { ConditionInput } from '../kube/status.ts';
import { eachWork, filterWork, runSync } from '../findings/index.ts';
import type { Work } from '../findings/index.ts';
import type { Pass, PassDelivery, ReconcileResult, StepRecord } from './pass.ts';

/** Condition reasons (CamelCase, stable: alerts and scripts match on them). */
export const Reason = {
  Converged: 'Converged',
  Progressing: 'Progressing',
  ChangesApplied: 'ChangesApplied',
  ChangesPending: 'ChangesPending',
  AuditDriftDetected: 'AuditDriftDetected',
  FindingsPresent: 'FindingsPresent',
  ActionsFailed: 'ActionsFailed',
  RetryingAfterError: 'RetryingAfterError',
  ArmUnavailable: 'ArmUnavailable',
  ReferencedResourceNotFound: 'ReferencedResourceNotFound',
  AuthorizationFailed: 'AuthorizationFailed',
  SpecNotSatisfiable: 'SpecNotSatisfiable',
  NotObserved: 'NotObserved',
  NoBoundaryDeclared: 'NoBoundaryDeclared',
  BoundaryAgreed: 'BoundaryAgreed',
  DnsBoundaryConflict: 'DnsBoundaryConflict',
  Idle: 'Idle',
  NotStalled: 'NotStalled',
  DataArriving: 'DataArriving',
  DeliveryFailing: 'DeliveryFailing',
  EvidenceUnreadable: 'EvidenceUnreadable',
  EvidenceNotRead: 'EvidenceNotRead',
  DeletionBlocked: 'DeletionBlocked',
  DeletionFailed: 'DeletionFailed',
} as const;
export type Reason = (typeof Reason)[keyof typeof Reason];

export type Area = 'scope' | 'associations' | 'identity' | 'dns' | 'delivery';

const AREA_OF_CODE: Partial<Record<FindingCode, Area>> = {
  WorkspacePublicAccessOverridden: 'scope',
  ResourceNotScoped: 'scope',
  AccessModeMismatch: 'scope',
  DnsBoundaryConflict: 'dns',
  // The network read from Azure: what makes the configuration endpoint resolve and reach privately.
  PrivateEndpointMissing: 'dns',
  PrivateEndpointNotApproved: 'dns',
  PrivateDnsZoneNotLinked: 'dns',
  CustomDnsServers: 'dns',
  PrivateDnsRecordMissing: 'dns',
  PrivateDnsRecordMismatch: 'dns',
  AgentExtensionMissing: 'identity',
  IdentityNotAssigned: 'identity',
  ExtensionIdentityMismatch: 'identity',
  SystemIdentityMissing: 'identity',
  FlexibleScaleSetNeedsUserAssignedIdentity: 'identity',
  AmbiguousIdentity: 'identity',
  ImplicitSystemIdentity: 'identity',
  // Evidence, not configuration: DataDelivered reports these, the configuration areas do not.
  NoHeartbeat: 'delivery',
  DeliveryStopped: 'delivery',
  StreamNotArriving: 'delivery',
  NoDeliveryExpected: 'delivery',
  // The connected-machine agent manages the extension and serves the machine's token.
  ArcMachineDisconnected: 'identity',
  ArcPrivateLinkScopeMissing: 'identity',
  ArcUserAssignedIdentityUnsupported: 'identity',
};

/** The area a finding belongs to; Azure errors go by the resource they are about. */
export function areaOfFinding(f: Finding): Area {
  // Shared settings are a scope's access modes or an agent's identity: the resource says which.
  if (f.code === 'SharedSettingConflict') return isType(f.resourceId, ResourceTypes.privateLinkScope) ? 'scope' : 'identity';
  const area = AREA_OF_CODE[f.code];
  if (area) return area;
  if (f.code === 'ReferencedResourceNotFound' || f.code === 'AuthorizationFailed' || f.code === 'ArmRequestFailed') {
    return areaOfResource(f.resourceId);
  }
  return 'associations';
}

function areaOfResource(id: string): Area {
  if (
    isType(id, ResourceTypes.privateLinkScope) ||
    isType(id, ResourceTypes.scopedResource) ||
    isType(id, ResourceTypes.workspace) ||
    isType(id, ResourceTypes.dataCollectionEndpoint)
  ) {
    return 'scope';
  }
  if (isType(id, ResourceTypes.userAssignedIdentity)) return 'identity';
  return 'associations';
}

export function areaOfAction(a: Action): Area {
  switch (a.kind) {
    case 'UpdateAccessModes':
    case 'AddScopedResource':
    case 'RemoveScopedResource':
      return 'scope';
    case 'RepairExtensionIdentity':
      return 'identity';
    default:
      return 'associations';
  }
}

interface PassSummaryInput {
  mode: Mode;
  /** A step failed in a way worth retrying (a generic error); the previous area conditions are kept. */
  genericError?: string;
  /** What stalling errors say must change (the spec, or Azure). */
  stallers: Finding[];
  /** Actions of the plan (pending in Audit, attempted in Enforce). */
  actions: Action[];
  outcomes: ActionOutcome[];
  findings: Finding[];
  instances?: InstanceCounts;
  dnsBoundary?: string;
  observed: boolean;
  /** Machines the plan could not finish yet (their associations are listed in full on the next pass). */
  awaiting?: number;
  delivery?: PassDelivery;
  evidenceEnabled: boolean;
}

export interface PassSummary {
  conditions: ConditionInput[];
  stalled: boolean;
  progressing: boolean;
  /** What the work queue does next: retry with backoff, confirm soon, or resync. */
  result: ReconcileResult;
}

const AREA_CONDITIONS: [Area, ConditionType, string][] = [
  ['scope', ConditionType.PrivateLinkScopeReady, 'private link scope'],
  ['associations', ConditionType.AssociationsReady, 'data collection associations'],
  ['identity', ConditionType.AgentIdentityReady, 'agent identity'],
  ['dns', ConditionType.DnsBoundaryReady, 'DNS boundary'],
];

const CONVERGED_MESSAGE: Record<Area, string> = {
  scope: 'The private link scope has the access modes and scoped resources the spec asks for.',
  associations: 'Every target has its rule associations and its configurationAccessEndpoint association.',
  identity: 'Every agent uses the identity the spec asks for.',
  dns: '',
  delivery: '',
};

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function firstOf(findings: Finding[]): string {
  const f = findings[0];
  if (!f) return '';
  return findings.length > 1 ? `${f.message} (and ${plural(findings.length - 1, 'more finding')})` : f.message;
}

/** What one area's condition is judged on: the pass's failed outcomes, Error findings and actions of that area. */
interface AreaLists {
  failed: ActionOutcome[];
  errors: Finding[];
  actions: Action[];
}

/** The pass's lists split by area in one pass over each (not one filter per area). */
function* byArea(input: PassSummaryInput): Work<Map<Area, AreaLists>> {
  const out = new Map<Area, AreaLists>();
  const of = (area: Area): AreaLists => {
    let lists = out.get(area);
    if (!lists) out.set(area, (lists = { failed: [], errors: [], actions: [] }));
    return lists;
  };
  yield* eachWork(input.outcomes, (o) => {
    if (!o.ok) of(areaOfAction(o.action)).failed.push(o);
  });
  yield* eachWork(input.findings, (f) => {
    if (f.severity === 'Error') of(areaOfFinding(f)).errors.push(f);
  });
  yield* eachWork(input.actions, (a) => of(areaOfAction(a)).actions.push(a));
  return out;
}

function areaCondition(area: Area, type: ConditionType, label: string, input: PassSummaryInput, lists: AreaLists): ConditionInput {
  if (!input.observed) {
    return { type, status: 'Unknown', reason: Reason.NotObserved, message: `The ${label} could not be checked yet.` };
  }
  const { failed, errors, actions } = lists;
  if (area === 'dns' && errors.length > 0) {
    const reason = errors.some((f) => f.code === 'DnsBoundaryConflict') ? Reason.DnsBoundaryConflict : Reason.FindingsPresent;
    const first = errors.filter((f) => f.code === 'DnsBoundaryConflict');
    return { type, status: 'False', reason, message: firstOf(first.length > 0 ? first : errors) };
  }
  if (failed.length > 0) {
    const first = failed[0]?.error?.message ?? 'unknown error';
    return { type, status: 'False', reason: Reason.ActionsFailed, message: `${plural(failed.length, 'change')} to the ${label} failed: ${first}` };
  }
  if (errors.length > 0) return { type, status: 'False', reason: Reason.FindingsPresent, message: firstOf(errors) };
  if (actions.length > 0 && input.mode === 'Audit') {
    return { type, status: 'False', reason: Reason.ChangesPending, message: `Audit mode: ${plural(actions.length, 'change')} to the ${label} would be made.` };
  }
  if (actions.length > 0) {
    return { type, status: 'False', reason: Reason.ChangesApplied, message: `Applied ${plural(actions.length, 'change')} to the ${label}; confirming on the next pass.` };
  }
  if (area === 'dns') {
    return input.dnsBoundary
      ? { type, status: 'True', reason: Reason.BoundaryAgreed, message: `Every topology in DNS boundary ${input.dnsBoundary} agrees on the private link scope.` }
      : { type, status: 'True', reason: Reason.NoBoundaryDeclared, message: 'No DNS boundary is declared; the boundaries derived from Azure hold one scope, or resources linked to all of theirs.' };
  }
  return { type, status: 'True', reason: Reason.Converged, message: CONVERGED_MESSAGE[area] };
}

/**
 * Turns one pass and its steps' results into the full set of conditions and the queue's result. Generic errors
 * retry with backoff (the last one is reported); stalling errors name what must change; waiting errors ask for
 * an early pass.
 */
export function summarize(pass: Pass, steps: readonly StepRecord[], previous: ConditionInput[] = [], confirmMs = 1000): PassSummary {
  return runSync(summarizeWork(pass, steps, previous, confirmMs));
}

/** `summarize` in slices: it reads every outcome, finding and action of the pass. */
export function* summarizeWork(pass: Pass, steps: readonly StepRecord[], previous: ConditionInput[] = [], confirmMs = 1000): Work<PassSummary> {
  const errors = steps.flatMap((s) => s.errors);
  const generic = errors.filter((e) => e.kind === 'Generic').at(-1);
  const waiting = errors.filter((e) => e.kind === 'Waiting');
  const spec = pass.topology.spec;
  const input: PassSummaryInput = {
    mode: spec.mode ?? 'Enforce',
    genericError: generic?.message,
    stallers: errors.filter((e) => e.kind === 'Stalling').flatMap((e) => e.findings),
    actions: pass.plan?.actions ?? [],
    outcomes: pass.outcomes,
    findings: pass.findings,
    instances: pass.plan?.instances,
    dnsBoundary: spec.privateLinkScope.dnsBoundary,
    observed: pass.plan !== undefined,
    awaiting: waiting.reduce((n, e) => n + e.pending, 0),
    evidenceEnabled: spec.evidence !== undefined,
    ...(pass.delivery ? { delivery: pass.delivery } : {}),
  };
  const summary = yield* passConditions(input, previous);
  let result: ReconcileResult;
  if (generic) result = { error: new Error(generic.message) };
  // A create that lost a race to a person re-observes soon, so status reports what is there now.
  else if (pass.outcomes.some((o) => o.ok || o.error?.code === CHANGED_SINCE_OBSERVED)) result = { requeueAfter: confirmMs };
  else if (waiting.length > 0) result = { requeueAfter: Math.min(pass.resyncMs, ...waiting.map((e) => e.requeueAfterMs ?? pass.resyncMs)) };
  else result = { requeueAfter: pass.resyncMs };
  // Evidence is read every evidence.interval, which may be shorter than the resync.
  if (result.requeueAfter !== undefined && pass.delivery) result = { requeueAfter: Math.min(result.requeueAfter, pass.delivery.nextInMs) };
  return { ...summary, result };
}

function* passConditions(input: PassSummaryInput, previous: ConditionInput[]): Work<Omit<PassSummary, 'result'>> {
  const { mode, findings, outcomes, stallers } = input;
  const areaLists = yield* byArea(input);
  const listsOf = (area: Area): AreaLists => areaLists.get(area) ?? { failed: [], errors: [], actions: [] };
  const failed = yield* filterWork(outcomes, (o) => !o.ok);
  const applied = outcomes.length - failed.length;
  // In the order the findings came, as a filter of them would give.
  const errors = yield* filterWork(findings, (f) => f.severity === 'Error' && areaOfFinding(f) !== 'delivery');
  const deliveryErrors = listsOf('delivery').errors;
  const stalled = stallers.length > 0;
  const transient = input.genericError !== undefined;
  const awaiting = mode === 'Enforce' ? (input.awaiting ?? 0) : 0;
  const progressing = transient || (mode === 'Enforce' && applied > 0) || awaiting > 0;

  let ready: ConditionInput;
  if (transient) {
    ready = { type: ConditionType.Ready, status: 'False', reason: Reason.ArmUnavailable, message: `Azure could not be read or changed; retrying with backoff: ${input.genericError}` };
  } else if (stalled) {
    const reason = stallers[0]?.code === 'AuthorizationFailed' ? Reason.AuthorizationFailed : Reason.ReferencedResourceNotFound;
    ready = { type: ConditionType.Ready, status: 'False', reason, message: firstOf(stallers) };
  } else if (failed.length > 0) {
    ready = { type: ConditionType.Ready, status: 'False', reason: Reason.ActionsFailed, message: `${plural(failed.length, 'change')} failed: ${failed[0]?.error?.message ?? 'unknown error'}` };
  } else if (mode === 'Enforce' && applied > 0) {
    ready = { type: ConditionType.Ready, status: 'Unknown', reason: Reason.Progressing, message: `Applied ${plural(applied, 'change')}; confirming on the next pass.` };
  } else if (awaiting > 0) {
    ready = { type: ConditionType.Ready, status: 'Unknown', reason: Reason.Progressing, message: `${plural(awaiting, 'machine')} still to be checked in full before associations are created.` };
  } else if (mode === 'Audit' && input.actions.length > 0) {
    ready = { type: ConditionType.Ready, status: 'False', reason: Reason.AuditDriftDetected, message: `Audit mode: ${plural(input.actions.length, 'change')} would be made (see status.plan); nothing was changed.` };
  } else if (errors.length > 0) {
    ready = { type: ConditionType.Ready, status: 'False', reason: Reason.FindingsPresent, message: firstOf(errors) };
  } else if (deliveryErrors.length > 0) {
    // With spec.evidence, Ready means configured and delivering; unreadable evidence leaves Ready to configuration.
    ready = { type: ConditionType.Ready, status: 'False', reason: Reason.DeliveryFailing, message: firstOf(deliveryErrors) };
  } else {
    const n = input.instances;
    const machines = n ? `${n.compliant} of ${plural(n.total, 'machine')} compliant` : 'converged';
    // An empty selection is most often a typo: the reader of Ready must see it, not only "0 of 0".
    const unmatched = findings.find((f) => f.code === 'NoMachinesMatched');
    const note = unmatched ? ` ${unmatched.message}` : '';
    ready = { type: ConditionType.Ready, status: 'True', reason: Reason.Converged, message: `The estate matches the spec: ${machines}.${note}` };
  }

  const reconciling: ConditionInput = progressing
    ? {
        type: ConditionType.Reconciling,
        status: 'True',
        reason: transient ? Reason.RetryingAfterError : Reason.Progressing,
        message: transient
          ? 'Retrying after a transient Azure error.'
          : applied > 0
            ? `Applied ${plural(applied, 'change')}; confirming.`
            : `${plural(awaiting, 'machine')} still to be checked.`,
      }
    : { type: ConditionType.Reconciling, status: 'False', reason: Reason.Idle, message: 'No work is pending.' };

  const stalledCondition: ConditionInput = stalled
    ? { type: ConditionType.Stalled, status: 'True', reason: ready.reason, message: firstOf(stallers) }
    : { type: ConditionType.Stalled, status: 'False', reason: Reason.NotStalled, message: 'The spec can be satisfied.' };

  const areas = AREA_CONDITIONS.map(([area, type, label]) =>
    transient
      ? (previous.find((c) => c.type === type) ?? areaCondition(area, type, label, { ...input, observed: false }, listsOf(area)))
      : areaCondition(area, type, label, input, listsOf(area)),
  );
  const delivered = input.evidenceEnabled ? [dataDelivered(input, deliveryErrors, previous)] : [];
  return { conditions: [ready, reconciling, stalledCondition, ...areas, ...delivered], stalled, progressing };
}

/** DataDelivered: True when every machine expected to send data does, False with the first delivery finding, Unknown otherwise. */
function dataDelivered(input: PassSummaryInput, deliveryErrors: Finding[], previous: ConditionInput[]): ConditionInput {
  const type = ConditionType.DataDelivered;
  const d = input.delivery;
  if (d === undefined) {
    return previous.find((c) => c.type === type) ?? { type, status: 'Unknown', reason: Reason.EvidenceNotRead, message: 'Delivery evidence has not been read yet.' };
  }
  if (d.unreadable !== undefined) {
    return { type, status: 'Unknown', reason: Reason.EvidenceUnreadable, message: `Log Analytics could not be read; machines are not judged: ${d.unreadable}` };
  }
  const expected = d.machines.length - d.counts.NotExpected;
  if (deliveryErrors.length > 0 || d.counts.HeartbeatOnly > 0 || d.counts.Silent > 0) {
    const first = deliveryErrors[0]?.message ?? `${d.counts.Silent} machine(s) silent, ${d.counts.HeartbeatOnly} with heartbeats only.`;
    return { type, status: 'False', reason: Reason.DeliveryFailing, message: `${d.counts.Delivering} of ${plural(expected, 'machine')} deliver their data. ${first}` };
  }
  return { type, status: 'True', reason: Reason.DataArriving, message: `${d.counts.Delivering} of ${plural(expected, 'machine')} deliver heartbeats and every rule's data.` };
}
