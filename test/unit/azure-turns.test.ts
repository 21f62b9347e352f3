import { describe, expect, it } from 'vitest';
import { Turns } from '../../src/azure/turns.ts';

const spin = (ms: number): void => {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // busy: a loop body that takes time without yielding
  }
};

describe('Turns', () => {
  it('lets other work run while a long loop goes on, and visits every item in order', async () => {
    let ticks = 0;
    let running = true;
    const tick = (): void => {
      ticks++;
      if (running) setImmediate(tick);
    };
    setImmediate(tick);
    const seen: number[] = [];
    // 2,048 items of 0.05 ms each: about 100 ms of work, five slices or more.
    await new Turns().each(Array.from({ length: 2048 }, (_, i) => i), (i) => {
      spin(0.05);
      seen.push(i);
    });
    running = false;
    expect(seen).toEqual(Array.from({ length: 2048 }, (_, i) => i));
    expect(ticks).toBeGreaterThan(0);
  });

  it('looks at the clock once per 32 items', () => {
    const turns = new Turns();
    spin(25);
    const due = Array.from({ length: 64 }, () => turns.due());
    expect(due.filter(Boolean)).toHaveLength(2);
    expect([due[30], due[31], due[63]]).toEqual([false, true, true]);
  });

  it('dueNow looks at the clock on every call, where due waits for the 32nd', () => {
    const turns = new Turns();
    spin(25);
    expect(turns.due()).toBe(false);
    expect(turns.dueNow()).toBe(true);
  });
});
