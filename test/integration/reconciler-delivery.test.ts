// Delivery evidence end to end: the real apiserver, the emulator's agent fleet and query API, the official
// LogsQueryClient inside the controller. Each delivery state, each cause attribution, and unreadable evidence.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MonitoringTopology } from '../../src/api/types.ts';
import { kubectl, useTestNamespace } from '../support/kube.ts';
import { condition, createTopology, estate, estateIds, estateSpec, linuxVm, startTestController, waitForTopology } from '../support/controller.ts';
import type { TestController } from '../support/controller.ts';

const ns = useTestNamespace('reconcile-delivery');
const NAME = 'delivery';
let env: TestController;
const eventsRule = estateIds.rule.replace('dcr-linux-syslog', 'dcr-linux-events');
const both = [
  { name: 'rule', rule: estateIds.rule },
  { name: 'configurationAccessEndpoint', endpoint: estateIds.endpoint },
];

beforeAll(async () => {
  const e = estate({
    virtualMachines: [
      linuxVm('vm-ok', both),
      linuxVm('vm-new'),
      linuxVm('vm-guest', both),
      { ...linuxVm('vm-noagent', both), extensions: [] },
    ],
  });
  // A Linux rule that also routes Windows events: no data source produces them on Linux (stage Collection).
  e.subscriptions![0]!.resourceGroups![0]!.dataCollectionRules!.push({
    name: 'dcr-linux-events',
    kind: 'Linux',
    dataCollectionEndpoint: 'dce-weu',
    workspace: 'law-platform',
    dataSources: { syslog: [{ name: 'syslog', streams: ['Microsoft-Syslog'], facilityNames: ['*'], logLevels: ['Error'] }] },
    dataFlows: [{ streams: ['Microsoft-Syslog', 'Microsoft-Event'], destinations: ['workspace'] }],
  });
  env = await startTestController({ namespace: ns.name, emulator: { estate: e }, evidence: true });
  // The controller runs in the network behind the scope, as a PrivateOnly query mode requires.
  env.emulator.logAnalytics.setQueryOrigin({ privateLinkScope: estateIds.scope });
  env.emulator.logAnalytics.setGuestFault(estateIds.vm('vm-guest'), 'firewall');
  await createTopology(ns.name, NAME, {
    ...estateSpec({ resourceGroups: [estateIds.appResourceGroup] }, { dataCollectionRules: [{ resourceId: estateIds.rule }, { resourceId: eventsRule }] }),
    evidence: { interval: '30s', window: '5m' },
  });
});

afterAll(async () => {
  await env?.stop();
});

let requests = 0;
/** Asks for a pass now (the reconcile-requested-at annotation), which also reads the evidence again. */
async function lookAgain(): Promise<void> {
  requests++;
  await kubectl(['annotate', 'mtopo', NAME, '-n', ns.name, '--overwrite', `monitoring.ampls.dev/reconcile-requested-at=r${requests}`]);
}

// Errors and warnings only: every VM here also carries an Info finding for its portal-style system identity.
function findingsOf(t: MonitoringTopology, vm: string): { code: string; severity: string; stage: string; message: string }[] {
  return (t.status?.findings ?? []).filter((f) => f.severity !== 'Info' && f.resourceId.toLowerCase() === estateIds.vm(vm).toLowerCase());
}

