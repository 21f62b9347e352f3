// The syntax tree of the KQL subset.

export interface Pos {
  readonly offset: number;
  readonly line: number;
  readonly column: number;
  readonly token: string;
}

export type Expr =
  | { readonly kind: 'literal'; readonly type: 'string' | 'long' | 'real' | 'bool' | 'timespan' | 'datetime' | 'dynamic' | 'null'; readonly value: unknown; readonly pos: Pos }
  | { readonly kind: 'name'; readonly name: string; readonly pos: Pos }
  | { readonly kind: 'call'; readonly name: string; readonly args: readonly Expr[]; readonly star: boolean; readonly pos: Pos }
  | { readonly kind: 'unary'; readonly op: '-' | 'not'; readonly arg: Expr; readonly pos: Pos }
  | { readonly kind: 'binary'; readonly op: string; readonly left: Expr; readonly right: Expr; readonly pos: Pos }
  | { readonly kind: 'in'; readonly op: 'in' | 'in~' | '!in' | '!in~'; readonly left: Expr; readonly list: readonly Expr[]; readonly pos: Pos }
  | { readonly kind: 'between'; readonly negated: boolean; readonly left: Expr; readonly low: Expr; readonly high: Expr; readonly pos: Pos }
  | { readonly kind: 'member'; readonly target: Expr; readonly key: Expr; readonly pos: Pos };

/** `Name = expr` or a bare `expr` in project, extend, summarize. */
export interface Assignment {
  readonly name?: string;
  readonly expr: Expr;
}

export interface SortKey {
  readonly expr: Expr;
  readonly descending: boolean;
  readonly nullsFirst: boolean;
}

export type Operator =
  | { readonly kind: 'where'; readonly predicate: Expr; readonly pos: Pos }
  | { readonly kind: 'project'; readonly columns: readonly Assignment[]; readonly pos: Pos }
  | { readonly kind: 'project-away'; readonly names: readonly Pos[]; readonly pos: Pos }
  | { readonly kind: 'project-rename'; readonly renames: readonly { readonly to: string; readonly from: Pos }[]; readonly pos: Pos }
  | { readonly kind: 'extend'; readonly columns: readonly Assignment[]; readonly pos: Pos }
  | { readonly kind: 'summarize'; readonly aggregates: readonly Assignment[]; readonly by: readonly Assignment[]; readonly pos: Pos }
  | { readonly kind: 'sort'; readonly keys: readonly SortKey[]; readonly pos: Pos }
  | { readonly kind: 'top'; readonly count: Expr; readonly keys: readonly SortKey[]; readonly pos: Pos }
  | { readonly kind: 'take'; readonly count: Expr; readonly pos: Pos }
  | { readonly kind: 'distinct'; readonly columns: readonly Assignment[] | '*'; readonly pos: Pos }
  | { readonly kind: 'count'; readonly pos: Pos }
  | { readonly kind: 'union'; readonly sources: readonly Tabular[]; readonly withSource?: string; readonly fuzzy: boolean; readonly pos: Pos };

export type Source =
  | { readonly kind: 'table'; readonly name: string; readonly pos: Pos }
  | { readonly kind: 'union'; readonly sources: readonly Tabular[]; readonly withSource?: string; readonly fuzzy: boolean; readonly pos: Pos }
  | { readonly kind: 'print'; readonly columns: readonly Assignment[]; readonly pos: Pos };

export interface Tabular {
  readonly source: Source;
  readonly operators: readonly Operator[];
}

export type Statement =
  | { readonly kind: 'let'; readonly name: string; readonly value: { readonly tabular: Tabular } | { readonly scalar: Expr }; readonly pos: Pos };

export interface Query {
  readonly lets: readonly Statement[];
  readonly body: Tabular;
}
