// Delivery evidence from Log Analytics: per workspace, one query for the latest heartbeat per machine and one for
// the latest record per machine of each table the rules fill. Cost does not depend on how many machines there are.
import type { TokenCredential } from '@azure/core-auth';
import type * as LogsSdkModule from '@azure/monitor-query-logs';
import type { LogsQueryClient, LogsTable } from '@azure/monitor-query-logs';
import { isRestError } from '@azure/core-rest-pipeline';
import { Counter, Histogram, type Registry } from 'prom-client';
import type { EvidenceFailure, Seen, WorkspaceEvidence } from '../model/evidence.ts';
import { loadSdk } from './lazy.ts';

export type { EvidenceFailure, Seen, WorkspaceEvidence } from '../model/evidence.ts';

/** What a pass asks of one workspace: its ARM id, its customerId (the query API's key) and the tables expected there. */
export interface WorkspaceAsk {
  workspaceId: string;
  customerId: string;
  tables: string[];
}

export interface EvidenceWindow {
  /** Data younger than this counts as arriving. */
  freshMs: number;
  /** How far back the last record of a machine that stopped is looked for. */
  lookbackMs: number;
}

export interface EvidenceMetrics {
  queries: Counter<'kind' | 'outcome'>;
  duration: Histogram<'kind'>;
}

