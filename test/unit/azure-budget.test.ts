import { describe, expect, it } from 'vitest';
import { budgetKindOf, createSubscriptionBudgets, marginTokens, TokenBucket } from '../../src/azure/budget.ts';
import type { Clock } from '../../src/azure/budget.ts';

function fakeClock(start = 0): Clock & { advance(ms: number): void } {
  let t = start;
  return { now: () => t, advance: (ms) => void (t += ms) };
}

describe('TokenBucket', () => {
  it('keeps its rate through a refusal while ARM last reported plenty left, and halves on a second one in a row', () => {
    const b = new TokenBucket({ burst: 200, perSecond: 10 }, fakeClock());
    // Adapting: a refusal with ARM's count unknown halves the rate.
    b.slowDown();
    expect(b.rate).toBe(5);
    // Two successes with plenty left grow it by a tenth each.
    b.speedUp(150);
    b.speedUp(150);
    // ARM said 150 remain: a refusal now is a storm or another limit, not this client's pace.
    b.slowDown();
    expect(b.rate).toBeCloseTo(6.05);
    // A second refusal with no success between: the rate halves.
    b.slowDown();
    expect(b.rate).toBeCloseTo(3.025);
  });

  it('lets a full burst through, then spaces callers by the refill rate', () => {
    const clock = fakeClock();
    const b = new TokenBucket({ burst: 3, perSecond: 2 }, clock);
    expect([b.reserve(), b.reserve(), b.reserve()]).toEqual([0, 0, 0]);
    // Reservations queue: the 4th waits half a second, the 5th a full second.
    expect(b.reserve()).toBe(500);
    expect(b.reserve()).toBe(1000);
    expect(b.tokens).toBe(-2);
  });

  it('refills with time up to the burst and no further', () => {
    const clock = fakeClock();
    const b = new TokenBucket({ burst: 5, perSecond: 10 }, clock);
    for (let i = 0; i < 5; i++) b.reserve();
    expect(b.tokens).toBe(0);
    clock.advance(200);
    expect(b.tokens).toBeCloseTo(2);
    clock.advance(10_000);
    expect(b.tokens).toBe(5);
  });

  it('believes ARM only when ARM has fewer tokens than we think', () => {
    const clock = fakeClock();
    const b = new TokenBucket({ burst: 250, perSecond: 25 }, clock);
    b.reserve();
    b.correct(10);
    expect(b.tokens).toBe(10);
    b.correct(200);
    expect(b.tokens).toBe(10);
    b.correct(Number.NaN);
    expect(b.tokens).toBe(10);
    // With 10 left and 25/s, the 12th caller waits (2 / 25) s.
    for (let i = 0; i < 11; i++) b.reserve();
    expect(b.reserve()).toBe(Math.ceil((2 / 25) * 1000));
  });

  it('keeps a margin unspent: a burst stops that many tokens short, and later callers wait for the margin too', () => {
    const clock = fakeClock();
    const b = new TokenBucket({ burst: 200, perSecond: 10 }, clock, marginTokens(200));
    expect(b.margin).toBe(4);
    const waits = Array.from({ length: 198 }, () => b.reserve());
    expect(waits.slice(0, 196).every((w) => w === 0)).toBe(true);
    // The 197th would leave 3 of the 4 kept back: it waits for one refill (100 ms), the 198th for two.
    expect(waits.slice(196)).toEqual([100, 200]);
    expect(() => new TokenBucket({ burst: 5, perSecond: 1 }, clock, 5)).toThrow();
  });

  it('budgets keep 2 % of each bucket (none for small ones) unless told otherwise', () => {
    expect([marginTokens(250), marginTokens(200), marginTokens(20)]).toEqual([5, 4, 0]);
    const clock = fakeClock();
    const budget = createSubscriptionBudgets({ clock }).get('sub');
    expect(Array.from({ length: 246 }, () => budget.reserve('reads')).filter((w) => w > 0)).toEqual([40]);
    const plain = createSubscriptionBudgets({ clock, margin: 0 }).get('sub');
    expect(Array.from({ length: 250 }, () => plain.reserve('reads')).every((w) => w === 0)).toBe(true);
  });

  it('refuses nonsense limits', () => {
    expect(() => new TokenBucket({ burst: 0, perSecond: 1 })).toThrow();
    expect(() => new TokenBucket({ burst: 1, perSecond: 0 })).toThrow();
  });
});

describe('SubscriptionBudgets', () => {
  it('shares one budget per subscription, case-insensitively, with ARM defaults', () => {
    const budgets = createSubscriptionBudgets({ clock: fakeClock() });
    const a = budgets.get('AAAA-1111');
    expect(budgets.get('aaaa-1111')).toBe(a);
    expect(budgets.get('bbbb')).not.toBe(a);
    expect(budgets.limits.reads).toEqual({ burst: 250, perSecond: 25 });
    expect(budgets.limits.writes).toEqual({ burst: 200, perSecond: 10 });
    expect(budgets.limits.deletes).toEqual({ burst: 200, perSecond: 10 });
    expect(budgets.subscriptions().sort()).toEqual(['aaaa-1111', 'bbbb']);
  });

  it('keeps reads, writes and deletes in separate buckets', () => {
    const budgets = createSubscriptionBudgets({
      clock: fakeClock(),
      reads: { burst: 1, perSecond: 1 },
      writes: { burst: 1, perSecond: 1 },
      deletes: { burst: 1, perSecond: 1 },
    });
    const b = budgets.get('s');
    expect(b.reserve('reads')).toBe(0);
    expect(b.reserve('writes')).toBe(0);
    expect(b.reserve('deletes')).toBe(0);
    expect(b.reserve('reads')).toBe(1000);
  });

  it('pauses every kind after a 429 until Retry-After, then resumes', () => {
    const clock = fakeClock(1000);
    const budgets = createSubscriptionBudgets({ clock });
    const b = budgets.get('s');
    b.pauseUntil(clock.now() + 3000);
    expect(b.pausedUntil).toBe(4000);
    expect(b.reserve('reads')).toBe(3000);
    expect(b.reserve('writes')).toBe(3000);
    // A shorter pause never shortens a longer one.
    b.pauseUntil(clock.now() + 1000);
    expect(b.pausedUntil).toBe(4000);
    clock.advance(3000);
    expect(b.pausedUntil).toBe(0);
    expect(b.reserve('deletes')).toBe(0);
  });
});

describe('budgetKindOf', () => {
  it('maps methods to ARM buckets', () => {
    expect(budgetKindOf('GET')).toBe('reads');
    expect(budgetKindOf('head')).toBe('reads');
    expect(budgetKindOf('PUT')).toBe('writes');
    expect(budgetKindOf('PATCH')).toBe('writes');
    expect(budgetKindOf('POST')).toBe('writes');
    expect(budgetKindOf('DELETE')).toBe('deletes');
  });
});
