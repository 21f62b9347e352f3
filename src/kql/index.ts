// A small KQL engine over in-memory tables, shared by the emulated Log Analytics and Resource Graph query APIs.
import { evaluate } from './evaluate.ts';
import { parse } from './parser.ts';
import type { Catalog, Table } from './types.ts';

export { KqlError, type KqlErrorKind } from './errors.ts';
export { formatDatetime, formatTimespan, toText } from './format.ts';
export { parse } from './parser.ts';
export type { Catalog, Column, KqlType, KqlValue, Table } from './types.ts';

/** Parses and runs one query; throws `KqlError` for a syntax or semantic error. */
export function runQuery(text: string, catalog: Catalog): Table {
  return evaluate(parse(text), catalog);
}

/** A catalog over a fixed set of tables and a fixed clock. */
export function catalogOf(tables: Readonly<Record<string, Table>>, now: number): Catalog {
  return { now, table: (name) => (Object.hasOwn(tables, name) ? tables[name] : undefined) };
}
