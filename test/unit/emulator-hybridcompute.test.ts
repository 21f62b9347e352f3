// @azure/arm-hybridcompute (api-version 2021-05-20) works against the emulator's Microsoft.HybridCompute provider unchanged.
import type { HybridComputeManagementClient } from '@azure/arm-hybridcompute';
import { createHttpHeaders, createPipelineRequest } from '@azure/core-rest-pipeline';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { fastPoll, hybridComputeClient, monitorClient, startTestEmulator } from '../support/emulator.ts';
import type { TestEmulator } from '../support/emulator.ts';

const SUB = '33333333-3333-3333-3333-333333333333';
const RG = `/subscriptions/${SUB}/resourceGroups/rg-onprem`;
const ARC = `${RG}/providers/Microsoft.HybridCompute`;

async function collect<T>(iter: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of iter) out.push(x);
  return out;
}

async function failure(p: Promise<unknown>): Promise<{ statusCode?: number; code?: string; message?: string }> {
  try {
    await p;
  } catch (e) {
    return e as { statusCode?: number; code?: string; message?: string };
  }
  throw new Error('expected the call to fail');
}

describe('Microsoft.HybridCompute through the official client', () => {
  let emu: TestEmulator;
  let arc: HybridComputeManagementClient;
  const requests: string[] = [];

  beforeAll(async () => {
    emu = await startTestEmulator({
      pageSize: 2,
      lroDelayMs: 20,
      estate: {
        subscriptions: [
          {
            id: SUB,
            resourceGroups: [
              {
                name: 'rg-onprem',
                location: 'westeurope',
                arcPrivateLinkScopes: [{ name: 'arc-pls', publicNetworkAccess: 'Disabled' }],
                arcMachines: [
                  { name: 'srv-01', osType: 'Linux', privateLinkScope: 'arc-pls', tags: { env: 'prod' }, extensions: [{ name: 'AzureMonitorLinuxAgent', type: 'AzureMonitorLinuxAgent' }, { name: 'CustomScript', publisher: 'Microsoft.Azure.Extensions', type: 'CustomScript' }, { name: 'DependencyAgentLinux', publisher: 'Microsoft.Azure.Monitoring.DependencyAgent', type: 'DependencyAgentLinux' }] },
                  { name: 'srv-02', osType: 'Windows', status: 'Disconnected', lastStatusChange: '2026-11-20T06:00:00.000Z' },
                  { name: 'srv-03', status: 'Error' },
                  { name: 'srv-04', systemAssignedIdentity: false },
                  { name: 'srv-05' },
                ],
              },
              { name: 'rg-other', arcMachines: [{ name: 'srv-other' }], dataCollectionEndpoints: [{ name: 'dce' }] },
            ],
          },
        ],
      },
    });
    arc = hybridComputeClient(emu, SUB, {
      additionalPolicies: [
        {
          position: 'perCall',
          policy: { name: 'record', sendRequest: (req: { method: string; url: string }, next: (r: unknown) => Promise<unknown>) => (requests.push(`${req.method} ${req.url}`), next(req)) },
        },
      ],
    });
  });
  afterAll(() => emu.close());

  test('the SDK sends api-version 2021-05-20, which the emulator accepts', async () => {
    requests.length = 0;
    await arc.machines.get('rg-onprem', 'srv-01');
    expect(requests[0]).toContain('api-version=2021-05-20');
  });

  test('a machine carries the agent status, the OS and its Arc private link scope', async () => {
    const m = await arc.machines.get('rg-onprem', 'srv-02');
    expect(m.properties?.status).toBe('Disconnected');
    expect(m.properties?.lastStatusChange?.toISOString()).toBe('2026-11-20T06:00:00.000Z');
    expect(m.properties?.osName).toBe('windows');
    expect(m.identity?.type).toBe('SystemAssigned');
    expect(m.identity?.principalId).toMatch(/^[0-9a-f-]{36}$/);
    const s = await arc.machines.get('rg-onprem', 'srv-01');
    expect(s.properties?.status).toBe('Connected');
    expect(s.properties?.privateLinkScopeResourceId?.toLowerCase()).toBe(`${ARC}/privateLinkScopes/arc-pls`.toLowerCase());
    expect((await arc.machines.get('rg-onprem', 'srv-03')).properties?.status).toBe('Error');
    expect((await arc.machines.get('rg-onprem', 'srv-04')).identity).toBeUndefined();
  });

  test('machine lists page with nextLink per resource group and per subscription', async () => {
    requests.length = 0;
    const inGroup = await collect(arc.machines.listByResourceGroup('rg-onprem'));
    expect(inGroup.map((m) => m.name).sort()).toEqual(['srv-01', 'srv-02', 'srv-03', 'srv-04', 'srv-05']);
    expect(requests.length).toBe(3);
    const all = await collect(arc.machines.listBySubscription());
    expect(all.map((m) => m.name)).toContain('srv-other');
    expect(all.length).toBe(6);
  });

  test('the last page of a machine list says nextLink null, as the provider does', async () => {
    const token = (await emu.credential.getToken('https://management.azure.com/.default'))?.token ?? '';
    const res = await fetch(`${emu.url}${RG.replace('rg-onprem', 'rg-other')}/providers/Microsoft.HybridCompute/machines?api-version=2025-01-13`, { headers: { authorization: `Bearer ${token}` } });
    const body = (await res.json()) as { value: { properties: { osType?: string } }[]; nextLink?: unknown };
    expect(body.nextLink).toBeNull();
    expect(body.value[0]?.properties.osType).toBe('linux');
  });

  test('extensions are child resources, listed with paging', async () => {
    requests.length = 0;
    const list = await collect(arc.machineExtensions.list('rg-onprem', 'srv-01'));
    expect(list.map((e) => e.name).sort()).toEqual(['AzureMonitorLinuxAgent', 'CustomScript', 'DependencyAgentLinux']);
    expect(requests.length).toBe(2);
    const agent = list.find((e) => e.name === 'AzureMonitorLinuxAgent');
    expect(agent?.properties?.publisher).toBe('Microsoft.Azure.Monitor');
    expect(agent?.properties?.type).toBe('AzureMonitorLinuxAgent');
    expect(agent?.type).toBe('Microsoft.HybridCompute/machines/extensions');
    const machine = await arc.machines.get('rg-onprem', 'srv-01');
    expect(machine.id).toBe(`${ARC}/machines/srv-01`);
  });

  test('extensions are created, updated and deleted as long-running operations', async () => {
    const created = await arc.machineExtensions.beginCreateOrUpdateAndWait(
      'rg-onprem',
      'srv-05',
      'AzureMonitorLinuxAgent',
      { location: 'westeurope', properties: { publisher: 'Microsoft.Azure.Monitor', type: 'AzureMonitorLinuxAgent', typeHandlerVersion: '1.33', autoUpgradeMinorVersion: true } },
      fastPoll,
    );
    expect(created.properties?.provisioningState).toBe('Succeeded');
    expect((await arc.machineExtensions.get('rg-onprem', 'srv-05', 'AzureMonitorLinuxAgent')).properties?.typeHandlerVersion).toBe('1.33');
    await arc.machineExtensions.beginDeleteAndWait('rg-onprem', 'srv-05', 'AzureMonitorLinuxAgent', fastPoll);
    expect((await failure(arc.machineExtensions.get('rg-onprem', 'srv-05', 'AzureMonitorLinuxAgent'))).statusCode).toBe(404);
    expect((await failure(arc.machineExtensions.get('rg-onprem', 'srv-missing', 'AzureMonitorLinuxAgent'))).statusCode).toBe(404);
  });

  test('a data collection rule association can sit on an Arc machine', async () => {
    const monitor = monitorClient(emu, SUB);
    const machine = `${ARC}/machines/srv-05`.slice(1);
    const dce = `/subscriptions/${SUB}/resourceGroups/rg-other/providers/Microsoft.Insights/dataCollectionEndpoints/dce`;
    await monitor.dataCollectionRuleAssociations.create(machine, 'configurationAccessEndpoint', { body: { dataCollectionEndpointId: dce } });
    const listed = await collect(monitor.dataCollectionRuleAssociations.listByResource(machine));
    expect(listed.map((a) => a.id)).toEqual([`/${machine}/providers/Microsoft.Insights/dataCollectionRuleAssociations/configurationAccessEndpoint`]);
    const byEndpoint = await collect(monitor.dataCollectionRuleAssociations.listByDataCollectionEndpoint('rg-other', 'dce'));
    expect(byEndpoint.length).toBe(1);
  });

  test('the Arc private link scope reads with its one private link resource', async () => {
    const scope = await arc.privateLinkScopes.get('rg-onprem', 'arc-pls');
    expect(scope.properties?.publicNetworkAccess).toBe('Disabled');
    expect(scope.location).toBe('westeurope');
    const resources = await collect(arc.privateLinkResources.listByPrivateLinkScope('rg-onprem', 'arc-pls'));
    expect(resources.map((r) => r.properties?.groupId)).toEqual(['hybridcompute']);
  });

  // The 2021-05-20 client has no machine PUT (agents register machines); Machines_CreateOrUpdate exists in 2025-01-13.
  async function put(name: string, body: unknown): Promise<{ status: number; body: { error?: { code: string }; properties?: { status?: string } } }> {
    const token = (await emu.credential.getToken('https://management.azure.com/.default'))?.token ?? '';
    const res = await fetch(`${emu.url}${ARC}/machines/${name}?api-version=2025-01-13`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as { error?: { code: string }; properties?: { status?: string } } };
  }

  test('an Arc machine has only a system-assigned identity', async () => {
    const res = await put('srv-06', { location: 'westeurope', identity: { type: 'UserAssigned' } });
    expect(res.status).toBe(400);
    expect(res.body.error?.code).toBe('InvalidIdentityType');
  });

  test('a client cannot set what the agent reports; deleting a machine removes its extensions', async () => {
    const res = await put('srv-07', { location: 'westeurope', identity: { type: 'SystemAssigned' }, properties: { status: 'Error' } });
    expect(res.status).toBe(200);
    expect(res.body.properties?.status).toBe('Connected');
    await arc.machineExtensions.beginCreateOrUpdateAndWait('rg-onprem', 'srv-07', 'AzureMonitorLinuxAgent', { location: 'westeurope', properties: { publisher: 'Microsoft.Azure.Monitor', type: 'AzureMonitorLinuxAgent' } }, fastPoll);
    await arc.machines.delete('rg-onprem', 'srv-07');
    expect((await failure(arc.machines.get('rg-onprem', 'srv-07'))).statusCode).toBe(404);
    expect(emu.store.get(`${ARC}/machines/srv-07/extensions/AzureMonitorLinuxAgent`)).toBeUndefined();
  });

  test('an extension is created only with its publisher and type; an update of one that exists may leave them out', async () => {
    const missing = await failure(
      arc.machineExtensions.beginCreateOrUpdateAndWait('rg-onprem', 'srv-03', 'NoType', { location: 'westeurope', properties: { typeHandlerVersion: '1.0' } }, fastPoll),
    );
    expect(missing.statusCode).toBe(400);
    expect(missing.code).toBe('InvalidParameter');
    expect(missing.message).toMatch(/publisher.*type/);
    expect(emu.store.get(`${ARC}/machines/srv-03/extensions/NoType`)).toBeUndefined();
    const onlyPublisher = await failure(
      arc.machineExtensions.beginCreateOrUpdateAndWait('rg-onprem', 'srv-03', 'NoType', { location: 'westeurope', properties: { publisher: 'Microsoft.Azure.Monitor' } }, fastPoll),
    );
    expect(onlyPublisher.statusCode).toBe(400);
    // srv-01's CustomScript exists: a change of its settings alone is accepted and keeps what it had.
    const updated = await arc.machineExtensions.beginUpdateAndWait('rg-onprem', 'srv-01', 'CustomScript', { properties: { settings: { commandToExecute: 'true' } } }, fastPoll);
    expect(updated.properties?.publisher).toBe('Microsoft.Azure.Extensions');
    expect(updated.properties?.type).toBe('CustomScript');
    expect(updated.properties?.settings).toEqual({ commandToExecute: 'true' });
  });

  test('a machine bound to an Arc private link scope that does not exist is refused; bound to one that exists, it reads back bound', async () => {
    // @azure/arm-hybridcompute 3.x has no machine create (the agent registers machines): the client's own pipeline sends the PUT.
    const send = (name: string, scope: string) =>
      arc.sendRequest(
        createPipelineRequest({
          url: `${emu.url}${ARC}/machines/${name}?api-version=2021-05-20`,
          method: 'PUT',
          headers: createHttpHeaders({ 'content-type': 'application/json' }),
          body: JSON.stringify({ location: 'westeurope', identity: { type: 'SystemAssigned' }, properties: { privateLinkScopeResourceId: scope } }),
        }),
      );
    const refused = await send('srv-08', `${ARC}/privateLinkScopes/no-such-pls`);
    expect(refused.status).toBe(400);
    const error = (JSON.parse(refused.bodyAsText ?? '{}') as { error?: { code?: string; message?: string } }).error;
    expect(error?.code).toBe('InvalidParameter');
    expect(error?.message).toMatch(/no-such-pls.*not found/);
    expect((await failure(arc.machines.get('rg-onprem', 'srv-08'))).statusCode).toBe(404);
    const bound = await send('srv-08', `${ARC}/privateLinkScopes/arc-pls`);
    expect(bound.status).toBe(200);
    expect((await arc.machines.get('rg-onprem', 'srv-08')).properties?.privateLinkScopeResourceId).toBe(`${ARC}/privateLinkScopes/arc-pls`);
  });

  test('machine names follow the provider pattern', async () => {
    const res = await put('a'.repeat(55), { location: 'westeurope' });
    expect(res.status).toBe(400);
  });
});