describe('delivery evidence', () => {
  it('reports Delivering, Silent at stage Guest, and keeps a configuration finding as the cause', async () => {
    // Associations of vm-new are created by the controller; then the fleet runs two minutes.
    await waitForTopology(ns.name, NAME, (t) => expect(t.status?.instances?.compliant).toBe(3));
    env.emulator.logAnalytics.advance(120_000);
    await lookAgain();
    const t = await waitForTopology(ns.name, NAME, (x) => {
      expect(x.status?.delivery?.silent).toBe(2);
      expect(x.status?.instances?.delivering ?? 0).toBe(0);
      expect(x.status?.delivery?.heartbeatOnly).toBe(2);
    });
    // Two queries per workspace: latest heartbeat per machine, latest record per machine per table.
    expect(t.status?.delivery).toMatchObject({ workspaces: 1, queries: 2, unknown: 0 });
    expect(findingsOf(t, 'vm-guest')).toEqual([expect.objectContaining({ code: 'NoHeartbeat', severity: 'Error', stage: 'Guest' })]);
    expect(findingsOf(t, 'vm-guest')[0]?.message).toMatch(/service running.*IMDS.*private IPs.*port 443.*mdsd\.err/);
    expect(findingsOf(t, 'vm-noagent').map((f) => f.code)).toEqual(['AgentExtensionMissing']);
    expect(findingsOf(t, 'vm-ok')).toEqual([expect.objectContaining({ code: 'StreamNotArriving', stage: 'Collection' })]);
    expect(findingsOf(t, 'vm-ok')[0]?.message).toContain('dcr-linux-events');
    expect(condition(t, 'DataDelivered')).toMatchObject({ status: 'False', reason: 'DeliveryFailing' });
    expect(condition(t, 'Ready')?.status).toBe('False');
    expect(condition(t, 'AssociationsReady')?.status).not.toBe('False');
  });

  it('turns HeartbeatOnly into Delivering once the rules are all deliverable', async () => {
    // Only dcr-linux-syslog (syslog and perf) is declared now: every stream of it is produced on Linux.
    await kubectl(['patch', 'mtopo', NAME, '-n', ns.name, '--type', 'merge', '-p', JSON.stringify({ spec: { dataCollectionRules: [{ resourceId: estateIds.rule }] } })]);
    env.emulator.logAnalytics.advance(60_000);
    await lookAgain();
    const t = await waitForTopology(ns.name, NAME, (x) => {
      expect(x.status?.delivery?.delivering).toBe(2);
      expect(x.status?.instances?.delivering).toBe(2);
    });
    expect(findingsOf(t, 'vm-ok')).toEqual([]);
  });

  it('a machine that stopped is a Warning with the time of its last heartbeat', async () => {
    env.emulator.logAnalytics.setGuestFault(estateIds.vm('vm-ok'), 'agentStopped');
    env.emulator.logAnalytics.advance(10 * 60_000);
    await lookAgain();
    const t = await waitForTopology(ns.name, NAME, (x) => {
      expect(findingsOf(x, 'vm-ok').map((f) => f.code)).toEqual(['DeliveryStopped']);
    });
    const f = findingsOf(t, 'vm-ok')[0];
    expect(f).toMatchObject({ severity: 'Warning', stage: 'Guest' });
    expect(f?.message).toMatch(/last one arrived at \d{4}-\d{2}-\d{2}T/);
    env.emulator.logAnalytics.setGuestFault(estateIds.vm('vm-ok'), undefined);
  });

  it('evidence refused with 403 (queried from outside the private link) is Unknown, without machine errors', async () => {
    env.emulator.logAnalytics.setQueryOrigin({});
    await lookAgain();
    const t = await waitForTopology(ns.name, NAME, (x) => expect(condition(x, 'DataDelivered')).toMatchObject({ status: 'Unknown', reason: 'EvidenceUnreadable' }));
    expect(condition(t, 'DataDelivered')?.message).toContain('Forbidden');
    expect(t.status?.delivery?.unknown).toBe(4);
    expect((t.status?.findings ?? []).filter((f) => ['NoHeartbeat', 'DeliveryStopped', 'StreamNotArriving'].includes(f.code))).toEqual([]);
    env.emulator.logAnalytics.setQueryOrigin({ privateLinkScope: estateIds.scope });
  });

  it('a throttled query API is Unknown too, and reading again recovers', async () => {
    env.emulator.logAnalytics.setQueryRate({ limit: 0 });
    await lookAgain();
    const t = await waitForTopology(ns.name, NAME, (x) => expect(condition(x, 'DataDelivered')?.message).toContain('Throttled'));
    expect(condition(t, 'DataDelivered')?.status).toBe('Unknown');
    expect((t.status?.findings ?? []).filter((f) => f.severity === 'Error' && f.code === 'NoHeartbeat' && f.resourceId.endsWith('vm-ok'))).toEqual([]);
    env.emulator.logAnalytics.setQueryRate({});
    await lookAgain();
    await waitForTopology(ns.name, NAME, (x) => expect(condition(x, 'DataDelivered')?.status).toBe('False'));
  });
});
