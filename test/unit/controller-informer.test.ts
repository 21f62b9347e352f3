// The informer's restart schedule after failed watches: doubling from the base, capped, never zero.
import { describe, expect, it } from 'vitest';
import { DEFAULT_RESTART_MAX_MS, restartDelayMs } from '../../src/controller/informer.ts';

describe('restartDelayMs', () => {
  it('doubles from the base per consecutive failure and stops at the cap', () => {
    expect([0, 1, 2, 3, 4].map((f) => restartDelayMs(f, 100, 400))).toEqual([100, 200, 400, 400, 400]);
  });

  it('uses the default cap of 5 s from a 1 s base', () => {
    expect([0, 1, 2, 3, 10].map((f) => restartDelayMs(f, 1000, DEFAULT_RESTART_MAX_MS))).toEqual([1000, 2000, 4000, 5000, 5000]);
  });

  it('never exceeds the cap however many failures, even past float range', () => {
    for (const f of [20, 100, 2000]) expect(restartDelayMs(f, 1000, 5000)).toBe(5000);
  });
});
