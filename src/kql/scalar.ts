// Scalar expressions compiled against a schema: each knows its KQL type and evaluates one row.
import type { Expr, Pos } from './ast.ts';
import { KqlError } from './errors.ts';
import { toText } from './format.ts';
import { isNumeric, type Column, type KqlType, type KqlValue } from './types.ts';

export type Row = readonly KqlValue[];

export interface Compiled {
  readonly type: KqlType;
  readonly eval: (row: Row) => KqlValue;
}

export interface Scope {
  readonly columns: readonly Column[];
  readonly index: ReadonlyMap<string, number>;
  readonly scalars: ReadonlyMap<string, { readonly type: KqlType; readonly value: KqlValue }>;
  readonly now: number;
}

export function semantic(pos: Pos, message: string): KqlError {
  return new KqlError('SemanticError', `${message} (line [${pos.line},${pos.column}])`, pos);
}

export function scopeOf(columns: readonly Column[], base: Pick<Scope, 'scalars' | 'now'>): Scope {
  return { columns, index: new Map(columns.map((c, i) => [c.name, i])), scalars: base.scalars, now: base.now };
}

/** Functions that only make sense inside summarize; the message points there. */
export const AGGREGATES = new Set([
  'count', 'countif', 'dcount', 'dcountif', 'sum', 'sumif', 'avg', 'avgif', 'min', 'max', 'arg_max', 'arg_min',
  'any', 'take_any', 'make_set', 'make_list',
]);

const str = (v: KqlValue): string => (v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v));

// A whole term in `has`: KQL terms are runs of alphanumerics (https://learn.microsoft.com/kusto/query/datatypes-string-operators).
function hasTerm(hay: string, needle: string, cs: boolean): boolean {
  const h = cs ? hay : hay.toLowerCase();
  const n = cs ? needle : needle.toLowerCase();
  if (n === '') return true;
  const isWord = (c: string | undefined): boolean => c !== undefined && /[\p{L}\p{N}]/u.test(c);
  for (let at = h.indexOf(n); at >= 0; at = h.indexOf(n, at + 1)) {
    const startOk = !isWord(n[0]) || !isWord(h[at - 1]);
    const endOk = !isWord(n[n.length - 1]) || !isWord(h[at + n.length]);
    if (startOk && endOk) return true;
  }
  return false;
}

const STRING_OPS: Record<string, (a: string, b: string) => boolean> = {
  '=~': (a, b) => a.toLowerCase() === b.toLowerCase(),
  has: (a, b) => hasTerm(a, b, false),
  has_cs: (a, b) => hasTerm(a, b, true),
  contains: (a, b) => a.toLowerCase().includes(b.toLowerCase()),
  contains_cs: (a, b) => a.includes(b),
  startswith: (a, b) => a.toLowerCase().startsWith(b.toLowerCase()),
  startswith_cs: (a, b) => a.startsWith(b),
  endswith: (a, b) => a.toLowerCase().endsWith(b.toLowerCase()),
  endswith_cs: (a, b) => a.endsWith(b),
  hasprefix: (a, b) => a.toLowerCase().split(/[^\p{L}\p{N}]+/u).some((t) => t.startsWith(b.toLowerCase())),
  hassuffix: (a, b) => a.toLowerCase().split(/[^\p{L}\p{N}]+/u).some((t) => t.endsWith(b.toLowerCase())),
};

function equal(a: KqlValue, b: KqlValue): boolean {
  if (typeof a === 'object' && a !== null) return JSON.stringify(a) === JSON.stringify(b);
  return a === b;
}

