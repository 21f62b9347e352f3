// The controller's own CPU work at 100,000 machines, with Azure taken out: a snapshot built in memory goes through
// the real Reconciler (coordinate → plan → act bookkeeping → network → summarize → report) with a gateway that
// answers at once, under monitorEventLoopDelay. Runnable alone: `node --experimental-strip-types bench/controller-loop.ts [machines]`.
import { PerformanceObserver, monitorEventLoopDelay } from 'node:perf_hooks';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { getHeapStatistics, writeHeapSnapshot } from 'node:v8';
import { pino } from 'pino';
import { API_VERSION, KIND } from '../src/api/types.ts';
import type { MonitoringTopology, MonitoringTopologySpec, MonitoringTopologyStatus } from '../src/api/types.ts';
import type { ArmGateway, ObserveOptions } from '../src/azure/gateway.ts';
import { AgentExtensionRecord, AssociationRecord, MachineRecord, attachAgent } from '../src/azure/records.ts';
import { createControllerMetrics } from '../src/controller/metrics.ts';
import { Reconciler } from '../src/controller/reconciler.ts';
import { TopologyRegistry } from '../src/controller/registry.ts';
import type { EventRecorder } from '../src/kube/events.ts';
import { CONFIGURATION_ACCESS_ENDPOINT } from '../src/model/index.ts';
import type { Action, ActionOutcome, NetworkSnapshot, ObservedAgentExtension, ObservedAssociation, ObservedMachine, Owner, Snapshot } from '../src/model/index.ts';
import type { Work } from '../src/findings/index.ts';
import { ownerMarker, planDeletion, planMachines, planTopology, planWork, ruleAssociationName, scopedResourceName } from '../src/plan/index.ts';
import type { Plan, PlanInput } from '../src/plan/types.ts';
import { benchSpec, ids } from './estate.ts';

const GROUP = 100;
const OWNER: Owner = { namespace: 'bench', name: 'loop', uid: '3c9d1e2f-4a5b-4c6d-8e7f-9a0b1c2d3e4f' };

/**
 * `cold`: no association anywhere (3 writes per machine); `drift`: 10% lack the endpoint association; `converged`:
 * nothing to do; `audit`: the cold estate under an Audit topology (nothing written, the plan summarized in status).
 */
export type LoopScenario = 'cold' | 'drift' | 'converged' | 'audit';

export interface LoopFigures {
  scenario: LoopScenario | 'confirming';
  machines: number;
  actions: number;
  findings: number;
  /** Longest event-loop block over the whole pass (monitorEventLoopDelay, resolution 10 ms), and its p99. */
  maxBlockMs: number;
  p99BlockMs: number;
  /** Longest time between two turns of a 1 ms timer, less the timer's own delay: a cross-check of the histogram. */
  maxGapMs: number;
  /** The same block in the main thread's CPU time: what the controller itself spent without a turn (load taken out; V8's background threads, which mark and sweep beside it, left out). */
  maxGapCpuMs: number;
  /** The longest block with no garbage-collection pause in it, in the main thread's CPU time: the controller's own code. */
  maxCodeCpuMs: number;
  /** The longest garbage-collection pause (PerformanceObserver 'gc'). */
  maxGcMs: number;
  /** All garbage-collection pauses of the pass, added up. */
  totalGcMs: number;
  /** The process's CPU time (user + system) over the pass. */
  cpuMs: number;
  /** The most heap in use seen during the pass (sampled with the 1 ms timer), MiB. */
  peakHeapMiB: number;
  /** Wall time of each stretch of the pass, between the hooks the reconciler calls. */
  steps: Record<string, { ms: number; block: number; cpu: number }>;
  /** With LOOP_HEAP=1 (and --expose-gc): the heap retained at each hook, MiB, after a full collection. */
  retainedMiB?: Record<string, number>;
  totalMs: number;
  /** Size of the status written to the kube-apiserver (JSON bytes). */
  statusBytes: number;
  events: number;
}

