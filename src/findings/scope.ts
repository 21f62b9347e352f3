// Private link scope checks: access modes, scoped resources and the workspace settings the scope overrides.
import type { AccessMode, AccessModes, Finding, LifecycleStage } from '../api/types.ts';
import { idKey } from '../model/index.ts';
import type { ObservedScope, ObservedWorkspace } from '../model/index.ts';
import { describe, finding } from './finding.ts';

export type Exclusions = ObservedScope['exclusions'];

/** The exclusions the spec asks for, in the scope's wire shape; undefined when the spec leaves them alone. */
export function desiredExclusions(modes: AccessModes): Exclusions | undefined {
  return modes.exclusions?.map((e) => ({
    privateEndpointConnectionName: e.privateEndpointConnectionName,
    ingestionAccessMode: e.ingestion,
    queryAccessMode: e.query,
  }));
}

function exclusionKey(e: Exclusions[number]): string {
  return `${e.privateEndpointConnectionName.toLowerCase()}|${e.ingestionAccessMode}|${e.queryAccessMode}`;
}

function sameExclusions(a: Exclusions, b: Exclusions): boolean {
  const ka = a.map(exclusionKey).sort();
  const kb = b.map(exclusionKey).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i]);
}

/** Mismatch between the spec's access modes and the scope's; unset `exclusions` in the spec are not managed. */
export function checkAccessModes(scope: ObservedScope, desired: AccessModes): Finding | undefined {
  const diffs: string[] = [];
  if (scope.ingestionAccessMode !== desired.ingestion) {
    diffs.push(`ingestion is ${scope.ingestionAccessMode}, the spec wants ${desired.ingestion}`);
  }
  if (scope.queryAccessMode !== desired.query) {
    diffs.push(`query is ${scope.queryAccessMode}, the spec wants ${desired.query}`);
  }
  const exclusions = desiredExclusions(desired);
  if (exclusions && !sameExclusions(scope.exclusions, exclusions)) diffs.push('the exclusions differ from the spec');
  if (diffs.length === 0) return undefined;
  return finding(
    'AccessModeMismatch',
    'Warning',
    scope.id,
    'Ingestion',
    `The access modes of ${describe(scope.id)} do not match the spec (${diffs.join('; ')}): Enforce mode updates them.`,
  );
}

/** PrivateOnly blocks public traffic the workspace itself still allows: say so, the workspace setting is moot. */
export function checkWorkspacePublicAccess(
  workspace: ObservedWorkspace,
  modes: { ingestion: AccessMode; query: AccessMode },
  scopeId: string,
): Finding | undefined {
  const enabled = (v: string | undefined): boolean => v?.toLowerCase() === 'enabled';
  const blocked: string[] = [];
  if (modes.ingestion === 'PrivateOnly' && enabled(workspace.publicNetworkAccessForIngestion)) blocked.push('ingestion');
  if (modes.query === 'PrivateOnly' && enabled(workspace.publicNetworkAccessForQuery)) blocked.push('query');
  if (blocked.length === 0) return undefined;
  const dirs = blocked.join(' and ');
  return finding(
    'WorkspacePublicAccessOverridden',
    'Warning',
    workspace.id,
    'Ingestion',
    `The ${describe(workspace.id)} accepts public ${dirs}, but ${describe(scopeId)} is PrivateOnly for ${dirs} and blocks it: ` +
      `make sure every agent and query client reaches the workspace through the private endpoint, or set the scope's ${dirs} access mode to Open.`,
  );
}

export function resourceNotScoped(linkedResourceId: string, scopeId: string, stage: LifecycleStage): Finding {
  return finding(
    'ResourceNotScoped',
    'Error',
    linkedResourceId,
    stage,
    `The ${describe(linkedResourceId)} is on the data path but not linked to ${describe(scopeId)}, so agents behind the private link cannot reach it: ` +
      `Enforce mode adds it as a scoped resource.`,
  );
}

/** Case-insensitive set of the resources a scope links. */
export function linkedResources(scope: ObservedScope): Set<string> {
  return new Set(scope.scopedResources.map((r) => idKey(r.linkedResourceId)));
}
