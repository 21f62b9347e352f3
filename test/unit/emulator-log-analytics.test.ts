// The emulated Log Analytics query API through the official LogsQueryClient, and the agent fleet behind it:
// machines send heartbeats and data only as far as the field report's lifecycle lets them.
import { LogsQueryClient, LogsQueryResultStatus, type LogsTable } from '@azure/monitor-query-logs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Estate } from '../../src/emulator/index.ts';
import { startTestEmulator, type TestEmulator } from '../support/emulator.ts';

const SUB = '33333333-3333-3333-3333-333333333333';
const MON = `/subscriptions/${SUB}/resourceGroups/rg-mon/providers`;
const WL = `/subscriptions/${SUB}/resourceGroups/rg-wl/providers/Microsoft.Compute/virtualMachines`;
const SCOPE = `${MON}/Microsoft.Insights/privateLinkScopes/ampls`;
const DCE = `${MON}/Microsoft.Insights/dataCollectionEndpoints/dce`;
const LINUX_RULE = `${MON}/Microsoft.Insights/dataCollectionRules/dcr-linux`;
const WINDOWS_RULE = `${MON}/Microsoft.Insights/dataCollectionRules/dcr-windows`;
const UAMI = `${MON}/Microsoft.ManagedIdentity/userAssignedIdentities/uami-ama`;

const agent = (os: 'Linux' | 'Windows', settings?: Record<string, unknown>) => ({
  name: `AzureMonitor${os}Agent`,
  type: `AzureMonitor${os}Agent`,
  ...(settings ? { settings } : {}),
});
const both = (rule: string) => [
  { name: 'rule', rule },
  { name: 'configurationAccessEndpoint', endpoint: DCE },
];

const estate: Estate = {
  subscriptions: [
    {
      id: SUB,
      resourceGroups: [
        {
          name: 'rg-mon',
          userAssignedIdentities: ['uami-ama'],
          workspaces: [{ name: 'law' }],
          dataCollectionEndpoints: [{ name: 'dce', publicNetworkAccess: 'Disabled' }],
          dataCollectionRules: [
            { name: 'dcr-linux', kind: 'Linux', dataCollectionEndpoint: 'dce', workspace: 'law' },
            { name: 'dcr-windows', kind: 'Windows', dataCollectionEndpoint: 'dce', workspace: 'law' },
          ],
          privateLinkScopes: [{ name: 'ampls', ingestionAccessMode: 'PrivateOnly', queryAccessMode: 'PrivateOnly', scopedResources: ['law', 'dce'] }],
        },
        {
          name: 'rg-wl',
          virtualMachines: [
            { name: 'vm-ok', osType: 'Linux', identity: { systemAssigned: true }, extensions: [agent('Linux')], associations: both(LINUX_RULE) },
            { name: 'vm-no-agent', osType: 'Linux', identity: { systemAssigned: true }, associations: both(LINUX_RULE) },
            { name: 'vm-no-identity', osType: 'Linux', identity: { userAssigned: [UAMI] }, extensions: [agent('Linux')], associations: both(LINUX_RULE) },
            {
              name: 'vm-uami',
              osType: 'Linux',
              identity: { userAssigned: [UAMI] },
              extensions: [agent('Linux', { authentication: { managedIdentity: { 'identifier-name': 'mi_res_id', 'identifier-value': UAMI } } })],
              associations: both(LINUX_RULE),
            },
            { name: 'vm-no-endpoint', osType: 'Linux', identity: { systemAssigned: true }, extensions: [agent('Linux')], associations: [{ name: 'rule', rule: LINUX_RULE }] },
            { name: 'vm-wrong-os', osType: 'Windows', identity: { systemAssigned: true }, extensions: [agent('Windows')], associations: both(LINUX_RULE) },
            { name: 'vm-windows', osType: 'Windows', identity: { systemAssigned: true }, extensions: [agent('Windows')], associations: both(WINDOWS_RULE) },
            { name: 'vm-guest', osType: 'Linux', identity: { systemAssigned: true }, extensions: [agent('Linux')], associations: both(LINUX_RULE) },
          ],
          arcMachines: [
            { name: 'arc-ok', osType: 'Linux', extensions: [agent('Linux')], associations: both(LINUX_RULE) },
            { name: 'arc-disconnected', osType: 'Windows', status: 'Disconnected', extensions: [agent('Windows')], associations: both(WINDOWS_RULE) },
          ],
        },
      ],
    },
  ],
};

const LATEST = 'Heartbeat | summarize LastHeartbeat = max(TimeGenerated) by ResourceId = tolower(_ResourceId) | order by ResourceId asc';

function byName(t: LogsTable | undefined): Map<string, Record<string, unknown>> {
  const out = new Map<string, Record<string, unknown>>();
  for (const row of t?.rows ?? []) {
    const rec = Object.fromEntries(t!.columnDescriptors.map((c, i) => [c.name ?? '', row[i]]));
    out.set((rec.ResourceId as string).split('/').pop()!, rec);
  }
  return out;
}

async function failure(p: Promise<unknown>): Promise<{ statusCode?: number; code?: string; details?: { error?: { code?: string; innererror?: Record<string, unknown> } } }> {
  try {
    await p;
  } catch (e) {
    return e as never;
  }
  throw new Error('expected a failure');
}

