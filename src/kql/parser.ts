// A recursive-descent parser for the KQL subset; anything outside it fails with the token and its position.
import type { Assignment, Expr, Operator, Pos, Query, SortKey, Source, Statement, Tabular } from './ast.ts';
import { KqlError } from './errors.ts';
import { tokenize, type Token } from './lexer.ts';

// Tabular operators of KQL this engine does not implement: named in the error, not "unexpected token".
const UNSUPPORTED_OPERATORS = new Set([
  'join', 'lookup', 'mv-expand', 'mv-apply', 'parse', 'parse-where', 'parse-kv', 'make-series', 'render', 'as',
  'evaluate', 'invoke', 'fork', 'facet', 'sample', 'sample-distinct', 'serialize', 'scan', 'search', 'find', 'top-nested',
  'top-hitters', 'getschema', 'partition', 'reduce', 'range', 'project-keep', 'project-reorder', 'consume', 'externaldata',
]);

// Binary operators written as words; the `_cs` forms are case-sensitive.
const WORD_OPERATORS = new Set([
  'has', 'has_cs', 'contains', 'contains_cs', 'startswith', 'startswith_cs', 'endswith', 'endswith_cs',
  'hasprefix', 'hassuffix', 'has_any', 'has_all',
]);
const IN_OPERATORS = ['in', 'in~', '!in', '!in~'] as const;
const NEGATABLE = new Set([...WORD_OPERATORS].filter((w) => w !== 'has_any' && w !== 'has_all'));

export function parse(text: string): Query {
  return new Parser(text).query();
}

class Parser {
  private readonly tokens: Token[];
  private i = 0;

  constructor(text: string) {
    this.tokens = tokenize(text);
  }

  private get tok(): Token {
    return this.tokens[this.i]!;
  }

  private atEnd(): boolean {
    return this.tok.kind === 'eof';
  }

  private peek(n = 1): Token {
    return this.tokens[Math.min(this.i + n, this.tokens.length - 1)]!;
  }

  private pos(t: Token = this.tok): Pos {
    return { offset: t.offset, line: t.line, column: t.column, token: t.text };
  }

  private fail(message: string, t: Token = this.tok): never {
    throw new KqlError('SyntaxError', `Query could not be parsed at '${t.text}' on line [${t.line},${t.column}]: ${message}`, this.pos(t));
  }

  private isPunct(p: string, t: Token = this.tok): boolean {
    return t.kind === 'punct' && t.value === p;
  }

  private isWord(w: string, t: Token = this.tok): boolean {
    return t.kind === 'ident' && typeof t.value === 'string' && t.value.toLowerCase() === w;
  }

  private adjacent(a: Token, b: Token): boolean {
    return a.end === b.offset;
  }

  private expectPunct(p: string, what: string): Token {
    if (!this.isPunct(p)) this.fail(`expected '${p}' ${what}`);
    return this.tokens[this.i++]!;
  }

  private eatPunct(p: string): boolean {
    if (!this.isPunct(p)) return false;
    this.i++;
    return true;
  }

  private eatWord(w: string): boolean {
    if (!this.isWord(w)) return false;
    this.i++;
    return true;
  }

  private ident(what: string): string {
    if (this.tok.kind !== 'ident') this.fail(`expected ${what}`);
    return String(this.tokens[this.i++]!.value);
  }

  query(): Query {
    const lets: Statement[] = [];
    let body: Tabular | undefined;
    while (this.tok.kind !== 'eof') {
      if (this.isWord('let')) {
        lets.push(this.letStatement());
      } else {
        if (body !== undefined) this.fail('only one tabular expression may follow the let statements');
        body = this.tabular();
      }
      if (this.atEnd()) break;
      this.expectPunct(';', 'between statements');
    }
    if (body === undefined) this.fail('the query has no tabular expression');
    return { lets, body };
  }

  private letStatement(): Statement {
    const pos = this.pos();
    this.i++;
    const name = this.ident('a name after let');
    this.expectPunct('=', `after 'let ${name}'`);
    const t = this.tok;
    const tabularStart =
      this.isWord('union') || this.isWord('print') ||
      (t.kind === 'ident' && (this.isPunct('|', this.peek()) || ((this.isPunct(';', this.peek()) || this.peek().kind === 'eof') && /^[A-Z]/.test(String(t.value)))));
    if (tabularStart) return { kind: 'let', name, value: { tabular: this.tabular() }, pos };
    return { kind: 'let', name, value: { scalar: this.expr() }, pos };
  }

  private tabular(): Tabular {
    const source = this.source();
    const operators: Operator[] = [];
    while (this.eatPunct('|')) operators.push(this.operator());
    if (this.tok.kind !== 'eof' && !this.isPunct(';') && !this.isPunct(')') && !this.isPunct(',')) {
      this.fail("expected '|' before the next operator");
    }
    return { source, operators };
  }

