// Tokens of the KQL subset: identifiers (dashed operator names included), literals, punctuation.
import { KqlError } from './errors.ts';

export type TokenKind = 'ident' | 'string' | 'long' | 'real' | 'timespan' | 'datetime' | 'dynamic' | 'punct' | 'eof';

export interface Token {
  readonly kind: TokenKind;
  /** The text as written (for errors), or the decoded value for strings and raw literals. */
  readonly text: string;
  readonly value: string | number;
  readonly offset: number;
  readonly end: number;
  readonly line: number;
  readonly column: number;
}

// Operator names that contain a dash; any other `a-b` is a subtraction.
const DASHED = new Set([
  'project-away', 'project-rename', 'project-keep', 'project-reorder', 'mv-expand', 'mv-apply',
  'make-series', 'parse-where', 'parse-kv', 'top-nested', 'top-hitters', 'find-in',
]);

// Timespan units: https://learn.microsoft.com/kusto/query/scalar-data-types/timespan
const UNITS: Record<string, number> = {
  d: 86_400_000, day: 86_400_000, days: 86_400_000,
  h: 3_600_000, hr: 3_600_000, hrs: 3_600_000, hour: 3_600_000, hours: 3_600_000,
  m: 60_000, min: 60_000, minute: 60_000, minutes: 60_000,
  s: 1000, sec: 1000, second: 1000, seconds: 1000,
  ms: 1, milli: 1, millis: 1, millisecond: 1, milliseconds: 1,
  microsecond: 0.001, microseconds: 0.001, tick: 0.0001, ticks: 0.0001,
};

const PUNCT = ['..', '==', '!=', '<>', '<=', '>=', '=~', '!~', '|', ',', '(', ')', '[', ']', '{', '}', '=', '<', '>', '+', '-', '*', '/', '%', '.', ';', '!', '~', ':'];

const isIdentStart = (c: string): boolean => /[A-Za-z_$]/.test(c);
const isIdentPart = (c: string): boolean => /[A-Za-z0-9_$]/.test(c);
const isDigit = (c: string): boolean => c >= '0' && c <= '9';