describe('Log Analytics query API and agent fleet', () => {
  let emu: TestEmulator;
  let logs: LogsQueryClient;
  let guid: string;

  beforeAll(async () => {
    emu = await startTestEmulator({ estate, agents: { ingestionDelayMs: 90_000 } });
    logs = new LogsQueryClient(emu.credential, { endpoint: emu.logAnalytics.endpoint, retryOptions: { maxRetries: 0 } });
    const props = emu.store.get(`${MON}/Microsoft.OperationalInsights/workspaces/law`)?.properties as { customerId: string };
    guid = props.customerId;
    emu.logAnalytics.setGuestFault(`${WL}/vm-guest`, 'firewall');
  });
  afterAll(() => emu.close());

  test('each machine reaches the stage the seed lifecycle predicts', () => {
    const stages: Record<string, number | string> = {};
    for (const l of emu.logAnalytics.lifecycles()) stages[l.machineId.split('/').pop()!] = l.stopped?.stage ?? (l.missing.length > 0 ? 'heartbeat-only' : 'delivering');
    expect(stages).toEqual({
      'vm-ok': 'delivering',
      'vm-no-agent': 1,
      'vm-no-identity': 4,
      'vm-uami': 'delivering',
      'vm-no-endpoint': 6,
      'vm-wrong-os': 'heartbeat-only',
      'vm-windows': 'delivering',
      'vm-guest': 6,
      'arc-ok': 'delivering',
      'arc-disconnected': 3,
    });
  });

  test('rows appear after the ingestion delay, only for machines whose lifecycle succeeds', async () => {
    emu.logAnalytics.setQueryOrigin({ privateLinkScope: SCOPE });
    emu.logAnalytics.advance(60_000);
    const early = await logs.queryWorkspace(guid, LATEST, { duration: 'PT1H' });
    expect(early.status).toBe(LogsQueryResultStatus.Success);
    expect(early.status === LogsQueryResultStatus.Success && early.tables[0]?.rows).toEqual([]);
    emu.logAnalytics.advance(120_000);
    const later = await logs.queryWorkspace(guid, LATEST, { duration: 'PT1H' });
    if (later.status !== LogsQueryResultStatus.Success) throw new Error('query failed');
    const table = later.tables[0];
    expect(table?.columnDescriptors).toEqual([{ name: 'ResourceId', type: 'string' }, { name: 'LastHeartbeat', type: 'datetime' }]);
    const rows = byName(table);
    expect([...rows.keys()].sort()).toEqual(['arc-ok', 'vm-ok', 'vm-uami', 'vm-windows', 'vm-wrong-os']);
    expect(rows.get('vm-ok')?.LastHeartbeat).toBeInstanceOf(Date);

    const perTable = await logs.queryWorkspace(
      guid,
      'union withsource=SourceTable Syslog, Event, Perf | summarize LastRecord = max(TimeGenerated) by SourceTable, ResourceId = tolower(_ResourceId)',
      { duration: 'PT1H' },
    );
    if (perTable.status !== LogsQueryResultStatus.Success) throw new Error('query failed');
    const seen = perTable.tables[0]!.rows.map((r) => `${(r[1] as string).split('/').pop()}:${r[0] as string}`).sort();
    expect(seen).toEqual(['arc-ok:Perf', 'arc-ok:Syslog', 'vm-ok:Perf', 'vm-ok:Syslog', 'vm-uami:Perf', 'vm-uami:Syslog', 'vm-windows:Event', 'vm-windows:Perf']);
  });

  test('a query from the internet to a workspace behind a PrivateOnly scope is refused with 403', async () => {
    emu.logAnalytics.setQueryOrigin({});
    const e = await failure(logs.queryWorkspace(guid, 'Heartbeat | count', { duration: 'PT1H' }));
    expect(e.statusCode).toBe(403);
    expect(e.details?.error?.code).toBe('InsufficientAccessError');
    emu.logAnalytics.setQueryOrigin({ privateLinkScope: SCOPE });
  });

  test('a syntax error is a 400 BadArgumentError with an inner SyntaxError naming the token', async () => {
    const e = await failure(logs.queryWorkspace(guid, 'Heartbeat | join (Syslog) on Computer', { duration: 'PT1H' }));
    expect(e.statusCode).toBe(400);
    expect(e.details?.error?.code).toBe('BadArgumentError');
    expect(e.details?.error?.innererror?.code).toBe('SyntaxError');
    expect(JSON.stringify(e.details?.error?.innererror)).toContain("'join'");
  });

  test('an ARM token is refused by the query API, a Log Analytics token by ARM', async () => {
    const arm = await emu.credential.getToken('https://management.azure.com/.default');
    const res = await fetch(`${emu.logAnalytics.endpoint}/workspaces/${guid}/query?query=Heartbeat`, { headers: { authorization: `Bearer ${arm!.token}` } });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('InvalidAuthenticationTokenAudience');
    const la = await emu.credential.getToken('https://api.loganalytics.io/.default');
    const back = await fetch(`${emu.url}/subscriptions/${SUB}/resourceGroups?api-version=2021-04-01`, { headers: { authorization: `Bearer ${la!.token}` } });
    expect(back.status).toBe(401);
  });

  test('the per-user query rate answers 429 with Retry-After', async () => {
    emu.logAnalytics.setQueryRate({ limit: 2, windowMs: 30_000 });
    await logs.queryWorkspace(guid, 'Heartbeat | count', { duration: 'PT1H' });
    await logs.queryWorkspace(guid, 'Heartbeat | count', { duration: 'PT1H' });
    const e = await failure(logs.queryWorkspace(guid, 'Heartbeat | count', { duration: 'PT1H' }));
    expect(e.statusCode).toBe(429);
    emu.logAnalytics.setQueryRate({});
  });
});