  private source(): Source {
    const pos = this.pos();
    if (this.isWord('union')) {
      this.i++;
      return { pos, ...this.unionBody() };
    }
    if (this.isWord('print')) {
      this.i++;
      return { kind: 'print', columns: this.assignments('print'), pos };
    }
    if (this.tok.kind !== 'ident') this.fail('expected a table name');
    const name = String(this.tok.value);
    this.i++;
    if (this.isPunct('(')) this.fail(`a tabular source cannot be the function call '${name}(...)'`, this.tokens[this.i - 1]);
    return { kind: 'table', name, pos };
  }

  private unionBody(): { kind: 'union'; sources: Tabular[]; withSource?: string; fuzzy: boolean } {
    let withSource: string | undefined;
    let fuzzy = false;
    while (this.tok.kind === 'ident' && this.isPunct('=', this.peek())) {
      const param = String(this.tok.value).toLowerCase();
      const paramTok = this.tok;
      this.i += 2;
      if (param === 'withsource') withSource = this.ident('a column name after withsource=');
      else if (param === 'kind') {
        const kind = this.ident("'outer' or 'inner' after kind=");
        if (kind.toLowerCase() !== 'outer') this.fail(`union kind=${kind} is not supported (only kind=outer)`, this.tokens[this.i - 1]);
      } else if (param === 'isfuzzy') {
        fuzzy = this.ident('true or false after isfuzzy=').toLowerCase() === 'true';
      } else this.fail(`the union parameter '${param}' is not supported`, paramTok);
    }
    const sources: Tabular[] = [];
    do {
      if (this.eatPunct('(')) {
        sources.push(this.tabular());
        this.expectPunct(')', 'to close the union leg');
      } else {
        const pos = this.pos();
        const name = this.ident('a table name in union');
        sources.push({ source: { kind: 'table', name, pos }, operators: [] });
      }
    } while (this.eatPunct(','));
    return withSource === undefined ? { kind: 'union', sources, fuzzy } : { kind: 'union', sources, withSource, fuzzy };
  }

  private operator(): Operator {
    const t = this.tok;
    const pos = this.pos();
    if (t.kind !== 'ident') this.fail('expected a tabular operator after |');
    const name = String(t.value).toLowerCase();
    this.i++;
    switch (name) {
      case 'where':
      case 'filter':
        return { kind: 'where', predicate: this.expr(), pos };
      case 'project':
        return { kind: 'project', columns: this.assignments('project'), pos };
      case 'project-away': {
        const names: Pos[] = [];
        do {
          names.push(this.pos());
          this.ident('a column name');
        } while (this.eatPunct(','));
        return { kind: 'project-away', names, pos };
      }
      case 'project-rename': {
        const renames: { to: string; from: Pos }[] = [];
        do {
          const to = this.ident('a new column name');
          this.expectPunct('=', 'in project-rename');
          renames.push({ to, from: this.pos() });
          this.ident('the column to rename');
        } while (this.eatPunct(','));
        return { kind: 'project-rename', renames, pos };
      }
      case 'extend':
        return { kind: 'extend', columns: this.assignments('extend'), pos };
      case 'summarize': {
        const aggregates = this.isWord('by') ? [] : this.assignments('summarize');
        const by = this.eatWord('by') ? this.assignments('summarize by') : [];
        return { kind: 'summarize', aggregates, by, pos };
      }
      case 'order':
      case 'sort':
        if (!this.eatWord('by')) this.fail(`expected 'by' after '${name}'`);
        return { kind: 'sort', keys: this.sortKeys(), pos };
      case 'top': {
        const count = this.expr();
        if (!this.eatWord('by')) this.fail("expected 'by' after 'top N'");
        return { kind: 'top', count, keys: this.sortKeys(), pos };
      }
      case 'take':
      case 'limit':
        return { kind: 'take', count: this.expr(), pos };
      case 'distinct':
        if (this.eatPunct('*')) return { kind: 'distinct', columns: '*', pos };
        return { kind: 'distinct', columns: this.assignments('distinct'), pos };
      case 'count':
        return { kind: 'count', pos };
      case 'union': {
        const body = this.unionBody();
        return { pos, ...body };
      }
      default:
        if (UNSUPPORTED_OPERATORS.has(name)) this.fail(`the '${name}' operator is not supported by this engine`, t);
        return this.fail(`'${String(t.value)}' is not a tabular operator`, t);
    }
  }

  private assignments(context: string): Assignment[] {
    const out: Assignment[] = [];
    do {
      if (this.tok.kind === 'eof' || this.isPunct('|')) this.fail(`expected an expression in ${context}`);
      if (this.tok.kind === 'ident' && this.isPunct('=', this.peek())) {
        const name = String(this.tok.value);
        this.i += 2;
        out.push({ name, expr: this.expr() });
      } else out.push({ expr: this.expr() });
    } while (this.eatPunct(','));
    return out;
  }