function machineId(g: number, i: number): string {
  return `${ids.group(g)}/providers/Microsoft.Compute/virtualMachines/vm-${g}-${i}`;
}

// Records, as observe builds them (src/azure/records.ts: an association's and an extension's id derived from the
// machine's), and shared as observe's pools share them (src/model/intern.ts): one identity, tag set and extension
// settings for all. The pass's heap is then the controller's, not a harness's with an id string per association.
const IDENTITY: ObservedMachine['identity'] = { type: 'UserAssigned', userAssignedIdentities: [ids.identity] };
const TAGS: Record<string, string> = {};
const SETTINGS = { authentication: { managedIdentity: { 'identifier-name': 'mi_res_id', 'identifier-value': ids.identity } } };
const MARKER = ownerMarker(OWNER);

function machine(id: string): ObservedMachine {
  const m: ObservedMachine = new MachineRecord(id, 'VirtualMachine', IDENTITY, TAGS, 'resourceGroups');
  m.osType = 'Linux';
  const agent: ObservedAgentExtension = new AgentExtensionRecord(`${id}/extensions/AzureMonitorLinuxAgent`, 'AzureMonitorLinuxAgent', 'AzureMonitorLinuxAgent', 'Microsoft.Azure.Monitor', SETTINGS);
  agent.typeHandlerVersion = '1.33';
  agent.provisioningState = 'Succeeded';
  attachAgent(m, agent);
  return m;
}

function association(machineId: string, name: string, target: { rule?: string; endpoint?: string }): ObservedAssociation {
  const a: ObservedAssociation = new AssociationRecord(undefined, name, machineId);
  if (target.rule) a.dataCollectionRuleId = target.rule;
  if (target.endpoint) a.dataCollectionEndpointId = target.endpoint;
  a.description = MARKER;
  return a;
}

/** What observe would return for `machines` VMs in groups of 100 under the bench spec's two rules and one endpoint. */
export function loopSnapshot(machines: number, scenario: LoopScenario): Snapshot {
  const list: ObservedMachine[] = [];
  const associations: ObservedAssociation[] = [];
  const fullyListed: string[] = [];
  const ruleNames = ids.rules.map(ruleAssociationName);
  for (let n = 0; n < machines; n++) {
    const id = machineId(Math.floor(n / GROUP), n % GROUP);
    list.push(machine(id));
    if (scenario === 'cold' || scenario === 'audit') {
      fullyListed.push(id);
      continue;
    }
    ids.rules.forEach((rule, r) => associations.push(association(id, ruleNames[r] ?? '', { rule })));
    // Observe lists in full every machine whose bulk view lacks the endpoint association.
    if (scenario === 'drift' && n % 10 === 0) fullyListed.push(id);
    else associations.push(association(id, CONFIGURATION_ACCESS_ENDPOINT, { endpoint: ids.endpoint }));
  }
  const linked = [ids.workspace, ids.endpoint];
  return {
    scope: {
      id: ids.scope,
      ingestionAccessMode: 'PrivateOnly',
      queryAccessMode: 'PrivateOnly',
      exclusions: [],
      scopedResources: linked.map((l) => ({ id: `${ids.scope}/scopedResources/${scopedResourceName(l, OWNER)}`, name: scopedResourceName(l, OWNER), linkedResourceId: l })),
    },
    alsoLinkScopes: [],
    workspaces: [{ id: ids.workspace, publicNetworkAccessForIngestion: 'Disabled', publicNetworkAccessForQuery: 'Disabled' }],
    rules: ids.rules.map((id) => ({ id, kind: 'Linux', dataCollectionEndpointId: ids.endpoint, dataSources: [], streamDestinations: {} })),
    endpoint: { id: ids.endpoint, scopeIds: [ids.scope] },
    machines: list,
    excludedCount: 0,
    scaleSets: [],
    associations,
    fullyListedMachines: fullyListed,
    markedElsewhere: [],
    listedSources: [...ids.rules, ids.endpoint],
    errors: [],
  };
}

