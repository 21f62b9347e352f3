// The words around the run: what is broken in the estate, the result, and how to explore.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { MonitoringTopology } from '../api/types.ts';
import type { EmulatorStore, RunningEmulator } from '../emulator/index.ts';
import type { AzureSettings } from './controller-process.ts';
import { controllerArgs, controllerEnv } from './controller-process.ts';
import { hasKubectl } from './environment.ts';
import { CONFIGURATION_ACCESS_ENDPOINT, machines, machineTable, scopeLine, scopeOf, SEED_STORY } from './estate.ts';
import type { Output } from './output.ts';
import { nameOf, seconds } from './output.ts';

export interface Timings {
  controlPlaneUp: number;
  converged?: number;
  scaledOut?: number;
  scaleOutAssociated?: number;
  allCompliant?: number;
  /** The last repair: the person names vm-windows-02's identity. */
  identityNamed?: number;
  /** Every machine but the one its guest silences Delivering. */
  delivering?: number;
  guestFixed?: number;
  allDelivering?: number;
}

function list(names: string[]): string {
  return names.length > 0 ? names.join(', ') : 'none';
}

/** The estate before the controller runs, read from the emulator: what is broken and why agents send nothing. */
export function printStory(out: Output, store: EmulatorStore): void {
  const scope = scopeOf(store, SEED_STORY.scope);
  const ms = machines(store, SEED_STORY.workloadGroup);
  out.line(`private link scope ${scopeLine(scope)}`);
  out.line('');
  for (const l of machineTable(ms)) out.line(l);
  out.line('');
  out.line('What is broken, and why those agents send nothing:');
  if (!scope.linked.includes(nameOf(SEED_STORY.endpoint))) {
    out.line(`- ${nameOf(SEED_STORY.endpoint)} is not linked to the ${scope.ingestion} scope: no agent can fetch its configuration privately`, 'bad');
  }
  out.line(`- ${nameOf(SEED_STORY.workspace)} still accepts public traffic, but the PrivateOnly scope overrides that`, 'warn');
  const noEndpoint = ms.filter((m) => !m.endpointAssociations.includes(CONFIGURATION_ACCESS_ENDPOINT));
  const misnamed = ms.filter((m) => m.endpointAssociations.some((n) => n !== CONFIGURATION_ACCESS_ENDPOINT));
  const noRules = ms.filter((m) => m.rules.length === 0);
  out.line(`- no ${CONFIGURATION_ACCESS_ENDPOINT} association (agent falls back to the public endpoint, blocked): ${list(noEndpoint.map((m) => m.name))}`, 'bad');
  if (misnamed.length > 0) out.line(`- endpoint association under another name, which the agent ignores: ${list(misnamed.map((m) => m.name))}`, 'bad');
  out.line(`- no rule association (nothing collected): ${list(noRules.map((m) => m.name))}`, 'bad');
  const ambiguous = ms.filter((m) => m.identity.includes(' + ') && !m.identity.startsWith('system') && m.agentIdentity === '(not set)');
  if (ambiguous.length > 0) out.line(`- several user-assigned identities and none named for the agent: ${list(ambiguous.map((m) => m.name))}`, 'bad');
  printNetworkStory(out, store);
}

/** The network half of the story, read from the emulator: an unlinked spoke and a scope that wrote the shared records last. */
function printNetworkStory(out: Output, store: EmulatorStore): void {
  const zone = `${SEED_STORY.networkGroup}/providers/Microsoft.Network/privateDnsZones/${SEED_STORY.zones[0]}`;
  const links = store.list(zone, 'Microsoft.Network/privateDnsZones/virtualNetworkLinks').map((l) => String((l.properties as { virtualNetwork?: { id?: string } } | undefined)?.virtualNetwork?.id ?? '').toLowerCase());
  if (store.get(SEED_STORY.unlinkedSpoke) && !links.includes(SEED_STORY.unlinkedSpoke.toLowerCase())) {
    out.line(`- ${nameOf(SEED_STORY.unlinkedSpoke)} is not linked to the privatelink zones: its machines resolve the public endpoints, which PrivateOnly blocks`, 'bad');
  }
  const api = store.get(`${zone}/A/api`);
  const ip = (api?.properties as { aRecords?: { ipv4Address?: string }[] } | undefined)?.aRecords?.[0]?.ipv4Address;
  if (ip && store.get(SEED_STORY.migrationScope)) {
    out.line(`- a migration created ${nameOf(SEED_STORY.migrationScope)}; its private endpoint wrote the shared records last (api -> ${ip}), and it does not link ${nameOf(SEED_STORY.endpoint)}`, 'bad');
  }
}

export interface SummaryInput {
  store: EmulatorStore;
  topology: MonitoringTopology | undefined;
  timings: Timings;
}

