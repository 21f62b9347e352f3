// Per-machine delivery from Log Analytics evidence, joined with what configuration already says (pure).
// The field report's diagnostic principle: heartbeats prove lifecycle stages 1–7; each rule's data proves the rest.
import { tableOfStream, type DeliveryState, type Seen, type WorkspaceEvidence } from '../model/evidence.ts';
import { mapWork, runSync } from './work.ts';
import type { Work } from './work.ts';
import type { ObservedRule } from '../model/index.ts';

export interface DeliveryMachine {
  id: string;
  osType?: 'Linux' | 'Windows';
}

/** One stream of a rule as it lands: the table (from `outputStream` or the stream name) and its workspaces. */
export interface RuleFlow {
  stream: string;
  table: string;
  workspaces: string[];
  /** A data source of the rule produces the stream on this OS (`Linux`, `Windows`); empty when none does. */
  producedOn: ('Linux' | 'Windows')[];
}

export interface DeliveryRule {
  id: string;
  /** `Linux`, `Windows`, or undefined for a rule of no kind (applies to both). */
  kind?: string;
  flows: RuleFlow[];
}

export interface MissingStream {
  rule: string;
  stream: string;
  table: string;
  workspace: string;
  /** Stage Collection when no data source of the rule produces the stream on this OS, else Ingestion. */
  stage: 'Collection' | 'Ingestion';
}

export interface MachineDelivery {
  machineId: string;
  state: DeliveryState;
  /** Latest heartbeat seen in any expected workspace (ISO 8601), fresh or not. */
  lastHeartbeat?: string;
  missing: MissingStream[];
  /** Why the state is Unknown. */
  unreadable?: string;
}

/** Workspaces and tables a pass must read: every Log Analytics destination of the rules, each with its tables. */
export function evidenceAsks(rules: readonly DeliveryRule[]): { workspaceId: string; tables: string[] }[] {
  const out = new Map<string, { workspaceId: string; tables: Set<string> }>();
  for (const r of rules) {
    for (const f of r.flows) {
      for (const w of f.workspaces) {
        const k = w.toLowerCase();
        let e = out.get(k);
        if (!e) out.set(k, (e = { workspaceId: w, tables: new Set() }));
        e.tables.add(f.table);
      }
    }
  }
  return [...out.values()].map((e) => ({ workspaceId: e.workspaceId, tables: [...e.tables].sort() }));
}

/** The rules the agent applies on a machine: a rule of the other OS is not associated by the plan. */
export function rulesFor(machine: DeliveryMachine, rules: readonly DeliveryRule[]): DeliveryRule[] {
  return rules.filter((r) => {
    const kind = r.kind?.toLowerCase();
    if (machine.osType === undefined || kind === undefined || kind === 'all') return true;
    return kind === machine.osType.toLowerCase();
  });
}

function latest(a: Seen | undefined, b: Seen | undefined): Seen | undefined {
  if (!a) return b;
  if (!b) return a;
  return Date.parse(b.last) > Date.parse(a.last) ? { last: b.last, fresh: a.fresh || b.fresh } : { last: a.last, fresh: a.fresh || b.fresh };
}

