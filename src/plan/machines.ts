// The per-machine part of the plan: rule and endpoint associations, agent identity, and the machine's state.
import type { Finding } from '../api/types.ts';
import { CONFIGURATION_ACCESS_ENDPOINT, IdMap, IdSet, flatString, idKey, sameId, sameName } from '../model/index.ts';
import type { EndpointGap } from '../findings/index.ts';
import type { Action, ObservedAssociation, ObservedMachine, ObservedRule, ObservedScaleSet } from '../model/index.ts';
import {
  arcAgentNotConnected,
  arcPrivateLinkScopeMissing,
  arcSystemIdentity,
  checkAgentExtension,
  MAX_RULE_ASSOCIATIONS,
  associationLimitExceeded,
  associationNameTaken,
  describe,
  checkAgentIdentity,
  configurationEndpointConflict,
  endpointAssociationMisnamed,
  identityConflict,
  endpointAssociationMissing,
  endpointAssociationStale,
  ruleAssociationMissing,
  ruleFit,
} from '../findings/index.ts';
import { eachWork, runSync } from '../findings/index.ts';
import type { Work } from '../findings/index.ts';
import type { PlanInput } from './types.ts';
import type { MachineIndex, MachineOutcome, MachineState } from './machine-types.ts';
import { isOwnedBy, ownerMarker, ruleAssociationName } from './ownership.ts';
import { sortActionsWork } from './actions.ts';
import { withinTargetsWork } from './targets.ts';

export type { MachineIndex, MachineOutcome, MachineState } from './machine-types.ts';

export function indexMachines(input: PlanInput, dataPathIncomplete: boolean): MachineIndex {
  return runSync(indexMachinesWork(input, dataPathIncomplete));
}

/** The index, in slices: a large estate holds several associations per machine. */
export function* indexMachinesWork(input: PlanInput, dataPathIncomplete: boolean): Work<MachineIndex> {
  const { spec, snapshot } = input;
  const unreadable = new IdSet();
  for (const e of snapshot.errors) unreadable.add(e.resourceId);
  const observedRules = new IdMap<ObservedRule>();
  for (const r of snapshot.rules) observedRules.set(r.id, r);
  const rules: ObservedRule[] = [];
  const unavailableRules: string[] = [];
  const seen = new Set<string>();
  for (const ref of spec.dataCollectionRules) {
    const key = idKey(ref.resourceId);
    if (seen.has(key)) continue;
    seen.add(key);
    const rule = observedRules.get(ref.resourceId);
    if (rule && !unreadable.has(ref.resourceId)) rules.push(rule);
    else unavailableRules.push(ref.resourceId);
  }
  const associationNames = new IdMap<string>();
  const ruleReasons = new IdMap<string>();
  for (const r of rules) {
    associationNames.set(r.id, ruleAssociationName(r.id));
    ruleReasons.set(r.id, `the machine has no association with ${describe(r.id)}`);
  }
  const associations = new IdMap<ObservedAssociation[]>();
  // A machine's associations mostly come one after another, under the same id string: looked up once per run, not per association.
  let lastId: string | undefined;
  let list: ObservedAssociation[] | undefined;
  let grown = false;
  const file = (): void => {
    if (grown && lastId !== undefined && list) associations.set(lastId, list);
    grown = false;
  };
  yield* eachWork(snapshot.associations, (a) => {
    if (a.resourceId !== lastId) {
      file();
      lastId = a.resourceId;
      list = associations.get(a.resourceId);
    }
    // The same association comes from the rule and the endpoint lists: deduplicated per machine (a few each), not in
    // one set of every association, whose growth past 262,144 entries rehashes in one block of ~70 ms.
    // Names first: an association's name is its id's last segment, and ids may be derived on each read (records.ts).
    if (list?.some((b) => b === a || (sameId(b.name, a.name) && sameId(b.id, a.id)))) return;
    // A copy one longer, not a push: a pushed array keeps room for 17 (136 bytes more per machine).
    list = list ? list.concat(a) : [a];
    grown = true;
  });
  file();
  const scaleSets = new IdMap<ObservedScaleSet>();
  for (const s of snapshot.scaleSets) scaleSets.set(s.id, s);
  const competing = new IdMap<string[]>();
  for (const [machineId, endpoints] of Object.entries(input.competingEndpoints ?? {})) {
    const known = competing.get(machineId);
    if (known) known.push(...endpoints);
    else competing.set(machineId, [...endpoints]);
  }
  const competingIdentities = new IdMap<{ topology: string; identity: string }[]>();
  for (const [machineId, others] of Object.entries(input.competingIdentities ?? {})) {
    const known = competingIdentities.get(machineId);
    if (known) known.push(...others);
    else competingIdentities.set(machineId, [...others]);
  }
  const fullyListed = new IdSet();
  yield* eachWork(snapshot.fullyListedMachines, (id) => void fullyListed.add(id));
  const uami = spec.agent?.userAssignedIdentity;
  const reasons = {
    rule: ruleReasons,
    endpointMissing: `the machine has no ${CONFIGURATION_ACCESS_ENDPOINT} association`,
    identity: `its agent extension does not name ${describe(uami ?? '')} in authentication.managedIdentity`,
  };
  return {
    endpointId: spec.configurationEndpoint.resourceId,
    endpointReadable: !unreadable.has(spec.configurationEndpoint.resourceId),
    description: ownerMarker(input.owner),
    rules,
    associationNames,
    reasons,
    unavailableRules,
    associations,
    fullyListed,
    scaleSets,
    competing,
    competingIdentities,
    unreadable,
    ...(uami ? { userAssignedIdentity: uami } : {}),
    manageExtension: spec.agent?.manageExtension === true,
    identityReadable: uami === undefined || !unreadable.has(uami),
    owner: input.owner,
    dataPathIncomplete,
    privateIngestion: snapshot.scope?.ingestionAccessMode === 'PrivateOnly',
  };
}