/** A point of the pass the reconciler's hooks reach; with LOOP_HEAP=1 and --expose-gc, the heap retained there (after a full collection). */
interface Mark {
  name: string;
  at: number;
  heapMiB?: number;
}

const heapCollect = process.env['LOOP_HEAP'] ? (globalThis as { gc?: () => void }).gc : undefined;

function mark(marks: Mark[], name: string): void {
  if (heapCollect === undefined) {
    marks.push({ name, at: performance.now() });
    return;
  }
  heapCollect();
  heapCollect();
  marks.push({ name, at: performance.now(), heapMiB: Math.round(process.memoryUsage().heapUsed / 2 ** 20) });
  const dir = process.env['LOOP_HEAP_SNAPSHOT'];
  if (dir) writeHeapSnapshot(`${dir}/${name}-${marks.length}.heapsnapshot`);
}

const EMPTY_NETWORK: NetworkSnapshot = { connections: [], endpoints: [], zones: [], networks: [], machines: [], otherScopes: [], requiredRecords: [], errors: [] };

/** A gateway that hands out the snapshot chunk by chunk (as observe does) and answers every write with success. */
class MemoryGateway implements ArmGateway {
  snapshot!: Snapshot;
  readonly marks: Mark[] = [];
  actions = 0;
  // Built before the pass: observe's own grouping is not the work measured here.
  #byMachine = new Map<string, ObservedAssociation[]>();
  #listed = new Set<string>();
  constructor(snapshot: Snapshot) {
    this.load(snapshot);
  }
  load(s: Snapshot): void {
    this.snapshot = s;
    this.#byMachine = new Map();
    for (const a of s.associations) {
      const list = this.#byMachine.get(a.resourceId);
      if (list) list.push(a);
      else this.#byMachine.set(a.resourceId, [a]);
    }
    this.#listed = new Set(s.fullyListedMachines);
  }
  async observe(_spec: MonitoringTopologySpec, _signal?: AbortSignal, options?: ObserveOptions): Promise<Snapshot> {
    const s = this.snapshot;
    const byMachine = this.#byMachine;
    const listed = this.#listed;
    options?.onTargets?.(s.machines.map((m) => m.id));
    if (options?.onMachinesRead) {
      for (let i = 0; i < s.machines.length; i += GROUP) {
        // Reads come back over the network: each chunk arrives in a turn of its own.
        await nextTurn();
        const these = s.machines.slice(i, i + GROUP);
        options.onMachinesRead({
          ...s,
          machines: these,
          associations: these.flatMap((m) => byMachine.get(m.id) ?? []),
          fullyListedMachines: these.filter((m) => listed.has(m.id)).map((m) => m.id),
          markedElsewhere: [],
        });
      }
    }
    mark(this.marks, 'observed');
    return s;
  }
  observeNetwork(): Promise<NetworkSnapshot> {
    mark(this.marks, 'network');
    return Promise.resolve(EMPTY_NETWORK);
  }
  listTargets(): Promise<string[]> {
    return Promise.resolve(this.snapshot.machines.map((m) => m.id));
  }
  async act(actions: Action[]): Promise<ActionOutcome[]> {
    this.actions += actions.length;
    await nextTurn();
    return actions.map((action) => ({ action, ok: true }));
  }
}

function topologyOf(spec: MonitoringTopologySpec): MonitoringTopology {
  return {
    apiVersion: API_VERSION,
    kind: KIND,
    metadata: { namespace: OWNER.namespace, name: OWNER.name, uid: OWNER.uid, generation: 1, finalizers: ['monitoring.example.com/finalizer'] },
    spec,
  };
}

