// A controller wired to the test kube-apiserver and an ARM emulator, for the reconciler's integration tests:
// the real gateway (SDK clients, shared budgets), the real informers, queue and reconciler.
import { Writable } from 'node:stream';
import { CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import pino from 'pino';
import type { Logger } from 'pino';
import { Registry } from 'prom-client';
import { ClientSecretCredential } from '@azure/identity';
import { vi } from 'vitest';
import { API_VERSION, GROUP, KIND, PLURAL, VERSION } from '../../src/api/types.ts';
import type { Condition, MonitoringTopology, MonitoringTopologySpec } from '../../src/api/types.ts';
import { createArmGateway, createSubscriptionBudgets } from '../../src/azure/index.ts';
import type { ArmGatewayOptions, BudgetConfig } from '../../src/azure/index.ts';
import type { ArmGateway } from '../../src/azure/gateway.ts';
import { createEvidenceMetrics, createEvidenceSource, EvidenceReader } from '../../src/azure/evidence.ts';
import { createController } from '../../src/controller/index.ts';
import type { Controller, ControllerOptions } from '../../src/controller/index.ts';
import type { EmulatorOptions, Estate, EstateArcMachine, EstateArcPrivateLinkScope, EstateScaleSet, EstateVirtualMachine, RunningEmulator } from '../../src/emulator/index.ts';
import { startTestEmulator } from './emulator.ts';
import type { TestEmulator } from './emulator.ts';
import { testKubeConfig } from './kube.ts';

/** Log lines captured from the controller and gateway (JSON, one object per line). */
export class LogCapture {
  readonly lines: Record<string, unknown>[] = [];
  readonly logger: Logger;
  constructor(level: pino.Level = 'debug') {
    const sink = new Writable({
      write: (chunk: Buffer, _enc, done) => {
        for (const line of chunk.toString().split('\n')) {
          if (!line) continue;
          try {
            this.lines.push(JSON.parse(line) as Record<string, unknown>);
          } catch {
            // not JSON: ignore
          }
        }
        if (process.env.MTOPO_TEST_LOGS) process.stderr.write(chunk);
        done();
      },
    });
    this.logger = pino({ level }, sink);
  }
  messages(): string[] {
    return this.lines.map((l) => String(l.msg));
  }
}

export interface TestControllerOptions {
  namespace: string;
  emulator?: EmulatorOptions;
  gateway?: Partial<Omit<ArmGatewayOptions, 'endpoint' | 'credential' | 'budgets' | 'logger'>>;
  budgets?: BudgetConfig;
  controller?: Partial<Omit<ControllerOptions, 'kubeConfig' | 'gateway' | 'logger'>>;
  /** Read delivery evidence from the emulator's Log Analytics query API with the official LogsQueryClient. */
  evidence?: boolean;
  /** Sign the controller in as a principal holding only these actions on the estate's subscription. */
  actions?: string[];
}

export interface TestController {
  emulator: TestEmulator;
  gateway: ArmGateway;
  controller: Controller;
  registry: Registry;
  logs: LogCapture;
  namespace: string;
  stop(): Promise<void>;
}

/** Starts an emulator and a controller watching `namespace`; the controller runs as leader at once. */
export async function startTestController(opts: TestControllerOptions): Promise<TestController> {
  // ARM's own page size for these lists is 100 or more; small pages would only measure paging.
  const principal = opts.actions && { tenantId: CONTROLLER_TENANT, clientId: 'mtopo-controller', clientSecret: 'not-a-secret', roles: [{ scope: `/subscriptions/${SUBSCRIPTION}`, actions: opts.actions }] };
  const emulator = await startTestEmulator({ lroDelayMs: 5, pageSize: 100, ...opts.emulator, ...(principal ? { principals: [principal, ...(opts.emulator?.principals ?? [])] } : {}) });
  const credential = principal
    ? new ClientSecretCredential(principal.tenantId, principal.clientId, principal.clientSecret, { authorityHost: emulator.authorityHost, disableInstanceDiscovery: true })
    : emulator.credential;
  const logs = new LogCapture();
  const gateway = createArmGateway({
    endpoint: emulator.url,
    credential,
    budgets: createSubscriptionBudgets(opts.budgets),
    logger: logs.logger.child({ component: 'arm' }),
    maxRetries: 4,
    retryDelayInMs: 50,
    maxRetryDelayInMs: 1000,
    lroPollIntervalMs: 10,
    ...opts.gateway,
  });
  const registry = new Registry();
  const evidence = opts.evidence
    ? createEvidenceSource(new EvidenceReader({ credential: emulator.credential, endpoint: emulator.logAnalytics.endpoint, metrics: createEvidenceMetrics(registry) }), (id, v) =>
        gateway.readResource ? gateway.readResource(id, v) : Promise.reject(new Error('no raw reads')),
      )
    : undefined;
  const controller = createController({
    kubeConfig: testKubeConfig(),
    namespaces: [opts.namespace],
    gateway,
    logger: logs.logger,
    registry,
    confirmAfterMs: 200,
    queue: { baseDelayMs: 50, maxDelayMs: 2000 },
    ...(evidence ? { evidence } : {}),
    ...opts.controller,
  });
  await controller.startInformers();
  const abort = new AbortController();
  const running = controller.run(abort.signal);
  return {
    emulator,
    gateway,
    controller,
    registry,
    logs,
    namespace: opts.namespace,
    async stop() {
      abort.abort();
      await running;
      await controller.stop();
      await emulator.close();
    },
  };
}

const api = () => testKubeConfig().makeApiClient(CustomObjectsApi);

export async function createTopology(namespace: string, name: string, spec: MonitoringTopologySpec): Promise<MonitoringTopology> {
  return (await api().createNamespacedCustomObject({
    group: GROUP,
    version: VERSION,
    namespace,
    plural: PLURAL,
    body: { apiVersion: API_VERSION, kind: KIND, metadata: { name, namespace }, spec },
  })) as MonitoringTopology;
}

export async function getTopology(namespace: string, name: string): Promise<MonitoringTopology | undefined> {
  try {
    return (await api().getNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: PLURAL, name })) as MonitoringTopology;
  } catch (err) {
    if ((err as { code?: number }).code === 404) return undefined;
    throw err;
  }
}

