// Azure's less kind rules, each through the official SDK: exclusive scope writes, Compute's own limits, ARM's
// per-principal and global headers, token audiences, linked authorization, association targets, answers lost
// after the write, conditional writes, and settings read from an estate file.
import { ComputeManagementClient } from '@azure/arm-compute';
import { MonitorClient } from '@azure/arm-monitor';
import { RestError } from '@azure/core-rest-pipeline';
import { ClientSecretCredential } from '@azure/identity';
import { afterEach, describe, expect, test } from 'vitest';
import type { Estate, EmulatorOptions, Principal } from '../../src/emulator/index.ts';
import { clientOptions, computeClient, fastPoll, monitorClient, startTestEmulator } from '../support/emulator.ts';
import type { TestEmulator } from '../support/emulator.ts';

const SUB = '66666666-6666-6666-6666-666666666666';
const RG = `/subscriptions/${SUB}/resourceGroups/rg`;
const INSIGHTS = `${RG}/providers/Microsoft.Insights`;
const VM = `${RG}/providers/Microsoft.Compute/virtualMachines/vm-1`;
const DCR = `${INSIGHTS}/dataCollectionRules/dcr`;
const DCE = `${INSIGHTS}/dataCollectionEndpoints/dce`;
const LAW = `${RG}/providers/Microsoft.OperationalInsights/workspaces/law`;
const noRetry = { retryOptions: { maxRetries: 0 } };

const estate = (extra: Partial<Estate> = {}): Estate => ({
  subscriptions: [
    {
      id: SUB,
      resourceGroups: [
        {
          name: 'rg',
          location: 'eastus',
          workspaces: [{ name: 'law' }, { name: 'law-2' }],
          dataCollectionEndpoints: [{ name: 'dce' }],
          dataCollectionRules: [{ name: 'dcr', kind: 'Linux', workspace: 'law' }],
          privateLinkScopes: [{ name: 'ampls', ingestionAccessMode: 'PrivateOnly', queryAccessMode: 'Open' }],
          virtualMachines: [{ name: 'vm-1' }, { name: 'vm-2', location: 'westeurope' }],
          virtualMachineScaleSets: [{ name: 'vmss', orchestrationMode: 'Uniform', capacity: 1 }],
        },
      ],
    },
  ],
  ...extra,
});

let emu: TestEmulator | undefined;
afterEach(async () => {
  await emu?.close();
  emu = undefined;
});

async function start(options: EmulatorOptions = {}): Promise<TestEmulator> {
  emu = await startTestEmulator({ estate: estate(), ...options });
  return emu;
}

async function rejection(p: Promise<unknown>): Promise<RestError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof RestError) return e;
    throw e;
  }
  throw new Error('expected the request to fail');
}

function credentialFor(e: TestEmulator, principal: Principal): ClientSecretCredential {
  return new ClientSecretCredential(e.tenantId, principal.clientId, principal.clientSecret ?? '', { authorityHost: e.authorityHost, disableInstanceDiscovery: true });
}

describe('private link scope writes are long-running and exclusive', () => {
  test('a second write to the scope while one runs is refused; it succeeds once the first is done', async () => {
    const e = await start({ lroDelays: { 'Microsoft.Insights/privateLinkScopes/scopedResources': 300 } });
    const monitor = monitorClient(e, SUB, noRetry);
    const first = monitor.privateLinkScopedResources.createOrUpdate('rg', 'ampls', 'law-link', { linkedResourceId: LAW }, fastPoll);
    await first.submitted();
    const busy = await rejection(monitor.privateLinkScopedResources.createOrUpdate('rg', 'ampls', 'dce-link', { linkedResourceId: DCE }, fastPoll).pollUntilDone());
    expect([busy.statusCode, busy.code, busy.message]).toEqual([409, 'Conflict', "Cannot modify resource while in provisioning state: 'Provisioning'"]);
    const deleting = await rejection(monitor.privateLinkScopedResources.delete('rg', 'ampls', 'law-link', fastPoll).pollUntilDone());
    expect(deleting.statusCode).toBe(409);
    expect((await first.pollUntilDone()).provisioningState).toBe('Succeeded');
    const second = await monitor.privateLinkScopedResources.createOrUpdate('rg', 'ampls', 'dce-link', { linkedResourceId: DCE }, fastPoll).pollUntilDone();
    expect(second.provisioningState).toBe('Succeeded');
  });

  test('linking the same resource a second time under another name is a Conflict', async () => {
    const e = await start();
    const monitor = monitorClient(e, SUB, noRetry);
    await monitor.privateLinkScopedResources.createOrUpdate('rg', 'ampls', 'law-link', { linkedResourceId: LAW }, fastPoll).pollUntilDone();
    const twin = await rejection(monitor.privateLinkScopedResources.createOrUpdate('rg', 'ampls', 'law-again', { linkedResourceId: LAW }, fastPoll).pollUntilDone());
    expect([twin.statusCode, twin.code, twin.message]).toEqual([409, 'Conflict', 'Scoped resource with same linked resource id already exists in this private link scope']);
    // The same name again is an idempotent update, not a second link.
    expect((await monitor.privateLinkScopedResources.createOrUpdate('rg', 'ampls', 'law-link', { linkedResourceId: LAW }, fastPoll).pollUntilDone()).name).toBe('law-link');
  });
});