interface Harness {
  reconciler: Reconciler;
  gateway: MemoryGateway;
  marks: Mark[];
  topology: () => MonitoringTopology;
  written: () => { bytes: number; events: number };
}

function harness(snapshot: Snapshot, spec: MonitoringTopologySpec): Harness {
  let topology = topologyOf(spec);
  const gateway = new MemoryGateway(snapshot);
  const marks = gateway.marks;
  let bytes = 0;
  let events = 0;
  const recorder: EventRecorder = {
    record: () => void events++,
    flush: () => Promise.resolve(),
  };
  const full = (input: PlanInput): boolean => input.snapshot === gateway.snapshot;
  const reconciler = new Reconciler({
    gateway,
    plan: planTopology,
    planMachines,
    planWork: function* (input: PlanInput): Work<Plan> {
      if (!full(input)) return yield* planWork(input);
      mark(marks, 'plan');
      const plan = yield* planWork(input);
      mark(marks, 'planned');
      return plan;
    },
    planDeletion,
    get: () => topology,
    list: () => [topology],
    status: {
      patchStatus: (_t, status: MonitoringTopologyStatus) => {
        mark(marks, 'status');
        bytes = JSON.stringify(status).length;
        topology = { ...topology, status };
        return Promise.resolve();
      },
    },
    finalizers: { add: (t) => Promise.resolve(t), remove: (t) => Promise.resolve(t) },
    events: recorder,
    registry: new TopologyRegistry(),
    logger: pino({ level: 'silent' }),
    metrics: createControllerMetrics(),
    observedTargets: () => undefined,
    observedAssociations: () => undefined,
    longPassMs: 3_600_000,
  });
  return { reconciler, gateway, marks, topology: () => topology, written: () => ({ bytes, events }) };
}

/** Stretches of the pass between the hooks the reconciler calls, in pass order: wall time and longest block in each. */
function stepsOf(start: number, end: number, marks: { name: string; at: number }[], gaps: Gap[]): Record<string, { ms: number; block: number; cpu: number }> {
  const at = (name: string): number | undefined => marks.findLast((m) => m.name === name)?.at;
  const points: [string, number | undefined][] = [
    ['observe (chunked early plans)', at('observed')],
    ['coordinate, plan input', at('plan')],
    ['plan (planWork)', at('planned')],
    ['plan step rest, act, act bookkeeping', at('network')],
    ['network, summarize, report', at('status')],
    ['after status', end],
  ];
  const out: Record<string, { ms: number; block: number; cpu: number }> = {};
  let from = start;
  for (const [name, t] of points) {
    if (t === undefined) continue;
    // The part of each block that fell within this stretch.
    const within = (g: Gap): number => Math.max(0, Math.min(g.at + g.ms, t) - Math.max(g.at, from));
    const block = Math.max(0, ...gaps.map(within));
    const cpu = Math.max(0, ...gaps.map((g) => (g.ms > 0 ? (g.cpu * within(g)) / g.ms : 0)));
    out[name] = { ms: Math.round(t - from), block: Math.round(block), cpu: Math.round(cpu) };
    from = t;
  }
  return out;
}

interface Gap {
  at: number;
  /** Wall time: what a lease renewal or a watch event waited. */
  ms: number;
  /** The main thread's CPU time within it (at most its wall time): the block itself, without the time a loaded machine did not run it. */
  cpu: number;
}

const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** The main thread's CPU time: the process's would count V8's background marking and sweeping threads too. */
const threadCpuMs = (): number => {
  const u = process.threadCpuUsage();
  return (u.user + u.system) / 1000;
};

