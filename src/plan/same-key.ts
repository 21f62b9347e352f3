// Case-insensitive id comparison without a lower-cased copy of either id: planning compares hundreds of thousands of
// association ids, and a copy each is both CPU and young-generation garbage.
import { idKey } from '../model/index.ts';

/** Bounds of what `idKey` keeps of an id: leading blanks and trailing blanks or slashes dropped. */
function end(id: string): number {
  let e = id.length;
  while (e > 0 && (id.charCodeAt(e - 1) === 47 /* / */ || id.charCodeAt(e - 1) <= 32)) e--;
  return e;
}

function start(id: string, e: number): number {
  let s = 0;
  while (s < e && id.charCodeAt(s) <= 32) s++;
  return s;
}

/** `idKey(a) === idKey(b)`, comparing in place from the end; where a non-ASCII character is met, through `idKey`. */
export function sameKey(a: string, b: string): boolean {
  if (a === b) return true;
  const as = start(a, end(a));
  const bs = start(b, end(b));
  let i = end(a) - 1;
  let j = end(b) - 1;
  // From the end: ids of one machine share a long prefix and differ in their last segment. Lower-casing an ASCII
  // character gives one character whatever surrounds it, so an ASCII suffix compares folded, position by position.
  for (; i >= as && j >= bs; i--, j--) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(j);
    if (x > 127 || y > 127) return idKey(a) === idKey(b);
    if (x === y) continue;
    if (x >= 65 && x <= 90) x += 32;
    if (y >= 65 && y <= 90) y += 32;
    if (x !== y) return false;
  }
  if (i < as && j < bs) return true;
  // One is longer: its lower case can match only if a non-ASCII character changes length when lower-cased.
  const [rest, from, to] = i >= as ? [a, as, i] : [b, bs, j];
  for (let k = from; k <= to; k++) if (rest.charCodeAt(k) > 127) return idKey(a) === idKey(b);
  return false;
}
