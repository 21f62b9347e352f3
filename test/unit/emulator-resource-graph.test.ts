// @azure/arm-resourcegraph against the emulator's Microsoft.ResourceGraph: KQL over `resources` and `insightsresources`,
// body-level `$skipToken` paging, the per-user quota headers and 429, the lagged view, and a refused tenant.
import { ResourceGraphClient } from '@azure/arm-resourcegraph';
import type { QueryRequest, QueryResponse } from '@azure/arm-resourcegraph';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { clientOptions, computeClient, fastPoll, startTestEmulator } from '../support/emulator.ts';
import type { TestEmulator } from '../support/emulator.ts';

const SUB = '44444444-4444-4444-4444-444444444444';
const OTHER = '55555555-5555-5555-5555-555555555555';
const RG = `/subscriptions/${SUB}/resourceGroups/rg-fleet`;

type Row = Record<string, unknown>;

async function failure(p: Promise<unknown>): Promise<{ statusCode?: number; code?: string }> {
  try {
    await p;
  } catch (e) {
    return e as { statusCode?: number; code?: string };
  }
  throw new Error('expected the call to fail');
}

describe('Microsoft.ResourceGraph through the official client', () => {
  let emu: TestEmulator;
  let graph: ResourceGraphClient;
  let headers: Record<string, string | undefined> = {};

  const query = async (request: QueryRequest): Promise<QueryResponse> =>
    graph.resources(request, {
      onResponse: (raw) => {
        headers = { remaining: raw.headers.get('x-ms-user-quota-remaining'), resetsAfter: raw.headers.get('x-ms-user-quota-resets-after') };
      },
    });

  beforeAll(async () => {
    emu = await startTestEmulator({
      lroDelayMs: 0,
      estate: {
        subscriptions: [
          {
            id: SUB,
            resourceGroups: [
              {
                name: 'rg-fleet',
                location: 'westeurope',
                userAssignedIdentities: ['uami-agent'],
                dataCollectionEndpoints: [{ name: 'dce' }],
                workspaces: [{ name: 'law' }],
                dataCollectionRules: [{ name: 'dcr-linux', kind: 'Linux', dataCollectionEndpoint: 'dce', workspace: 'law' }],
                virtualMachineScaleSets: [{ name: 'flex', orchestrationMode: 'Flexible', capacity: 2, osType: 'Linux' }],
                virtualMachines: Array.from({ length: 7 }, (_, i) => ({
                  name: `vm-${i}`,
                  osType: 'Linux' as const,
                  identity: { userAssigned: ['uami-agent'] },
                  tags: { tier: i % 2 === 0 ? 'even' : 'odd' },
                  extensions: [{ name: 'AzureMonitorLinuxAgent', type: 'AzureMonitorLinuxAgent', settings: { authentication: { managedIdentity: { 'identifier-name': 'mi_res_id', 'identifier-value': `${RG}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/uami-agent` } } } }],
                  associations: i < 3 ? [{ name: 'dcr-linux-assoc', rule: 'dcr-linux' }] : [],
                })),
                arcMachines: [{ name: 'srv-01', osType: 'Linux' }],
              },
            ],
          },
          { id: OTHER, resourceGroups: [{ name: 'rg-elsewhere', virtualMachines: [{ name: 'vm-far' }] }] },
        ],
      },
    });
    graph = new ResourceGraphClient(emu.credential, clientOptions(emu, { retryOptions: { maxRetries: 0 } }));
  });

  afterAll(async () => {
    await emu?.close();
  });

  beforeEach(() => {
    emu.resourceGraph.setQuota({});
    emu.resourceGraph.setLagMs(0);
    emu.resourceGraph.setDenied(false);
  });

  test('resources holds VMs with identity, Flexible members, extensions with settings and Arc machines; types lower-cased', async () => {
    const vms = await query({
      subscriptions: [SUB],
      query: "Resources | where type =~ 'Microsoft.Compute/virtualMachines' | project id, name, type, resourceGroup, subscriptionId, identity, tags, scaleSet = tostring(properties.virtualMachineScaleSet.id) | order by name asc",
    });
    const rows = vms.data as Row[];
    expect(rows.map((r) => String(r.name).replace(/^flex_.*/, 'flex_*'))).toEqual(['flex_*', 'flex_*', 'vm-0', 'vm-1', 'vm-2', 'vm-3', 'vm-4', 'vm-5', 'vm-6']);
    expect(rows.every((r) => r.type === 'microsoft.compute/virtualmachines' && r.resourceGroup === 'rg-fleet' && r.subscriptionId === SUB)).toBe(true);
    const vm0 = rows.find((r) => r.name === 'vm-0') as Row;
    expect(vm0.identity).toMatchObject({ type: 'UserAssigned' });
    expect(Object.keys((vm0.identity as { userAssignedIdentities: object }).userAssignedIdentities)[0]).toMatch(/uami-agent$/);
    expect(vm0.tags).toEqual({ tier: 'even' });
    expect((rows.find((r) => String(r.name).startsWith('flex_')) as Row).scaleSet).toMatch(/virtualMachineScaleSets\/flex$/i);

    const exts = await query({ subscriptions: [SUB], query: "resources | where type == 'microsoft.compute/virtualmachines/extensions' | project id, settings = properties.settings" });
    expect(exts.totalRecords).toBe(7);
    expect((exts.data as Row[])[0]?.settings).toMatchObject({ authentication: { managedIdentity: { 'identifier-name': 'mi_res_id' } } });

    const arc = await query({ subscriptions: [SUB], query: "resources | where type =~ 'microsoft.hybridcompute/machines' | project id, identity" });
    expect((arc.data as Row[]).map((r) => r.identity)).toEqual([expect.objectContaining({ type: 'SystemAssigned' })]);
  });

  test('insightsresources holds the associations; scopes limit what a query sees', async () => {
    const assoc = await query({ subscriptions: [SUB], query: "insightsresources | where type == 'microsoft.insights/datacollectionruleassociations' | project id, rule = tostring(properties.dataCollectionRuleId)" });
    expect(assoc.totalRecords).toBe(3);
    expect((assoc.data as Row[]).every((r) => /dataCollectionRules\/dcr-linux$/i.test(String(r.rule)))).toBe(true);
    // Associations are not in `resources`.
    const none = await query({ subscriptions: [SUB], query: "resources | where type =~ 'microsoft.insights/datacollectionruleassociations' | count" });
    expect((none.data as Row[])[0]).toEqual({ Count: 0 });
    const both = await query({ subscriptions: [SUB, OTHER], query: "resources | where type =~ 'microsoft.compute/virtualmachines' | summarize n = count() by subscriptionId | order by subscriptionId asc" });
    expect(both.data).toEqual([{ subscriptionId: SUB, n: 9 }, { subscriptionId: OTHER, n: 1 }]);
  });

  test('pages by $top and $skipToken until no token comes back; a token is tied to its query', async () => {
    const request: QueryRequest = { subscriptions: [SUB], query: "resources | where type =~ 'microsoft.compute/virtualmachines' | project id | order by id asc", options: { top: 4 } };
    const seen: string[] = [];
    let page = await query(request);
    expect(page.totalRecords).toBe(9);
    for (;;) {
      seen.push(...(page.data as Row[]).map((r) => String(r.id)));
      if (!page.skipToken) break;
      page = await query({ ...request, options: { skipToken: page.skipToken } });
    }
    expect(seen).toHaveLength(9);
    expect(new Set(seen).size).toBe(9);
    const first = await query(request);
    const wrong = await failure(query({ ...request, query: 'resources | project id', options: { skipToken: first.skipToken ?? '' } }));
    expect(wrong.statusCode).toBe(400);
  });

  test('every answer carries the quota headers; a spent quota answers 429 until it resets', async () => {
    emu.resourceGraph.setQuota({ limit: 2, windowMs: 60_000 });
    await query({ subscriptions: [SUB], query: 'resources | take 1' });
    expect(headers.remaining).toBe('1');
    expect(headers.resetsAfter).toMatch(/^00:01:00|00:00:5\d$/);
    await query({ subscriptions: [SUB], query: 'resources | take 1' });
    expect(headers.remaining).toBe('0');
    const refused = await failure(query({ subscriptions: [SUB], query: 'resources | take 1' }));
    expect(refused.statusCode).toBe(429);
    expect(headers.remaining).toBe('0');
    emu.resourceGraph.setQuota({ limit: 2, windowMs: 50 });
    await query({ subscriptions: [SUB], query: 'resources | take 1' });
    expect(headers.remaining).toBe('1');
  });

  test('ARM writes reach Resource Graph only after the lag', async () => {
    emu.resourceGraph.setLagMs(60_000);
    const compute = computeClient(emu, SUB);
    await compute.virtualMachines.beginUpdateAndWait('rg-fleet', 'vm-1', { tags: { tier: 'changed' } }, fastPoll);
    const tagsOf = async (): Promise<unknown> =>
      ((await query({ subscriptions: [SUB], query: "resources | where name == 'vm-1' and type =~ 'microsoft.compute/virtualmachines' | project tags" })).data as Row[])[0]?.tags;
    expect(await tagsOf()).toEqual({ tier: 'odd' });
    expect((await compute.virtualMachines.get('rg-fleet', 'vm-1')).tags).toEqual({ tier: 'changed' });
    emu.resourceGraph.setLagMs(0);
    expect(await tagsOf()).toEqual({ tier: 'changed' });
  });

  test('a tenant that refuses Resource Graph answers 403; a bad query 400', async () => {
    emu.resourceGraph.setDenied(true);
    expect((await failure(query({ subscriptions: [SUB], query: 'resources | take 1' }))).statusCode).toBe(403);
    emu.resourceGraph.setDenied(false);
    expect((await failure(query({ subscriptions: [SUB], query: 'resources | frobnicate' }))).statusCode).toBe(400);
  });
});