/** Stretches between two turns of a 1 ms timer, less the timer's own delay: when each began, how long, how much CPU. */
function gapWatch(): { stop: () => Gap[]; peakHeap: () => number } {
  let last = performance.now();
  let lastCpu = threadCpuMs();
  let peak = 0;
  let ticks = 0;
  const gaps: Gap[] = [];
  const tick = (): void => {
    if (++ticks % 16 === 0) peak = Math.max(peak, getHeapStatistics().used_heap_size);
    const now = performance.now();
    const cpu = threadCpuMs();
    const ms = now - last - 1;
    gaps.push({ at: last, ms, cpu: Math.max(0, Math.min(ms, cpu - lastCpu - 1)) });
    last = now;
    lastCpu = cpu;
  };
  const timer = setInterval(tick, 1);
  return {
    stop: () => {
      clearInterval(timer);
      tick();
      return gaps;
    },
    peakHeap: () => peak,
  };
}

async function measuredPass(h: Harness, scenario: LoopFigures['scenario']): Promise<LoopFigures> {
  h.marks.length = 0;
  h.gateway.actions = 0;
  mark(h.marks, 'start');
  const loop = monitorEventLoopDelay({ resolution: 10 });
  await nextTurn();
  loop.enable();
  const gaps = gapWatch();
  const gcs: { at: number; ms: number; kind: number }[] = [];
  const gcWatch = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) gcs.push({ at: e.startTime, ms: e.duration, kind: (e as { detail?: { kind?: number } }).detail?.kind ?? 0 });
  });
  gcWatch.observe({ entryTypes: ['gc'] });
  const start = performance.now();
  const cpuStart = cpuMs();
  await h.reconciler.reconcile(`${OWNER.namespace}/${OWNER.name}`);
  const end = performance.now();
  const cpu = cpuMs() - cpuStart;
  loop.disable();
  const gapList = gaps.stop();
  gcWatch.disconnect();
  if (process.env['LOOP_DEBUG']) {
    // LOOP_DEBUG=1 lists the blocks over 50 ms; a larger number, those over it.
    const over = Number(process.env['LOOP_DEBUG']) > 1 ? Number(process.env['LOOP_DEBUG']) : 50;
    for (const g of gapList.filter((x) => x.ms > over)) {
      const gc = gcs.filter((c) => c.at < g.at + g.ms && c.at + c.ms > g.at).reduce((n, c) => n + c.ms, 0);
      const after = h.marks.findLast((m) => m.at <= g.at)?.name ?? 'start';
      const kinds = [...new Set(gcs.filter((c) => c.at < g.at + g.ms && c.at + c.ms > g.at && c.ms > 5).map((c) => `${c.kind}:${c.ms.toFixed(0)}`))].join(',');
      process.stdout.write(`  block ${g.ms.toFixed(0)} ms, cpu ${g.cpu.toFixed(0)} [gc ${kinds}] after mark ${after} (+${(g.at - (h.marks.findLast((m) => m.at <= g.at)?.at ?? start)).toFixed(0)} ms), GC within ${gc.toFixed(0)} ms\n`);
    }
  }
  const maxGapMs = Math.max(0, ...gapList.map((g) => g.ms));
  const maxGapCpuMs = Math.max(0, ...gapList.map((g) => g.cpu));
  // The controller's own code alone: blocks with no garbage collection in them.
  const gcIn = (g: Gap): boolean => gcs.some((c) => c.ms >= 1 && c.at < g.at + g.ms && c.at + c.ms > g.at);
  const maxCodeCpuMs = Math.max(0, ...gapList.filter((g) => !gcIn(g)).map((g) => g.cpu));
  const maxGcMs = Math.max(0, ...gcs.map((c) => c.ms));
  const written = h.written();
  const status = h.topology().status;
  return {
    scenario,
    machines: h.gateway.snapshot.machines.length,
    actions: h.gateway.actions,
    findings: status?.findingCount ?? 0,
    maxBlockMs: Math.round(loop.max / 1e6),
    maxGapMs: Math.round(maxGapMs),
    maxGapCpuMs: Math.round(maxGapCpuMs),
    maxCodeCpuMs: Math.round(maxCodeCpuMs),
    maxGcMs: Math.round(maxGcMs),
    totalGcMs: Math.round(gcs.reduce((n, c) => n + c.ms, 0)),
    cpuMs: Math.round(cpu),
    peakHeapMiB: Math.round(gaps.peakHeap() / 2 ** 20),
    p99BlockMs: Math.round(loop.percentile(99) / 1e6),
    steps: stepsOf(start, end, h.marks, gapList),
    ...(heapCollect ? { retainedMiB: Object.fromEntries(h.marks.flatMap((m) => (m.heapMiB === undefined ? [] : [[m.name, m.heapMiB]]))) } : {}),
    totalMs: Math.round(end - start),
    statusBytes: written.bytes,
    events: written.events,
  };
}

