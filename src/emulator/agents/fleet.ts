// The agent fleet: on an emulated clock the test advances, each machine writes Heartbeat rows and its rules'
// stream rows to the workspaces its lifecycle reaches, visible after an ingestion delay.
type Json = Record<string, unknown>;
import type { KqlValue } from '../../kql/index.ts';
import type { ResourceStore, StoredResource } from '../arm/store.ts';
import type { AgentOptions, GuestFault } from '../types.ts';
import { evaluate, type Lifecycle, type Machine } from './lifecycle.ts';
import type { Origin } from '../providers/Microsoft.Insights/private-link-access.ts';
import type { WorkspaceData } from '../providers/Microsoft.OperationalInsights/query/tables.ts';


const VM = 'microsoft.compute/virtualmachines';
const ARC_MACHINE_TYPE = 'Microsoft.HybridCompute/machines';
const SCOPE_TYPE = 'Microsoft.Insights/privateLinkScopes';
const WORKSPACE_TYPE = 'Microsoft.OperationalInsights/workspaces';

function machinesOf(store: ResourceStore): Machine[] {
  const out: Machine[] = [];
  for (const sub of store.subscriptions.values()) {
    for (const vm of store.listInSubscription(sub.subscriptionId, 'Microsoft.Compute/virtualMachines')) out.push(machine(vm, 1));
    for (const vmss of store.listInSubscription(sub.subscriptionId, 'Microsoft.Compute/virtualMachineScaleSets')) {
      const p = (vmss.body.properties ?? {}) as Json;
      // Uniform instances run the scale set's model and carry its associations; Flexible members are VMs of their own.
      if (p.orchestrationMode === 'Uniform') out.push(machine(vmss, Number((vmss.body.sku as Json | undefined)?.capacity ?? 1)));
    }
    // rule: agents.arc-machine — source: Learn, "Azure Monitor Agent on Azure Arc-enabled servers" (the agent runs as an Arc extension and sends like a VM's)
    for (const arc of store.listInSubscription(sub.subscriptionId, ARC_MACHINE_TYPE)) out.push(arcMachine(arc));
  }
  return out;
}

function machine(r: StoredResource, instances: number): Machine {
  const p = (r.body.properties ?? {}) as Json;
  const storage = r.type.toLowerCase() === VM ? p.storageProfile : ((p.virtualMachineProfile ?? {}) as Json).storageProfile;
  const os = (((storage ?? {}) as Json).osDisk as Json | undefined)?.osType;
  return { id: r.id, computer: String(r.body.name), osType: os === 'Windows' ? 'Windows' : 'Linux', resource: r, instances };
}

function arcMachine(r: StoredResource): Machine {
  const p = (r.body.properties ?? {}) as Json;
  const reported = p.osType ?? p.osName;
  const os = typeof reported === 'string' ? reported.toLowerCase() : '';
  return { id: r.id, computer: String(r.body.name), osType: os === 'windows' ? 'Windows' : 'Linux', resource: r, instances: 1 };
}

export class AgentFleet {
  private offsetMs = 0;
  private lastTick: number | undefined;
  private readonly faults = new Map<string, GuestFault>();
  private readonly origins = new Map<string, Origin>();
  private readonly heartbeatMs: number;
  private readonly delayMs: number;
  private readonly retentionMs: number;
  private readonly store: ResourceStore;
  private readonly data: WorkspaceData;

  constructor(store: ResourceStore, data: WorkspaceData, options: AgentOptions = {}) {
    this.store = store;
    this.data = data;
    this.heartbeatMs = options.heartbeatIntervalMs ?? 60_000;
    this.delayMs = options.ingestionDelayMs ?? 30_000;
    this.retentionMs = options.retentionMs ?? 24 * 3_600_000;
  }

  /** The emulated clock: wall time plus every advance so far. */
  now(): number {
    return Date.now() + this.offsetMs;
  }

  setGuestFault(machineId: string, fault: GuestFault | undefined): void {
    if (fault === undefined) this.faults.delete(machineId.toLowerCase());
    else this.faults.set(machineId.toLowerCase(), fault);
  }

  /** Pins a machine's network behind a scope (or on the internet with `{}`); by default it sits behind the only scope, if there is one. */
  setOrigin(machineId: string, origin: Origin | undefined): void {
    if (origin === undefined) this.origins.delete(machineId.toLowerCase());
    else this.origins.set(machineId.toLowerCase(), origin);
  }