export async function deleteTopology(namespace: string, name: string): Promise<void> {
  await api().deleteNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: PLURAL, name });
}

/** Replaces the spec (read-modify-write; the apiserver refuses a stale resourceVersion). */
export async function updateSpec(namespace: string, name: string, change: (spec: MonitoringTopologySpec) => MonitoringTopologySpec): Promise<MonitoringTopology> {
  const current = await getTopology(namespace, name);
  if (!current) throw new Error(`${namespace}/${name} not found`);
  const body = { ...current, spec: change(current.spec) };
  return (await api().replaceNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: PLURAL, name, body })) as MonitoringTopology;
}

/** The Kubernetes events recorded for a topology, oldest first. */
export async function eventsOf(namespace: string, name: string): Promise<{ type: string; reason: string; message: string }[]> {
  const list = await testKubeConfig().makeApiClient(CoreV1Api).listNamespacedEvent({ namespace, fieldSelector: `involvedObject.name=${name}` });
  return list.items.map((e) => ({ type: e.type ?? '', reason: e.reason ?? '', message: e.message ?? '' }));
}

/** True when an association's description carries a MonitoringTopology owner marker. */
export function isMarked(a: { properties: Record<string, unknown> }): boolean {
  const d = a.properties.description;
  return typeof d === 'string' && d.includes(`${GROUP}/owner=`);
}

export function condition(t: MonitoringTopology | undefined, type: string): Condition | undefined {
  return t?.status?.conditions?.find((c) => c.type === type);
}

/** Waits until the topology's status satisfies `check` (an assertion that throws until it holds). */
export async function waitForTopology(
  namespace: string,
  name: string,
  check: (t: MonitoringTopology) => void,
  timeoutMs = 30_000,
): Promise<MonitoringTopology> {
  return vi.waitFor(
    async () => {
      const t = await getTopology(namespace, name);
      if (!t) throw new Error(`${namespace}/${name} not found`);
      check(t);
      return t;
    },
    { timeout: timeoutMs, interval: 100 },
  );
}

/** Waits until the topology is Ready=True for its current generation. */
export function waitForReady(namespace: string, name: string, timeoutMs = 30_000): Promise<MonitoringTopology> {
  return waitForTopology(
    namespace,
    name,
    (t) => {
      const ready = condition(t, 'Ready');
      if (ready?.status !== 'True' || t.status?.observedGeneration !== t.metadata.generation) {
        throw new Error(`not ready: ${JSON.stringify(ready)} findings=${JSON.stringify(t.status?.findings?.slice(0, 3))}`);
      }
    },
    timeoutMs,
  );
}

// ---- A small estate in the shape of the field report -------------------------------------------------

