import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SHARDS, ShardedMap, ShardedSet } from '../../src/model/index.ts';

type Op = { op: 'set' | 'delete'; k: number; v: number };
// Keys above 2^31 too: a 53-bit hash picks its shard by its low 32 bits.
const key = fc.oneof(fc.integer({ min: 0, max: 200 }), fc.integer({ min: 0, max: 2 ** 53 - 1 }));
const ops = fc.array(fc.record({ op: fc.constantFrom<Op['op']>('set', 'set', 'delete'), k: key, v: fc.integer() }), { maxLength: 80 });

describe('ShardedMap and ShardedSet', () => {
  it('behave as a Map and a Set, in one table or split into shards', () => {
    for (const split of [undefined, 0, 3]) {
      fc.assert(
        fc.property(ops, fc.array(key, { maxLength: 5 }), (steps, probes) => {
          const ref = new Map<number, number>();
          const refSet = new Set<number>();
          const m = new ShardedMap<number>(split);
          const s = new ShardedSet(split);
          for (const x of steps) {
            if (x.op === 'set') {
              ref.set(x.k, x.v);
              m.set(x.k, x.v);
              refSet.add(x.k);
              s.add(x.k);
            } else {
              expect(m.delete(x.k)).toBe(ref.delete(x.k));
              expect(s.delete(x.k)).toBe(refSet.delete(x.k));
            }
          }
          expect([m.size, s.size]).toEqual([ref.size, refSet.size]);
          for (const k of [...probes, ...steps.map((x) => x.k)]) {
            expect([m.get(k), m.has(k), s.has(k)]).toEqual([ref.get(k), ref.has(k), refSet.has(k)]);
          }
          expect(new Map(m.entries())).toEqual(ref);
          expect(new Set(s)).toEqual(refSet);
        }),
      );
    }
  });

  it('past its split, spreads sequential keys over every shard', () => {
    const m = new ShardedMap<number>(16);
    for (let k = 0; k < SHARDS * 4; k++) m.set(k, k);
    // Iterated shard by shard: the first shard's keys are the multiples of SHARDS.
    expect([...m.entries()].slice(0, 4).map(([k]) => k)).toEqual([0, SHARDS, 2 * SHARDS, 3 * SHARDS]);
  });
});
