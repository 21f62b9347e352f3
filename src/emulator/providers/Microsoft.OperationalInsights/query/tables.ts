// Workspace data held by the emulated Log Analytics service: typed tables per workspace, with ingestion time.
import type { Catalog, Column, KqlValue, Table } from '../../../../kql/index.ts';

// Standard columns of the tables the agent writes (Azure Monitor Logs table reference: Heartbeat, Syslog, Event, Perf).
const COMMON: Column[] = [
  { name: 'TenantId', type: 'string' },
  { name: 'TimeGenerated', type: 'datetime' },
  { name: 'Computer', type: 'string' },
  { name: '_ResourceId', type: 'string' },
  { name: 'Type', type: 'string' },
];

export const SCHEMAS: Record<string, Column[]> = {
  Heartbeat: [...COMMON, { name: 'Category', type: 'string' }, { name: 'OSType', type: 'string' }, { name: 'Version', type: 'string' }, { name: 'ComputerIP', type: 'string' }],
  Syslog: [...COMMON, { name: 'Facility', type: 'string' }, { name: 'SeverityLevel', type: 'string' }, { name: 'SyslogMessage', type: 'string' }],
  Event: [...COMMON, { name: 'EventLog', type: 'string' }, { name: 'EventID', type: 'int' }, { name: 'RenderedDescription', type: 'string' }],
  Perf: [...COMMON, { name: 'ObjectName', type: 'string' }, { name: 'CounterName', type: 'string' }, { name: 'CounterValue', type: 'real' }],
};

const CUSTOM: Column[] = [...COMMON, { name: 'RawData', type: 'string' }];

interface StoredTable {
  columns: Column[];
  rows: KqlValue[][];
  /** When each row becomes visible to queries (emulated epoch ms), parallel to `rows`. */
  visibleAt: number[];
}

/** Rows by workspace (its customerId GUID, lower-cased) and table name. */
export class WorkspaceData {
  private readonly workspaces = new Map<string, Map<string, StoredTable>>();

  append(workspaceGuid: string, table: string, values: Record<string, KqlValue>, visibleAt: number): void {
    const ws = this.tables(workspaceGuid);
    let t = ws.get(table);
    if (t === undefined) {
      t = { columns: SCHEMAS[table] ?? CUSTOM, rows: [], visibleAt: [] };
      ws.set(table, t);
    }
    t.rows.push(t.columns.map((c) => values[c.name] ?? (c.name === 'Type' ? table : null)));
    t.visibleAt.push(visibleAt);
  }

  /** Drops rows generated before `before`, so a long-running emulator holds a bounded window. */
  prune(before: number): void {
    for (const ws of this.workspaces.values()) {
      for (const t of ws.values()) {
        const at = t.columns.findIndex((c) => c.name === 'TimeGenerated');
        let keep = 0;
        while (keep < t.rows.length && (t.rows[keep]![at] as number) < before) keep++;
        if (keep > 0) {
          t.rows.splice(0, keep);
          t.visibleAt.splice(0, keep);
        }
      }
    }
  }

  /** What a query sees at `now`: every known table (empty ones included) with the rows ingested by then. */
  catalog(workspaceGuid: string, now: number): Catalog {
    const ws = this.tables(workspaceGuid);
    return {
      now,
      table: (name: string): Table | undefined => {
        const t = ws.get(name);
        if (t === undefined) {
          const schema = SCHEMAS[name] ?? (name.endsWith('_CL') ? CUSTOM : undefined);
          return schema === undefined ? undefined : { name, columns: schema, rows: [] };
        }
        const rows: KqlValue[][] = [];
        for (let i = 0; i < t.rows.length; i++) if (t.visibleAt[i]! <= now) rows.push(t.rows[i]!);
        return { name, columns: t.columns, rows };
      },
    };
  }

  rowCount(workspaceGuid: string, table: string): number {
    return this.workspaces.get(workspaceGuid.toLowerCase())?.get(table)?.rows.length ?? 0;
  }

  private tables(workspaceGuid: string): Map<string, StoredTable> {
    const k = workspaceGuid.toLowerCase();
    let ws = this.workspaces.get(k);
    if (ws === undefined) this.workspaces.set(k, (ws = new Map<string, StoredTable>()));
    return ws;
  }
}