export function printSummary(out: Output, input: SummaryInput): void {
  const { store, topology, timings } = input;
  out.stage('Result, read back from the emulator');
  out.line(`private link scope ${scopeLine(scopeOf(store, SEED_STORY.scope))}`);
  out.line('');
  for (const l of machineTable(machines(store, SEED_STORY.workloadGroup))) out.line(l);
  const n = topology?.status?.instances;
  if (n) {
    out.line('');
    out.line(`${n.compliant} of ${n.total} machines compliant, ${n.failing} failing, ${n.pending} pending`, n.failing > 0 ? 'warn' : 'good');
    const d = topology?.status?.delivery;
    if (d) out.line(`${d.delivering} of ${n.total} machines Delivering (heartbeats and every rule's table in Log Analytics), ${d.heartbeatOnly} heartbeat only, ${d.silent} silent; ${d.queries} queries per evidence read`, d.delivering === n.total ? 'good' : 'warn');
  }
  // What is left is reported, not changed: the controller never touches identities or what it did not create.
  const left = (topology?.status?.findings ?? []).filter((f) => f.severity !== 'Info');
  if (left.length > 0) {
    out.line('Left for a person by design (reported, never changed by the controller; warnings do not hold Ready back):');
    const byCode = new Map<string, typeof left>();
    for (const f of left) {
      const list = byCode.get(f.code);
      if (list) list.push(f);
      else byCode.set(f.code, [f]);
    }
    for (const [code, fs] of byCode) {
      out.line(`- ${code} (${fs[0]?.severity}) on ${list(fs.map((f) => nameOf(f.resourceId)))}`, fs[0]?.severity === 'Error' ? 'bad' : 'warn');
      out.line(`  ${fs[0]?.message ?? ''}`, 'dim');
    }
  }
  out.line('');
  if (timings.converged !== undefined) out.line(`control plane up -> converged: ${seconds(timings.converged - timings.controlPlaneUp)}`, 'good');
  if (timings.scaledOut !== undefined && timings.scaleOutAssociated !== undefined) {
    out.line(`scale-out -> new instances associated: ${seconds(timings.scaleOutAssociated - timings.scaledOut)}`, 'good');
  }
  if (timings.allCompliant !== undefined) out.line(`control plane up -> all-compliant: ${seconds(timings.allCompliant - timings.controlPlaneUp)}`, 'good');
  if (timings.identityNamed !== undefined && timings.delivering !== undefined) out.line(`last repair -> every machine Delivering (but the one its guest silences): ${seconds(timings.delivering - timings.identityNamed)}`, 'good');
  if (timings.guestFixed !== undefined && timings.allDelivering !== undefined) out.line(`agent started in the guest -> Delivering: ${seconds(timings.allDelivering - timings.guestFixed)}`, 'good');
}

export interface ExploreInput {
  kubeconfigPath: string;
  arm: RunningEmulator;
  azure: AzureSettings;
  topologyPath: string;
  name?: string;
  metricsPort?: number;
  logPath?: string;
  envOnly?: boolean;
  /** Where the control-plane binaries (and kubectl) are. */
  binDirectory?: string;
}

export function printExplore(out: Output, input: ExploreInput): void {
  const { kubeconfigPath, arm, azure } = input;
  out.stage('Explore (in another terminal)');
  out.line(`export KUBECONFIG=${kubeconfigPath}`);
  if (input.envOnly) {
    out.line('# run the controller against it, as the Helm chart would:');
    const env = Object.entries(controllerEnv(azure)).map(([k, v]) => `${k}=${v}`).join(' ');
    // Fixed ports here, so that the commands below find them.
    const args = controllerArgs(azure)
      .filter((a) => a !== '--leader-elect')
      .join(' ')
      .replace('--metrics-bind-address 127.0.0.1:0', '--metrics-bind-address 127.0.0.1:8080')
      .replace('--health-probe-bind-address 127.0.0.1:0', '--health-probe-bind-address 127.0.0.1:8081');
    out.line(`${env} npx node src/runtime/main.ts ${args}`);
    out.line(`kubectl apply -f ${input.topologyPath}`);
  }
  out.line('kubectl get mtopo -o wide');
  if (input.name) {
    out.line(`kubectl describe mtopo ${input.name}`);
    out.line(`kubectl get mtopo ${input.name} -o jsonpath='{range .status.findings[*]}{.code}{"\\t"}{.resourceId}{"\\n"}{end}'`);
  }
  out.line('kubectl get events --field-selector involvedObject.kind=MonitoringTopology');
  if (!hasKubectl()) {
    // The control-plane build puts a kubectl of the same version beside kube-apiserver.
    const built = input.binDirectory && existsSync(join(input.binDirectory, 'kubectl'));
    out.line(built ? `export PATH=${input.binDirectory}:$PATH   # kubectl, built with the control plane` : '(kubectl is not on your PATH: https://kubernetes.io/docs/tasks/tools/)', 'warn');
  }
  out.line('');
  out.line(`ARM emulator: ${arm.url}   CA: ${arm.caCertPath}`);
  out.line(`curl -s --cacert ${arm.caCertPath} ${arm.url}/_emulator/state      # the whole estate as ARM holds it`);
  out.line(`curl -s --cacert ${arm.caCertPath} ${arm.url}/_emulator/counters   # ARM requests by operation`);
  const metricsPort = input.metricsPort ?? (input.envOnly ? 8080 : undefined);
  if (metricsPort) out.line(`curl -s http://127.0.0.1:${metricsPort}/metrics | grep -E '^(monitoringtopology_|controller_runtime_reconcile_total|azure_arm_requests_total)'`);
  if (input.logPath) out.line(`controller log (JSON): ${input.logPath}`);
}
