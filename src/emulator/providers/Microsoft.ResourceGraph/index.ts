// Microsoft.ResourceGraph: the `resources` query (POST /providers/Microsoft.ResourceGraph/resources) over a lagged
// view of the store, with KQL, body-level `$skipToken` paging and the per-user quota.
import { createHash } from 'node:crypto';
import { formatDatetime, KqlError, runQuery, type KqlValue, type Table } from '../../../kql/index.ts';
import { checkApiVersion } from '../../arm/api-version.ts';
import { ArmError } from '../../arm/errors.ts';
import { key } from '../../arm/ids.ts';
import type { Provider, ProviderLimits, Route } from '../../arm/kind.ts';
import type { ResourceStore } from '../../arm/store.ts';
import type { EmulatorSettings, ResourceGraphSettings } from '../../types.ts';
import { LaggedView } from './lag.ts';
import { GraphQuota } from './quota.ts';
import { buildTables, graphCatalog } from './tables.ts';

// rule: graph.api-versions — source: reference/arm-contract-wave2.md §11 (2019-04-01, 2021-03-01, 2022-10-01, 2024-04-01)
export const GRAPH_API_VERSIONS = ['2019-04-01', '2021-03-01', '2022-10-01', '2024-04-01'];
export const GRAPH_OPERATION = 'POST Microsoft.ResourceGraph/resources';

/** Counts of queries answered, for tests and the benchmark. */
export interface GraphStats {
  queries: number;
  throttled: number;
  rows: number;
}

/** Per-emulator Resource Graph state: the lagged view, the quota and a switch that refuses every query (403). */
export class ResourceGraphService {
  readonly view: LaggedView;
  readonly quota: GraphQuota;
  denied = false;
  stats: GraphStats = { queries: 0, throttled: 0, rows: 0 };
  /** Bumped on every write: a query's result is reused for its next pages while nothing changed. */
  version = 0;
  private readonly results = new Map<string, Table>();

  constructor(store: ResourceStore, settings: ResourceGraphSettings = {}) {
    this.view = new LaggedView(store, settings.lagMs ?? 0);
    this.quota = new GraphQuota(settings.quota ?? {});
    this.denied = settings.denied === true;
    store.onChange(() => {
      this.version++;
      this.results.clear();
    });
  }

  /** The result of `key`'s query, evaluated once per store version while the view is current (paging re-asks it). */
  result(key: string, current: boolean, run: () => Table): Table {
    if (!current) return run();
    const k = `${this.version}|${key}`;
    let t = this.results.get(k);
    if (t === undefined) {
      t = run();
      // A handful of queries page at once; older results are dropped.
      if (this.results.size >= 16) this.results.delete(this.results.keys().next().value ?? '');
      this.results.set(k, t);
    }
    return t;
  }
}

const services = new WeakMap<ResourceStore, ResourceGraphService>();

/** The store's Resource Graph; created with the emulator so the lagged view sees every write from the start. */
export function resourceGraphOf(store: ResourceStore, settings?: ResourceGraphSettings): ResourceGraphService {
  let s = services.get(store);
  if (s === undefined) services.set(store, (s = new ResourceGraphService(store, settings)));
  return s;
}

interface Token {
  skip: number;
  top: number;
  /** Hash of the query and scopes: a token is only valid for the request that made it. */
  q: string;
}

const badRequest = (code: string, message: string): ArmError => new ArmError(400, 'BadRequest', message, {}, {
  // rule: graph.error.invalid-query — invented: Resource Graph's BadRequest with an InvalidQuery detail as public issues show it; the reference saves only the ErrorResponse schema (code, message, details)
  error: { code: 'BadRequest', message, details: [{ code, message }] },
});

function encodeToken(t: Token): string {
  return Buffer.from(JSON.stringify(t)).toString('base64');
}

function decodeToken(text: string, q: string): Token {
  try {
    const t = JSON.parse(Buffer.from(text, 'base64').toString('utf8')) as Partial<Token>;
    if (typeof t.skip === 'number' && typeof t.top === 'number' && t.q === q) return { skip: t.skip, top: t.top, q };
  } catch {
    // falls through to the error below
  }
  // rule: graph.paging.token-scope — source: reference/arm-contract-wave2.md §11 (the next page resends the same query and the same scopes with the token)
  throw badRequest('InvalidSkipToken', 'The $skipToken does not belong to this query and these scopes.');
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isInteger(v) ? v : undefined);

function cell(t: Table, row: readonly KqlValue[], i: number): KqlValue {
  const v = row[i] ?? null;
  const c = t.columns[i];
  return c?.type === 'datetime' && typeof v === 'number' ? formatDatetime(v) : v;
}

