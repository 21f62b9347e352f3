// The private link scope part of the plan: access modes and the scoped resources on the data path.
import type { Finding, LifecycleStage } from '../api/types.ts';
import { IdMap, idKey, sameId } from '../model/index.ts';
import {
  accessModeConflicts,
  describe,
  checkAccessModes,
  checkWorkspacePublicAccess,
  desiredExclusions,
  linkedResources,
  resourceNotScoped,
} from '../findings/index.ts';
import type { Action, ObservedScope } from '../model/index.ts';
import type { PlanInput } from './types.ts';
import { scopedResourceName } from './ownership.ts';

export interface ScopePlan {
  actions: Action[];
  findings: Finding[];
  desiredScopedResources: { scopeId: string; linkedResourceId: string }[];
  /** True when the primary scope still lacks a resource every machine's data needs (machines stay pending). */
  dataPathIncomplete: boolean;
}

interface DesiredLink {
  id: string;
  stage: LifecycleStage;
  why: string;
}

/** Declared workspaces + the configuration endpoint + every rule's endpoint, de-duplicated case-insensitively. */
export function desiredLinks(input: PlanInput): DesiredLink[] {
  const { spec, snapshot } = input;
  const unreadable = new Set(snapshot.errors.map((e) => idKey(e.resourceId)));
  const out = new IdMap<DesiredLink>();
  const add = (id: string, stage: LifecycleStage, why: string): void => {
    if (!out.has(id) && !unreadable.has(idKey(id))) out.set(id, { id, stage, why });
  };
  add(spec.configurationEndpoint.resourceId, 'ConfigurationEndpoint', 'it is the configuration endpoint');
  const declared = new IdMap<true>();
  for (const r of spec.dataCollectionRules) declared.set(r.resourceId, true);
  for (const rule of snapshot.rules) {
    if (rule.dataCollectionEndpointId && declared.has(rule.id)) {
      add(rule.dataCollectionEndpointId, 'Ingestion', `${describe(rule.id)} sends data through it`);
    }
  }
  for (const r of spec.privateLinkScope.scopedResources ?? []) add(r.resourceId, 'Ingestion', 'the spec declares it');
  return [...out.values()].sort((a, b) => (idKey(a.id) < idKey(b.id) ? -1 : idKey(a.id) > idKey(b.id) ? 1 : 0));
}

function scopeIdsOf(spec: PlanInput['spec']): string[] {
  const ids = new IdMap<string>();
  for (const id of [spec.privateLinkScope.resourceId, ...(spec.privateLinkScope.alsoLinkTo ?? [])]) {
    if (!ids.has(id)) ids.set(id, id);
  }
  return [...ids.values()];
}

function scopeIds(input: PlanInput): string[] {
  return scopeIdsOf(input.spec);
}

/**
 * The links a spec names by itself (its configuration endpoint and declared scoped resources, in every scope it
 * links to), without reading Azure: what another topology still needs even before it has run a pass.
 */
export function specLinks(spec: PlanInput['spec']): { scopeId: string; linkedResourceId: string }[] {
  const linked = [spec.configurationEndpoint.resourceId, ...(spec.privateLinkScope.scopedResources ?? []).map((r) => r.resourceId)];
  return scopeIdsOf(spec).flatMap((scopeId) => linked.map((linkedResourceId) => ({ scopeId, linkedResourceId })));
}

function observedScope(input: PlanInput, scopeId: string): ObservedScope | undefined {
  const { scope, alsoLinkScopes } = input.snapshot;
  if (scope && sameId(scope.id, scopeId)) return scope;
  return alsoLinkScopes.find((s) => sameId(s.id, scopeId));
}

export function planScope(input: PlanInput): ScopePlan {
  const { spec, snapshot } = input;
  const primaryId = spec.privateLinkScope.resourceId;
  const out: ScopePlan = { actions: [], findings: [], desiredScopedResources: [], dataPathIncomplete: false };
  const links = desiredLinks(input);

  for (const scopeId of scopeIds(input)) {
    const primary = sameId(scopeId, primaryId);
    for (const link of links) out.desiredScopedResources.push({ scopeId, linkedResourceId: link.id });
    const scope = observedScope(input, scopeId);
    if (!scope) continue; // unreadable: the read error is the finding; nothing depends on guesses
    const linked = linkedResources(scope);
    for (const link of links) {
      if (linked.has(idKey(link.id))) continue;
      out.actions.push({
        kind: 'AddScopedResource',
        scopeId: scope.id,
        name: scopedResourceName(link.id, input.owner),
        linkedResourceId: link.id,
        reason: `the ${describe(link.id)} is on the data path (${link.why}) but not linked to ${primary ? '' : 'the alsoLinkTo '}${describe(scope.id)}`,
      });
      out.findings.push(resourceNotScoped(link.id, scope.id, link.stage));
      if (primary) out.dataPathIncomplete = true;
    }
  }

  // Access modes are managed on the primary scope only: alsoLinkTo scopes belong to the other side of a migration.
  const scope = snapshot.scope && sameId(snapshot.scope.id, primaryId) ? snapshot.scope : undefined;
  if (!scope) return out;
  const desired = spec.privateLinkScope.accessModes;
  // Another topology declares other access modes for this scope: both report it, neither writes them.
  const contested = desired
    ? accessModeConflicts({ topology: `${input.owner.namespace}/${input.owner.name}`, scopeId: primaryId, accessModes: desired }, input.sharedDeclarations ?? [])
    : [];
  out.findings.push(...contested);
  if (desired) {
    const mismatch = checkAccessModes(scope, desired);
    if (mismatch) out.findings.push(mismatch);
    if (mismatch && contested.length === 0) {
      out.actions.push({
        kind: 'UpdateAccessModes',
        scopeId: scope.id,
        ingestionAccessMode: desired.ingestion,
        queryAccessMode: desired.query,
        exclusions: desiredExclusions(desired) ?? scope.exclusions,
        reason: mismatch.message,
      });
    }
  }
  const modes = desired ?? { ingestion: scope.ingestionAccessMode, query: scope.queryAccessMode };
  const inScope = new Set([...linkedResources(scope), ...links.map((l) => idKey(l.id))]);
  for (const ws of snapshot.workspaces) {
    if (!inScope.has(idKey(ws.id))) continue;
    const f = checkWorkspacePublicAccess(ws, modes, scope.id);
    if (f) out.findings.push(f);
  }
  return out;
}
