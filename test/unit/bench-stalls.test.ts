import { describe, expect, it } from 'vitest';
import { longestOwnGap } from '../../bench/capped.ts';

describe("the bench's event-loop blocks without the machine's stalls", () => {
  it('keeps a block whole when the probe saw no stall', () => {
    expect(longestOwnGap([[1_000_000, 1_080_000]], [])).toEqual({ ms: 80, stalledMs: 0 });
  });

  it('takes out the part of a block the probe saw stalled, and only that part', () => {
    // A 120 ms block of which 100 ms the probe missed too, and a stall outside every block.
    const gaps: [number, number][] = [[1_000_000, 1_120_000], [2_000_000, 2_050_000]];
    const stalls: [number, number][] = [[990_000, 1_100_000], [3_000_000, 3_200_000]];
    expect(longestOwnGap(gaps, stalls)).toEqual({ ms: 50, stalledMs: 0 });
  });

  it('sums several stalls inside one block', () => {
    expect(longestOwnGap([[0, 150_000]], [[10_000, 40_000], [100_000, 140_000]])).toEqual({ ms: 80, stalledMs: 70 });
  });
});