const queryRoute: Route = {
  match(env, req, parsed) {
    if (parsed || key(req.path) !== '/providers/microsoft.resourcegraph/resources' || req.method !== 'POST') return undefined;
    return {
      operation: GRAPH_OPERATION,
      run: () => {
        checkApiVersion(req, GRAPH_API_VERSIONS, 'resources');
        const graph = resourceGraphOf(env.store);
        // rule: graph.denied — invented: a deny assignment or tenant policy that blocks Resource Graph; the 403 uses ARM's AuthorizationFailed envelope
        if (graph.denied) throw new ArmError(403, 'AuthorizationFailed', `The client '${req.principal}' does not have authorization to query Azure Resource Graph in this tenant (denied by an assignment).`);
        const body = (typeof req.body === 'object' && req.body !== null ? req.body : {}) as Record<string, unknown>;
        const query = body.query;
        // rule: graph.request.query-required — source: reference/arm-contract-wave2.md §11 (QueryRequest.query is required)
        if (typeof query !== 'string' || query.trim() === '') throw badRequest('InvalidQuery', 'The query is required.');
        const subscriptions = Array.isArray(body.subscriptions) ? body.subscriptions.filter((s): s is string => typeof s === 'string').map((s) => s.toLowerCase()) : [];
        const options = (typeof body.options === 'object' && body.options !== null ? body.options : {}) as Record<string, unknown>;
        const q = createHash('sha256').update(JSON.stringify([query, [...subscriptions].sort()])).digest('base64url').slice(0, 16);
        const given = typeof options.$skipToken === 'string' ? decodeToken(options.$skipToken, q) : undefined;
        // rule: graph.paging.top — source: reference/arm-contract-wave2.md §11 ($top 1–1000 overrides the page size inside a token; $skip overrides its offset); default 100: Learn "Working with large Azure resource data sets" (Resource Graph returns 100 records unless asked for more, at most 1,000)
        const top = Math.min(1000, Math.max(1, num(options.$top) ?? given?.top ?? 100));
        const skip = Math.max(0, num(options.$skip) ?? given?.skip ?? 0);
        const now = Date.now();
        // rule: graph.rbac.read — source: Learn "Azure Resource Graph overview" §Permissions (at least read access to the resources queried; no results for those the caller cannot read)
        const readable = (r: { type: string; id: string }): boolean => {
          try {
            req.authorize(`${r.type}/read`, r.id);
            return true;
          } catch (e) {
            if (e instanceof ArmError) return false;
            throw e;
          }
        };
        let table: Table;
        try {
          // Pages of one query over an unchanged store share one evaluation, so paging 100,000 rows stays linear.
          table = graph.result(`${req.principal}|${q}`, graph.view.current(now), () =>
            runQuery(query, graphCatalog(buildTables(env, graph.view.resources(env.store, now), new Set(subscriptions), readable), now)),
          );
        } catch (e) {
          if (e instanceof KqlError) throw badRequest('InvalidQuery', `Query is invalid: ${e.message} (line ${e.line}, position ${e.column}).`);
          throw e;
        }
        const total = table.rows.length;
        const page = table.rows.slice(skip, skip + top);
        graph.stats.queries++;
        graph.stats.rows += page.length;
        const format = options.resultFormat === 'table' ? 'table' : 'objectArray';
        const data =
          format === 'table'
            ? { columns: table.columns.map((c) => ({ name: c.name, type: graphType(c.type) })), rows: page.map((r) => table.columns.map((_, i) => cell(table, r, i))) }
            : page.map((r) => Object.fromEntries(table.columns.map((c, i) => [c.name, cell(table, r, i)])));
        // rule: graph.response.shape — source: reference/arm-contract-wave2.md §11 (totalRecords, count, resultTruncated as a string, data; $skipToken only when more pages exist)
        const out: Record<string, unknown> = { totalRecords: total, count: page.length, resultTruncated: 'false', facets: [], data };
        if (skip + top < total) out.$skipToken = encodeToken({ skip: skip + top, top, q });
        return { status: 200, body: out };
      },
    };
  },
};

/** KQL's types as Resource Graph's table format names them (string, integer, number, boolean, object, datetime). */
function graphType(t: string): string {
  if (t === 'int' || t === 'long') return 'integer';
  if (t === 'real' || t === 'decimal') return 'number';
  if (t === 'bool') return 'boolean';
  if (t === 'dynamic') return 'object';
  if (t === 'datetime') return 'datetime';
  return 'string';
}

function graphLimits(settings: EmulatorSettings): ProviderLimits {
  void settings;
  return {
    take(env, req, operation, now) {
      if (operation !== GRAPH_OPERATION) return undefined;
      const graph = resourceGraphOf(env.store);
      const taken = graph.quota.take(req.principal, now);
      if (taken.refused) graph.stats.throttled++;
      return taken;
    },
  };
}

export const resourceGraph: Provider = { namespace: 'Microsoft.ResourceGraph', kinds: [], routes: [queryRoute], limits: graphLimits };
