// Aggregation functions of summarize: each declares its output columns and folds one group's rows.
import type { Expr } from './ast.ts';
import { compare, compile, inferName, semantic, type Compiled, type Row, type Scope } from './scalar.ts';
import type { Column, KqlType, KqlValue } from './types.ts';

export interface Aggregator {
  /** Output columns; `name` is only a default, an assignment in the query overrides a single column. */
  readonly columns: readonly Column[];
  init(): AggState;
}

export interface AggState {
  add(row: Row): void;
  result(): KqlValue[];
}

const key = (v: KqlValue): string => (typeof v === 'object' && v !== null ? JSON.stringify(v) : `${typeof v}:${String(v)}`);

function one(name: string, type: KqlType, init: () => AggState): Aggregator {
  return { columns: [{ name, type }], init };
}

/** Builds the aggregator of one `summarize` item; `by` names are left out of arg_max(…, *). */
export function aggregator(e: Expr, scope: Scope, byNames: ReadonlySet<string>): Aggregator {
  if (e.kind !== 'call') throw semantic(e.pos, 'summarize expects an aggregation function such as count(), max() or arg_max()');
  const fn = e.name;
  const argName = (i: number): string => {
    const a = e.args[i];
    return a === undefined ? '' : inferName(a) ?? '';
  };
  const arg = (i: number): Compiled => {
    const a = e.args[i];
    if (a === undefined) throw semantic(e.pos, `Function '${fn}' expects an argument`);
    return compile(a, scope);
  };
  const expectArgs = (n: number): void => {
    if (e.args.length !== n || e.star) throw semantic(e.pos, `Function '${fn}' expects ${n} argument${n === 1 ? '' : 's'}, got ${e.args.length}`);
  };
  switch (fn) {
    case 'count': {
      expectArgs(0);
      return one('count_', 'long', () => { let n = 0; return { add: () => void n++, result: () => [n] }; });
    }
    case 'countif': {
      expectArgs(1);
      const p = arg(0);
      return one('countif_', 'long', () => { let n = 0; return { add: (r) => { if (p.eval(r) === true) n++; }, result: () => [n] }; });
    }
    case 'dcount': {
      if (e.args.length < 1 || e.args.length > 2) expectArgs(1);
      const x = arg(0);
      // Exact, where Kusto estimates (HyperLogLog): identical for the small cardinalities an emulator holds.
      return one(`dcount_${argName(0)}`, 'long', () => { const seen = new Set<string>(); return { add: (r) => { const v = x.eval(r); if (v !== null && v !== '') seen.add(key(v)); }, result: () => [seen.size] }; });
    }
    case 'sum':
    case 'avg': {
      expectArgs(1);
      const x = arg(0);
      const avg = fn === 'avg';
      const type: KqlType = avg ? 'real' : x.type === 'timespan' ? 'timespan' : x.type === 'real' ? 'real' : 'long';
      return one(`${fn}_${argName(0)}`, type, () => {
        let total = 0;
        let n = 0;
        return { add: (r) => { const v = x.eval(r); if (typeof v === 'number') { total += v; n++; } }, result: () => [avg ? (n === 0 ? null : total / n) : total] };
      });
    }
    case 'min':
    case 'max': {
      expectArgs(1);
      const x = arg(0);
      const sign = fn === 'max' ? 1 : -1;
      return one(`${fn}_${argName(0)}`, x.type, () => {
        let best: KqlValue = null;
        return { add: (r) => { const v = x.eval(r); if (v !== null && v !== '' && (best === null || sign * compare(v, best) > 0)) best = v; }, result: () => [best] };
      });
    }
    case 'any':
    case 'take_any': {
      if (e.star) throw semantic(e.pos, `${fn}(*) is not supported by this engine; name the columns`);
      if (e.args.length === 0) expectArgs(1);
      const xs = e.args.map((a) => compile(a, scope));
      const columns = xs.map((x, i) => ({ name: e.args.length === 1 ? `${fn}_${argName(i)}` : argName(i) || `${fn}_${i}`, type: x.type }));
      return {
        columns,
        init: () => {
          let got: KqlValue[] | undefined;
          return { add: (r) => { if (got === undefined) got = xs.map((x) => x.eval(r)); }, result: () => got ?? xs.map(() => null) };
        },
      };
    }
    case 'arg_max':
    case 'arg_min': {
      if (e.args.length < 1) throw semantic(e.pos, `Function '${fn}' expects the expression to maximize and the columns to return`);
      const target = arg(0);
      const targetName = argName(0) || `${fn === 'arg_max' ? 'max' : 'min'}_`;
      const returned: { name: string; c: Compiled }[] = [];
      const taken = new Set([targetName]);
      for (let i = 1; i < e.args.length; i++) {
        const name = argName(i) || `Column${i}`;
        taken.add(name);
        returned.push({ name, c: arg(i) });
      }
      if (e.star) {
        scope.columns.forEach((col, at) => {
          if (taken.has(col.name) || byNames.has(col.name)) return;
          returned.push({ name: col.name, c: { type: col.type, eval: (r) => r[at] ?? null } });
        });
      }
      const sign = fn === 'arg_max' ? 1 : -1;
      return {
        columns: [{ name: targetName, type: target.type }, ...returned.map((x) => ({ name: x.name, type: x.c.type }))],
        init: () => {
          let best: KqlValue = null;
          let bestRow: Row | undefined;
          return {
            add: (r) => {
              const v = target.eval(r);
              if (v === null) return;
              if (bestRow === undefined || best === null || sign * compare(v, best) > 0) {
                best = v;
                bestRow = r;
              }
            },
            result: () => [best, ...returned.map((x) => (bestRow === undefined ? null : x.c.eval(bestRow)))],
          };
        },
      };
    }
    case 'make_set':
    case 'make_list': {
      if (e.args.length < 1 || e.args.length > 2) expectArgs(1);
      const x = arg(0);
      const set = fn === 'make_set';
      return one(`${fn}_${argName(0)}`, 'dynamic', () => {
        const out: KqlValue[] = [];
        const seen = new Set<string>();
        return {
          add: (r) => {
            const v = x.eval(r);
            if (v === null) return;
            if (set) { const k = key(v); if (seen.has(k)) return; seen.add(k); }
            out.push(v);
          },
          result: () => [out],
        };
      });
    }
    default:
      throw semantic(e.pos, `'${fn}' is not an aggregation function supported by this engine`);
  }
}