  private originOf(machineId: string, defaultOrigin: Origin): Origin {
    return this.origins.get(machineId.toLowerCase()) ?? defaultOrigin;
  }

  /** The network a caller sits in when nothing pins it: behind the estate's only private link scope, else public. */
  defaultOrigin(): Origin {
    const scopes: StoredResource[] = [];
    for (const sub of this.store.subscriptions.values()) scopes.push(...this.store.listInSubscription(sub.subscriptionId, SCOPE_TYPE));
    return scopes.length === 1 ? { privateLinkScope: scopes[0]!.id } : {};
  }

  /** Each machine's lifecycle as the configuration stands now. */
  lifecycles(): { machine: Machine; lifecycle: Lifecycle }[] {
    const origin = this.defaultOrigin();
    const rules = new Map<string, { id: string; body: Json } | undefined>();
    const rule = (id: string): { id: string; body: Json } | undefined => {
      const k = id.toLowerCase();
      if (!rules.has(k)) {
        const r = this.store.get(id);
        rules.set(k, r === undefined ? undefined : { id: r.id, body: r.body });
      }
      return rules.get(k);
    };
    return machinesOf(this.store).map((m) => ({ machine: m, lifecycle: evaluate(this.store, m, this.originOf(m.id, origin), this.faults.get(m.id.toLowerCase()), rule) }));
  }

  /**
   * Moves the clock forward and writes what each machine sends on every heartbeat tick crossed. The configuration
   * is read once per advance: it only changes through requests, which happen between advances.
   */
  advance(ms: number): { rows: number; now: number } {
    const from = this.lastTick ?? Math.floor(this.now() / this.heartbeatMs) * this.heartbeatMs;
    this.offsetMs += Math.max(0, ms);
    const now = this.now();
    const fleet = this.lifecycles();
    const guids = new Map<string, string | undefined>();
    const guidOf = (ws: string): string | undefined => {
      const k = ws.toLowerCase();
      if (!guids.has(k)) {
        const r = this.store.get(ws);
        guids.set(k, r?.type.toLowerCase() === WORKSPACE_TYPE.toLowerCase() ? (((r.body.properties ?? {}) as Json).customerId as string | undefined) : undefined);
      }
      return guids.get(k);
    };
    let rows = 0;
    let tick = from + this.heartbeatMs;
    for (; tick <= now; tick += this.heartbeatMs) {
      for (const { machine: m, lifecycle } of fleet) {
        // invented: Log Analytics writes _ResourceId in lower case, which is why readers must compare it case-insensitively.
        const resourceId = m.id.toLowerCase();
        for (let i = 0; i < m.instances; i++) {
          const computer = m.instances > 1 ? `${m.computer}_${i}` : m.computer;
          const common: Record<string, KqlValue> = { TimeGenerated: tick, Computer: computer, _ResourceId: resourceId };
          for (const ws of lifecycle.heartbeatTo) {
            const guid = guidOf(ws);
            if (guid === undefined) continue;
            this.data.append(guid, 'Heartbeat', { ...common, TenantId: guid, Category: 'Azure Monitor Agent', OSType: m.osType, Version: '1.33.0' }, tick + this.delayMs);
            rows++;
          }
          for (const f of lifecycle.flows) {
            const guid = guidOf(f.workspace);
            if (guid === undefined) continue;
            this.data.append(guid, f.table, { ...common, TenantId: guid, ...sample(f.table) }, tick + this.delayMs);
            rows++;
          }
        }
      }
    }
    this.lastTick = tick - this.heartbeatMs;
    this.data.prune(now - this.retentionMs);
    return { rows, now };
  }
}

function sample(table: string): Record<string, KqlValue> {
  switch (table) {
    case 'Syslog':
      return { Facility: 'daemon', SeverityLevel: 'warning', SyslogMessage: 'emulated syslog record' };
    case 'Event':
      return { EventLog: 'System', EventID: 7036, RenderedDescription: 'emulated event record' };
    case 'Perf':
      return { ObjectName: 'Processor', CounterName: '% Processor Time', CounterValue: 12.5 };
    default:
      return { RawData: 'emulated record' };
  }
}
