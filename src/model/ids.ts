// ARM resource ids: parsing and case-insensitive comparison (ARM treats ids case-insensitively).

export interface ArmId {
  /** The id as given, trimmed of a trailing slash. */
  id: string;
  subscriptionId: string;
  resourceGroup?: string;
  /** e.g. `Microsoft.Compute` (as written in the id). */
  provider?: string;
  /** Full type, e.g. `Microsoft.Compute/virtualMachines` or `Microsoft.Insights/privateLinkScopes/scopedResources`. */
  type?: string;
  /** Last name segment, e.g. the VM name. */
  name?: string;
}

// The part before the last provider segment: a subscription, a resource group, or (extension resources) a resource.
const SCOPE = /^\/subscriptions\/([^/]+)(?:\/resourceGroups\/([^/]+))?(?:\/providers\/.+)?$/i;

/** Parses an ARM id of a subscription, resource group or provider resource; undefined when malformed. */
export function parseArmId(raw: string): ArmId | undefined {
  const id = raw.trim().replace(/\/+$/, '');
  // Only the last provider segment names the type (extension resources: .../providers/A/x/y/providers/B/z/w).
  const at = id.toLowerCase().lastIndexOf('/providers/');
  const scope = at < 0 ? id : id.slice(0, at);
  const outer = SCOPE.exec(scope);
  if (!outer) return undefined;
  const [, subscriptionId, resourceGroup] = outer;
  if (!subscriptionId) return undefined;
  const out: ArmId = { id, subscriptionId };
  if (resourceGroup) out.resourceGroup = resourceGroup;
  if (at < 0) return out;
  const parts = id.slice(at + '/providers/'.length).split('/');
  const provider = parts[0];
  const segs = parts.slice(1);
  if (!provider || segs.length === 0 || segs.length % 2 !== 0 || segs.some((s) => s === '')) return undefined;
  const types: string[] = [];
  for (let i = 0; i < segs.length; i += 2) types.push(segs[i] as string);
  out.provider = provider;
  out.type = `${provider}/${types.join('/')}`;
  out.name = segs[segs.length - 1];
  return out;
}

/** Canonical key for maps and sets keyed by resource id. */
export function idKey(id: string): string {
  let end = id.length;
  while (end > 0 && (id.charCodeAt(end - 1) === 47 /* / */ || id.charCodeAt(end - 1) <= 32)) end--;
  let start = 0;
  while (start < end && id.charCodeAt(start) <= 32) start++;
  // Hot path (planning 10k machines): avoid regex and copies when the id is already clean.
  return (start === 0 && end === id.length ? id : id.slice(start, end)).toLowerCase();
}

export function sameId(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined) return false;
  return idKey(a) === idKey(b);
}

/** True when `id` is a resource of the given full type (case-insensitive), e.g. `Microsoft.Compute/virtualMachines`. */
export function isType(id: string, type: string): boolean {
  const p = parseArmId(id);
  return p?.type !== undefined && p.type.toLowerCase() === type.toLowerCase();
}

/** `/subscriptions/{s}/resourceGroups/{rg}` of a resource id. */
export function resourceGroupId(id: string): string | undefined {
  const p = parseArmId(id);
  if (!p?.resourceGroup) return undefined;
  return `/subscriptions/${p.subscriptionId}/resourceGroups/${p.resourceGroup}`;
}

/** A Map keyed case-insensitively by ARM id. */
export class IdMap<V> {
  readonly #m = new Map<string, V>();
  get size(): number {
    return this.#m.size;
  }
  get(id: string): V | undefined {
    return this.#m.get(idKey(id));
  }
  has(id: string): boolean {
    return this.#m.has(idKey(id));
  }
  set(id: string, v: V): this {
    this.#m.set(idKey(id), v);
    return this;
  }
  delete(id: string): boolean {
    return this.#m.delete(idKey(id));
  }
  values(): IterableIterator<V> {
    return this.#m.values();
  }
  keys(): IterableIterator<string> {
    return this.#m.keys();
  }
  entries(): IterableIterator<[string, V]> {
    return this.#m.entries();
  }
}

export const ResourceTypes = {
  privateLinkScope: 'Microsoft.Insights/privateLinkScopes',
  scopedResource: 'Microsoft.Insights/privateLinkScopes/scopedResources',
  dataCollectionRule: 'Microsoft.Insights/dataCollectionRules',
  dataCollectionEndpoint: 'Microsoft.Insights/dataCollectionEndpoints',
  workspace: 'Microsoft.OperationalInsights/workspaces',
  virtualMachine: 'Microsoft.Compute/virtualMachines',
  virtualMachineScaleSet: 'Microsoft.Compute/virtualMachineScaleSets',
  arcMachine: 'Microsoft.HybridCompute/machines',
  userAssignedIdentity: 'Microsoft.ManagedIdentity/userAssignedIdentities',
} as const;

/** The reserved association name the agent reads to find its configuration endpoint. */
export const CONFIGURATION_ACCESS_ENDPOINT = 'configurationAccessEndpoint';