export function compare(a: KqlValue, b: KqlValue): number {
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  const x = str(a);
  const y = str(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

function arithmeticType(op: string, l: KqlType, r: KqlType, pos: Pos): KqlType {
  const num = (t: KqlType): boolean => isNumeric(t);
  const intLike = (t: KqlType): boolean => t === 'int' || t === 'long';
  if (op === '-' && l === 'datetime' && r === 'datetime') return 'timespan';
  if ((op === '+' || op === '-') && l === 'datetime' && r === 'timespan') return 'datetime';
  if (op === '+' && l === 'timespan' && r === 'datetime') return 'datetime';
  if ((op === '+' || op === '-') && l === 'timespan' && r === 'timespan') return 'timespan';
  if ((op === '*' || op === '/') && l === 'timespan' && num(r)) return 'timespan';
  if (op === '*' && num(l) && r === 'timespan') return 'timespan';
  if (op === '/' && l === 'timespan' && r === 'timespan') return 'real';
  if (op === '%' && l === 'timespan' && r === 'timespan') return 'timespan';
  if (num(l) && num(r)) return intLike(l) && intLike(r) ? 'long' : 'real';
  throw semantic(pos, `Operator '${op}' cannot be applied to operands of types ${l} and ${r}`);
}

export function compile(e: Expr, scope: Scope): Compiled {
  switch (e.kind) {
    case 'literal': {
      const value = e.value as KqlValue;
      const type: KqlType = e.type === 'null' ? 'dynamic' : e.type;
      return { type, eval: () => value };
    }
    case 'name': {
      const at = scope.index.get(e.name);
      if (at !== undefined) {
        const type = scope.columns[at]!.type;
        if (type === 'string') return { type, eval: (row) => row[at] ?? '' };
        return { type, eval: (row) => row[at] ?? null };
      }
      const scalar = scope.scalars.get(e.name);
      if (scalar !== undefined) return { type: scalar.type, eval: () => scalar.value };
      throw semantic(e.pos, `Failed to resolve scalar expression named '${e.name}'`);
    }
    case 'unary': {
      const arg = compile(e.arg, scope);
      if (!isNumeric(arg.type) && arg.type !== 'timespan') throw semantic(e.pos, `Unary '-' cannot be applied to type ${arg.type}`);
      return { type: arg.type, eval: (row) => { const v = arg.eval(row); return typeof v === 'number' ? -v : null; } };
    }
    case 'binary':
      return compileBinary(e, scope);
    case 'in': {
      const left = compile(e.left, scope);
      const list = e.list.map((x) => compile(x, scope));
      const ci = e.op.endsWith('~');
      const neg = e.op.startsWith('!');
      return {
        type: 'bool',
        eval: (row) => {
          const v = left.eval(row);
          const values: KqlValue[] = [];
          for (const item of list) {
            const x = item.eval(row);
            if (Array.isArray(x)) values.push(...x);
            else values.push(x);
          }
          const hit = ci ? values.some((x) => str(x).toLowerCase() === str(v).toLowerCase()) : values.some((x) => equal(x, v));
          return neg ? !hit : hit;
        },
      };
    }
    case 'between': {
      const left = compile(e.left, scope);
      const low = compile(e.low, scope);
      const high = compile(e.high, scope);
      // `T between (a .. b)` with a timespan upper bound means a .. a+b on datetimes.
      const relative = left.type === 'datetime' && high.type === 'timespan';
      return {
        type: 'bool',
        eval: (row) => {
          const v = left.eval(row);
          const lo = low.eval(row);
          let hi = high.eval(row);
          if (v === null || lo === null || hi === null) return null;
          if (relative && typeof lo === 'number' && typeof hi === 'number') hi = lo + hi;
          const inside = compare(v, lo) >= 0 && compare(v, hi) <= 0;
          return e.negated ? !inside : inside;
        },
      };
    }
    case 'member': {
      const target = compile(e.target, scope);
      const key = compile(e.key, scope);
      return {
        type: 'dynamic',
        eval: (row) => {
          let t = target.eval(row);
          if (typeof t === 'string' && target.type !== 'dynamic') return null;
          if (typeof t === 'string') {
            try { t = JSON.parse(t) as KqlValue; } catch { return null; }
          }
          const k = key.eval(row);
          if (Array.isArray(t) && typeof k === 'number') return t[k < 0 ? t.length + k : k] ?? null;
          if (t !== null && typeof t === 'object' && !Array.isArray(t) && typeof k === 'string') return t[k] ?? null;
          return null;
        },
      };
    }
    case 'call':
      return compileCall(e, scope);
  }
}

function compileBinary(e: Extract<Expr, { kind: 'binary' }>, scope: Scope): Compiled {
  const l = compile(e.left, scope);
  const r = compile(e.right, scope);
  const op = e.op;
  if (op === 'and' || op === 'or') {
    for (const [side, c] of [[e.left, l], [e.right, r]] as const) {
      if (c.type !== 'bool' && c.type !== 'dynamic') throw semantic(side.pos, `The operands of '${op}' must be boolean, not ${c.type}`);
    }
    if (op === 'and') return { type: 'bool', eval: (row) => l.eval(row) === true && r.eval(row) === true };
    return { type: 'bool', eval: (row) => l.eval(row) === true || r.eval(row) === true };
  }
  if (op === '==' || op === '!=') {
    const neg = op === '!=';
    return {
      type: 'bool',
      eval: (row) => {
        const a = l.eval(row);
        const b = r.eval(row);
        if (a === null || b === null) return null;
        return equal(a, b) !== neg;
      },
    };
  }
  if (op === '<' || op === '<=' || op === '>' || op === '>=') {
    return {
      type: 'bool',
      eval: (row) => {
        const a = l.eval(row);
        const b = r.eval(row);
        if (a === null || b === null) return null;
        const c = compare(a, b);
        return op === '<' ? c < 0 : op === '<=' ? c <= 0 : op === '>' ? c > 0 : c >= 0;
      },
    };
  }
  const negated = op.startsWith('!') && op !== '!~';
  const base = op === '!~' ? '=~' : negated ? op.slice(1) : op;
  const sop = STRING_OPS[base];
  if (sop !== undefined) {
    const neg = negated || op === '!~';
    const lt = l.type;
    const rt = r.type;
    return { type: 'bool', eval: (row) => sop(toText(lt, l.eval(row)), toText(rt, r.eval(row))) !== neg };
  }
  if (['+', '-', '*', '/', '%'].includes(op)) {
    const type = arithmeticType(op, l.type, r.type, e.pos);
    const integer = type === 'long' || (type === 'timespan' && op === '%');
    return {
      type,
      eval: (row) => {
        const a = l.eval(row);
        const b = r.eval(row);
        if (typeof a !== 'number' || typeof b !== 'number') return null;
        switch (op) {
          case '+': return a + b;
          case '-': return a - b;
          case '*': return a * b;
          case '/': return b === 0 ? null : integer && type === 'long' ? Math.trunc(a / b) : a / b;
          default: return b === 0 ? null : a % b;
        }
      },
    };
  }
  throw semantic(e.pos, `The operator '${op}' is not supported by this engine`);
}

function arity(e: Extract<Expr, { kind: 'call' }>, min: number, max = min): void {
  if (e.args.length < min || e.args.length > max || e.star) {
    const want = min === max ? `${min}` : `${min} to ${max}`;
    throw semantic(e.pos, `Function '${e.name}' expects ${want} argument${max === 1 ? '' : 's'}, got ${e.args.length}`);
  }
}

function toNumber(v: KqlValue): number | null {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v))) return Number(v);
  return null;
}

