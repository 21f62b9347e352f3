// The Log Analytics query API (`/v1/workspaces/{workspaceId}/query`, GET and POST): authentication with the
// data-plane audience, RBAC, network access, the per-user rate, KQL, and the QueryResults shape.
import { formatDatetime, formatTimespan, KqlError, runQuery, type Catalog, type KqlValue, type Table } from '../../../../kql/index.ts';
import { LOG_ANALYTICS_AUDIENCES, type Authority, type TokenClaims } from '../../../pipeline/authenticate.ts';
import { ArmError } from '../../../arm/errors.ts';
import type { ResourceStore, StoredResource } from '../../../arm/store.ts';
import { laErrors, type DataPlaneReply } from './errors.ts';
import { reach, type Origin } from '../../Microsoft.Insights/private-link-access.ts';
import type { WorkspaceData } from './tables.ts';
import type { QueryRate } from './throttle.ts';

export const WORKSPACE_TYPE = 'Microsoft.OperationalInsights/workspaces';
// The RBAC action Log Analytics Reader grants for queries (Learn, "Manage access to Log Analytics workspaces").
export const QUERY_ACTION = 'Microsoft.OperationalInsights/workspaces/query/read';

export interface QueryRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface QueryApiDeps {
  store: ResourceStore;
  authority: Authority;
  data: WorkspaceData;
  rate: QueryRate;
  now(): number;
  origin(): Origin;
  /** Counts each query by workspace and status, for tests and the benchmark. */
  record(workspaceGuid: string, status: number): void;
}

export function workspaceByGuid(store: ResourceStore, guid: string): StoredResource | undefined {
  return store.byIndex('workspaceGuid', guid.toLowerCase())[0];
}

const header = (h: QueryRequest['headers'], name: string): string | undefined => {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
};

export function handleQuery(deps: QueryApiDeps, req: QueryRequest): DataPlaneReply {
  const m = /^\/v1\/workspaces\/([^/]+)\/query$/i.exec(req.path);
  if (m === null || (req.method !== 'GET' && req.method !== 'POST')) return laErrors.pathNotFound(req.path);
  const guid = decodeURIComponent(m[1]!);
  const claims = authenticate(deps.authority, header(req.headers, 'authorization'));
  if ('status' in claims) return claims;
  const wait = deps.rate.take(claims.oid);
  if (wait > 0) {
    deps.record(guid, 429);
    return laErrors.throttled(wait);
  }
  const result = run(deps, claims, guid, req);
  deps.record(guid, result.status);
  return result;
}

function authenticate(authority: Authority, value: string | undefined): TokenClaims | DataPlaneReply {
  if (value === undefined || value === '') return laErrors.missingAuthorization();
  let claims: TokenClaims;
  try {
    // Any audience here: a token for another one is answered below with the query API's own error.
    claims = authority.verify(value, [authority.audienceOf(value)]);
  } catch {
    return laErrors.invalidToken();
  }
  if (!LOG_ANALYTICS_AUDIENCES.includes(claims.aud)) return laErrors.wrongAudience(claims.aud);
  return claims;
}

function run(deps: QueryApiDeps, claims: TokenClaims, guid: string, req: QueryRequest): DataPlaneReply {
  const workspace = workspaceByGuid(deps.store, guid);
  if (workspace === undefined) return laErrors.workspaceNotFound(guid);
  try {
    deps.authority.authorize(claims, QUERY_ACTION, workspace.id);
  } catch (e) {
    if (e instanceof ArmError) return laErrors.insufficientAccess(`The principal ${claims.appid} has no permission '${QUERY_ACTION}' on ${workspace.id}.`);
    throw e;
  }
  const network = reach(deps.store, deps.origin(), workspace.id, 'query');
  if (!network.ok) return laErrors.networkDenied(`Query access to workspace ${guid} is denied from this network: ${network.reason}.`);

  let text: string | undefined;
  let timespan: string | undefined;
  if (req.method === 'POST') {
    // Learn "Request format": a POST without a JSON body answers 200 with an empty body.
    if (req.body.trim() === '') return { status: 200, body: undefined };
    try {
      const body = JSON.parse(req.body) as { query?: unknown; timespan?: unknown };
      text = typeof body.query === 'string' ? body.query : undefined;
      timespan = typeof body.timespan === 'string' ? body.timespan : undefined;
    } catch {
      return laErrors.missingQuery();
    }
  } else {
    text = req.query.get('query') ?? undefined;
    timespan = req.query.get('timespan') ?? undefined;
  }
  if (text === undefined || text.trim() === '') return laErrors.missingQuery();
  const now = deps.now();
  const catalog = withTimespan(deps.data.catalog(guid, now), timespan, now);
  let table: Table;
  try {
    table = runQuery(text, catalog);
  } catch (e) {
    if (e instanceof KqlError) return laErrors.syntax(e);
    throw e;
  }
  return { status: 200, body: { tables: [serialize(table)] } };
}

// `timespan` applies on top of the query's own time filters (arm-contract-wave2 §12): ISO 8601 duration or interval.
function withTimespan(catalog: Catalog, timespan: string | undefined, now: number): Catalog {
  if (timespan === undefined) return catalog;
  const bounds = parseInterval(timespan, now);
  if (bounds === undefined) return catalog;
  return {
    now: catalog.now,
    table: (name) => {
      const t = catalog.table(name);
      const at = t?.columns.findIndex((c) => c.name === 'TimeGenerated') ?? -1;
      if (t === undefined || at < 0) return t;
      return { ...t, rows: t.rows.filter((r) => typeof r[at] === 'number' && r[at] >= bounds[0] && r[at] <= bounds[1]) };
    },
  };
}

function parseDuration(text: string): number | undefined {
  const m = /^P(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/i.exec(text);
  if (m === null) return undefined;
  const [, d, h, mi, s] = m;
  return ((Number(d ?? 0) * 24 + Number(h ?? 0)) * 60 + Number(mi ?? 0)) * 60_000 + Number(s ?? 0) * 1000;
}

function parseInterval(text: string, now: number): [number, number] | undefined {
  const [a, b] = text.split('/');
  if (b === undefined) {
    const d = parseDuration(text);
    return d === undefined ? undefined : [now - d, now];
  }
  const da = parseDuration(a ?? '');
  const db = parseDuration(b);
  const ta = Date.parse(a ?? '');
  const tb = Date.parse(b);
  if (!Number.isNaN(ta) && !Number.isNaN(tb)) return [ta, tb];
  if (!Number.isNaN(ta) && db !== undefined) return [ta, ta + db];
  if (da !== undefined && !Number.isNaN(tb)) return [tb - da, tb];
  return undefined;
}

/** QueryResults: typed columns, positional rows; datetimes as ISO strings, dynamic values as JSON strings. */
function serialize(table: Table): { name: string; columns: { name: string; type: string }[]; rows: KqlValue[][] } {
  const columns = table.columns.map((c) => ({ name: c.name, type: c.type }));
  const rows = table.rows.map((r) =>
    table.columns.map((c, i) => {
      const v = r[i] ?? null;
      if (v === null) return c.type === 'string' ? '' : null;
      if (c.type === 'datetime' && typeof v === 'number') return formatDatetime(v);
      if (c.type === 'timespan' && typeof v === 'number') return formatTimespan(v);
      if (c.type === 'dynamic') return JSON.stringify(v);
      return v;
    }),
  );
  return { name: table.name ?? 'PrimaryResult', columns, rows };
}