function planRuleAssociations(m: ObservedMachine, existing: ObservedAssociation[], ix: MachineIndex, out: MachineOutcome): void {
  const present = new Set(existing.flatMap((a) => (a.dataCollectionRuleId ? [idKey(a.dataCollectionRuleId)] : [])));
  const toCreate = ix.rules.filter((r) => ruleFit(r, m.osType) !== 'mismatch' && !present.has(idKey(r.id)));
  const unavailable = ix.unavailableRules.filter((id) => !present.has(idKey(id)));
  if (unavailable.length > 0) out.findings.push({ finding: ruleAssociationMissing(m.id, unavailable, false), fixable: false });
  if (toCreate.length === 0) return;
  const total = existing.filter((a) => a.dataCollectionRuleId).length + toCreate.length;
  if (total > MAX_RULE_ASSOCIATIONS) {
    out.findings.push({ finding: associationLimitExceeded(m.id, total), fixable: false });
    return;
  }
  // A machine seen only through bulk lists may hold an association under the name we would use: never write blind.
  if (!ix.fullyListed.has(m.id)) {
    out.awaitingFullListing = true;
    out.findings.push({ finding: ruleAssociationMissing(m.id, toCreate.map((r) => r.id), true), fixable: true });
    return;
  }
  // Adoption: an association of the rule under any name counts, so only truly missing ones are created.
  const created: ObservedRule[] = [];
  for (const rule of toCreate) {
    const name = ix.associationNames.get(rule.id) ?? ruleAssociationName(rule.id);
    // The name is taken by something else (a person's association, or one re-pointed since): never overwrite it.
    const taken = existing.find((a) => sameName(a.name, name));
    if (taken) {
      out.findings.push({ finding: associationNameTaken(m.id, taken, rule.id), fixable: false });
      continue;
    }
    created.push(rule);
    out.actions.push({
      kind: 'CreateRuleAssociation',
      resourceId: m.id,
      name,
      dataCollectionRuleId: rule.id,
      description: ix.description,
      reason: ix.reasons.rule.get(rule.id) ?? '',
    });
  }
  if (created.length > 0) out.findings.push({ finding: ruleAssociationMissing(m.id, created.map((r) => r.id), true), fixable: true });
}

