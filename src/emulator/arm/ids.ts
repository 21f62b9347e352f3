// ARM id handling inside the emulator: case-insensitive keys and path parsing.

export const key = (id: string): string => id.toLowerCase().replace(/\/+$/, '');

export interface ParsedPath {
  subscriptionId: string;
  resourceGroup?: string;
  /** Scope the provider segment applies to (subscription, resource group or a resource for extension resources). */
  scope: string;
  namespace?: string;
  /** Type segments after the namespace, e.g. ['virtualMachines', 'extensions']. */
  types: string[];
  /** Names matching `types`; one shorter than types when the path is a collection. */
  names: string[];
  /** Raw segments of the whole path. */
  segments: string[];
}

/** Parses an ARM path; returns undefined when it does not start with /subscriptions/{id}. */
export function parsePath(path: string): ParsedPath | undefined {
  const segments = path.split('/').filter((s) => s.length > 0).map(decodeURIComponent);
  if (segments.length < 2 || segments[0]?.toLowerCase() !== 'subscriptions') return undefined;
  const subscriptionId = segments[1] ?? '';
  const rg = segments[2]?.toLowerCase() === 'resourcegroups' ? segments[3] : undefined;
  let p = -1;
  for (let i = segments.length - 1; i >= 0; i--) {
    if (segments[i]?.toLowerCase() === 'providers') {
      p = i;
      break;
    }
  }
  if (p < 0) return { subscriptionId, resourceGroup: rg, scope: '/' + segments.join('/'), types: [], names: [], segments };
  const rest = segments.slice(p + 2);
  const types: string[] = [];
  const names: string[] = [];
  rest.forEach((s, i) => (i % 2 === 0 ? types.push(s) : names.push(s)));
  return {
    subscriptionId,
    resourceGroup: rg,
    scope: '/' + segments.slice(0, p).join('/'),
    namespace: segments[p + 1],
    types,
    names,
    segments,
  };
}

/** `Microsoft.Compute/virtualMachines/vm1` style name used in ResourceNotFound messages. */
export function typeAndName(id: string): string {
  const parsed = parsePath(id);
  if (!parsed?.namespace) return id;
  const parts = [parsed.namespace];
  parsed.types.forEach((t, i) => {
    parts.push(t);
    if (parsed.names[i] !== undefined) parts.push(parsed.names[i]);
  });
  return parts.join('/');
}

export function nameOf(id: string): string {
  const i = id.lastIndexOf('/');
  return id.slice(i + 1);
}

export function resourceGroupId(sid: string, rg: string): string {
  return `/subscriptions/${sid}/resourceGroups/${rg}`;
}