  private sortKeys(): SortKey[] {
    const keys: SortKey[] = [];
    do {
      const expr = this.expr();
      let descending = true;
      if (this.eatWord('asc')) descending = false;
      else this.eatWord('desc');
      let nullsFirst = !descending;
      if (this.eatWord('nulls')) {
        if (this.eatWord('first')) nullsFirst = true;
        else if (this.eatWord('last')) nullsFirst = false;
        else this.fail("expected 'first' or 'last' after 'nulls'");
      }
      keys.push({ expr, descending, nullsFirst });
    } while (this.eatPunct(','));
    return keys;
  }

  // Precedence, lowest first: or, and, comparison, additive, multiplicative, unary, postfix.
  expr(): Expr {
    let left = this.andExpr();
    while (this.isWord('or')) {
      const pos = this.pos();
      this.i++;
      left = { kind: 'binary', op: 'or', left, right: this.andExpr(), pos };
    }
    return left;
  }

  private andExpr(): Expr {
    let left = this.comparison();
    while (this.isWord('and')) {
      const pos = this.pos();
      this.i++;
      left = { kind: 'binary', op: 'and', left, right: this.comparison(), pos };
    }
    return left;
  }

  private comparison(): Expr {
    const left = this.additive();
    const t = this.tok;
    const pos = this.pos();
    if (t.kind === 'punct' && ['==', '!=', '<>', '<', '<=', '>', '>=', '=~', '!~'].includes(String(t.value))) {
      this.i++;
      const op = t.value === '<>' ? '!=' : String(t.value);
      return { kind: 'binary', op, left, right: this.additive(), pos };
    }
    let negated = false;
    let word: Token = t;
    if (this.isPunct('!') && this.peek().kind === 'ident' && this.adjacent(t, this.peek())) {
      negated = true;
      word = this.peek();
    }
    if (word.kind !== 'ident') return left;
    const w = String(word.value).toLowerCase();
    if (w === 'in') {
      this.i += negated ? 2 : 1;
      let ci = false;
      if (this.isPunct('~') && this.adjacent(word, this.tok)) {
        ci = true;
        this.i++;
      }
      const op = IN_OPERATORS[(negated ? 2 : 0) + (ci ? 1 : 0)]!;
      this.expectPunct('(', `after '${op}'`);
      const list: Expr[] = [];
      if (!this.isPunct(')')) {
        do list.push(this.expr());
        while (this.eatPunct(','));
      }
      this.expectPunct(')', `to close the '${op}' list`);
      return { kind: 'in', op, left, list, pos };
    }
    if (w === 'between') {
      this.i += negated ? 2 : 1;
      this.expectPunct('(', "after 'between'");
      const low = this.additive();
      this.expectPunct('..', "between the bounds of 'between'");
      const high = this.additive();
      this.expectPunct(')', "to close 'between'");
      return { kind: 'between', negated, left, low, high, pos };
    }
    if (WORD_OPERATORS.has(w)) {
      if (negated && !NEGATABLE.has(w)) this.fail(`'!${w}' is not an operator`, word);
      this.i += negated ? 2 : 1;
      if (w === 'has_any' || w === 'has_all') {
        this.expectPunct('(', `after '${w}'`);
        const list: Expr[] = [];
        do list.push(this.expr());
        while (this.eatPunct(','));
        this.expectPunct(')', `to close '${w}'`);
        return { kind: 'call', name: w, args: [left, ...list], star: false, pos };
      }
      return { kind: 'binary', op: `${negated ? '!' : ''}${w}`, left, right: this.additive(), pos };
    }
    if (w === 'matches' || w === 'like' || w === 'contains_any') this.fail(`the '${w}' operator is not supported by this engine`, word);
    return left;
  }

  private additive(): Expr {
    let left = this.multiplicative();
    while (this.isPunct('+') || this.isPunct('-')) {
      const pos = this.pos();
      const op = String(this.tok.value);
      this.i++;
      left = { kind: 'binary', op, left, right: this.multiplicative(), pos };
    }
    return left;
  }

  private multiplicative(): Expr {
    let left = this.unary();
    while (this.isPunct('*') || this.isPunct('/') || this.isPunct('%')) {
      const pos = this.pos();
      const op = String(this.tok.value);
      this.i++;
      left = { kind: 'binary', op, left, right: this.unary(), pos };
    }
    return left;
  }

  private unary(): Expr {
    if (this.isPunct('-')) {
      const pos = this.pos();
      this.i++;
      return { kind: 'unary', op: '-', arg: this.unary(), pos };
    }
    if (this.isPunct('+')) {
      this.i++;
      return this.unary();
    }
    return this.postfix();
  }

