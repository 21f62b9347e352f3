import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Finding } from '../../src/api/types.ts';
import { boundFindings, compareFindings, eachWork, groupByWork, runSync, smallestWork, sortFindings, sortWork } from '../../src/findings/index.ts';
import type { Work } from '../../src/findings/index.ts';
import { ids } from './fixtures/estate.ts';

/** How many times a computation yields before it returns. */
function yieldsOf<T>(work: Work<T>): { value: T; yields: number } {
  let yields = 0;
  let step = work.next();
  while (step.done !== true) {
    yields++;
    step = work.next();
  }
  return { value: step.value, yields };
}

const byKey = (a: { key: number }, b: { key: number }): number => a.key - b.key;

describe('sortWork', () => {
  it('sorts as a stable native sort does, whatever the size (runs and merges included)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 20 }), { maxLength: 5000 }), (keys) => {
        const items = keys.map((key, at) => ({ key, at }));
        expect(runSync(sortWork(items, byKey))).toEqual([...items].sort(byKey));
      }),
      { numRuns: 30 },
    );
  });

  it('yields between runs and while merging, and leaves its input alone', () => {
    const items = Array.from({ length: 10_000 }, (_, i) => ({ key: (i * 7919) % 10_000 }));
    const copy = items.map((x) => ({ ...x }));
    const { value, yields } = yieldsOf(sortWork(items, byKey));
    expect(value.map((x) => x.key)).toEqual(Array.from({ length: 10_000 }, (_, i) => i));
    expect(yields).toBeGreaterThan(10);
    expect(items).toEqual(copy);
  });
});

describe('smallestWork', () => {
  it('keeps the `max` smallest, sorted, earlier first on ties', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 9 }), { maxLength: 300 }), fc.integer({ min: 0, max: 40 }), (keys, max) => {
        const items = keys.map((key, at) => ({ key, at }));
        expect(runSync(smallestWork(items, max, byKey))).toEqual([...items].sort(byKey).slice(0, max));
      }),
    );
  });
});

describe('eachWork and groupByWork', () => {
  it('visit every item once, in order, yielding between batches', () => {
    const seen: number[] = [];
    const { yields } = yieldsOf(eachWork(Array.from({ length: 2000 }, (_, i) => i), (n) => seen.push(n)));
    expect(seen).toEqual(Array.from({ length: 2000 }, (_, i) => i));
    expect(yields).toBeGreaterThan(0);
    const groups = runSync(groupByWork([1, 2, 3, 4, 5, 6], (n) => n % 3));
    expect([...groups]).toEqual([
      [1, [1, 4]],
      [2, [2, 5]],
      [0, [3, 6]],
    ]);
  });
});

const codes = ['EndpointAssociationMissing', 'RuleAssociationMissing', 'DnsBoundaryConflict', 'AgentExtensionMissing'] as const;
const severities = ['Error', 'Warning', 'Info'] as const;
const stages = ['Extension', 'Identity', 'ConfigurationEndpoint', 'Rules'] as const;

const findingArb = fc.record({
  code: fc.constantFrom(...codes),
  severity: fc.constantFrom(...severities),
  stage: fc.constantFrom(...stages),
  resourceId: fc.integer({ min: 0, max: 30 }).map((i) => ids.vm(`vm-${i}`)),
  message: fc.constantFrom('a', 'b'),
}) as fc.Arbitrary<Finding>;

/** The bound as it was first written: a sort of everything, every code once, then the first ones. */
function boundBySorting(findings: readonly Finding[], max: number): Finding[] {
  const sorted = [...findings].sort(compareFindings);
  if (sorted.length <= max) return sorted;
  if (max <= 0) return [];
  const chosen = new Set<number>();
  const seenCodes = new Set<string>();
  sorted.forEach((f, i) => {
    if (chosen.size < max && !seenCodes.has(f.code)) {
      seenCodes.add(f.code);
      chosen.add(i);
    }
  });
  for (let i = 0; i < sorted.length && chosen.size < max; i++) chosen.add(i);
  return sorted.filter((_, i) => chosen.has(i));
}

describe('boundFindings in one pass', () => {
  it('chooses exactly what sorting everything chose', () => {
    fc.assert(
      fc.property(fc.array(findingArb, { maxLength: 400 }), fc.integer({ min: 0, max: 12 }), (findings, max) => {
        expect(boundFindings(findings, max)).toEqual(boundBySorting(findings, max));
      }),
      { numRuns: 200 },
    );
  });

  it('sortFindings is the stable sort by compareFindings', () => {
    fc.assert(
      fc.property(fc.array(findingArb, { maxLength: 3000 }), (findings) => {
        expect(sortFindings(findings)).toEqual([...findings].sort(compareFindings));
      }),
      { numRuns: 20 },
    );
  });
});
