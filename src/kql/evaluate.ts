// Runs a parsed query over in-memory tables: one function per tabular operator.
import { aggregator } from './aggregates.ts';
import type { Assignment, Operator, Query, SortKey, Source, Tabular } from './ast.ts';
import { KqlError } from './errors.ts';
import { compare, compile, inferName, scopeOf, semantic, type Row, type Scope } from './scalar.ts';
import type { Catalog, Column, KqlType, KqlValue, Table } from './types.ts';

interface Env {
  readonly catalog: Catalog;
  readonly tabularLets: ReadonlyMap<string, Table>;
  readonly scalars: Map<string, { type: KqlType; value: KqlValue }>;
}

/** Evaluates a query; the result is the query's single tabular result. */
export function evaluate(query: Query, catalog: Catalog): Table {
  const tabularLets = new Map<string, Table>();
  const env: Env = { catalog, tabularLets, scalars: new Map() };
  for (const s of query.lets) {
    if ('tabular' in s.value) {
      const t = s.value.tabular;
      // `let x = name;` is scalar when `name` is no table: decided here, where the catalog is known.
      if (t.operators.length === 0 && t.source.kind === 'table' && resolveTable(env, t.source.name) === undefined) {
        const known = env.scalars.get(t.source.name);
        if (known === undefined) throw semantic(t.source.pos, `Failed to resolve table or column expression named '${t.source.name}'`);
        env.scalars.set(s.name, known);
        continue;
      }
      tabularLets.set(s.name, run(t, env));
    } else {
      const c = compile(s.value.scalar, scopeOf([], { scalars: env.scalars, now: catalog.now }));
      env.scalars.set(s.name, { type: c.type, value: c.eval([]) });
    }
  }
  return { name: 'PrimaryResult', ...run(query.body, env) };
}

function resolveTable(env: Env, name: string): Table | undefined {
  return env.tabularLets.get(name) ?? env.catalog.table(name);
}

function run(t: Tabular, env: Env): Table {
  let table = source(t.source, env);
  for (const op of t.operators) table = apply(op, table, env);
  return table;
}

function source(s: Source, env: Env): Table {
  switch (s.kind) {
    case 'table': {
      const t = resolveTable(env, s.name);
      if (t === undefined) throw semantic(s.pos, `Failed to resolve table or column expression named '${s.name}'`);
      return t;
    }
    case 'union':
      return union(legs(s.sources, s.fuzzy, env, 0), s.withSource);
    case 'print': {
      const scope = scopeOf([], { scalars: env.scalars, now: env.catalog.now });
      return project({ columns: [], rows: [[]] }, s.columns, scope);
    }
  }
}

function scope(table: Table, env: Env): Scope {
  return scopeOf(table.columns, { scalars: env.scalars, now: env.catalog.now });
}

// Kusto suffixes a repeated column name with a number (Name, Name1, …).
function uniqueName(name: string, taken: Set<string>): string {
  if (!taken.has(name)) return name;
  for (let n = 1; ; n++) if (!taken.has(`${name}${n}`)) return `${name}${n}`;
}

