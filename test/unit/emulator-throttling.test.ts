// ARM's token buckets: exact burst, counting-down headers, 429 with Retry-After that the SDK's retry honours.
import https from 'node:https';
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

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One request over `agent` (kept-alive connections: the work per request stays bounded however many are queued). */
function request(agent: https.Agent, url: string, method: string, headers: Record<string, string>, body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method, headers, agent }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('throttling', () => {
  test('a burst of 300 writes gets exactly the 200-token bucket, then 429 TooManyRequests with Retry-After', { timeout: 180_000 }, async () => {
    // No refill at all in the test's lifetime, however slowly it runs: the burst measures the bucket alone.
    const emu = await startTestEmulator({ estate, throttling: { scale: 1e-9 } });
    // All 300 are queued at once over ten kept-alive connections: ten TLS handshakes, not 300, on a loaded machine.
    const agent = new https.Agent({ keepAlive: true, maxSockets: 10 });
    try {
      const headers = await bearer(emu);
      const responses = await Promise.all(
        Array.from({ length: 300 }, (_, i) =>
          request(agent, `${emu.url}${RG}/providers/Microsoft.Insights/dataCollectionEndpoints/dce-${i}?api-version=2024-03-11`, 'PUT', headers, JSON.stringify({ location: 'eastus' })),
        ),
      );
      const statuses = responses.map((r) => r.status);
      expect(statuses.filter((s) => s === 201)).toHaveLength(200);
      expect(statuses.filter((s) => s === 429)).toHaveLength(100);
      const throttled = responses.find((r) => r.status === 429);
      expect(Number(throttled?.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(throttled?.headers['x-ms-ratelimit-remaining-subscription-writes']).toBe('0');
      const body = JSON.parse(throttled?.body ?? '{}') as { error: { code: string; message: string } };
      expect(body.error.code).toBe('TooManyRequests');
      const remaining = responses.filter((r) => r.status === 201).map((r) => Number(r.headers['x-ms-ratelimit-remaining-subscription-writes']));
      expect(remaining.sort((a, b) => b - a)).toEqual(Array.from({ length: 200 }, (_, i) => 199 - i));
      expect(emu.counters().throttled).toBe(100);
      expect(emu.store.count('Microsoft.Insights/dataCollectionEndpoints')).toBe(200);
      // Reads have their own bucket and are untouched by the write burst.
      const read = await request(agent, `${emu.url}${RG}/providers/Microsoft.Insights/dataCollectionEndpoints?api-version=2024-03-11`, 'GET', headers);
      expect(read.status).toBe(200);
      expect(read.headers['x-ms-ratelimit-remaining-subscription-reads']).toBe('249');
    } finally {
      agent.destroy();
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
      const second = await monitor.dataCollectionEndpoints.create('rg', 'second', { body: { location: 'eastus' } });
      expect(second.name).toBe('second');
      // One 429 and then success: a retry sent before Retry-After (the bucket's refill) would have been refused again.
      const ops = emu.counters().byOperation['PUT Microsoft.Insights/dataCollectionEndpoints'];
      expect(ops).toEqual({ '201': 2, '429': 1 });
    } finally {
      await emu.close();
    }
  });
});