describe("Compute's own limits", () => {
  test('VM lists draw from a per-minute bucket with Compute headers and body; VM gets and Insights reads are not slowed', async () => {
    const e = await start({ computeLimits: { vmList: { burst: 3, perMinute: 1 } } });
    const compute = computeClient(e, SUB, noRetry);
    const seen: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${e.url}${RG}/providers/Microsoft.Compute/virtualMachines?api-version=2024-11-01`, { headers: await bearer(e) });
      seen.push(res.headers.get('x-ms-ratelimit-remaining-resource') ?? '');
    }
    expect(seen).toEqual(['Microsoft.Compute/HighCostGet3Min;2', 'Microsoft.Compute/HighCostGet3Min;1', 'Microsoft.Compute/HighCostGet3Min;0']);
    const refused = await rejection((async () => { for await (const _ of compute.virtualMachines.listAll()) void _; })());
    expect(refused.statusCode).toBe(429);
    expect(Number(refused.response?.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(refused.code).toBe('OperationNotAllowed');
    const raw = await fetch(`${e.url}${RG}/providers/Microsoft.Compute/virtualMachines?api-version=2024-11-01`, { headers: await bearer(e) });
    const body = (await raw.json()) as { code: string; details: { code: string; target: string }[] };
    expect([raw.status, body.code, body.details[0]?.code, body.details[0]?.target]).toEqual([429, 'OperationNotAllowed', 'TooManyRequests', 'HighCostGet3Min']);
    // ARM itself still had plenty: the 429 is Compute's.
    expect(Number(refused.response?.headers.get('x-ms-ratelimit-remaining-subscription-reads'))).toBeGreaterThan(200);
    expect((await compute.virtualMachines.get('rg', 'vm-1')).name).toBe('vm-1');
    const dcrs: unknown[] = [];
    for await (const r of monitorClient(e, SUB, noRetry).dataCollectionRules.listByResourceGroup('rg')) dcrs.push(r);
    expect(dcrs).toHaveLength(1);
  });

  test('scale set lists have their own bucket, and VM gets are counted per region', async () => {
    const e = await start({ computeLimits: { scaleSetList: { burst: 1, perMinute: 1 }, vmGet: { burst: 1, perMinute: 1 } } });
    const compute = computeClient(e, SUB, noRetry);
    for await (const _ of compute.virtualMachineScaleSets.listAll()) void _;
    expect((await rejection((async () => { for await (const _ of compute.virtualMachineScaleSets.listAll()) void _; })())).statusCode).toBe(429);
    await compute.virtualMachines.get('rg', 'vm-1');
    await compute.virtualMachines.get('rg', 'vm-2');
    expect((await rejection(compute.virtualMachines.get('rg', 'vm-1'))).statusCode).toBe(429);
  });
});

async function bearer(e: TestEmulator, scope = 'https://management.azure.com/.default'): Promise<Record<string, string>> {
  return { authorization: `Bearer ${(await e.credential.getToken(scope))?.token ?? ''}`, 'content-type': 'application/json' };
}

describe("ARM's remaining-request headers", () => {
  test('each principal has its own bucket and all share the subscription-wide -global- bucket', async () => {
    const other: Principal = { tenantId: '', clientId: '77777777-0000-0000-0000-000000000001', clientSecret: 'other' };
    // Refill slowed to almost nothing so the counts are exact.
    const e = await startTestEmulator({ estate: { ...estate(), tenantId: '77777777-0000-0000-0000-0000000000aa' }, principals: [{ ...other, tenantId: '77777777-0000-0000-0000-0000000000aa' }], throttling: { scale: 0.0001 } });
    emu = e;
    const url = `${e.url}${INSIGHTS}/dataCollectionRules?api-version=2024-03-11`;
    const mine = await fetch(url, { headers: await bearer(e) });
    expect([mine.headers.get('x-ms-ratelimit-remaining-subscription-reads'), mine.headers.get('x-ms-ratelimit-remaining-subscription-global-reads')]).toEqual(['249', '3749']);
    const token = await credentialFor(e, other).getToken('https://management.azure.com/.default');
    const theirs = await fetch(url, { headers: { authorization: `Bearer ${token?.token ?? ''}` } });
    expect([theirs.headers.get('x-ms-ratelimit-remaining-subscription-reads'), theirs.headers.get('x-ms-ratelimit-remaining-subscription-global-reads')]).toEqual(['249', '3748']);
  });

  test('the global bucket refuses when principals together exceed it', async () => {
    const e = await start({ throttling: { writes: { burst: 2, perSecond: 0.0001 }, globalFactor: 1, scale: 0.0001 } });
    const monitor = monitorClient(e, SUB, noRetry);
    await monitor.dataCollectionEndpoints.create('rg', 'a', { body: { location: 'eastus' } });
    await monitor.dataCollectionEndpoints.create('rg', 'b', { body: { location: 'eastus' } });
    const refused = await rejection(monitor.dataCollectionEndpoints.create('rg', 'c', { body: { location: 'eastus' } }));
    expect([refused.statusCode, refused.code]).toEqual([429, 'TooManyRequests']);
    expect(refused.response?.headers.get('x-ms-ratelimit-remaining-subscription-global-writes')).toBe('0');
  });
});

describe('tokens are for one audience', () => {
  test('ARM refuses a token issued for another cloud with InvalidAuthenticationTokenAudience', async () => {
    const e = await start();
    const gov = new ComputeManagementClient(e.credential, SUB, { ...clientOptions(e), credentials: { scopes: ['https://management.usgovcloudapi.net/.default'] }, ...noRetry });
    const refused = await rejection(gov.virtualMachines.get('rg', 'vm-1'));
    expect([refused.statusCode, refused.code]).toEqual([401, 'InvalidAuthenticationTokenAudience']);
    expect(refused.message).toContain("The access token has been obtained for wrong audience or resource 'https://management.usgovcloudapi.net/'");
    expect((await computeClient(e, SUB).virtualMachines.get('rg', 'vm-1')).name).toBe('vm-1');
  });

  test('an emulator playing a sovereign cloud accepts that cloud audience only', async () => {
    const e = await start({ armAudiences: ['https://management.chinacloudapi.cn/', 'https://management.core.chinacloudapi.cn/'] });
    const china = new ComputeManagementClient(e.credential, SUB, { ...clientOptions(e), credentials: { scopes: ['https://management.chinacloudapi.cn/.default'] } });
    expect((await china.virtualMachines.get('rg', 'vm-1')).name).toBe('vm-1');
    expect((await rejection(computeClient(e, SUB, noRetry).virtualMachines.get('rg', 'vm-1'))).code).toBe('InvalidAuthenticationTokenAudience');
  });
});

describe('linked authorization', () => {
  const writer = (actions: string[]): Principal => ({
    tenantId: 'set-below',
    clientId: '88888888-0000-0000-0000-000000000001',
    clientSecret: 'writer',
    roles: [{ scope: `/subscriptions/${SUB}`, actions }],
  });

  async function asWriter(actions: string[]): Promise<MonitorClient> {
    const tenantId = '88888888-0000-0000-0000-0000000000aa';
    const principal = { ...writer(actions), tenantId };
    const e = await startTestEmulator({ estate: { ...estate(), tenantId }, principals: [principal] });
    emu = e;
    return new MonitorClient(credentialFor(e, principal), SUB, { ...clientOptions(e), ...noRetry });
  }

  test('an association naming a rule the caller cannot read is LinkedAuthorizationFailed', async () => {
    const monitor = await asWriter(['Microsoft.Insights/dataCollectionRuleAssociations/*', 'Microsoft.Compute/virtualMachines/read']);
    const refused = await rejection(monitor.dataCollectionRuleAssociations.create(VM.slice(1), 'rule', { body: { dataCollectionRuleId: DCR } }));
    expect([refused.statusCode, refused.code]).toEqual([403, 'LinkedAuthorizationFailed']);
    expect(refused.message).toContain(`does not have permission to perform action 'Microsoft.Insights/dataCollectionRules/read' on the linked scope(s) '${DCR}'`);
  });

  test('with read on the rule the same write succeeds; a scoped resource needs read on what it links', async () => {
    const monitor = await asWriter(['Microsoft.Insights/dataCollectionRuleAssociations/*', 'Microsoft.Insights/dataCollectionRules/read', 'Microsoft.Insights/privateLinkScopes/*']);
    expect((await monitor.dataCollectionRuleAssociations.create(VM.slice(1), 'rule', { body: { dataCollectionRuleId: DCR } })).name).toBe('rule');
    const refused = await rejection(monitor.privateLinkScopedResources.createOrUpdate('rg', 'ampls', 'law-link', { linkedResourceId: LAW }, fastPoll).pollUntilDone());
    expect([refused.statusCode, refused.code]).toEqual([403, 'LinkedAuthorizationFailed']);
  });

  test('operation status is read like any other read: the action of its own path', async () => {
    const monitor = await asWriter(['Microsoft.Insights/privateLinkScopes/scopedResources/*', 'Microsoft.OperationalInsights/workspaces/read']);
    const refused = await rejection(monitor.privateLinkScopedResources.createOrUpdate('rg', 'ampls', 'law-link', { linkedResourceId: LAW }, fastPoll).pollUntilDone());
    expect([refused.statusCode, refused.code]).toEqual([403, 'AuthorizationFailed']);
    expect(refused.message).toContain("perform action 'Microsoft.Insights/privateLinkScopeOperationStatuses/read'");
    // Read on the scoped resource itself (granted above by scopedResources/*) is not what the status read needs.
  });
});

describe('what an association may attach to', () => {
  test('an association on a data collection rule is refused with Azure message', async () => {
    const e = await start();
    const refused = await rejection(monitorClient(e, SUB, noRetry).dataCollectionRuleAssociations.create(DCR.slice(1), 'self', { body: { dataCollectionEndpointId: DCE } }));
    expect(refused.statusCode).toBe(400);
    expect(refused.message).toMatch(/^Association cannot be created for resource of type 'Microsoft.Insights\/dataCollectionRules'. Supported types are: Microsoft.AzureStackHCI\/virtualmachines,/);
  });

  test('machines and scale sets accept associations; an endpoint association keeps its reserved name', async () => {
    const e = await start();
    const monitor = monitorClient(e, SUB, noRetry);
    expect((await monitor.dataCollectionRuleAssociations.create(`${RG.slice(1)}/providers/Microsoft.Compute/virtualMachineScaleSets/vmss`, 'rule', { body: { dataCollectionRuleId: DCR } })).name).toBe('rule');
    const misnamed = await rejection(monitor.dataCollectionRuleAssociations.create(VM.slice(1), 'dce', { body: { dataCollectionEndpointId: DCE } }));
    expect([misnamed.statusCode, misnamed.code]).toEqual([400, 'InvalidEndpointAssociationName']);
  });
});

describe('a write that happened but whose answer was lost', () => {
  test('a 5xx after the store changed: the retry finds the association already there', async () => {
    const e = await start();
    const monitor = monitorClient(e, SUB, noRetry);
    e.setFaults({ serverErrorAfterCommitRate: 1, serverErrorStatus: 503, pathPattern: 'dataCollectionRuleAssociations' });
    const lost = await rejection(monitor.dataCollectionRuleAssociations.create(VM.slice(1), 'rule', { body: { dataCollectionRuleId: DCR } }));
    expect(lost.statusCode).toBe(503);
    e.setFaults({});
    expect((await monitor.dataCollectionRuleAssociations.get(VM.slice(1), 'rule')).dataCollectionRuleId).toBe(DCR);
    const again = await fetch(`${e.url}${VM}/providers/Microsoft.Insights/dataCollectionRuleAssociations/rule?api-version=2024-03-11`, { method: 'PUT', headers: await bearer(e), body: JSON.stringify({ properties: { dataCollectionRuleId: DCR } }) });
    expect(again.status).toBe(200);
  });

  test('a dropped connection after the write: reads show it done', async () => {
    const e = await start();
    e.setFaults({ connectionResetAfterCommitRate: 1, pathPattern: 'dataCollectionEndpoints/late' });
    await expect(fetch(`${e.url}${INSIGHTS}/dataCollectionEndpoints/late?api-version=2024-03-11`, { method: 'PUT', headers: await bearer(e), body: '{"location":"eastus"}' })).rejects.toThrow();
    e.setFaults({});
    expect((await monitorClient(e, SUB).dataCollectionEndpoints.get('rg', 'late')).name).toBe('late');
    expect(e.counters().byOperation['PUT Microsoft.Insights/dataCollectionEndpoints']).toEqual({ '0': 1 });
  });
});

describe('conditional writes', () => {
  test('associations carry an ETag and honour If-None-Match: * and If-Match', async () => {
    const e = await start();
    const monitor = monitorClient(e, SUB, noRetry);
    const created = await monitor.dataCollectionRuleAssociations.create(VM.slice(1), 'rule', { body: { dataCollectionRuleId: DCR }, requestOptions: { headers: { 'If-None-Match': '*' } } });
    expect(created.etag).toMatch(/\S/);
    const exists = await rejection(monitor.dataCollectionRuleAssociations.create(VM.slice(1), 'rule', { body: { dataCollectionRuleId: DCR }, requestOptions: { headers: { 'If-None-Match': '*' } } }));
    expect([exists.statusCode, exists.code]).toEqual([412, 'PreconditionFailed']);
    const stale = await rejection(monitor.dataCollectionRuleAssociations.delete(VM.slice(1), 'rule', { requestOptions: { headers: { 'If-Match': '"stale"' } } }));
    expect(stale.statusCode).toBe(412);
    await monitor.dataCollectionRuleAssociations.delete(VM.slice(1), 'rule', { requestOptions: { headers: { 'If-Match': `"${created.etag ?? ''}"` } } });
    expect((await rejection(monitor.dataCollectionRuleAssociations.get(VM.slice(1), 'rule'))).statusCode).toBe(404);
  });

  test('scoped resources have no ETag, so conditional headers are not validated', async () => {
    const e = await start();
    const monitor = monitorClient(e, SUB, noRetry);
    const first = await monitor.privateLinkScopedResources.createOrUpdate('rg', 'ampls', 'law-link', { linkedResourceId: LAW }, { ...fastPoll, requestOptions: { headers: { 'If-None-Match': '*' } } }).pollUntilDone();
    expect((first as { etag?: string }).etag).toBeUndefined();
    const again = await monitor.privateLinkScopedResources.createOrUpdate('rg', 'ampls', 'law-link', { linkedResourceId: LAW }, { ...fastPoll, requestOptions: { headers: { 'If-None-Match': '*' } } }).pollUntilDone();
    expect(again.provisioningState).toBe('Succeeded');
  });
});

describe('settings from an estate file', () => {
  test('LRO delays, Compute limits and faults set in the estate apply; options in code win', async () => {
    const e = await startTestEmulator({
      estate: estate({ settings: { lroDelays: { 'Microsoft.Insights/privateLinkScopes/scopedResources': 200 }, computeLimits: { vmGet: { burst: 1, perMinute: 1 } }, faults: { throttleRate: 0 } } }),
      computeLimits: { vmGet: { burst: 2, perMinute: 1 } },
    });
    emu = e;
    const monitor = monitorClient(e, SUB, noRetry);
    const first = monitor.privateLinkScopedResources.createOrUpdate('rg', 'ampls', 'law-link', { linkedResourceId: LAW }, fastPoll);
    await first.submitted();
    expect((await rejection(monitor.privateLinkScopedResources.createOrUpdate('rg', 'ampls', 'dce-link', { linkedResourceId: DCE }, fastPoll).pollUntilDone())).statusCode).toBe(409);
    await first.pollUntilDone();
    const compute = computeClient(e, SUB, noRetry);
    await compute.virtualMachines.get('rg', 'vm-1');
    await compute.virtualMachines.get('rg', 'vm-1');
    expect((await rejection(compute.virtualMachines.get('rg', 'vm-1'))).statusCode).toBe(429);
  });
});
