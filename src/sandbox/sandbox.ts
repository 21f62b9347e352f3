// The sandbox: a broken AMPLS estate in the ARM emulator, a real control plane, the controller as
// it runs in a cluster, and the topology applied; then convergence and a scale-out, watched live.
import { readFileSync } from 'node:fs';
import { CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { parse } from 'yaml';
import { GROUP, PLURAL, RECONCILE_REQUESTED_AT, VERSION } from '../api/types.ts';
import type { MonitoringTopology } from '../api/types.ts';
import type { ControlPlane } from '../devenv/control-plane.ts';
import type { EmulatorStore, Principal, RunningEmulator } from '../emulator/index.ts';
import { WorkDirectory } from './cleanup.ts';
import { startControllerProcess } from './controller-process.ts';
import type { AzureSettings, ControllerProcess } from './controller-process.ts';
import { controlPlane, controlPlaneBinaries, emulator, REPO } from './environment.ts';
import { nameOf, Output, seconds } from './output.ts';
import { printExplore, printStory, printSummary } from './story.ts';
import type { Timings } from './story.ts';
import { associated, capacityOf, flexibleInstances, SEED_STORY } from './estate.ts';
import type { MachineView } from './estate.ts';
import { listenForKeys } from './keys.ts';
import { alsoLinkTo, linkNetworkToZones, nameAgentIdentity, requestReconcile } from './operator.ts';
import { configured, converged, remainingWork, TopologyWatch } from './watch.ts';
import { allDelivering, delivering, guestFinding, guestReported, heartbeatsOf, placeNewMachines, startAgents, startSilencedAgent } from './agents.ts';

export type SandboxMode = 'interactive' | 'non-interactive' | 'env-only';

export interface SandboxOptions {
  mode: SandboxMode;
  /** From the control plane being up to every machine compliant (non-interactive: exit 1 after it). */
  timeoutMs: number;
  /** Instances added to the Flexible scale set once the estate has converged. */
  scaleOut: number;
  /** Estate file and topology, relative to the repository. */
  estate?: string;
  topology?: string;
  out?: Output;
  /** The controller signs in as this principal (with its role assignments) instead of an all-powerful one. */
  principal?: Principal;
  /** Aborting it stops the sandbox and tears everything down (main.ts wires Ctrl-C to it). */
  signal: AbortSignal;
  /** The caller turns signals into `signal`: the control plane's own signal hooks are then removed. */
  ownsSignals?: boolean;
}

export const NAMESPACE = 'default';

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** Starts the control plane; with ownsSignals, drops the kill-on-signal hooks it installs so teardown keeps its order. */
async function startOwnedControlPlane(out: Output, bin: string, ownsSignals: boolean): Promise<ControlPlane> {
  const before = new Map(SIGNALS.map((s) => [s, new Set(process.listeners(s))]));
  const cp = await controlPlane(out, bin);
  if (ownsSignals) {
    for (const s of SIGNALS) {
      for (const l of process.listeners(s)) if (!before.get(s)?.has(l)) process.off(s, l as () => void);
    }
  }
  return cp;
}

function azureSettings(arm: RunningEmulator, principal: Principal | undefined): AzureSettings {
  return {
    armEndpoint: arm.url,
    authorityHost: arm.authorityHost,
    caFile: arm.caCertPath,
    tenantId: arm.tenantId,
    clientId: principal?.clientId ?? arm.clientId,
    clientSecret: principal?.clientSecret ?? arm.clientSecret,
    logAnalyticsEndpoint: arm.logAnalytics.endpoint,
  };
}

function readTopology(path: string): MonitoringTopology {
  return parse(readFileSync(new URL(path, `file://${REPO}`), 'utf8')) as MonitoringTopology;
}

async function applyTopology(out: Output, kubeConfig: KubeConfig, path: string, body: MonitoringTopology): Promise<MonitoringTopology> {
  out.stage(`Applying ${path}`);
  const api = kubeConfig.makeApiClient(CustomObjectsApi);
  const created = (await api.createNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: NAMESPACE, plural: PLURAL, body })) as MonitoringTopology;
  out.line(`monitoringtopology.${GROUP}/${created.metadata.name} created (namespace ${NAMESPACE}, mode ${created.spec.mode ?? 'Enforce'})`);
  return created;
}