  private postfix(): Expr {
    let e = this.primary();
    for (;;) {
      const pos = this.pos();
      if (this.isPunct('.') && this.peek().kind === 'ident') {
        this.i++;
        const key = String(this.tok.value);
        const keyPos = this.pos();
        this.i++;
        e = { kind: 'member', target: e, key: { kind: 'literal', type: 'string', value: key, pos: keyPos }, pos };
      } else if (this.isPunct('[')) {
        this.i++;
        const key = this.expr();
        this.expectPunct(']', 'to close the index');
        e = { kind: 'member', target: e, key, pos };
      } else return e;
    }
  }

  private primary(): Expr {
    const t = this.tok;
    const pos = this.pos();
    switch (t.kind) {
      case 'string':
        this.i++;
        return { kind: 'literal', type: 'string', value: t.value, pos };
      case 'long':
      case 'real':
        this.i++;
        return { kind: 'literal', type: t.kind, value: t.value, pos };
      case 'timespan':
        this.i++;
        return { kind: 'literal', type: 'timespan', value: typeof t.value === 'number' ? t.value : parseTimespanLiteral(t.value, t, this), pos };
      case 'datetime':
        this.i++;
        return { kind: 'literal', type: 'datetime', value: parseDatetimeLiteral(String(t.value), t, this), pos };
      case 'dynamic':
        this.i++;
        return { kind: 'literal', type: 'dynamic', value: parseDynamicLiteral(String(t.value), t, this), pos };
      case 'ident': {
        const word = String(t.value);
        const lower = word.toLowerCase();
        if (lower === 'true' || lower === 'false') {
          this.i++;
          return { kind: 'literal', type: 'bool', value: lower === 'true', pos };
        }
        if (lower === 'null') {
          this.i++;
          return { kind: 'literal', type: 'null', value: null, pos };
        }
        this.i++;
        if (this.isPunct('(')) {
          this.i++;
          const args: Expr[] = [];
          let star = false;
          if (!this.isPunct(')')) {
            do {
              if (this.eatPunct('*')) star = true;
              else args.push(this.expr());
            } while (this.eatPunct(','));
          }
          this.expectPunct(')', `to close '${word}('`);
          return { kind: 'call', name: word, args, star, pos };
        }
        return { kind: 'name', name: word, pos };
      }
      case 'punct':
        if (t.value === '(') {
          this.i++;
          const e = this.expr();
          this.expectPunct(')', 'to close the parenthesis');
          return e;
        }
        break;
      default:
        break;
    }
    if (t.kind === 'eof') return this.fail('the query ends where an expression was expected');
    return this.fail('expected an expression');
  }

  /** Raised from literal decoding so the message carries the literal's position. */
  literalError(t: Token, message: string): never {
    return this.fail(message, t);
  }
}

function parseDatetimeLiteral(raw: string, t: Token, p: Parser): number | null {
  if (raw.toLowerCase() === 'null') return null;
  const s = raw.replace(/^["']|["']$/g, '');
  const iso = /^\d{4}-\d{2}-\d{2}$/.test(s) ? `${s}T00:00:00Z` : /[zZ]|[+-]\d{2}:?\d{2}$/.test(s) ? s : `${s.replace(' ', 'T')}Z`;
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) p.literalError(t, `'${raw}' is not a datetime`);
  return ms;
}

function parseDynamicLiteral(raw: string, t: Token, p: Parser): unknown {
  try {
    return JSON.parse(raw.replace(/'/g, '"')) as unknown;
  } catch {
    return p.literalError(t, `'${raw}' is not a dynamic literal this engine can read (JSON values only)`);
  }
}

// `timespan(1d)`, `timespan(00:05:00)`, `timespan(1.02:03:04.5)`: https://learn.microsoft.com/kusto/query/scalar-data-types/timespan
function parseTimespanLiteral(raw: string, t: Token, p: Parser): number | null {
  const s = raw.trim();
  if (s.toLowerCase() === 'null') return null;
  const unit = /^(\d+(?:\.\d+)?)\s*([a-zA-Z]+)$/.exec(s);
  if (unit !== null) {
    const inner = tokenize(s.replace(/\s+/g, ''));
    if (inner[0]?.kind === 'timespan' && typeof inner[0].value === 'number') return inner[0].value;
  }
  const clock = /^(?:(\d+)\.)?(\d{1,2}):(\d{2})(?::(\d{2})(\.\d+)?)?$/.exec(s);
  if (clock !== null) {
    const [, d, h, m, sec, frac] = clock;
    return ((Number(d ?? 0) * 24 + Number(h)) * 60 + Number(m)) * 60_000 + Number(sec ?? 0) * 1000 + Number(frac ?? 0) * 1000;
  }
  return p.literalError(t, `'${raw}' is not a timespan`);
}
