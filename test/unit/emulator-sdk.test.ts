// The official SDK clients (arm-monitor v8, arm-compute, identity) work against the emulator unchanged.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ComputeManagementClient } from '@azure/arm-compute';
import type { MonitorClient } from '@azure/arm-monitor';
import { ClientAssertionCredential, WorkloadIdentityCredential } from '@azure/identity';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { computeClient, fastPoll, monitorClient, startTestEmulator } from '../support/emulator.ts';
import type { TestEmulator } from '../support/emulator.ts';

const SUB = '22222222-2222-2222-2222-222222222222';
const RG = `/subscriptions/${SUB}/resourceGroups/rg`;
const INSIGHTS = `${RG}/providers/Microsoft.Insights`;
const UAMI = `${RG}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/uami-ama`;

async function collect<T>(iter: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of iter) out.push(x);
  return out;
}

async function statusOf(p: Promise<unknown>): Promise<{ statusCode?: number; code?: string; message?: string }> {
  try {
    await p;
  } catch (e) {
    return e as { statusCode?: number; code?: string; message?: string };
  }
  throw new Error('expected the call to fail');
}

describe('official SDK clients against the emulator', () => {
  let emu: TestEmulator;
  let monitor: MonitorClient;
  let compute: ComputeManagementClient;

  beforeAll(async () => {
    emu = await startTestEmulator({
      pageSize: 2,
      lroDelayMs: 30,
      estate: {
        subscriptions: [
          {
            id: SUB,
            resourceGroups: [{ name: 'rg', location: 'eastus', userAssignedIdentities: ['uami-ama', 'uami-app'], workspaces: [{ name: 'law' }] }],
          },
        ],
      },
    });
    monitor = monitorClient(emu, SUB);
    compute = computeClient(emu, SUB);
  });
  afterAll(() => emu.close());

  test('tokens come from the emulator for secrets, assertions and workload identity', async () => {
    const secret = await emu.credential.getToken('https://management.azure.com/.default');
    expect(secret?.token.split('.')).toHaveLength(3);
    const assertion = new ClientAssertionCredential(emu.tenantId, emu.clientId, () => Promise.resolve('eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzYSJ9.c2ln'), {
      authorityHost: emu.authorityHost,
      disableInstanceDiscovery: true,
    });
    expect((await assertion.getToken('https://management.azure.com/.default'))?.token).toBeTruthy();
    const dir = await mkdtemp(join(tmpdir(), 'wi-'));
    await writeFile(join(dir, 'token'), 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6bW9uOmN0cmwifQ.c2ln');
    const workload = new WorkloadIdentityCredential({
      tenantId: emu.tenantId,
      clientId: emu.clientId,
      tokenFilePath: join(dir, 'token'),
      authorityHost: emu.authorityHost,
      disableInstanceDiscovery: true,
    });
    const token = await workload.getToken('https://management.azure.com/.default');
    const res = await fetch(`${emu.url}/subscriptions/${SUB}?api-version=2022-12-01`, { headers: { authorization: `Bearer ${token?.token ?? ''}` } });
    expect(res.status).toBe(200);
  });

  test('a wrong client secret is refused by the token endpoint', async () => {
    const { ClientSecretCredential } = await import('@azure/identity');
    const wrong = new ClientSecretCredential(emu.tenantId, emu.clientId, 'not-the-secret', { authorityHost: emu.authorityHost, disableInstanceDiscovery: true });
    await expect(wrong.getToken('https://management.azure.com/.default')).rejects.toThrow(/AADSTS7000215/);
  });

  test('ARM refuses calls without a valid token', async () => {
    const none = await fetch(`${emu.url}${RG}/providers/Microsoft.Compute/virtualMachines?api-version=2024-11-01`);
    expect(none.status).toBe(401);
    expect(((await none.json()) as { error: { code: string } }).error.code).toBe('AuthenticationFailed');
    const forged = await fetch(`${emu.url}${RG}/providers/Microsoft.Compute/virtualMachines?api-version=2024-11-01`, { headers: { authorization: 'Bearer a.b.c' } });
    expect(((await forged.json()) as { error: { code: string } }).error.code).toBe('InvalidAuthenticationToken');
  });

  test('private link scopes, scoped resources and the DCE view of its scopes', async () => {
    const dce = await monitor.dataCollectionEndpoints.create('rg', 'dce', { body: { location: 'eastus', networkAcls: { publicNetworkAccess: 'Disabled' } } });
    expect(dce.configurationAccess?.endpoint).toMatch(/^https:\/\/dce-.+\.handler\.control\.monitor\.azure\.com$/);
    const scope = await monitor.privateLinkScopes.createOrUpdate('rg', 'ampls', {
      location: 'Global',
      accessModeSettings: { ingestionAccessMode: 'PrivateOnly', queryAccessMode: 'Open', exclusions: [{ privateEndpointConnectionName: 'pe-1', ingestionAccessMode: 'Open', queryAccessMode: 'Open' }] },
    });
    expect(scope.accessModeSettings.ingestionAccessMode).toBe('PrivateOnly');
    expect(scope.accessModeSettings.exclusions?.[0]?.privateEndpointConnectionName).toBe('pe-1');
    const linked = await monitor.privateLinkScopedResources.createOrUpdate('rg', 'ampls', 'dce-link', { linkedResourceId: dce.id }, fastPoll);
    expect(linked.provisioningState).toBe('Succeeded');
    await monitor.privateLinkScopedResources.createOrUpdate('rg', 'ampls', 'law-link', { linkedResourceId: `${RG}/providers/Microsoft.OperationalInsights/workspaces/law` }, fastPoll);
    const scoped = await collect(monitor.privateLinkScopedResources.listByPrivateLinkScope('rg', 'ampls'));
    expect(scoped.map((s) => s.name).sort()).toEqual(['dce-link', 'law-link']);
    const seen = await monitor.dataCollectionEndpoints.get('rg', 'dce');
    expect(seen.privateLinkScopedResources?.[0]?.resourceId?.toLowerCase()).toBe(linked.id?.toLowerCase());
    const tagged = await monitor.privateLinkScopes.updateTags('rg', 'ampls', { tags: { owner: 'platform' } });
    expect(tagged.tags).toEqual({ owner: 'platform' });
    expect((await collect(monitor.privateLinkScopes.list())).length).toBe(1);
    expect((await collect(monitor.privateLinkScopes.listByResourceGroup('rg'))).length).toBe(1);
    await monitor.privateLinkScopedResources.delete('rg', 'ampls', 'dce-link', fastPoll);
    expect((await monitor.dataCollectionEndpoints.get('rg', 'dce')).privateLinkScopedResources ?? []).toEqual([]);
    await monitor.privateLinkScopes.delete('rg', 'ampls', fastPoll);
    expect((await statusOf(monitor.privateLinkScopes.get('rg', 'ampls'))).code).toBe('ResourceNotFound');
  });

  test('rules, endpoints and associations: create, list by resource/rule/endpoint across pages, delete', async () => {
    const dce = await monitor.dataCollectionEndpoints.create('rg', 'dce-assoc', { body: { location: 'eastus' } });
    const rule = await monitor.dataCollectionRules.create('rg', 'dcr-linux', {
      body: {
        location: 'eastus',
        kind: 'Linux',
        dataCollectionEndpointId: dce.id,
        dataSources: { syslog: [{ name: 'syslog', streams: ['Microsoft-Syslog'], facilityNames: ['auth'], logLevels: ['Warning'] }] },
        destinations: { logAnalytics: [{ name: 'law', workspaceResourceId: `${RG}/providers/Microsoft.OperationalInsights/workspaces/law` }] },
        dataFlows: [{ streams: ['Microsoft-Syslog'], destinations: ['law'] }],
      },
    });
    expect(rule.kind).toBe('Linux');
    expect(rule.destinations?.logAnalytics?.[0]?.workspaceId).toBeTruthy();
    expect((await monitor.dataCollectionRules.update('rg', 'dcr-linux', { body: { tags: { a: 'b' } } })).tags).toEqual({ a: 'b' });
    expect((await collect(monitor.dataCollectionRules.listByResourceGroup('rg'))).length).toBe(1);
    expect((await collect(monitor.dataCollectionEndpoints.listBySubscription())).length).toBeGreaterThanOrEqual(1);
    const vms: string[] = [];
    for (let i = 0; i < 5; i++) {
      const vm = await compute.virtualMachines.createOrUpdate('rg', `assoc-vm-${i}`, { location: 'eastus', storageProfile: { osDisk: { osType: 'Linux', createOption: 'FromImage' } } }, fastPoll);
      vms.push(vm.id ?? '');
      await monitor.dataCollectionRuleAssociations.create(vm.id ?? '', 'dcr-linux-assoc', { body: { dataCollectionRuleId: rule.id, description: 'managed-by: mtopo/ns/name' } });
      await monitor.dataCollectionRuleAssociations.create(vm.id ?? '', 'configurationAccessEndpoint', { body: { dataCollectionEndpointId: dce.id } });
    }
    const byRule = await collect(monitor.dataCollectionRuleAssociations.listByRule('rg', 'dcr-linux'));
    expect(byRule).toHaveLength(5);
    expect(byRule[0]?.description).toBe('managed-by: mtopo/ns/name');
    expect(await collect(monitor.dataCollectionRuleAssociations.listByDataCollectionEndpoint('rg', 'dce-assoc'))).toHaveLength(5);
    const byResource = await collect(monitor.dataCollectionRuleAssociations.listByResource(vms[0] ?? ''));
    expect(byResource.map((a) => a.name).sort()).toEqual(['configurationAccessEndpoint', 'dcr-linux-assoc']);
    const got = await monitor.dataCollectionRuleAssociations.get(vms[0] ?? '', 'dcr-linux-assoc');
    expect(got.description).toBe('managed-by: mtopo/ns/name');

    const misnamed = await statusOf(monitor.dataCollectionRuleAssociations.create(vms[0] ?? '', 'dce-assoc', { body: { dataCollectionEndpointId: dce.id } }));
    expect([misnamed.statusCode, misnamed.code]).toEqual([400, 'InvalidEndpointAssociationName']);
    const both = await statusOf(monitor.dataCollectionRuleAssociations.create(vms[0] ?? '', 'x', { body: { dataCollectionEndpointId: dce.id, dataCollectionRuleId: rule.id } }));
    expect(both.statusCode).toBe(400);
    const missingRule = await statusOf(monitor.dataCollectionRuleAssociations.create(vms[0] ?? '', 'x', { body: { dataCollectionRuleId: `${INSIGHTS}/dataCollectionRules/nope` } }));
    expect(missingRule.statusCode).toBe(400);
    const noVm = await statusOf(monitor.dataCollectionRuleAssociations.create(`${RG}/providers/Microsoft.Compute/virtualMachines/ghost`, 'x', { body: { dataCollectionRuleId: rule.id } }));
    expect([noVm.statusCode, noVm.code]).toEqual([404, 'ParentResourceNotFound']);

    await monitor.dataCollectionRuleAssociations.delete(vms[0] ?? '', 'dcr-linux-assoc');
    await monitor.dataCollectionRuleAssociations.delete(vms[0] ?? '', 'dcr-linux-assoc');
    expect(await collect(monitor.dataCollectionRuleAssociations.listByRule('rg', 'dcr-linux'))).toHaveLength(4);
    await monitor.dataCollectionRules.delete('rg', 'dcr-linux', { deleteAssociations: true });
    expect(await collect(monitor.dataCollectionRuleAssociations.listByResource(vms[1] ?? ''))).toHaveLength(1);
    await monitor.dataCollectionEndpoints.delete('rg', 'dce-assoc');
  });

  test('virtual machines: identity, extensions, filtered lists, update and delete pollers', async () => {
    const vm = await compute.virtualMachines.createOrUpdate(
      'rg',
      'vm-two-ids',
      {
        location: 'eastus',
        identity: { type: 'SystemAssigned, UserAssigned', userAssignedIdentities: { [UAMI]: {}, [UAMI.replace('uami-ama', 'uami-app')]: {} } },
        storageProfile: { osDisk: { osType: 'Windows', createOption: 'FromImage' } },
      },
      fastPoll,
    );
    expect(vm.provisioningState).toBe('Succeeded');
    expect(vm.identity?.principalId).toBeTruthy();
    expect(Object.keys(vm.identity?.userAssignedIdentities ?? {})).toHaveLength(2);
    expect(Object.values(vm.identity?.userAssignedIdentities ?? {})[0]?.clientId).toBeTruthy();
    const ext = await compute.virtualMachineExtensions.createOrUpdate(
      'rg',
      'vm-two-ids',
      'AzureMonitorWindowsAgent',
      { location: 'eastus', publisher: 'Microsoft.Azure.Monitor', typePropertiesType: 'AzureMonitorWindowsAgent', typeHandlerVersion: '1.22', autoUpgradeMinorVersion: true },
      fastPoll,
    );
    expect(ext.provisioningState).toBe('Succeeded');
    const settings = { authentication: { managedIdentity: { 'identifier-name': 'mi_res_id', 'identifier-value': UAMI } } };
    const updated = await compute.virtualMachineExtensions.update('rg', 'vm-two-ids', 'AzureMonitorWindowsAgent', { settings }, fastPoll);
    expect(updated.settings).toEqual(settings);
    const list = await compute.virtualMachineExtensions.list('rg', 'vm-two-ids');
    expect(list.value?.map((e) => e.typePropertiesType)).toEqual(['AzureMonitorWindowsAgent']);
    expect((await compute.virtualMachines.get('rg', 'vm-two-ids', { expand: 'instanceView' })).instanceView?.statuses?.[1]?.code).toBe('PowerState/running');
    const patched = await compute.virtualMachines.update('rg', 'vm-two-ids', { identity: { type: 'UserAssigned', userAssignedIdentities: { [UAMI]: {} } } }, fastPoll);
    expect(patched.identity?.type).toBe('UserAssigned');
    expect(patched.identity?.principalId).toBeUndefined();
    await compute.virtualMachineExtensions.delete('rg', 'vm-two-ids', 'AzureMonitorWindowsAgent', fastPoll);
    expect((await compute.virtualMachineExtensions.list('rg', 'vm-two-ids')).value ?? []).toEqual([]);
    await compute.virtualMachines.delete('rg', 'vm-two-ids', fastPoll);
    expect((await statusOf(compute.virtualMachines.get('rg', 'vm-two-ids'))).code).toBe('ResourceNotFound');
    expect((await collect(compute.virtualMachines.listByLocation('eastus'))).length).toBeGreaterThan(0);
    expect((await statusOf(compute.virtualMachines.get('rg-missing', 'x'))).code).toBe('ResourceGroupNotFound');
    expect((await statusOf(compute.virtualMachineExtensions.get('rg', 'ghost', 'x'))).code).toBe('ParentResourceNotFound');
  });

  test('Flexible scale sets create and delete member VMs that inherit identity and agent, not associations', async () => {
    const vmss = await compute.virtualMachineScaleSets.createOrUpdate(
      'rg',
      'flex',
      {
        location: 'eastus',
        sku: { name: 'Standard_D2s_v5', capacity: 3 },
        identity: { type: 'UserAssigned', userAssignedIdentities: { [UAMI]: {} } },
        orchestrationMode: 'Flexible',
        virtualMachineProfile: {
          storageProfile: { osDisk: { osType: 'Linux', createOption: 'FromImage' } },
          extensionProfile: { extensions: [{ name: 'AzureMonitorLinuxAgent', publisher: 'Microsoft.Azure.Monitor', typePropertiesType: 'AzureMonitorLinuxAgent', typeHandlerVersion: '1.33' }] },
        },
      },
      fastPoll,
    );
    const filter = `'virtualMachineScaleSet/id' eq '${vmss.id ?? ''}'`;
    const members = await collect(compute.virtualMachines.list('rg', { filter }));
    expect(members).toHaveLength(3);
    expect(members[0]?.virtualMachineScaleSet?.id).toBe(vmss.id);
    expect(Object.keys(members[0]?.identity?.userAssignedIdentities ?? {})).toEqual([UAMI]);
    expect((await compute.virtualMachineExtensions.list('rg', members[0]?.name ?? '')).value?.[0]?.publisher).toBe('Microsoft.Azure.Monitor');
    expect(await collect(monitor.dataCollectionRuleAssociations.listByResource(members[0]?.id ?? ''))).toEqual([]);
    await compute.virtualMachineScaleSets.update('rg', 'flex', { sku: { name: 'Standard_D2s_v5', capacity: 1 } }, fastPoll);
    expect(await collect(compute.virtualMachines.listAll({ filter }))).toHaveLength(1);
    const uniform = await compute.virtualMachineScaleSets.createOrUpdate('rg', 'uniform', { location: 'eastus', sku: { name: 'Standard_D2s_v5', capacity: 2 }, orchestrationMode: 'Uniform' }, fastPoll);
    expect(await collect(compute.virtualMachines.list('rg', { filter: `'virtualMachineScaleSet/id' eq '${uniform.id ?? ''}'` }))).toEqual([]);
    expect((await collect(compute.virtualMachineScaleSets.list('rg'))).map((s) => s.name).sort()).toEqual(['flex', 'uniform']);
    await compute.virtualMachineScaleSets.delete('rg', 'flex', fastPoll);
    expect(await collect(compute.virtualMachines.listAll({ filter }))).toEqual([]);
  });

  test('resource groups, user-assigned identities and workspaces over REST (no SDK in our dependencies)', async () => {
    const token = (await emu.credential.getToken('https://management.azure.com/.default'))?.token ?? '';
    const call = async (method: string, path: string, version: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> => {
      const res = await fetch(`${emu.url}${path}?api-version=${version}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
    };
    const rg2 = `/subscriptions/${SUB}/resourceGroups/rg-rest`;
    expect((await call('PUT', rg2, '2022-09-01', { location: 'westeurope' })).status).toBe(201);
    expect(((await call('GET', `/subscriptions/${SUB}/resourcegroups`, '2022-09-01')).body.value as unknown[]).length).toBe(2);
    const uami = await call('PUT', `${rg2}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-1`, '2023-01-31', { location: 'westeurope' });
    expect(uami.status).toBe(201);
    expect(Object.keys(uami.body.properties as object).sort()).toEqual(['clientId', 'principalId', 'tenantId']);
    const patched = await call('PATCH', `${rg2}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-1`, '2023-01-31', { tags: { team: 'x' } });
    expect([patched.status, patched.body.tags]).toEqual([200, { team: 'x' }]);
    expect((patched.body.properties as Record<string, unknown>).clientId).toBe((uami.body.properties as Record<string, unknown>).clientId);
    const ws = await call('PUT', `${rg2}/providers/Microsoft.OperationalInsights/workspaces/law-2`, '2023-09-01', { location: 'westeurope', properties: { publicNetworkAccessForIngestion: 'Disabled' } });
    expect((ws.body.properties as Record<string, unknown>).publicNetworkAccessForIngestion).toBe('Disabled');
    expect((ws.body.properties as Record<string, unknown>).publicNetworkAccessForQuery).toBe('Enabled');
    expect(((await call('GET', `/subscriptions/${SUB}/providers/Microsoft.OperationalInsights/workspaces`, '2023-09-01')).body.value as unknown[]).length).toBe(2);
    expect((await call('DELETE', rg2, '2022-09-01')).status).toBe(200);
    const gone = await call('GET', `${rg2}/providers/Microsoft.OperationalInsights/workspaces/law-2`, '2023-09-01');
    expect([gone.status, (gone.body.error as Record<string, unknown>).code]).toEqual([404, 'ResourceGroupNotFound']);
    expect((await call('GET', `/subscriptions/${SUB}`, '2022-12-01')).body.subscriptionId).toBe(SUB);
    expect((await call('GET', '/subscriptions/77777777-0000-0000-0000-000000000000', '2022-12-01')).status).toBe(404);
  });

  test('ARM errors: api-version missing or unknown', async () => {
    const token = (await emu.credential.getToken('https://management.azure.com/.default'))?.token ?? '';
    const get = async (q: string): Promise<string> => {
      const res = await fetch(`${emu.url}${RG}/providers/Microsoft.Compute/virtualMachines${q}`, { headers: { authorization: `Bearer ${token}` } });
      return ((await res.json()) as { error: { code: string } }).error.code;
    };
    expect(await get('')).toBe('MissingApiVersionParameter');
    expect(await get('?api-version=2099-01-01')).toBe('NoRegisteredProviderFound');
    expect(await get('?api-version=latest')).toBe('InvalidApiVersionParameter');
  });

  test('role assignments produce AuthorizationFailed', async () => {
    const reader = { tenantId: emu.tenantId, clientId: '33333333-3333-3333-3333-333333333333', clientSecret: 's', roles: [{ scope: `/subscriptions/${SUB}`, actions: ['*/read'] }] };
    const limited = await startTestEmulator({ principals: [reader], estate: { tenantId: emu.tenantId, subscriptions: [{ id: SUB, resourceGroups: [{ name: 'rg', location: 'eastus' }] }] } });
    try {
      const token = await (await fetch(`${limited.tokenEndpoint}`, { method: 'POST', body: new URLSearchParams({ grant_type: 'client_credentials', client_id: reader.clientId, client_secret: 's', scope: 'https://management.azure.com/.default' }) })).json() as { access_token: string };
      const headers = { authorization: `Bearer ${token.access_token}`, 'content-type': 'application/json' };
      const read = await fetch(`${limited.url}${RG}/providers/Microsoft.Insights/dataCollectionRules?api-version=2024-03-11`, { headers });
      expect(read.status).toBe(200);
      const write = await fetch(`${limited.url}${INSIGHTS}/dataCollectionEndpoints/x?api-version=2024-03-11`, { method: 'PUT', headers, body: JSON.stringify({ location: 'eastus' }) });
      const body = (await write.json()) as { error: { code: string; message: string } };
      expect(write.status).toBe(403);
      expect(body.error.code).toBe('AuthorizationFailed');
      expect(body.error.message).toContain(`does not have authorization to perform action 'Microsoft.Insights/dataCollectionEndpoints/write' over scope '${INSIGHTS}/dataCollectionEndpoints/x'`);
    } finally {
      await limited.close();
    }
  });
});