export const SUBSCRIPTION = '3f6c2b1a-9d4e-4a7b-8c5d-1e2f3a4b5c6d';
/** The tenant of the estate when the controller signs in as its own principal. */
const CONTROLLER_TENANT = '7d1f0e6a-2b3c-4d5e-8f90-a1b2c3d4e5f6';
const monitoringRg = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-monitoring`;
const appRg = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-app`;
const onpremRg = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-onprem`;

export const estateIds = {
  scope: `${monitoringRg}/providers/Microsoft.Insights/privateLinkScopes/ampls-hub`,
  workspace: `${monitoringRg}/providers/Microsoft.OperationalInsights/workspaces/law-platform`,
  endpoint: `${monitoringRg}/providers/Microsoft.Insights/dataCollectionEndpoints/dce-weu`,
  otherEndpoint: `${monitoringRg}/providers/Microsoft.Insights/dataCollectionEndpoints/dce-neu`,
  rule: `${monitoringRg}/providers/Microsoft.Insights/dataCollectionRules/dcr-linux-syslog`,
  perfRule: `${monitoringRg}/providers/Microsoft.Insights/dataCollectionRules/dcr-linux-perf`,
  identity: `${monitoringRg}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-ama`,
  otherIdentity: `${monitoringRg}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-backup`,
  appResourceGroup: appRg,
  vm: (name: string) => `${appRg}/providers/Microsoft.Compute/virtualMachines/${name}`,
  scaleSet: (name: string) => `${appRg}/providers/Microsoft.Compute/virtualMachineScaleSets/${name}`,
  onpremResourceGroup: onpremRg,
  arcMachine: (name: string) => `${onpremRg}/providers/Microsoft.HybridCompute/machines/${name}`,
  arcScope: `${onpremRg}/providers/Microsoft.HybridCompute/privateLinkScopes/arc-pls`,
};

export const AMA_EXTENSION = { name: 'AzureMonitorLinuxAgent', publisher: 'Microsoft.Azure.Monitor', type: 'AzureMonitorLinuxAgent' };

export interface EstateOptions {
  /** Resources linked to the scope at start (names in rg-monitoring). */
  scopedResources?: string[];
  virtualMachines?: EstateVirtualMachine[];
  virtualMachineScaleSets?: EstateScaleSet[];
  /** Azure Arc-enabled servers in rg-onprem, next to the Arc private link scope arc-pls. */
  arcMachines?: EstateArcMachine[];
  arcPrivateLinkScopes?: EstateArcPrivateLinkScope[];
}

/** A connected Linux Arc server bound to arc-pls, with the agent installed and the given associations. */
export function arcServer(name: string, associations: EstateArcMachine['associations'] = []): EstateArcMachine {
  return { name, osType: 'Linux', privateLinkScope: 'arc-pls', extensions: [AMA_EXTENSION], associations };
}

/** The application network: linked to the five Azure Monitor zones, where the scope's private endpoint writes. */
export const APP_SUBNET = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-network/providers/Microsoft.Network/virtualNetworks/vnet-app/subnets/workloads`;

/** A healthy Linux VM with the agent on its system identity and the given associations, in the application network. */
export function linuxVm(name: string, associations: EstateVirtualMachine['associations'] = []): EstateVirtualMachine {
  return { name, osType: 'Linux', identity: { systemAssigned: true }, extensions: [AMA_EXTENSION], associations, subnet: APP_SUBNET };
}