export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let line = 1;
  let lineStart = 0;
  const at = (offset: number): { line: number; column: number; offset: number } => ({ line, column: offset - lineStart + 1, offset });
  const fail = (offset: number, token: string, message: string): never => {
    throw new KqlError('SyntaxError', message, { ...at(offset), token });
  };
  const push = (kind: TokenKind, start: number, value: string | number, raw?: string): void => {
    tokens.push({ kind, text: raw ?? text.slice(start, i), value, offset: start, end: i, ...posOf(start) });
  };
  const posOf = (offset: number): { line: number; column: number } => ({ line, column: offset - lineStart + 1 });

  const readQuoted = (start: number, verbatim: boolean): string => {
    const quote = text[i];
    i++;
    let out = '';
    for (;;) {
      if (i >= text.length || text[i] === '\n') return fail(start, text.slice(start, i), `Unterminated string literal at line ${line}, column ${start - lineStart + 1}`);
      const c = text[i]!;
      if (c === quote) {
        i++;
        return out;
      }
      if (c === '\\' && !verbatim) {
        const n = text[i + 1];
        const map: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"' };
        if (n === undefined || map[n] === undefined) return fail(i, `\\${n ?? ''}`, `Unsupported escape sequence '\\${n ?? ''}' in a string literal`);
        out += map[n];
        i += 2;
        continue;
      }
      out += c;
      i++;
    }
  };

  // `datetime(...)`, `timespan(...)`, `dynamic(...)`: the content is a literal, not an expression.
  const readRaw = (start: number): string => {
    let depth = 0;
    const open = i;
    for (; i < text.length; i++) {
      const c = text[i];
      if (c === '"' || c === "'") {
        readQuoted(i, false);
        i--;
        continue;
      }
      if (c === '(' || c === '[' || c === '{') depth++;
      else if (c === ')' || c === ']' || c === '}') {
        depth--;
        if (depth === 0) {
          i++;
          return text.slice(open + 1, i - 1).trim();
        }
      } else if (c === '\n') return fail(start, text.slice(start, i), 'Unterminated literal');
    }
    return fail(start, text.slice(start), 'Unterminated literal');
  };

  while (i < text.length) {
    const c = text[i]!;
    if (c === '\n') {
      i++;
      line++;
      lineStart = i;
      continue;
    }
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
      continue;
    }
    const start = i;
    if ((c === '@' || c === 'h' || c === 'H') && (text[i + 1] === '"' || text[i + 1] === "'")) {
      const verbatim = c === '@';
      i++;
      const s = readQuoted(start, verbatim);
      push('string', start, s);
      continue;
    }
    if (c === '"' || c === "'") {
      const s = readQuoted(start, false);
      push('string', start, s);
      continue;
    }
    if (isDigit(c) || (c === '.' && isDigit(text[i + 1] ?? ''))) {
      while (isDigit(text[i] ?? '')) i++;
      let real = false;
      if (text[i] === '.' && isDigit(text[i + 1] ?? '')) {
        real = true;
        i++;
        while (isDigit(text[i] ?? '')) i++;
      }
      if ((text[i] === 'e' || text[i] === 'E') && /[0-9+-]/.test(text[i + 1] ?? '') && !isIdentStart(text[i + 2] ?? '')) {
        real = true;
        i += 2;
        while (isDigit(text[i] ?? '')) i++;
      }
      const numText = text.slice(start, i);
      if (isIdentStart(text[i] ?? '')) {
        const unitStart = i;
        while (isIdentPart(text[i] ?? '')) i++;
        const unit = text.slice(unitStart, i).toLowerCase();
        const scale = UNITS[unit];
        if (scale === undefined) return fail(start, text.slice(start, i), `Unknown timespan unit '${text.slice(unitStart, i)}' in '${text.slice(start, i)}'`);
        push('timespan', start, Number(numText) * scale);
        continue;
      }
      push(real ? 'real' : 'long', start, Number(numText));
      continue;
    }
    if (isIdentStart(c)) {
      while (isIdentPart(text[i] ?? '')) i++;
      if (text[i] === '-' && isIdentStart(text[i + 1] ?? '')) {
        let j = i + 1;
        while (isIdentPart(text[j] ?? '')) j++;
        if (DASHED.has(text.slice(start, j).toLowerCase())) i = j;
      }
      const word = text.slice(start, i);
      let j = i;
      while (text[j] === ' ' || text[j] === '\t') j++;
      const lower = word.toLowerCase();
      if ((lower === 'datetime' || lower === 'timespan' || lower === 'dynamic') && text[j] === '(') {
        i = j;
        const raw = readRaw(start);
        push(lower, start, raw, text.slice(start, i));
        continue;
      }
      push('ident', start, word);
      continue;
    }
    const prev = tokens[tokens.length - 1];
    const indexes = prev !== undefined && (prev.kind === 'ident' || prev.text === ')' || prev.text === ']');
    if (c === '[' && !indexes && (text[i + 1] === "'" || text[i + 1] === '"')) {
      // ['column name']: a quoted identifier.
      i++;
      const name = readQuoted(start, false);
      if (text[i] !== ']') return fail(start, text.slice(start, i), "Expected ']' after a bracketed name");
      i++;
      push('ident', start, name);
      continue;
    }
    const p = PUNCT.find((x) => text.startsWith(x, i));
    if (p === undefined) return fail(start, c, `Unexpected character '${c}' at line ${line}, column ${start - lineStart + 1}`);
    i += p.length;
    push('punct', start, p);
  }
  tokens.push({ kind: 'eof', text: '<end of query>', value: '', offset: i, end: i, ...posOf(i) });
  return tokens;
}