/**
 * One pass per scenario at `machines` (cold, then its confirming pass over the converged estate; 10% drift;
 * converged), each through a fresh reconciler. Returns the figures; the longest block is the goal's measure.
 */
export async function benchControllerLoop(
  machines = 100_000,
  scenarios: LoopScenario[] = ['cold', 'drift', 'converged', 'audit'],
  onPass?: (f: LoopFigures) => void,
): Promise<LoopFigures[]> {
  const enforce = benchSpec(Math.ceil(machines / GROUP));
  const out: LoopFigures[] = [];
  for (const scenario of scenarios) {
    const spec: MonitoringTopologySpec = scenario === 'audit' ? { ...enforce, mode: 'Audit' } : enforce;
    const h = harness(loopSnapshot(machines, scenario), spec);
    out.push(await measuredPass(h, scenario));
    onPass?.(out[out.length - 1] as LoopFigures);
    if (scenario === 'cold') {
      // The confirming pass: the same reconciler (previous findings remembered) over the estate the writes made.
      h.gateway.load(loopSnapshot(machines, 'converged'));
      out.push(await measuredPass(h, 'confirming'));
      onPass?.(out[out.length - 1] as LoopFigures);
    }
  }
  return out;
}

export function printLoopFigures(figures: LoopFigures[]): void {
  const fmt = (n: number): string => n.toLocaleString('en-US');
  for (const f of figures) {
    process.stdout.write(
      `${f.scenario.padEnd(10)} ${fmt(f.machines)} machines, ${fmt(f.actions)} writes, ${fmt(f.findings)} findings: longest block ${f.maxBlockMs} ms (p99 ${f.p99BlockMs} ms, timer gap ${f.maxGapMs} ms, ${f.maxGapCpuMs} ms of CPU; without GC ${f.maxCodeCpuMs} ms of CPU; longest GC ${f.maxGcMs} ms, GC ${fmt(f.totalGcMs)} ms in all), pass ${fmt(f.totalMs)} ms (${fmt(f.cpuMs)} ms of CPU), peak heap ${fmt(f.peakHeapMiB)} MiB, status ${fmt(f.statusBytes)} B, ${f.events} events\n`,
    );
    for (const [step, { ms, block, cpu }] of Object.entries(f.steps)) {
      process.stdout.write(`    ${step.padEnd(40)} ${fmt(ms).padStart(8)} ms, longest block ${fmt(block).padStart(6)} ms (${fmt(cpu).padStart(4)} ms of CPU)\n`);
    }
    if (f.retainedMiB) process.stdout.write(`    heap retained at ${Object.entries(f.retainedMiB).map(([k, v]) => `${k} ${fmt(v)} MiB`).join(', ')}\n`);
  }
}

if (import.meta.url === `file://${process.argv[1] ?? ''}`) {
  const machines = Number(process.argv[2] ?? 100_000);
  // A comma-separated list of scenarios, e.g. `drift,converged`; all of them by default.
  const only = process.argv[3]?.split(',') as LoopScenario[] | undefined;
  // Printed as each pass ends: a run that dies of a capped heap still shows the passes before.
  await benchControllerLoop(machines, only, (f) => printLoopFigures([f]));
}