export function estate(opts: EstateOptions = {}): Estate {
  return {
    subscriptions: [
      {
        id: SUBSCRIPTION,
        resourceGroups: [
          {
            name: 'rg-monitoring',
            location: 'westeurope',
            userAssignedIdentities: ['id-ama', 'id-backup'],
            workspaces: [{ name: 'law-platform', publicNetworkAccessForIngestion: 'Disabled', publicNetworkAccessForQuery: 'Disabled' }],
            dataCollectionEndpoints: [
              { name: 'dce-weu', publicNetworkAccess: 'Disabled' },
              { name: 'dce-neu', publicNetworkAccess: 'Disabled' },
            ],
            dataCollectionRules: [
              { name: 'dcr-linux-syslog', kind: 'Linux', dataCollectionEndpoint: 'dce-weu', workspace: 'law-platform' },
              {
                name: 'dcr-linux-perf',
                kind: 'Linux',
                dataCollectionEndpoint: 'dce-weu',
                workspace: 'law-platform',
                dataSources: { performanceCounters: [{ name: 'perf', streams: ['Microsoft-Perf'], samplingFrequencyInSeconds: 60, counterSpecifiers: ['Processor(*)\\% Idle Time'] }] },
                dataFlows: [{ streams: ['Microsoft-Perf'], destinations: ['workspace'] }],
              },
            ],
            privateLinkScopes: [
              { name: 'ampls-hub', ingestionAccessMode: 'PrivateOnly', queryAccessMode: 'PrivateOnly', scopedResources: opts.scopedResources ?? ['law-platform', 'dce-weu'] },
            ],
          },
          {
            name: 'rg-network',
            location: 'westeurope',
            virtualNetworks: [{ name: 'vnet-app', addressPrefix: '10.0.0.0/16', subnets: [{ name: 'private-endpoints', addressPrefix: '10.0.1.0/24' }, { name: 'workloads', addressPrefix: '10.0.128.0/17' }] }],
            privateDnsZones: [{ azureMonitor: true, links: ['vnet-app'] }],
            privateEndpoints: [{ name: 'pe-ampls-hub', subnet: 'vnet-app/private-endpoints', privateLinkScope: `${monitoringRg}/providers/Microsoft.Insights/privateLinkScopes/ampls-hub`, zones: 'azureMonitor' }],
          },
          {
            name: 'rg-app',
            location: 'westeurope',
            virtualMachines: opts.virtualMachines ?? [],
            virtualMachineScaleSets: opts.virtualMachineScaleSets ?? [],
          },
          {
            name: 'rg-onprem',
            location: 'westeurope',
            arcPrivateLinkScopes: opts.arcPrivateLinkScopes ?? [{ name: 'arc-pls', publicNetworkAccess: 'Disabled' }],
            arcMachines: opts.arcMachines ?? [],
          },
        ],
      },
    ],
  };
}

/** A spec for the estate: PrivateOnly scope, one rule, the given targets. */
export function estateSpec(targets: MonitoringTopologySpec['targets'], overrides: Partial<MonitoringTopologySpec> = {}): MonitoringTopologySpec {
  return {
    mode: 'Enforce',
    resyncInterval: '10m',
    discoveryInterval: '10s',
    privateLinkScope: {
      resourceId: estateIds.scope,
      accessModes: { ingestion: 'PrivateOnly', query: 'PrivateOnly' },
      scopedResources: [{ resourceId: estateIds.workspace }],
    },
    configurationEndpoint: { resourceId: estateIds.endpoint },
    dataCollectionRules: [{ resourceId: estateIds.rule }],
    targets,
    deletionPolicy: 'Orphan',
    ...overrides,
  };
}

/** A Flexible scale set whose agent uses the set's user-assigned identity (Flexible members cannot have a system one). */
export function flexibleScaleSet(name: string, capacity: number): EstateScaleSet {
  return {
    name,
    orchestrationMode: 'Flexible',
    capacity,
    osType: 'Linux',
    identity: { userAssigned: [estateIds.identity] },
    extensions: [{ ...AMA_EXTENSION, settings: { authentication: { managedIdentity: { 'identifier-name': 'mi_res_id', 'identifier-value': estateIds.identity } } } }],
  };
}

/** The ids of a Flexible scale set's members in rg-app, as the emulator holds them. */
export function scaleSetMembers(emulator: RunningEmulator, scaleSetId: string): string[] {
  return emulator.store
    .list(`/subscriptions/${scaleSetId.split('/')[2]}/resourceGroups/rg-app`, 'Microsoft.Compute/virtualMachines')
    .filter((vm) => String((vm.properties as { virtualMachineScaleSet?: { id?: string } }).virtualMachineScaleSet?.id ?? '').toLowerCase() === scaleSetId.toLowerCase())
    .map((vm) => String(vm.id));
}

/** Associations on a resource, as ARM lists them. */
export function associationsOf(emulator: RunningEmulator, resourceId: string): { name: string; properties: Record<string, unknown> }[] {
  return emulator.store
    .list(resourceId, 'Microsoft.Insights/dataCollectionRuleAssociations')
    .map((a) => ({ name: String(a.name), properties: (a.properties ?? {}) as Record<string, unknown> }));
}

/** Resource ids linked to a scope. */
export function scopedLinks(emulator: RunningEmulator, scopeId: string): string[] {
  return emulator.store
    .list(scopeId, 'Microsoft.Insights/privateLinkScopes/scopedResources')
    .map((r) => {
      const linked = (r.properties as { linkedResourceId?: unknown } | undefined)?.linkedResourceId;
      return typeof linked === 'string' ? linked.toLowerCase() : '';
    });
}