function apply(op: Operator, table: Table, env: Env): Table {
  const sc = scope(table, env);
  switch (op.kind) {
    case 'where': {
      const p = compile(op.predicate, sc);
      if (p.type !== 'bool' && p.type !== 'dynamic') throw semantic(op.predicate.pos, `The where predicate must be boolean, not ${p.type}`);
      const rows: Row[] = [];
      for (const r of table.rows) if (p.eval(r) === true) rows.push(r);
      return { columns: table.columns, rows };
    }
    case 'project':
      return project(table, op.columns, sc);
    case 'project-away': {
      const drop = new Set<number>();
      for (const n of op.names) {
        const at = sc.index.get(n.token);
        if (at === undefined) throw semantic(n, `project-away: failed to resolve column '${n.token}'`);
        drop.add(at);
      }
      const keep = table.columns.map((_, i) => i).filter((i) => !drop.has(i));
      return { columns: keep.map((i) => table.columns[i]!), rows: table.rows.map((r) => keep.map((i) => r[i] ?? null)) };
    }
    case 'project-rename': {
      const columns = [...table.columns];
      for (const { to, from } of op.renames) {
        const at = sc.index.get(from.token);
        if (at === undefined) throw semantic(from, `project-rename: failed to resolve column '${from.token}'`);
        columns[at] = { name: to, type: columns[at]!.type };
      }
      return { columns, rows: table.rows };
    }
    case 'extend': {
      let current = table;
      for (const a of op.columns) {
        const s = scope(current, env);
        const c = compile(a.expr, s);
        const name = a.name ?? inferName(a.expr) ?? uniqueName('Column1', new Set(current.columns.map((x) => x.name)));
        const existing = s.index.get(name);
        if (existing !== undefined) {
          const columns = current.columns.map((col, i) => (i === existing ? { name, type: c.type } : col));
          current = { columns, rows: current.rows.map((r) => r.map((v, i) => (i === existing ? c.eval(r) : v))) };
        } else {
          current = { columns: [...current.columns, { name, type: c.type }], rows: current.rows.map((r) => [...r, c.eval(r)]) };
        }
      }
      return current;
    }
    case 'summarize':
      return summarize(table, op.aggregates, op.by, sc);
    case 'sort':
      return { columns: table.columns, rows: sortRows(table.rows, op.keys, sc) };
    case 'top': {
      const n = count(op.count, sc);
      return { columns: table.columns, rows: sortRows(table.rows, op.keys, sc).slice(0, n) };
    }
    case 'take':
      return { columns: table.columns, rows: table.rows.slice(0, count(op.count, sc)) };
    case 'distinct': {
      const t = op.columns === '*' ? table : project(table, op.columns, sc);
      const seen = new Set<string>();
      const rows: Row[] = [];
      for (const r of t.rows) {
        const k = JSON.stringify(r);
        if (seen.has(k)) continue;
        seen.add(k);
        rows.push(r);
      }
      return { columns: t.columns, rows };
    }
    case 'count':
      return { columns: [{ name: 'Count', type: 'long' }], rows: [[table.rows.length]] };
    case 'union':
      return union(
        [{ name: 'union_arg0', table }, ...legs(op.sources, op.fuzzy, env, 1)],
        op.withSource,
      );
  }
}

// `isfuzzy=true`: a leg that names no known table is left out instead of failing the query.
function legs(sources: readonly Tabular[], fuzzy: boolean, env: Env, first: number): { name: string; table: Table }[] {
  const out: { name: string; table: Table }[] = [];
  sources.forEach((x, i) => {
    if (fuzzy && x.source.kind === 'table' && resolveTable(env, x.source.name) === undefined) return;
    out.push({ name: x.source.kind === 'table' ? x.source.name : `union_arg${i + first}`, table: run(x, env) });
  });
  return out;
}

function count(e: Parameters<typeof compile>[0], sc: Scope): number {
  const c = compile(e, sc);
  const v = c.eval([]);
  if (typeof v !== 'number' || v < 0 || !Number.isInteger(v)) throw semantic(e.pos, 'The row count must be a non-negative integer constant');
  return v;
}

function project(table: Table, columns: readonly Assignment[], sc: Scope): Table {
  const taken = new Set<string>();
  const out: Column[] = [];
  const fns = columns.map((a) => {
    const c = compile(a.expr, sc);
    const name = a.name ?? inferName(a.expr) ?? uniqueName('Column1', taken);
    taken.add(name);
    out.push({ name, type: c.type });
    return c.eval;
  });
  return { columns: out, rows: table.rows.map((r) => fns.map((f) => f(r))) };
}

