// The emulated Log Analytics service: the query API on `/v1/…`, the agent fleet that fills the workspaces,
// and the admin hooks tests use (`/_emulator/agents/…`, `/_emulator/log-analytics/…`).
type Json = Record<string, unknown>;
import type { Authority } from '../../../pipeline/authenticate.ts';
import type { ResourceStore } from '../../../arm/store.ts';
import { AgentFleet } from '../../../agents/fleet.ts';
import type { AgentOptions, GuestFault, MachineLifecycle, QueryRateConfig, QueryStats } from '../../../types.ts';
import type { DataPlaneReply } from './errors.ts';
import type { Origin } from '../../Microsoft.Insights/private-link-access.ts';
import { handleQuery, WORKSPACE_TYPE, type QueryRequest } from './query-api.ts';
import { WorkspaceData } from './tables.ts';
import { QueryRate } from './throttle.ts';




export class LogAnalyticsService {
  readonly data = new WorkspaceData();
  readonly agents: AgentFleet;
  private rate: QueryRate;
  private queryOrigin: Origin = {};
  private stats: QueryStats = { total: 0, byStatus: {}, byWorkspace: {} };
  private readonly store: ResourceStore;
  private readonly authority: Authority;

  constructor(store: ResourceStore, authority: Authority, options: { agents?: AgentOptions; queryRate?: QueryRateConfig } = {}) {
    this.store = store;
    this.authority = authority;
    this.agents = new AgentFleet(store, this.data, options.agents);
    this.rate = new QueryRate(options.queryRate);
    // Queries name the workspace by its customerId GUID.
    store.addIndexer(WORKSPACE_TYPE, (r) => {
      const guid = ((r.body.properties ?? {}) as Json).customerId;
      return typeof guid === 'string' ? [['workspaceGuid', guid]] : [];
    });
  }

  handles(path: string): boolean {
    return /^\/v1\//i.test(path);
  }

  query(req: QueryRequest): DataPlaneReply {
    return handleQuery(
      {
        store: this.store,
        authority: this.authority,
        data: this.data,
        rate: this.rate,
        now: () => this.agents.now(),
        origin: () => this.queryOrigin,
        record: (guid, status) => {
          this.stats.total++;
          this.stats.byStatus[status] = (this.stats.byStatus[status] ?? 0) + 1;
          this.stats.byWorkspace[guid.toLowerCase()] = (this.stats.byWorkspace[guid.toLowerCase()] ?? 0) + 1;
        },
      },
      req,
    );
  }

  /** Where query clients sit: `{}` is the internet, `{ privateLinkScope }` a network behind that scope's private endpoint. */
  setQueryOrigin(origin: Origin): void {
    this.queryOrigin = origin;
  }

  setQueryRate(config: QueryRateConfig): void {
    this.rate = new QueryRate(config);
  }

  queryStats(): QueryStats {
    return structuredClone(this.stats);
  }

  resetQueryStats(): void {
    this.stats = { total: 0, byStatus: {}, byWorkspace: {} };
  }

  describe(): MachineLifecycle[] {
    return this.agents.lifecycles().map(({ machine, lifecycle }) => ({
      machineId: machine.id,
      heartbeatTo: [...lifecycle.heartbeatTo],
      tables: [...new Set(lifecycle.flows.map((f) => f.table))],
      ...(lifecycle.stopped ? { stopped: lifecycle.stopped } : {}),
      missing: [...lifecycle.missing],
    }));
  }

  /** Admin endpoints; undefined when the path is not one of them. */
  admin(method: string, action: string, body: Json): DataPlaneReply | undefined {
    if (action === 'agents' && method === 'GET') return { status: 200, body: this.describe() };
    if (action === 'agents/advance' && method === 'POST') return { status: 200, body: this.agents.advance(Number(body.ms ?? 60_000)) };
    if (action === 'agents/guest-fault' && method === 'POST') {
      this.agents.setGuestFault(String(body.machineId), (body.fault ?? undefined) as GuestFault | undefined);
      return { status: 204, body: undefined };
    }
    if (action === 'agents/origin' && method === 'POST') {
      this.agents.setOrigin(String(body.machineId), originOf(body));
      return { status: 204, body: undefined };
    }
    if (action === 'log-analytics/query-origin' && method === 'POST') {
      this.setQueryOrigin(originOf(body) ?? {});
      return { status: 204, body: undefined };
    }
    if (action === 'log-analytics/query-rate' && method === 'POST') {
      this.setQueryRate(body);
      return { status: 204, body: undefined };
    }
    if (action === 'log-analytics/queries' && method === 'GET') return { status: 200, body: this.queryStats() };
    return undefined;
  }
}

function originOf(body: Json): Origin | undefined {
  if (body.privateLinkScope === undefined) return undefined;
  return typeof body.privateLinkScope === 'string' ? { privateLinkScope: body.privateLinkScope } : {};
}
