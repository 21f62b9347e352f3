// ARM's token buckets: exact burst, counting-down headers, 429 with Retry-After that the SDK's retry honours.
import { describe, expect, test } from 'vitest';
import { monitorClient, startTestEmulator } from '../support/emulator.ts';
import type { TestEmulator } from '../support/emulator.ts';

const SUB = '44444444-4444-4444-4444-444444444444';
const RG = `/subscriptions/${SUB}/resourceGroups/rg`;
const estate = { subscriptions: [{ id: SUB, resourceGroups: [{ name: 'rg', location: 'eastus' }] }] };

async function bearer(emu: TestEmulator): Promise<Record<string, string>> {
  const token = await emu.credential.getToken('https://management.azure.com/.default');
  return { authorization: `Bearer ${token?.token ?? ''}`, 'content-type': 'application/json' };
}

describe('throttling', () => {
  test('a burst of 300 writes gets exactly the 200-token bucket, then 429 TooManyRequests with Retry-After', { timeout: 60_000 }, async () => {
    // Refill scaled down to almost nothing so the burst measures the bucket alone.
    const emu = await startTestEmulator({ estate, throttling: { scale: 0.0001 } });
    try {
      const headers = await bearer(emu);
      const t0 = Date.now();
      const responses = await Promise.all(
        Array.from({ length: 300 }, (_, i) =>
          fetch(`${emu.url}${RG}/providers/Microsoft.Insights/dataCollectionEndpoints/dce-${i}?api-version=2024-03-11`, {
            method: 'PUT',
            headers,
            body: JSON.stringify({ location: 'eastus' }),
          }),
        ),
      );
      const statuses = responses.map((r) => r.status);
      console.log('burst took', Date.now() - t0, 'ms');
      expect(statuses.filter((s) => s === 201)).toHaveLength(200);
      expect(statuses.filter((s) => s === 429)).toHaveLength(100);
      const throttled = responses.find((r) => r.status === 429);
      expect(Number(throttled?.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(throttled?.headers.get('x-ms-ratelimit-remaining-subscription-writes')).toBe('0');
      const body = (await throttled?.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('TooManyRequests');
      const remaining = responses.filter((r) => r.status === 201).map((r) => Number(r.headers.get('x-ms-ratelimit-remaining-subscription-writes')));
      expect(remaining.sort((a, b) => b - a)).toEqual(Array.from({ length: 200 }, (_, i) => 199 - i));
      expect(emu.counters().throttled).toBe(100);
      // Reads have their own bucket and are untouched by the write burst.
      const read = await fetch(`${emu.url}${RG}/providers/Microsoft.Insights/dataCollectionEndpoints?api-version=2024-03-11`, { headers });
      expect(read.status).toBe(200);
      expect(read.headers.get('x-ms-ratelimit-remaining-subscription-reads')).toBe('249');
    } finally {
      await emu.close();
    }
  });

  test('headers count down one request at a time and deletes use their own bucket', async () => {
    const emu = await startTestEmulator({ estate, throttling: { writes: { burst: 5, perSecond: 0.001 }, deletes: { burst: 3, perSecond: 0.001 } } });
    try {
      const headers = await bearer(emu);
      const seen: (string | null)[] = [];
      for (let i = 0; i < 6; i++) {
        const res = await fetch(`${emu.url}${RG}/providers/Microsoft.Insights/dataCollectionEndpoints/d${i}?api-version=2024-03-11`, { method: 'PUT', headers, body: '{"location":"eastus"}' });
        seen.push(`${res.status}:${res.headers.get('x-ms-ratelimit-remaining-subscription-writes')}`);
      }
      expect(seen).toEqual(['201:4', '201:3', '201:2', '201:1', '201:0', '429:0']);
      const del = await fetch(`${emu.url}${RG}/providers/Microsoft.Insights/dataCollectionEndpoints/d0?api-version=2024-03-11`, { method: 'DELETE', headers });
      expect(del.headers.get('x-ms-ratelimit-remaining-subscription-deletes')).toBe('2');
    } finally {
      await emu.close();
    }
  });

  test("the SDK's throttling retry waits for Retry-After and then succeeds", async () => {
    const emu = await startTestEmulator({ estate, throttling: { writes: { burst: 1, perSecond: 1 } } });
    try {
      const monitor = monitorClient(emu, SUB);
      await monitor.dataCollectionEndpoints.create('rg', 'first', { body: { location: 'eastus' } });
      const started = Date.now();
      const second = await monitor.dataCollectionEndpoints.create('rg', 'second', { body: { location: 'eastus' } });
      const waited = Date.now() - started;
      expect(second.name).toBe('second');
      expect(waited).toBeGreaterThanOrEqual(900);
      const ops = emu.counters().byOperation['PUT Microsoft.Insights/dataCollectionEndpoints'];
      expect(ops).toEqual({ '201': 2, '429': 1 });
    } finally {
      await emu.close();
    }
  });
});