/** Adds instances to the Flexible scale set, as a completed ARM update would; returns the new ones. */
function scaleOut(out: Output, store: EmulatorStore, count: number): MachineView[] {
  const scaleSet = SEED_STORY.flexibleScaleSet;
  const known = new Set(flexibleInstances(store, scaleSet, SEED_STORY.workloadGroup).map((m) => m.id));
  const capacity = capacityOf(store, scaleSet);
  store.scaleVmss(scaleSet, capacity + count);
  const fresh = flexibleInstances(store, scaleSet, SEED_STORY.workloadGroup).filter((m) => !known.has(m.id));
  out.event(`vmss-flex-web scaled ${capacity} -> ${capacity + count}; new instances: ${fresh.map((m) => m.name).join(', ')} (no associations)`);
  return fresh;
}

/** Names uami-ama for vm-windows-02's agent through ARM, as a person would with the Azure CLI. */
async function resolveAmbiguousIdentity(out: Output, arm: RunningEmulator): Promise<void> {
  const vm = SEED_STORY.ambiguousVm;
  const parts = vm.split('/');
  const choice = {
    subscriptionId: parts[2] ?? '',
    resourceGroup: parts[4] ?? '',
    vmName: parts[8] ?? '',
    extensionName: SEED_STORY.agentExtension,
    identityId: SEED_STORY.agentIdentity,
  };
  out.line(`${choice.vmName} has two user-assigned identities (uami-ama, uami-app) and its agent names neither: AmbiguousIdentity.`, 'dim');
  out.line(`Log Analytics (law-central): ${await heartbeatsOf(arm, vm)} heartbeats from ${choice.vmName} so far: its agent gets no token`, 'dim');
  out.line(`The person who owns the machine picks ${nameOf(choice.identityId)} and names it in the agent extension's settings:`, 'dim');
  const command = await nameAgentIdentity(arm, choice);
  out.event(command);
  out.event(`${choice.extensionName} on ${choice.vmName} now authenticates as ${nameOf(choice.identityId)} (PUT through @azure/arm-compute)`, 'good');
}

const NETWORK_CODES = new Set(['PrivateDnsZoneNotLinked', 'DnsBoundaryConflict', 'PrivateDnsRecordMissing', 'PrivateDnsRecordMismatch', 'PrivateEndpointMissing', 'PrivateEndpointNotApproved']);

/** No network error left, for the current generation. */
function networkSettled(t: MonitoringTopology | undefined): boolean {
  if (!t?.status || t.status.observedGeneration !== t.metadata.generation) return false;
  return !(t.status.findings ?? []).some((f) => NETWORK_CODES.has(f.code) && f.severity === 'Error');
}

/** Links the spoke to the zones and keeps every resource in both scopes (alsoLinkTo), as the seed advises. */
async function fixNetwork(out: Output, arm: RunningEmulator, kubeConfig: KubeConfig, name: string): Promise<void> {
  out.line(`${nameOf(SEED_STORY.unlinkedSpoke)} uses Azure-provided DNS and is not linked to the privatelink zones: PrivateDnsZoneNotLinked.`, 'dim');
  out.line('The network team links it to the five zones in rg-network:', 'dim');
  const commands = await linkNetworkToZones(arm, SEED_STORY.networkGroup, SEED_STORY.zones, SEED_STORY.unlinkedSpoke);
  out.event(commands[0] ?? '');
  out.event(`… and the same for the other ${commands.length - 1} zones (PUTs through @azure/arm-privatedns)`);
  out.line(`${nameOf(SEED_STORY.migrationScope)}'s private endpoint wrote the shared records last: DnsBoundaryConflict.`, 'dim');
  out.line('Until the migration is done, every resource is linked to both scopes: the topology says so, the controller links them.', 'dim');
  out.event(await alsoLinkTo(kubeConfig, NAMESPACE, name, [SEED_STORY.migrationScope]));
}