function compileCall(e: Extract<Expr, { kind: 'call' }>, scope: Scope): Compiled {
  const name = e.name;
  const lower = name.toLowerCase();
  if (AGGREGATES.has(lower)) throw semantic(e.pos, `The aggregation function '${name}()' can only be used in summarize`);
  const args = (): Compiled[] => e.args.map((a) => compile(a, scope));
  switch (name) {
    case 'now': {
      arity(e, 0, 1);
      const [off] = args();
      return { type: 'datetime', eval: (row) => scope.now + (toNumber(off?.eval(row) ?? 0) ?? 0) };
    }
    case 'ago': {
      arity(e, 1);
      const [span] = args() as [Compiled];
      if (span.type !== 'timespan') throw semantic(e.args[0]!.pos, `ago() expects a timespan, got ${span.type}`);
      return { type: 'datetime', eval: (row) => { const v = span.eval(row); return typeof v === 'number' ? scope.now - v : null; } };
    }
    case 'not': {
      arity(e, 1);
      const [x] = args() as [Compiled];
      return { type: 'bool', eval: (row) => { const v = x.eval(row); return v === null ? null : v !== true; } };
    }
    case 'tolower':
    case 'toupper': {
      arity(e, 1);
      const [x] = args() as [Compiled];
      const up = name === 'toupper';
      return { type: 'string', eval: (row) => { const s = toText(x.type, x.eval(row)); return up ? s.toUpperCase() : s.toLowerCase(); } };
    }
    case 'tostring': {
      arity(e, 1);
      const [x] = args() as [Compiled];
      return { type: 'string', eval: (row) => toText(x.type, x.eval(row)) };
    }
    case 'strlen': {
      arity(e, 1);
      const [x] = args() as [Compiled];
      return { type: 'long', eval: (row) => toText(x.type, x.eval(row)).length };
    }
    case 'strcat': {
      if (e.args.length < 1) arity(e, 1, 64);
      const xs = args();
      return { type: 'string', eval: (row) => xs.map((x) => toText(x.type, x.eval(row))).join('') };
    }
    case 'substring': {
      arity(e, 2, 3);
      const [x, from, len] = args() as [Compiled, Compiled, Compiled | undefined];
      return {
        type: 'string',
        eval: (row) => {
          const s = toText(x.type, x.eval(row));
          const f = Math.max(0, toNumber(from.eval(row)) ?? 0);
          const n = len === undefined ? undefined : toNumber(len.eval(row)) ?? 0;
          return n === undefined ? s.slice(f) : s.slice(f, f + n);
        },
      };
    }
    case 'isempty':
    case 'isnotempty': {
      arity(e, 1);
      const [x] = args() as [Compiled];
      const want = name === 'isempty';
      return { type: 'bool', eval: (row) => { const v = x.eval(row); return (v === null || v === '') === want; } };
    }
    case 'isnull':
    case 'isnotnull': {
      arity(e, 1);
      const [x] = args() as [Compiled];
      const want = name === 'isnull';
      return { type: 'bool', eval: (row) => (x.eval(row) === null) === want };
    }
    case 'iff':
    case 'iif': {
      arity(e, 3);
      const [c, a, b] = args() as [Compiled, Compiled, Compiled];
      return { type: a.type, eval: (row) => (c.eval(row) === true ? a.eval(row) : b.eval(row)) };
    }
    case 'case': {
      if (e.args.length < 3 || e.args.length % 2 === 0) throw semantic(e.pos, 'case() expects predicate/value pairs and an else value');
      const xs = args();
      return {
        type: xs[1]!.type,
        eval: (row) => {
          for (let i = 0; i + 1 < xs.length; i += 2) if (xs[i]!.eval(row) === true) return xs[i + 1]!.eval(row);
          return xs[xs.length - 1]!.eval(row);
        },
      };
    }
    case 'coalesce': {
      if (e.args.length < 1) arity(e, 1, 64);
      const xs = args();
      return {
        type: xs[0]!.type,
        eval: (row) => {
          for (const x of xs) {
            const v = x.eval(row);
            if (v !== null && !(x.type === 'string' && v === '')) return v;
          }
          return null;
        },
      };
    }
    case 'bin':
    case 'floor': {
      arity(e, 2);
      const [x, size] = args() as [Compiled, Compiled];
      return {
        type: x.type,
        eval: (row) => {
          const v = x.eval(row);
          const s = size.eval(row);
          if (typeof v !== 'number' || typeof s !== 'number' || s <= 0) return null;
          return Math.floor(v / s) * s;
        },
      };
    }
    case 'startofday': {
      arity(e, 1);
      const [x] = args() as [Compiled];
      return { type: 'datetime', eval: (row) => { const v = x.eval(row); return typeof v === 'number' ? Math.floor(v / 86_400_000) * 86_400_000 : null; } };
    }
    case 'todatetime': {
      arity(e, 1);
      const [x] = args() as [Compiled];
      if (x.type === 'datetime') return x;
      return { type: 'datetime', eval: (row) => { const v = x.eval(row); const ms = typeof v === 'string' ? Date.parse(v) : NaN; return Number.isNaN(ms) ? null : ms; } };
    }
    case 'totimespan': {
      arity(e, 1);
      const [x] = args() as [Compiled];
      if (x.type === 'timespan') return x;
      return { type: 'timespan', eval: (row) => toNumber(x.eval(row)) };
    }
    case 'toint':
    case 'tolong':
    case 'todouble':
    case 'toreal': {
      arity(e, 1);
      const [x] = args() as [Compiled];
      const integer = name === 'toint' || name === 'tolong';
      return {
        type: name === 'toint' ? 'int' : integer ? 'long' : 'real',
        eval: (row) => { const n = toNumber(x.eval(row)); return n === null ? null : integer ? Math.trunc(n) : n; },
      };
    }
    case 'tobool': {
      arity(e, 1);
      const [x] = args() as [Compiled];
      return { type: 'bool', eval: (row) => { const v = x.eval(row); return typeof v === 'boolean' ? v : v === 'true' ? true : v === 'false' ? false : typeof v === 'number' ? v !== 0 : null; } };
    }
    case 'parse_json':
    case 'todynamic': {
      arity(e, 1);
      const [x] = args() as [Compiled];
      return { type: 'dynamic', eval: (row) => { const v = x.eval(row); if (typeof v !== 'string') return v; try { return JSON.parse(v) as KqlValue; } catch { return v; } } };
    }
    case 'array_length': {
      arity(e, 1);
      const [x] = args() as [Compiled];
      return { type: 'long', eval: (row) => { const v = x.eval(row); return Array.isArray(v) ? v.length : null; } };
    }
    case 'has_any':
    case 'has_all': {
      const [x, ...list] = args() as [Compiled, ...Compiled[]];
      const all = name === 'has_all';
      return {
        type: 'bool',
        eval: (row) => {
          const hay = toText(x.type, x.eval(row));
          const needles = list.flatMap((c) => { const v = c.eval(row); return Array.isArray(v) ? v.map(str) : [toText(c.type, v)]; });
          return all ? needles.every((n) => hasTerm(hay, n, false)) : needles.some((n) => hasTerm(hay, n, false));
        },
      };
    }
    case 'split': {
      // split(source, delimiter[, requestedIndex]): a string array; with an index, an array of that one part (or empty).
      arity(e, 2, 3);
      const [x, d, i] = args() as [Compiled, Compiled, Compiled | undefined];
      return {
        type: 'dynamic',
        eval: (row) => {
          const v = x.eval(row);
          if (v === null) return null;
          const parts = toText(x.type, v).split(toText(d.type, d.eval(row)));
          if (i === undefined) return parts;
          const n = toNumber(i.eval(row));
          const part = n === null ? undefined : parts[n];
          return part === undefined ? [] : [part];
        },
      };
    }
    case 'pack':
    case 'bag_pack': {
      // pack(key1, value1, key2, value2, …): a property bag; keys are strings.
      if (e.args.length % 2 !== 0) throw semantic(e.pos, `${name}() expects an even number of arguments (key, value pairs)`);
      const pairs = args();
      return {
        type: 'dynamic',
        eval: (row) => {
          const bag: { [key: string]: KqlValue } = {};
          for (let k = 0; k < pairs.length; k += 2) {
            const kc = pairs[k] as Compiled;
            const vc = pairs[k + 1] as Compiled;
            bag[toText(kc.type, kc.eval(row))] = vc.eval(row);
          }
          return bag;
        },
      };
    }
    default:
      throw semantic(e.pos, `Unknown function: '${name}' is not supported by this engine`);
  }
}

/** The column name KQL gives an unnamed expression: a column keeps its name; bin(x, …) is named after x. */
export function inferName(e: Expr): string | undefined {
  if (e.kind === 'name') return e.name;
  if (e.kind === 'call' && (e.name === 'bin' || e.name === 'floor') && e.args[0] !== undefined) return inferName(e.args[0]);
  if (e.kind === 'member') {
    const base = inferName(e.target);
    const key = e.key.kind === 'literal' ? String(e.key.value) : undefined;
    return base !== undefined && key !== undefined ? `${base}_${key}` : undefined;
  }
  return undefined;
}
