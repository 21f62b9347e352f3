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

function ascii(id: string): boolean {
  for (let i = 0; i < id.length; i++) if (id.charCodeAt(i) > 127) return false;
  return true;
}

/** `idKey(a) === idKey(b)`, comparing in place; ids with a non-ASCII character are compared through `idKey`. */
export function sameKey(a: string, b: string): boolean {
  if (a === b) return true;
  const ae = end(a);
  const be = end(b);
  const as = start(a, ae);
  const bs = start(b, be);
  // Lower-casing keeps the length of ASCII text only.
  if (ae - as !== be - bs) return ascii(a) && ascii(b) ? false : idKey(a) === idKey(b);
  for (let i = as, j = bs; i < ae; i++, j++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(j);
    if (x === y) continue;
    if (x > 127 || y > 127) return idKey(a) === idKey(b);
    if (x >= 65 && x <= 90) x += 32;
    if (y >= 65 && y <= 90) y += 32;
    if (x !== y) return false;
  }
  return true;
}
