import { afterEach, describe, expect, it, vi } from 'vitest';
import { RateLimiter, WorkQueue, runWorkers } from '../../src/controller/queue.ts';

afterEach(() => {
  vi.useRealTimers();
});

describe('WorkQueue', () => {
  it('collapses bursts of adds into one item', async () => {
    const q = new WorkQueue();
    for (let i = 0; i < 100; i++) q.add('ns/a');
    q.add('ns/b');
    expect(q.len()).toBe(2);
    expect(await q.get()).toBe('ns/a');
    expect(await q.get()).toBe('ns/b');
    expect(q.len()).toBe(0);
  });

  it('never hands a key to two workers at once and re-queues it when added during processing', async () => {
    const q = new WorkQueue();
    q.add('k');
    const key = await q.get();
    expect(key).toBe('k');
    q.add('k');
    q.add('k');
    expect(q.len()).toBe(0);
    q.done('k');
    expect(q.len()).toBe(1);
    expect(await q.get()).toBe('k');
  });

  it('wakes a waiting worker on add', async () => {
    const q = new WorkQueue();
    const next = q.get();
    q.add('x');
    expect(await next).toBe('x');
  });

  it('addAfter keeps the earliest pending add', () => {
    vi.useFakeTimers();
    const q = new WorkQueue({ now: () => Date.now() });
    q.addAfter('k', 1000);
    q.addAfter('k', 5000);
    q.addAfter('k', 200);
    vi.advanceTimersByTime(199);
    expect(q.len()).toBe(0);
    vi.advanceTimersByTime(1);
    expect(q.len()).toBe(1);
    vi.advanceTimersByTime(10_000);
    expect(q.len()).toBe(1);
  });

  it('shutdown stops handing out keys and waits for in-flight work', async () => {
    const q = new WorkQueue();
    q.add('a');
    q.add('b');
    const a = await q.get();
    let drained = false;
    const shut = q.shutDown().then(() => {
      drained = true;
    });
    expect(await q.get()).toBeUndefined();
    await Promise.resolve();
    expect(drained).toBe(false);
    q.done(a as string);
    await shut;
    expect(drained).toBe(true);
    q.add('c');
    expect(q.len()).toBe(0);
  });

  it('reports metrics through the observer', async () => {
    const seen = { added: 0, retried: 0, depth: [] as number[], queued: 0, worked: 0 };
    const q = new WorkQueue({
      observer: {
        added: () => seen.added++,
        retried: () => seen.retried++,
        depth: (n) => seen.depth.push(n),
        queued: () => seen.queued++,
        worked: () => seen.worked++,
      },
    });
    q.add('a');
    q.add('a');
    const k = await q.get();
    q.done(k as string);
    expect(seen).toMatchObject({ added: 1, queued: 1, worked: 1 });
    expect(seen.depth).toEqual([1, 0]);
  });
});

describe('RateLimiter', () => {
  it('backs off per key from 5 ms doubling to the cap, and forgets', () => {
    let now = 0;
    const rl = new RateLimiter({ now: () => now, maxDelayMs: 1_000_000 });
    const delays = Array.from({ length: 5 }, () => rl.when('k'));
    expect(delays).toEqual([5, 10, 20, 40, 80]);
    expect(rl.when('other')).toBe(5);
    for (let i = 0; i < 40; i++) rl.when('k');
    now += 1_000_000;
    expect(rl.when('k')).toBe(1_000_000);
    rl.forget('k');
    expect(rl.numRequeues('k')).toBe(0);
    now += 1_000_000;
    expect(rl.when('k')).toBe(5);
  });

  it('an overall bucket of 10 qps and burst 100 bounds retries across keys', () => {
    const now = 0;
    const rl = new RateLimiter({ now: () => now });
    const delays = Array.from({ length: 110 }, (_, i) => rl.when(`k${i}`));
    expect(delays.slice(0, 100).every((d) => d === 5)).toBe(true);
    expect(delays[100]).toBe(100);
    expect(delays[109]).toBe(1000);
  });
});

describe('runWorkers', () => {
  it('processes keys concurrently, never the same key twice at once, and backs off failures', async () => {
    const q = new WorkQueue({ baseDelayMs: 1 });
    const active = new Set<string>();
    let maxParallel = 0;
    let overlap = false;
    const attempts = new Map<string, number>();
    const handled = runWorkers(q, 4, async (key) => {
      if (active.has(key)) overlap = true;
      active.add(key);
      maxParallel = Math.max(maxParallel, active.size);
      await new Promise((r) => setTimeout(r, 5));
      active.delete(key);
      const n = (attempts.get(key) ?? 0) + 1;
      attempts.set(key, n);
      if (key === 'flaky' && n < 3) return { error: new Error('transient') };
      if (key === 'throws' && n < 2) throw new Error('boom');
      return {};
    });
    for (const k of ['a', 'b', 'c', 'd', 'flaky', 'throws']) q.add(k);
    q.add('a');
    await vi.waitFor(() => {
      expect(attempts.get('flaky')).toBe(3);
      expect(attempts.get('throws')).toBe(2);
    });
    expect(q.numRequeues('flaky')).toBe(0);
    expect(overlap).toBe(false);
    expect(maxParallel).toBeGreaterThan(1);
    expect(maxParallel).toBeLessThanOrEqual(4);
    await q.shutDown();
    await handled;
  });

  it('honours requeueAfter', async () => {
    const q = new WorkQueue();
    let runs = 0;
    const handled = runWorkers(q, 1, () => {
      runs++;
      return Promise.resolve(runs < 3 ? { requeueAfter: 5 } : {});
    });
    q.add('k');
    await vi.waitFor(() => expect(runs).toBe(3));
    await q.shutDown();
    await handled;
  });
});