export function createEvidenceMetrics(registry: Registry): EvidenceMetrics {
  const existing = registry.getSingleMetric('mtopo_evidence_queries_total');
  if (existing) {
    return {
      queries: existing as Counter<'kind' | 'outcome'>,
      duration: registry.getSingleMetric('mtopo_evidence_query_duration_seconds') as Histogram<'kind'>,
    };
  }
  return {
    queries: new Counter({ name: 'mtopo_evidence_queries_total', help: 'Log Analytics evidence queries, by kind (heartbeat, tables) and outcome.', labelNames: ['kind', 'outcome'], registers: [registry] }),
    duration: new Histogram({
      name: 'mtopo_evidence_query_duration_seconds',
      help: 'Log Analytics evidence query latency in seconds.',
      labelNames: ['kind'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [registry],
    }),
  };
}

export interface EvidenceReaderOptions {
  credential: TokenCredential;
  /** The query API base, `https://api.loganalytics.io/v1` in Azure public cloud. */
  endpoint: string;
  metrics?: EvidenceMetrics;
}

const span = (ms: number): string => `${Math.max(1, Math.round(ms / 1000))}s`;
const isoDuration = (ms: number): string => `PT${Math.max(1, Math.round(ms / 1000))}S`;
// Table names come from rules' streams; anything else would be KQL injection.
const safeTable = (t: string): boolean => /^[A-Za-z_][A-Za-z0-9_]*$/.test(t);

/** The heartbeat query: the agent's category, keyed by `_ResourceId` lower-cased (ARM ids are case-insensitive). */
export function heartbeatQuery(w: EvidenceWindow): string {
  return [
    'Heartbeat',
    "| where Category == 'Azure Monitor Agent'",
    '| summarize LastRecord = max(TimeGenerated) by ResourceId = tolower(_ResourceId)',
    `| extend Fresh = LastRecord > ago(${span(w.freshMs)})`,
  ].join('\n');
}

/** The per-table query: one union over every table the workspace's rules fill (`isfuzzy`: a table may not exist yet). */
export function tablesQuery(tables: readonly string[], w: EvidenceWindow): string {
  return [
    `union withsource=SourceTable isfuzzy=true ${tables.join(', ')}`,
    '| summarize LastRecord = max(TimeGenerated) by SourceTable, ResourceId = tolower(_ResourceId)',
    `| extend Fresh = LastRecord > ago(${span(w.freshMs)})`,
  ].join('\n');
}

function rowsOf(t: LogsTable | undefined): Record<string, unknown>[] {
  if (!t) return [];
  const names = t.columnDescriptors.map((c) => c.name ?? '');
  return t.rows.map((r) => Object.fromEntries(names.map((n, i) => [n, r[i]])));
}

function seen(row: Record<string, unknown>): Seen {
  const last = row.LastRecord;
  return { last: last instanceof Date ? last.toISOString() : typeof last === 'string' ? last : '', fresh: row.Fresh === true };
}

type LogsSdk = typeof LogsSdkModule;

export class EvidenceReader {
  readonly #options: EvidenceReaderOptions;
  /** The query SDK and its client, loaded by the first read: topologies without spec.evidence never load it. */
  #client: Promise<{ sdk: LogsSdk; client: LogsQueryClient }> | undefined;
  readonly #metrics: EvidenceMetrics | undefined;

  constructor(options: EvidenceReaderOptions) {
    this.#options = options;
    this.#metrics = options.metrics;
  }

  #loaded(): Promise<{ sdk: LogsSdk; client: LogsQueryClient }> {
    if (this.#client) return this.#client;
    const client = loadSdk('@azure/monitor-query-logs', () => import('@azure/monitor-query-logs'), 'LogsQueryClient').then((sdk) => ({
      sdk,
      // No SDK retries: evidence is read again at the next interval, and a throttled read must not hold a pass.
      client: new sdk.LogsQueryClient(this.#options.credential, { endpoint: this.#options.endpoint.replace(/\/+$/, ''), retryOptions: { maxRetries: 0 } }),
    }));
    // A failed load is tried again at the next read (and reported as a failed read meanwhile).
    client.catch(() => {
      if (this.#client === client) this.#client = undefined;
    });
    return (this.#client = client);
  }

  async read(asks: readonly WorkspaceAsk[], window: EvidenceWindow): Promise<WorkspaceEvidence[]> {
    return Promise.all(asks.map((a) => this.#readWorkspace(a, window)));
  }

  async #readWorkspace(ask: WorkspaceAsk, window: EvidenceWindow): Promise<WorkspaceEvidence> {
    const tables = [...new Set(ask.tables)].filter(safeTable).sort();
    const [hb, data] = await Promise.all([
      this.#query('heartbeat', ask.customerId, heartbeatQuery(window), window),
      tables.length > 0 ? this.#query('tables', ask.customerId, tablesQuery(tables, window), window) : Promise.resolve([]),
    ]);
    const failed = [hb, data].find((x): x is { failure: EvidenceFailure; message: string } => !Array.isArray(x));
    if (failed) return { workspaceId: ask.workspaceId, ok: false, ...failed };
    const heartbeats = new Map<string, Seen>();
    for (const row of hb as Record<string, unknown>[]) heartbeats.set(String(row.ResourceId).toLowerCase(), seen(row));
    const records = new Map<string, Seen>();
    for (const row of data as Record<string, unknown>[]) records.set(`${String(row.SourceTable)}|${String(row.ResourceId).toLowerCase()}`, seen(row));
    return { workspaceId: ask.workspaceId, ok: true, heartbeats, records };
  }

  async #query(kind: string, customerId: string, text: string, window: EvidenceWindow): Promise<Record<string, unknown>[] | { failure: EvidenceFailure; message: string }> {
    const started = performance.now();
    let outcome = 'ok';
    try {
      const { sdk, client } = await this.#loaded();
      const result = await client.queryWorkspace(customerId, text, { duration: isoDuration(window.lookbackMs) });
      if (result.status !== sdk.LogsQueryResultStatus.Success) {
        outcome = 'partial';
        return { failure: 'Failed', message: result.partialError.message };
      }
      return rowsOf(result.tables[0]);
    } catch (e) {
      const status = isRestError(e) ? e.statusCode : undefined;
      const failure: EvidenceFailure = status === 403 || status === 401 ? 'Forbidden' : status === 429 ? 'Throttled' : 'Failed';
      outcome = failure.toLowerCase();
      return { failure, message: e instanceof Error ? e.message : String(e) };
    } finally {
      this.#metrics?.queries.inc({ kind, outcome });
      this.#metrics?.duration.observe({ kind }, (performance.now() - started) / 1000);
    }
  }
}

/** What the controller needs from the evidence edge: read the workspaces, named by ARM id. */
export interface EvidenceSource {
  read(asks: readonly { workspaceId: string; tables: string[] }[], window: EvidenceWindow): Promise<{ evidence: WorkspaceEvidence[]; queries: number }>;
}

// Learn, Log Analytics workspaces REST API: the customerId (the query API's workspace id) is on the workspace resource.
const WORKSPACE_API_VERSION = '2023-09-01';

/**
 * Evidence named by workspace ARM id: the customerId is read from ARM once per workspace (it never changes), then
 * the reader queries it. A workspace ARM cannot read is reported as unreadable evidence, never thrown.
 */
export function createEvidenceSource(reader: EvidenceReader, getRaw: (id: string, apiVersion: string) => Promise<Record<string, unknown>>): EvidenceSource {
  const guids = new Map<string, string>();
  return {
    async read(asks, window) {
      const resolved: WorkspaceAsk[] = [];
      const failed: WorkspaceEvidence[] = [];
      await Promise.all(
        asks.map(async (a) => {
          const k = a.workspaceId.toLowerCase();
          let guid = guids.get(k);
          if (guid === undefined) {
            try {
              const body = await getRaw(a.workspaceId, WORKSPACE_API_VERSION);
              const props = body.properties;
              const id = typeof props === 'object' && props !== null ? (props as Record<string, unknown>).customerId : undefined;
              if (typeof id === 'string') guids.set(k, (guid = id));
            } catch (e) {
              const status = isRestError(e) ? e.statusCode : undefined;
              failed.push({ workspaceId: a.workspaceId, ok: false, failure: status === 403 ? 'Forbidden' : 'Failed', message: e instanceof Error ? e.message : String(e) });
              return;
            }
          }
          if (guid === undefined) failed.push({ workspaceId: a.workspaceId, ok: false, failure: 'Failed', message: 'the workspace has no customerId' });
          else resolved.push({ workspaceId: a.workspaceId, customerId: guid, tables: a.tables });
        }),
      );
      const read = await reader.read(resolved, window);
      const queries = resolved.reduce((n, a) => n + (a.tables.length > 0 ? 2 : 1), 0);
      return { evidence: [...read, ...failed], queries };
    },
  };
}
