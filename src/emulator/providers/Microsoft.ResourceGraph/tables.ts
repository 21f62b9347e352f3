// The tables a Resource Graph query reads, built from the lagged view of the store with ARM-like columns.
import type { Catalog, Column, KqlValue, Table } from '../../../kql/index.ts';
import type { Env } from '../../arm/kind.ts';
import type { StoredResource } from '../../arm/store.ts';
import { parsePath } from '../../arm/ids.ts';
import type { Json } from '../../types.ts';

// rule: graph.columns — source: Learn "Understanding the Azure Resource Graph query language" / Resources table schema (id, name, type, tenantId, kind, location, resourceGroup, subscriptionId, managedBy, sku, plan, properties, tags, identity, zones, extendedLocation)
export const GRAPH_COLUMNS: readonly Column[] = [
  { name: 'id', type: 'string' },
  { name: 'name', type: 'string' },
  { name: 'type', type: 'string' },
  { name: 'tenantId', type: 'string' },
  { name: 'kind', type: 'string' },
  { name: 'location', type: 'string' },
  { name: 'resourceGroup', type: 'string' },
  { name: 'subscriptionId', type: 'string' },
  { name: 'managedBy', type: 'string' },
  { name: 'sku', type: 'dynamic' },
  { name: 'plan', type: 'dynamic' },
  { name: 'properties', type: 'dynamic' },
  { name: 'tags', type: 'dynamic' },
  { name: 'identity', type: 'dynamic' },
  { name: 'zones', type: 'dynamic' },
  { name: 'extendedLocation', type: 'dynamic' },
];

// rule: graph.tables.insights — source: Learn "Azure Resource Graph table and resource type reference" (insightsresources holds microsoft.insights/datacollectionruleassociations)
const INSIGHTS_TYPES = new Set(['microsoft.insights/datacollectionruleassociations']);
// rule: graph.tables.containers — source: Learn "Azure Resource Graph table and resource type reference" (resource groups live in resourcecontainers, not resources)
const CONTAINER_TYPES = new Set(['microsoft.resources/resourcegroups', 'microsoft.resources/subscriptions']);

export type GraphTable = 'resources' | 'insightsresources';

export function tableOf(type: string): GraphTable | undefined {
  const t = type.toLowerCase();
  if (CONTAINER_TYPES.has(t)) return undefined;
  return INSIGHTS_TYPES.has(t) ? 'insightsresources' : 'resources';
}

const dyn = (v: unknown): KqlValue => (v === undefined ? null : (v as KqlValue));
const text = (v: unknown): KqlValue => (typeof v === 'string' ? v : '');

/** One row as Resource Graph shows a resource: the provider's listed view, type and resource group lower-cased. */
export function rowOf(env: Env, r: StoredResource): KqlValue[] {
  const kind = env.kinds.get(r.type);
  const body: Json = kind?.view ? kind.view(env, r, undefined, true) : r.body;
  const p = parsePath(r.id);
  // rule: graph.row.lowercase — source: reference/arm-contract-wave2.md §11 (in data, type values come back lower-cased)
  // rule: graph.row.resource-group — invented: resourceGroup lower-cased, as Learn's Resource Graph samples compare it; ids keep ARM's casing
  return [
    r.id,
    text(body.name),
    r.type.toLowerCase(),
    env.tenantId,
    text(body.kind),
    text(body.location),
    (p?.resourceGroup ?? '').toLowerCase(),
    p?.subscriptionId ?? '',
    text(body.managedBy),
    dyn(body.sku),
    dyn(body.plan),
    dyn(body.properties ?? {}),
    dyn(body.tags ?? {}),
    dyn(body.identity),
    dyn(body.zones),
    dyn(body.extendedLocation),
  ];
}

/** Tables by name, case-insensitively (Learn's samples write both `Resources` and `resources`). */
export function graphCatalog(tables: Record<GraphTable, KqlValue[][]>, now: number): Catalog {
  return {
    now,
    table: (name: string): Table | undefined => {
      const n = name.toLowerCase();
      if (n !== 'resources' && n !== 'insightsresources') return undefined;
      return { name: n, columns: GRAPH_COLUMNS, rows: tables[n] };
    },
  };
}

/** Rows per table of the resources in `subscriptions` (all when empty) that `readable` lets the caller see. */
export function buildTables(env: Env, resources: Iterable<StoredResource>, subscriptions: Set<string>, readable: (r: StoredResource) => boolean): Record<GraphTable, KqlValue[][]> {
  const out: Record<GraphTable, KqlValue[][]> = { resources: [], insightsresources: [] };
  for (const r of resources) {
    const t = tableOf(r.type);
    if (t === undefined) continue;
    const sub = /^\/subscriptions\/([^/]+)/i.exec(r.id)?.[1]?.toLowerCase() ?? '';
    if (subscriptions.size > 0 && !subscriptions.has(sub)) continue;
    if (!readable(r)) continue;
    out[t].push(rowOf(env, r));
  }
  return out;
}