function sortRows(rows: readonly Row[], keys: readonly SortKey[], sc: Scope): Row[] {
  const fns = keys.map((k) => ({ ...k, f: compile(k.expr, sc).eval }));
  const decorated = rows.map((r) => ({ r, ks: fns.map((k) => k.f(r)) }));
  decorated.sort((a, b) => {
    for (let i = 0; i < fns.length; i++) {
      const k = fns[i]!;
      const x = a.ks[i] ?? null;
      const y = b.ks[i] ?? null;
      if (x === null || y === null) {
        if (x === y) continue;
        return (x === null) === k.nullsFirst ? -1 : 1;
      }
      const c = compare(x, y);
      if (c !== 0) return k.descending ? -c : c;
    }
    return 0;
  });
  return decorated.map((d) => d.r);
}

function summarize(table: Table, aggregates: readonly Assignment[], by: readonly Assignment[], sc: Scope): Table {
  const taken = new Set<string>();
  const byCols = by.map((a) => {
    const c = compile(a.expr, sc);
    const name = uniqueName(a.name ?? inferName(a.expr) ?? 'Column1', taken);
    taken.add(name);
    return { name, c };
  });
  const byNames = new Set(byCols.map((b) => b.name));
  const aggs = aggregates.map((a) => {
    const agg = aggregator(a.expr, sc, byNames);
    if (a.name !== undefined && agg.columns.length > 1) {
      const first = agg.columns[0]!;
      return { agg, columns: [{ name: a.name, type: first.type }, ...agg.columns.slice(1)] };
    }
    return { agg, columns: a.name === undefined ? agg.columns : [{ name: a.name, type: agg.columns[0]!.type }] };
  });
  const columns: Column[] = byCols.map((b) => ({ name: b.name, type: b.c.type }));
  for (const a of aggs) for (const c of a.columns) {
    const name = uniqueName(c.name, taken);
    taken.add(name);
    columns.push({ name, type: c.type });
  }
  const groups = new Map<string, { keys: KqlValue[]; states: ReturnType<(typeof aggs)[number]['agg']['init']>[] }>();
  for (const r of table.rows) {
    const keys = byCols.map((b) => b.c.eval(r));
    const k = JSON.stringify(keys);
    let g = groups.get(k);
    if (g === undefined) {
      g = { keys, states: aggs.map((a) => a.agg.init()) };
      groups.set(k, g);
    }
    for (const s of g.states) s.add(r);
  }
  // Without `by`, summarize returns one row even over no input (count() = 0).
  if (byCols.length === 0 && groups.size === 0) groups.set('', { keys: [], states: aggs.map((a) => a.agg.init()) });
  const rows: Row[] = [];
  for (const g of groups.values()) rows.push([...g.keys, ...g.states.flatMap((s) => s.result())]);
  return { columns, rows };
}

function union(parts: readonly { name: string; table: Table }[], withSource: string | undefined): Table {
  const columns: Column[] = [];
  const index = new Map<string, number>();
  // Same name, different types: Kusto keeps both, suffixed with the type (name_string, name_long).
  const typesOf = new Map<string, Set<KqlType>>();
  for (const p of parts) for (const c of p.table.columns) {
    let s = typesOf.get(c.name);
    if (s === undefined) typesOf.set(c.name, (s = new Set()));
    s.add(c.type);
  }
  const keyOf = (c: Column): string => ((typesOf.get(c.name)?.size ?? 1) > 1 ? `${c.name}_${c.type}` : c.name);
  if (withSource !== undefined) {
    index.set(`\u0000${withSource}`, 0);
    columns.push({ name: withSource, type: 'string' });
  }
  for (const p of parts) for (const c of p.table.columns) {
    const k = keyOf(c);
    if (index.has(k)) continue;
    index.set(k, columns.length);
    columns.push({ name: k, type: c.type });
  }
  const rows: Row[] = [];
  for (const p of parts) {
    const map = p.table.columns.map((c) => index.get(keyOf(c))!);
    for (const r of p.table.rows) {
      const out: KqlValue[] = new Array<KqlValue>(columns.length).fill(null);
      if (withSource !== undefined) out[0] = p.name;
      map.forEach((to, from) => { out[to] = r[from] ?? null; });
      rows.push(out);
    }
  }
  return { columns, rows };
}

export { KqlError };
