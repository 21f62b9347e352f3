// The value model of the engine: KQL scalar types and how their values are held in memory.

/** KQL scalar types, as the Log Analytics and Resource Graph responses name them. */
export type KqlType = 'bool' | 'datetime' | 'dynamic' | 'int' | 'long' | 'real' | 'string' | 'guid' | 'timespan' | 'decimal';

/**
 * A cell value. Datetimes are epoch milliseconds and timespans milliseconds (the column's type says
 * which), strings and guids are strings, dynamic values are plain JSON values; `null` is KQL's null.
 */
export type KqlValue = string | number | boolean | null | KqlDynamic;
export type KqlDynamic = KqlValue[] | { [key: string]: KqlValue };

export interface Column {
  readonly name: string;
  readonly type: KqlType;
}

/** A table held in memory: typed columns and positional rows. */
export interface Table {
  readonly name?: string;
  readonly columns: readonly Column[];
  readonly rows: readonly (readonly KqlValue[])[];
}

/** What a query may read: tables by name (case-sensitive, as in KQL) and the evaluation clock. */
export interface Catalog {
  table(name: string): Table | undefined;
  /** The instant `now()` and `ago()` are measured from, fixed for one query. */
  readonly now: number;
}

export function isNumeric(t: KqlType): boolean {
  return t === 'int' || t === 'long' || t === 'real' || t === 'decimal';
}