/** The server's administrator restarts its connected-machine agent, which reports Connected to Azure Arc again. */
function reconnectArcAgent(out: Output, arm: RunningEmulator): void {
  const id = SEED_STORY.disconnectedArcServer;
  const machine = arm.store.get(id);
  if (!machine) return;
  out.line(`${nameOf(id)} is an on-premises server whose connected-machine agent is Disconnected: ArcMachineDisconnected.`, 'dim');
  out.line('Its administrator restarts the agent on the server (azcmagent show says why it stopped; systemctl restart himdsd):', 'dim');
  const properties = { ...(machine['properties'] as Record<string, unknown>), status: 'Connected', lastStatusChange: new Date().toISOString() };
  // The agent's own report to Azure Arc: no ARM client may set a machine's status.
  arm.store.put({ ...machine, properties });
  out.event(`${nameOf(id)}: the connected-machine agent reports Connected again`, 'good');
}

function tailOf(path: string, lines: number): string[] {
  try {
    return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines);
  } catch {
    return [];
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/** Runs the sandbox; resolves with the process exit code once everything it started is gone. */
export async function runSandbox(options: SandboxOptions): Promise<number> {
  const out = options.out ?? new Output();
  const estatePath = options.estate ?? 'estates/seed-story.yaml';
  const topologyPath = options.topology ?? 'examples/sandbox.yaml';
  const work = new WorkDirectory();
  let cp: ControlPlane | undefined;
  let arm: RunningEmulator | undefined;
  let controller: ControllerProcess | undefined;
  let watch: TopologyWatch | undefined;
  let stopKeys = (): void => undefined;
  let stopAgents = (): void => undefined;
  // The deadline aborts the run like Ctrl-C, but counts as a failure.
  const run = new AbortController();
  const stop = (): void => run.abort();
  options.signal.addEventListener('abort', stop, { once: true });
  let timer: NodeJS.Timeout | undefined;
  let timedOut = false;
  // Ctrl-C ends the run normally (0); the deadline of a non-interactive run is a failure (1) that shows why.
  let logPath: string | undefined;
  let crashed: string | undefined;
  const ended = (): number => {
    if (!timedOut && crashed === undefined) return 0;
    const t = watch?.latest;
    out.stage(crashed ?? `Timed out after ${seconds(options.timeoutMs)} without converging to all-compliant`);
    const n = t?.status?.instances;
    out.line(`instances: ${n ? `${n.total} total, ${n.compliant} compliant, ${n.pending} pending, ${n.failing} failing` : 'not reported'}`, 'bad');
    for (const c of t?.status?.conditions ?? []) out.line(`${c.type}=${c.status} ${c.reason}: ${c.message}`, 'bad');
    for (const f of t ? remainingWork(t) : []) out.line(`${f.code} ${f.resourceId}: ${f.message}`, 'bad');
    if (logPath) {
      out.line(`last controller log lines (${logPath}):`, 'bad');
      for (const l of tailOf(logPath, 15)) out.line(l, 'dim');
    }
    return 1;
  };

  out.write(out.paint('bold', 'MonitoringTopology sandbox: a broken AMPLS estate, repaired by the controller'));
  try {
    const bin = await controlPlaneBinaries(out, run.signal);
    if (run.signal.aborted) return ended();
    cp = await startOwnedControlPlane(out, bin, options.ownsSignals === true);
    const timings: Timings = { controlPlaneUp: Date.now() };
    timer = setTimeout(() => {
      timedOut = options.mode === 'non-interactive';
      if (timedOut) run.abort();
    }, options.timeoutMs);
    arm = await emulator(out, estatePath, work.file('emulator'), options.principal ? [options.principal] : []);
    printStory(out, arm.store);
    stopAgents = startAgents(out, arm);
    const azure = azureSettings(arm, options.principal);
    if (options.mode === 'env-only') {
      printExplore(out, { kubeconfigPath: cp.kubeconfigPath, arm, azure, topologyPath, envOnly: true, binDirectory: bin });
      clearTimeout(timer);
      out.stage('Waiting (Ctrl-C stops everything and cleans up)');
      await sleep(2 ** 31 - 1, run.signal);
      return 0;
    }

    out.stage('Controller (src/runtime/main.ts: the entrypoint the container image and Helm chart run)');
    logPath = work.file('controller.log');
    controller = startControllerProcess({
      kubeconfigPath: cp.kubeconfigPath,
      azure,
      logPath,
      onLog: (line) => {
        // Warnings and errors are rare and worth seeing; everything is in the log file.
        if (typeof line.level === 'number' && line.level >= 50) out.event(`controller: ${String(line.msg)}`, 'bad');
      },
    });
    work.adopt(controller.pid);
    controller.child.once('exit', (code, signal) => {
      if (run.signal.aborted) return;
      crashed = `The controller exited unexpectedly (${code ?? signal})`;
      run.abort();
    });
    out.line(`pid ${controller.pid}: node src/runtime/main.ts ${controller.args.join(' ')}`);
    out.line(`credential: AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET of the emulator's service principal (DefaultAzureCredential)`);
    const lead = await Promise.race([controller.leading.then(() => true), sleep(60_000, run.signal).then(() => false)]);
    if (run.signal.aborted) return ended();
    if (!lead) throw new Error(`the controller did not start working within 60 s; see ${logPath}`);
    const metricsPort = await Promise.race([controller.metricsPort, Promise.resolve(0)]);
    out.line(`holds the leader lease and watches all namespaces; metrics http://127.0.0.1:${metricsPort}/metrics; log ${logPath}`);

    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromFile(cp.kubeconfigPath);
    const manifest = readTopology(topologyPath);
    // Watching before applying: the first revisions come within a second and every one is shown.
    watch = new TopologyWatch({ kubeConfig, namespace: NAMESPACE, name: manifest.metadata.name, out });
    watch.start({ hold: true });
    const topology = await applyTopology(out, kubeConfig, topologyPath, manifest);

    out.stage('Converging (the kubectl get mtopo columns, findings as they appear and go, changes made in Azure)');
    out.resetClock(timings.controlPlaneUp);
    out.line('The controller links the endpoint, creates the missing associations and reports what it must not fix.', 'dim');
    out.line('✗ error, ! warning, i information, ✔ resolved, → a change made in Azure; times count from the control plane being up.', 'dim');
    watch.printHeader();
    if (!(await watch.until((t) => converged(t), run.signal))) return ended();
    timings.converged = Date.now();
    await watch.flushEvents();
    const waiting = (watch.latest?.status?.instances?.failing ?? 0) > 0 ? ' (all the controller may fix; the rest waits for a person)' : '';
    out.event(`converged: ${seconds(timings.converged - timings.controlPlaneUp)} after the control plane was up${waiting}`, 'good');

    if (options.scaleOut > 0) {
      const store = arm.store;
      const scaleSet = SEED_STORY.flexibleScaleSet;
      const before = capacityOf(store, scaleSet);
      const total = (watch.latest?.status?.instances?.total ?? 0) + options.scaleOut;
      out.stage(`Scaling vmss-flex-web out: ${before} -> ${before + options.scaleOut} instances (Flexible: new instances inherit no associations)`);
      out.resetClock(timings.controlPlaneUp);
      const fresh = scaleOut(out, store, options.scaleOut);
      placeNewMachines(arm);
      timings.scaledOut = Date.now();
      const allAssociated = (): boolean => fresh.every((m) => flexibleInstances(store, scaleSet, SEED_STORY.workloadGroup).some((x) => x.id === m.id && associated(x)));
      if (!(await watch.until((t) => converged(t, total) && allAssociated(), run.signal))) return ended();
      timings.scaleOutAssociated = Date.now();
      await watch.flushEvents();
      out.event(`all ${fresh.length} new instances associated ${seconds(timings.scaleOutAssociated - timings.scaledOut)} after the scale-out`, 'good');
    }

    out.stage('A person fixes the network (the controller reads DNS and networking, never writes them)');
    out.resetClock(timings.controlPlaneUp);
    await fixNetwork(out, arm, kubeConfig, topology.metadata.name);
    if (!(await watch.until((t) => networkSettled(t), run.signal))) return ended();
    await watch.flushEvents();
    out.event('the spoke resolves the private records and every resource is in both scopes: no network finding left', 'good');

    out.stage('A person resolves what only a person can (the controller never chooses an identity)');
    out.resetClock(timings.controlPlaneUp);
    const machinesNow = watch.latest?.status?.instances?.total ?? 0;
    await resolveAmbiguousIdentity(out, arm);
    timings.identityNamed = Date.now();
    reconnectArcAgent(out, arm);
    const requested = await requestReconcile(kubeConfig, NAMESPACE, topology.metadata.name);
    out.event(`kubectl annotate mtopo ${topology.metadata.name} --overwrite ${RECONCILE_REQUESTED_AT}=${requested}`);
    out.line('(the annotation asks the controller to look again now instead of at the next resync, 10m here)', 'dim');
    if (!(await watch.until((t) => configured(t, machinesNow), run.signal))) return ended();
    timings.allCompliant = Date.now();
    await watch.flushEvents();
    out.event(`all-compliant: ${seconds(timings.allCompliant - timings.controlPlaneUp)} after the control plane was up`, 'good');

    out.stage('Data flowing (the controller reads law-central every evidence.interval: heartbeats and each rule\'s table, per machine)');
    out.resetClock(timings.controlPlaneUp);
    if (!(await watch.until((t) => delivering(t, machinesNow - 1) && guestReported(t), run.signal))) return ended();
    timings.delivering = Date.now();
    await watch.flushEvents();
    out.event(`${machinesNow - 1} of ${machinesNow} machines Delivering ${seconds(timings.delivering - timings.identityNamed)} after the last repair (vm-windows-02's identity named)`, 'good');
    out.line(`Log Analytics (law-central): ${await heartbeatsOf(arm, SEED_STORY.ambiguousVm)} heartbeats from ${nameOf(SEED_STORY.ambiguousVm)} now that its identity is named`, 'good');
    const guest = guestFinding(watch.latest);
    out.line(`${guest?.code ?? ''} (stage ${guest?.stage ?? ''}): ${guest?.message ?? ''}`, 'warn');
    startSilencedAgent(out, arm);
    timings.guestFixed = Date.now();
    if (!(await watch.until((t) => allDelivering(t), run.signal))) return ended();
    timings.allDelivering = Date.now();
    await watch.flushEvents();
    out.event(`all ${machinesNow} machines Delivering, Ready=True: ${seconds(timings.allDelivering - timings.guestFixed)} after the agent started`, 'good');
    clearTimeout(timer);
    await watch.stop();
    printSummary(out, { store: arm.store, topology: watch.latest, timings });
    if (options.mode === 'non-interactive') return 0;

    printExplore(out, { kubeconfigPath: cp.kubeconfigPath, arm, azure, topologyPath, metricsPort, logPath, name: topology.metadata.name, binDirectory: bin });
    out.stage('Watching for changes');
    const running = arm;
    stopKeys = listenForKeys({ s: () => { scaleOut(out, running.store, 5); placeNewMachines(running); }, q: stop }, stop);
    out.line(process.stdin.isTTY ? 'Press s to scale vmss-flex-web out by 5 more; q or Ctrl-C stops everything and cleans up.' : 'Ctrl-C stops everything and cleans up.');
    watch.start();
    await sleep(2 ** 31 - 1, run.signal);
    return ended();
  } catch (err) {
    if (run.signal.aborted) return ended();
    out.stage('Failed');
    out.line(err instanceof Error ? err.message : String(err), 'bad');
    return 1;
  } finally {
    stopKeys();
    stopAgents();
    clearTimeout(timer);
    options.signal.removeEventListener('abort', stop);
    out.stage('Tearing down');
    await watch?.stop();
    await controller?.stop();
    await arm?.close();
    await cp?.stop();
    work.removeNow();
    out.line('controller, emulator and control plane stopped; temporary files removed');
  }
}
