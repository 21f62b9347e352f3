// Whether a caller reaches a Log Analytics workspace or a DCE, from where it sits: behind a private link scope or public.
type Json = Record<string, unknown>;
import type { ResourceStore, StoredResource } from '../../arm/store.ts';

export type Direction = 'ingestion' | 'query';

/** Where traffic comes from: the private link scope whose private endpoint serves the caller's network, or the internet. */
export interface Origin {
  readonly privateLinkScope?: string;
}

export type Reach = { readonly ok: true; readonly via: 'private' | 'public' } | { readonly ok: false; readonly reason: string };

const SCOPE_TYPE = 'Microsoft.Insights/privateLinkScopes';
const props = (r: StoredResource | undefined): Json => (r?.body.properties ?? {}) as Json;

function accessMode(scope: StoredResource, direction: Direction): string {
  const modes = (props(scope).accessModeSettings ?? {}) as Json;
  const mode = direction === 'ingestion' ? modes.ingestionAccessMode : modes.queryAccessMode;
  return typeof mode === 'string' ? mode : 'Open';
}

/** Scopes that link a resource (through their scopedResources children). */
export function scopesLinking(store: ResourceStore, resourceId: string): StoredResource[] {
  const out: StoredResource[] = [];
  for (const child of store.byIndex('scopedBy', resourceId)) {
    const scopeId = child.id.slice(0, child.id.toLowerCase().lastIndexOf('/scopedresources/'));
    const scope = store.get(scopeId);
    if (scope !== undefined && scope.type.toLowerCase() === SCOPE_TYPE.toLowerCase()) out.push(scope);
  }
  return out;
}

function acceptsPublic(resource: StoredResource, direction: Direction): boolean {
  const p = props(resource);
  if (resource.type.toLowerCase() === 'microsoft.operationalinsights/workspaces') {
    const v = direction === 'ingestion' ? p.publicNetworkAccessForIngestion : p.publicNetworkAccessForQuery;
    return v !== 'Disabled';
  }
  return ((p.networkAcls ?? {}) as Json).publicNetworkAccess !== 'Disabled';
}

export function reach(store: ResourceStore, origin: Origin, resourceId: string, direction: Direction): Reach {
  const resource = store.get(resourceId);
  if (resource === undefined) return { ok: false, reason: `${resourceId} does not exist` };
  const linking = scopesLinking(store, resourceId);
  const behind = origin.privateLinkScope === undefined ? undefined : store.get(origin.privateLinkScope);
  if (behind !== undefined) {
    // Seed (field report): "both the Log Analytics Workspace and the Data Collection Endpoint must be added as linked resources in the AMPLS scope".
    if (linking.some((s) => s.id.toLowerCase() === behind.id.toLowerCase())) return { ok: true, via: 'private' };
    // Seed (field report): a resource missing from the scope is reached over the public internet; "If AMPLS access mode is set to Private Only, those requests are rejected outright."
    if (accessMode(behind, direction) === 'PrivateOnly') {
      return { ok: false, reason: `not linked to the private link scope ${behind.id}, whose ${direction} access mode is PrivateOnly` };
    }
  }
  // Seed (field report): "Once a workspace is linked to an AMPLS configured with Private Only mode, public ingestion and queries are blocked regardless of what the workspace itself allows."
  const blocking = linking.find((s) => accessMode(s, direction) === 'PrivateOnly');
  if (blocking !== undefined) return { ok: false, reason: `public ${direction} is blocked: linked to ${blocking.id}, whose ${direction} access mode is PrivateOnly` };
  if (!acceptsPublic(resource, direction)) return { ok: false, reason: `public network access for ${direction} is disabled on the resource` };
  return { ok: true, via: 'public' };
}