function createEndpointAssociation(m: ObservedMachine, ix: MachineIndex, reason: string): Action {
  return {
    kind: 'CreateEndpointAssociation',
    resourceId: m.id,
    name: CONFIGURATION_ACCESS_ENDPOINT,
    dataCollectionEndpointId: ix.endpointId,
    description: ix.description,
    reason,
  };
}

function planEndpointAssociation(m: ObservedMachine, existing: ObservedAssociation[], ix: MachineIndex, out: MachineOutcome): void {
  const current = existing.find((a) => sameName(a.name, CONFIGURATION_ACCESS_ENDPOINT));
  for (const a of existing) {
    if (!sameName(a.name, CONFIGURATION_ACCESS_ENDPOINT) && !a.dataCollectionRuleId && sameId(a.dataCollectionEndpointId, ix.endpointId)) {
      out.findings.push({ finding: endpointAssociationMisnamed(m.id, a), fixable: false });
    }
  }
  const rivals = (ix.competing.get(m.id) ?? []).filter((e) => !sameId(e, ix.endpointId));
  const rivalKeys = [...new Set(rivals.map(idKey))].sort();
  // Two topologies wanting different endpoints for one machine: both report it and neither writes, so nothing flaps.
  if (rivalKeys.length > 0) {
    out.findings.push({
      finding: configurationEndpointConflict(m.id, ix.endpointId, rivalKeys, 'competingTopology'),
      fixable: false,
    });
    return;
  }
  if (current && sameId(current.dataCollectionEndpointId, ix.endpointId)) return;
  const gap = (g: EndpointGap, fixable: boolean): void => {
    out.findings.push({ finding: endpointAssociationMissing(m.id, ix.endpointId, g), fixable });
  };
  if (current) {
    const elsewhere = current.dataCollectionEndpointId ? [current.dataCollectionEndpointId] : ['no endpoint'];
    if (!isOwnedBy(current.description, ix.owner)) {
      out.findings.push({ finding: configurationEndpointConflict(m.id, ix.endpointId, elsewhere, 'foreignAssociation'), fixable: false });
    } else if (!ix.endpointReadable) {
      gap('endpointUnavailable', false);
    } else {
      out.findings.push({ finding: endpointAssociationStale(m.id, current.dataCollectionEndpointId, ix.endpointId), fixable: true });
      out.actions.push(
        createEndpointAssociation(m, ix, flatString(`its ${CONFIGURATION_ACCESS_ENDPOINT} association points to ${describe(elsewhere[0] ?? '')}`)),
      );
    }
    return;
  }
  if (!ix.endpointReadable) return gap('endpointUnavailable', false);
  // A machine seen only through bulk lists may hold an association to another endpoint we cannot see: never write blind.
  if (!ix.fullyListed.has(m.id)) {
    out.awaitingFullListing = true;
    return gap('awaitingFullListing', true);
  }
  gap('willCreate', true);
  out.actions.push(createEndpointAssociation(m, ix, ix.reasons.endpointMissing));
}

/** An Arc machine: its agent's connection, the extension and its one (system-assigned) identity; no repairs. */
function planArcAgent(m: ObservedMachine, ix: MachineIndex, out: MachineOutcome): void {
  const checks = [arcAgentNotConnected(m), ...checkAgentExtension({ machine: m, manageExtension: false, identityReadable: true }), arcSystemIdentity(m)];
  if (ix.privateIngestion) checks.push(arcPrivateLinkScopeMissing(m));
  for (const c of checks) if (c) out.findings.push(c);
}

