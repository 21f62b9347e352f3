import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { idKey } from '../../src/model/index.ts';
import { sameKey } from '../../src/plan/same-key.ts';

// Ids built from the characters that matter: case, blanks and slashes at either end, and non-ASCII letters whose
// lower case differs in length (İ) or exists at all (Ä).
const char = fc.constantFrom('a', 'A', 'b', 'B', '/', ' ', '\t', '-', '.', 'İ', 'i', 'Ä', 'ä', 'ß', 'z', 'Z', '1');
const id = fc.array(char, { maxLength: 12 }).map((cs) => cs.join(''));

describe('sameKey', () => {
  it('agrees with comparing idKeys, whatever the ids', () => {
    fc.assert(
      fc.property(id, id, (a, b) => {
        expect(sameKey(a, b)).toBe(idKey(a) === idKey(b));
      }),
      { numRuns: 5000 },
    );
  });

  it('agrees on ids that differ only in case or trailing slashes', () => {
    fc.assert(
      fc.property(id, fc.boolean(), (a, slash) => {
        const b = `${a.toUpperCase()}${slash ? '/' : ''}`;
        expect(sameKey(a, b)).toBe(idKey(a) === idKey(b));
      }),
    );
    expect(sameKey('/subscriptions/S/resourceGroups/RG/', '/subscriptions/s/resourcegroups/rg')).toBe(true);
    expect(sameKey('/subscriptions/s/rg-a', '/subscriptions/s/rg-b')).toBe(false);
  });
});
