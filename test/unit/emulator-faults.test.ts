// Fault injection (seeded, changeable while running), the admin endpoints, ETags and long-running operation status.
import { describe, expect, test } from 'vitest';
import { computeClient, fastPoll, monitorClient, startTestEmulator } from '../support/emulator.ts';
import type { TestEmulator } from '../support/emulator.ts';

const SUB = '66666666-6666-6666-6666-666666666666';
const RG = `/subscriptions/${SUB}/resourceGroups/rg`;
const DCE = `${RG}/providers/Microsoft.Insights/dataCollectionEndpoints/dce`;
const estate = { subscriptions: [{ id: SUB, resourceGroups: [{ name: 'rg', location: 'eastus', dataCollectionEndpoints: [{ name: 'dce' }] }] }] };

async function bearer(emu: TestEmulator): Promise<Record<string, string>> {
  const token = await emu.credential.getToken('https://management.azure.com/.default');
  return { authorization: `Bearer ${token?.token ?? ''}`, 'content-type': 'application/json' };
}

describe('faults and operations', () => {
  test('latency, 5xx, 429 storms and resets are injected, seeded, and changed at run time', async () => {
    const emu = await startTestEmulator({ estate, seed: 7 });
    try {
      const headers = await bearer(emu);
      const get = (): Promise<Response> => fetch(`${emu.url}${DCE}?api-version=2024-03-11`, { headers });

      emu.setFaults({ latencyMs: 80 });
      const t = performance.now();
      expect((await get()).status).toBe(200);
      expect(performance.now() - t).toBeGreaterThanOrEqual(75);

      emu.setFaults({ serverErrorRate: 1, serverErrorStatus: 503 });
      const unavailable = await get();
      expect(unavailable.status).toBe(503);
      expect(((await unavailable.json()) as { error: { code: string } }).error.code).toBe('ServiceUnavailable');

      emu.setFaults({ throttleRate: 1, throttleRetryAfterSeconds: 7 });
      const storm = await get();
      expect([storm.status, storm.headers.get('retry-after')]).toEqual([429, '7']);

      emu.setFaults({ connectionResetRate: 1, pathPattern: 'dataCollectionEndpoints' });
      await expect(get()).rejects.toThrow();
      expect(emu.counters().byOperation.RESET).toBeDefined();

      // The SDK's retry policy rides through a reset and a 503 at a 50% rate.
      emu.setFaults({ connectionResetRate: 0.25, serverErrorRate: 0.25, serverErrorStatus: 503 });
      const monitor = monitorClient(emu, SUB, { retryOptions: { maxRetries: 10, retryDelayInMs: 1, maxRetryDelayInMs: 5 } });
      for (let i = 0; i < 5; i++) expect((await monitor.dataCollectionEndpoints.get('rg', 'dce')).name).toBe('dce');

      // Same seed, same decisions.
      const decisions = async (): Promise<number[]> => {
        const e = await startTestEmulator({ estate, seed: 42, faults: { serverErrorRate: 0.5 } });
        const h = await bearer(e);
        const out: number[] = [];
        for (let i = 0; i < 12; i++) out.push((await fetch(`${e.url}${DCE}?api-version=2024-03-11`, { headers: h })).status);
        await e.close();
        return out;
      };
      expect(await decisions()).toEqual(await decisions());
    } finally {
      await emu.close();
    }
  });

  test('admin endpoints: counters, faults, state, reset', async () => {
    const emu = await startTestEmulator({ estate });
    try {
      const headers = await bearer(emu);
      await fetch(`${emu.url}${DCE}?api-version=2024-03-11`, { headers });
      const counters = (await (await fetch(`${emu.url}/_emulator/counters`)).json()) as { reads: number; byOperation: Record<string, Record<string, number>> };
      expect(counters.reads).toBe(1);
      expect(counters.byOperation['GET Microsoft.Insights/dataCollectionEndpoints']).toEqual({ '200': 1 });
      expect((await fetch(`${emu.url}/_emulator/reset-counters`, { method: 'POST' })).status).toBe(204);
      expect(emu.counters().total).toBe(0);
      const set = await fetch(`${emu.url}/_emulator/faults`, { method: 'POST', body: JSON.stringify({ serverErrorRate: 1 }) });
      expect(set.status).toBe(200);
      expect((await fetch(`${emu.url}${DCE}?api-version=2024-03-11`, { headers })).status).toBe(500);
      await fetch(`${emu.url}/_emulator/faults`, { method: 'POST', body: '{}' });
      const state = (await (await fetch(`${emu.url}/_emulator/state`)).json()) as { resources: { id: string }[] };
      expect(state.resources.map((r) => r.id)).toContain(DCE);
    } finally {
      await emu.close();
    }
  });

  test('ids, resource types and providers are case-insensitive; the stored casing is returned', async () => {
    const emu = await startTestEmulator({ estate });
    try {
      const headers = await bearer(emu);
      const lower = await fetch(`${emu.url}${DCE.toLowerCase().replace('microsoft.insights', 'MICROSOFT.INSIGHTS')}?api-version=2024-03-11`, { headers });
      expect(lower.status).toBe(200);
      expect(((await lower.json()) as { id: string }).id).toBe(DCE);
      const put = await fetch(`${emu.url}${RG.toUpperCase().replace('/SUBSCRIPTIONS/', '/subscriptions/')}/providers/microsoft.insights/datacollectionendpoints/DCE?api-version=2024-03-11`, {
        method: 'PUT',
        headers,
        body: JSON.stringify({ location: 'eastus' }),
      });
      expect([put.status, ((await put.json()) as { id: string }).id]).toEqual([200, DCE]);
      const missing = await fetch(`${emu.url}${RG}/providers/Microsoft.Insights/dataCollectionEndpoints/nope?api-version=2024-03-11`, { headers });
      expect((await missing.json())).toEqual({
        error: {
          code: 'ResourceNotFound',
          message: "The Resource 'Microsoft.Insights/dataCollectionEndpoints/nope' under resource group 'rg' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix",
          details: [],
        },
      });
    } finally {
      await emu.close();
    }
  });

  test('ETags guard writes with If-Match and If-None-Match', async () => {
    const emu = await startTestEmulator({ estate });
    try {
      const headers = await bearer(emu);
      const url = `${emu.url}${DCE}?api-version=2024-03-11`;
      const current = await fetch(url, { headers });
      const etag = current.headers.get('etag') ?? '';
      expect(((await current.json()) as { etag: string }).etag).toBe(etag.replace(/"/g, ''));
      const body = JSON.stringify({ location: 'eastus' });
      expect((await fetch(url, { method: 'PUT', headers: { ...headers, 'if-match': '"stale"' }, body })).status).toBe(412);
      expect((await fetch(url, { method: 'PUT', headers: { ...headers, 'if-none-match': '*' }, body })).status).toBe(412);
      const ok = await fetch(url, { method: 'PUT', headers: { ...headers, 'if-match': etag }, body });
      expect(ok.status).toBe(200);
      expect(ok.headers.get('etag')).not.toBe(etag);
    } finally {
      await emu.close();
    }
  });

  test('long-running operations report InProgress until the delay passes; slow-LRO faults stretch it', async () => {
    const emu = await startTestEmulator({ estate: { subscriptions: [{ id: SUB, resourceGroups: [{ name: 'rg', location: 'eastus', virtualMachines: [{ name: 'vm' }] }] }] }, lroDelayMs: 40 });
    try {
      const headers = await bearer(emu);
      emu.setFaults({ lroDelayFactor: 5 });
      const put = await fetch(`${emu.url}${RG}/providers/Microsoft.Compute/virtualMachines/vm/extensions/ama?api-version=2024-11-01`, {
        method: 'PUT',
        headers,
        body: JSON.stringify({ location: 'eastus', properties: { publisher: 'Microsoft.Azure.Monitor', type: 'AzureMonitorLinuxAgent', typeHandlerVersion: '1.33' } }),
      });
      expect(put.status).toBe(201);
      expect(((await put.json()) as { properties: { provisioningState: string } }).properties.provisioningState).toBe('Creating');
      const statusUrl = put.headers.get('azure-asyncoperation') ?? '';
      expect(put.headers.get('location')).toContain('/operationResults/');
      const first = (await (await fetch(statusUrl, { headers })).json()) as { status: string };
      expect(first.status).toBe('InProgress');
      expect((await fetch(put.headers.get('location') ?? '', { headers })).status).toBe(202);
      await new Promise((r) => setTimeout(r, 250));
      expect(((await (await fetch(statusUrl, { headers })).json()) as { status: string }).status).toBe('Succeeded');
      expect((await fetch(put.headers.get('location') ?? '', { headers })).status).toBe(200);
      const compute = computeClient(emu, SUB);
      emu.setFaults({});
      await compute.virtualMachineExtensions.delete('rg', 'vm', 'ama', fastPoll);
      expect((await compute.virtualMachineExtensions.list('rg', 'vm')).value).toEqual([]);

      // A failed operation fails the SDK's poller and leaves the resource in provisioningState Failed.
      emu.setFaults({ lroFailureRate: 1 });
      const ext = { location: 'eastus', publisher: 'Microsoft.Azure.Monitor', typePropertiesType: 'AzureMonitorLinuxAgent', typeHandlerVersion: '1.33' };
      await expect(compute.virtualMachineExtensions.createOrUpdate('rg', 'vm', 'ama', ext, fastPoll)).rejects.toThrow(/long-running operation failed/);
      expect((await compute.virtualMachineExtensions.get('rg', 'vm', 'ama')).provisioningState).toBe('Failed');
      emu.setFaults({});
      expect((await compute.virtualMachineExtensions.createOrUpdate('rg', 'vm', 'ama', ext, fastPoll)).provisioningState).toBe('Succeeded');
    } finally {
      await emu.close();
    }
  });
});