export function deliveryOf(machine: DeliveryMachine, rules: readonly DeliveryRule[], evidence: ReadonlyMap<string, WorkspaceEvidence>): MachineDelivery {
  const mine = rulesFor(machine, rules);
  const expected = mine.flatMap((r) => r.flows.flatMap((f) => f.workspaces.map((workspace) => ({ rule: r.id, stream: f.stream, table: f.table, workspace, producedOn: f.producedOn }))));
  const workspaces = [...new Set(expected.map((e) => e.workspace.toLowerCase()))];
  // Rules that send only to Azure Monitor Metrics: no workspace ever sees this machine's heartbeat.
  if (workspaces.length === 0) return { machineId: machine.id, state: 'NotExpected', missing: [] };
  const unreadable = workspaces.map((w) => evidence.get(w)).find((e) => e === undefined || !e.ok);
  if (unreadable !== undefined || workspaces.some((w) => !evidence.has(w))) {
    const why = unreadable && !unreadable.ok ? `${unreadable.failure}: ${unreadable.message}` : 'evidence not read yet';
    return { machineId: machine.id, state: 'Unknown', missing: [], unreadable: why };
  }
  const key = machine.id.toLowerCase();
  let heartbeat: Seen | undefined;
  for (const w of workspaces) {
    const e = evidence.get(w);
    if (e?.ok) heartbeat = latest(heartbeat, e.heartbeats.get(key));
  }
  const lastHeartbeat = heartbeat?.last;
  const base = lastHeartbeat === undefined ? { machineId: machine.id } : { machineId: machine.id, lastHeartbeat };
  if (!heartbeat?.fresh) return { ...base, state: 'Silent', missing: [] };
  const missing: MissingStream[] = [];
  const seen = new Set<string>();
  for (const x of expected) {
    const e = evidence.get(x.workspace.toLowerCase());
    const dedupe = `${x.rule}|${x.stream}|${x.workspace}`.toLowerCase();
    if (!e?.ok || seen.has(dedupe)) continue;
    seen.add(dedupe);
    if (e.records.get(`${x.table}|${key}`)?.fresh) continue;
    const produced = machine.osType === undefined || x.producedOn.includes(machine.osType);
    missing.push({ rule: x.rule, stream: x.stream, table: x.table, workspace: x.workspace, stage: produced ? 'Ingestion' : 'Collection' });
  }
  return { ...base, state: missing.length > 0 ? 'HeartbeatOnly' : 'Delivering', missing };
}

export function deliveries(machines: readonly DeliveryMachine[], rules: readonly DeliveryRule[], evidence: readonly WorkspaceEvidence[]): MachineDelivery[] {
  return runSync(deliveriesWork(machines, rules, evidence));
}

/** `deliveries` in slices: one judgement per machine of the estate. */
export function* deliveriesWork(machines: readonly DeliveryMachine[], rules: readonly DeliveryRule[], evidence: readonly WorkspaceEvidence[]): Work<MachineDelivery[]> {
  const byWorkspace = new Map(evidence.map((e) => [e.workspaceId.toLowerCase(), e]));
  return yield* mapWork(machines, (m) => deliveryOf(m, rules, byWorkspace));
}

export function countStates(list: readonly MachineDelivery[]): Record<DeliveryState, number> {
  const out: Record<DeliveryState, number> = { Delivering: 0, HeartbeatOnly: 0, Silent: 0, NotExpected: 0, Unknown: 0 };
  for (const d of list) out[d.state]++;
  return out;
}

// Which data source families produce data on which OS (Learn, "Collect data with Azure Monitor Agent").
const FAMILY_OS: Record<string, ('Linux' | 'Windows')[]> = {
  syslog: ['Linux'],
  windowsEventLogs: ['Windows'],
  iisLogs: ['Windows'],
  performanceCounters: ['Linux', 'Windows'],
  logFiles: ['Linux', 'Windows'],
};

/** The rules as delivery sees them: each stream, the table it lands in, its workspaces, the OSes that produce it. */
export function deliveryRulesOf(rules: readonly ObservedRule[]): DeliveryRule[] {
  return rules.map((r) => {
    const flows = Object.entries(r.streamDestinations).map(([stream, workspaces]) => {
      const producedOn = new Set<'Linux' | 'Windows'>();
      for (const ds of r.dataSources) if (ds.streams.includes(stream)) for (const os of FAMILY_OS[ds.family] ?? []) producedOn.add(os);
      return { stream, table: r.streamTables?.[stream] ?? tableOfStream(stream), workspaces, producedOn: [...producedOn] };
    });
    return r.kind === undefined ? { id: r.id, flows } : { id: r.id, kind: r.kind, flows };
  });
}