function planIdentity(m: ObservedMachine, ix: MachineIndex, out: MachineOutcome): void {
  if (m.kind === 'ArcMachine') return planArcAgent(m, ix, out);
  const scaleSet = m.scaleSetId ? ix.scaleSets.get(m.scaleSetId) : undefined;
  const assessment = checkAgentIdentity({
    machine: m,
    ...(scaleSet ? { scaleSet } : {}),
    ...(ix.userAssignedIdentity ? { userAssignedIdentity: ix.userAssignedIdentity } : {}),
    manageExtension: ix.manageExtension,
    identityReadable: ix.identityReadable,
  });
  out.findings.push(...assessment.findings);
  // Another topology wants this agent on another identity: both report it, neither repairs the extension.
  const contested = ix.userAssignedIdentity ? identityConflict(m.id, ix.userAssignedIdentity, ix.competingIdentities.get(m.id) ?? []) : undefined;
  if (contested) out.findings.push({ finding: contested, fixable: false });
  if (assessment.repair && !contested) {
    out.actions.push({
      kind: 'RepairExtensionIdentity',
      resourceId: m.id,
      extensionName: assessment.repair.extensionName,
      settings: assessment.repair.settings,
      reason: ix.reasons.identity,
    });
  }
}

export function stateOf(m: ObservedMachine, ix: MachineIndex, out: MachineOutcome): MachineState {
  const failing =
    ix.unreadable.has(m.id) || out.findings.some((f) => f.finding.severity === 'Error' && !f.fixable);
  if (failing) return 'failing';
  if (out.actions.length > 0 || out.awaitingFullListing || out.findings.some((f) => f.fixable) || ix.dataPathIncomplete) {
    return 'pending';
  }
  return 'compliant';
}

/** The plan for one machine (a VM, a Flexible member or a Uniform scale set). */
/** A machine that needs nothing: no write, no finding. */
function nothingToDo(state: MachineState): MachineOutcome {
  return Object.freeze({ actions: Object.freeze([]) as unknown as Action[], findings: Object.freeze([]) as unknown as MachineOutcome['findings'], state, awaitingFullListing: false });
}

/**
 * The outcome of every machine that needs nothing, one per state, frozen: a pass keeps each machine's outcome until its
 * plan (`MachinePlans`), and at 100,000 converged machines an object and two empty lists each held 12 MB.
 */
const NOTHING_TO_DO: Record<MachineState, MachineOutcome> = { compliant: nothingToDo('compliant'), pending: nothingToDo('pending'), failing: nothingToDo('failing') };

export function planMachine(m: ObservedMachine, ix: MachineIndex): MachineOutcome {
  const out: MachineOutcome = { actions: [], findings: [], state: 'compliant', awaitingFullListing: false };
  const existing = ix.associations.get(m.id) ?? [];
  planRuleAssociations(m, existing, ix, out);
  planEndpointAssociation(m, existing, ix, out);
  planIdentity(m, ix, out);
  out.state = stateOf(m, ix, out);
  if (out.actions.length === 0 && out.findings.length === 0 && !out.awaitingFullListing) return NOTHING_TO_DO[out.state];
  // Kept until the pass ends: a list grown by push holds room for 16 more (150 bytes), a copy holds its items.
  if (out.actions.length > 0) out.actions = out.actions.slice();
  if (out.findings.length > 0) out.findings = out.findings.slice();
  return out;
}

/**
 * The per-machine actions of the machines `input` holds, for early writes: no topology-wide part, no findings kept.
 * Each outcome is kept in `input.planned`, so the full plan of the same pass need not plan the machine again.
 */
export function* planMachinesWork(input: PlanInput): Work<Action[]> {
  const ix = yield* indexMachinesWork(input, false);
  const targets = yield* withinTargetsWork(input.spec.targets, input.snapshot.machines);
  const out: Action[] = [];
  yield* eachWork(targets.inside, (m) => {
    const outcome = planMachine(m, ix);
    input.planned?.keep(m, ix, outcome);
    for (const a of outcome.actions) out.push(a);
  });
  return yield* sortActionsWork(out);
}

export function planMachines(input: PlanInput): Action[] {
  return runSync(planMachinesWork(input));
}

export function findingsOf(outcomes: Iterable<MachineOutcome>): Finding[] {
  const out: Finding[] = [];
  for (const o of outcomes) for (const f of o.findings) out.push(f.finding);
  return out;
}
