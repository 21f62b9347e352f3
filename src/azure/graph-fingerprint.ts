// Discovery's cheap look through Resource Graph: two summarizing queries over exactly the rows a full pass reads
// (the same table, filters and subscriptions), whose answers the pass computes from those rows itself: pure.
//
// Why count and newest creation time catch a machine deleted and another created between two looks: the count alone
// would not move, but the new machine was created after every machine the last look saw, so the newest creation time
// moves. A machine Resource Graph shows late (eventual consistency) moves the count or the newest time when it appears,
// unless a newer one was shown first and another machine vanishes in the same look (left to the next resync).
import type { Targets } from '../api/types.ts';
import type { GraphFingerprint, ObservedAssociation } from '../model/index.ts';
import { idMatcher, isRecord } from '../model/index.ts';
import { ASSOCIATION_ROWS, kqlList, machineRows } from './graph-convert.ts';
import type { GraphRow } from './graph-convert.ts';

/** One row: how many machine rows the pass's machine query selects, and the newest creation time among them. */
export function targetsFingerprintQuery(targets: Targets): string {
  return [...machineRows(targets), '| summarize machines = count(), newest = max(todatetime(properties.timeCreated))'].join('\n');
}

/** One row: how many associations in the subscriptions point to one of the sources (the spec's rules and endpoint). */
export function associationsFingerprintQuery(sources: string[]): string {
  const lower = [...new Set(sources.map((s) => s.toLowerCase()))];
  return [
    ...ASSOCIATION_ROWS,
    `| where tostring(properties.dataCollectionRuleId) in~ ${kqlList(lower)} or tostring(properties.dataCollectionEndpointId) in~ ${kqlList(lower)}`,
    '| summarize associations = count()',
  ].join('\n');
}

const timeOf = (v: unknown): number | null => {
  const ms = typeof v === 'string' ? Date.parse(v) : Number.NaN;
  return Number.isNaN(ms) ? null : ms;
};
const newer = (a: number | null, b: number | null): number | null => (a === null ? b : b === null ? a : Math.max(a, b));

/** The fingerprint a pass computes from the rows it reads, row by row, as the summarizing queries would. */
export class FingerprintOfRows {
  machines = 0;
  newestMs: number | null = null;
  associations = 0;
  // A few rule and endpoint ids repeat on 300,000 associations: each is lower-cased once, not once per association.
  readonly #source: (id: unknown) => boolean;

  constructor(sources: string[]) {
    this.#source = idMatcher(sources);
  }

  /** A row of the machine query. */
  machine(row: GraphRow): void {
    this.machines++;
    this.newestMs = newer(this.newestMs, timeOf(isRecord(row['properties']) ? row['properties']['timeCreated'] : undefined));
  }

  /** A row of the grouped association query: one machine's associations. */
  associationsOf(row: GraphRow): void {
    const list = Array.isArray(row['associations']) ? (row['associations'] as unknown[]) : [];
    for (const a of list) if (isRecord(a) && isRecord(a['properties']) && this.#through(a['properties']['dataCollectionRuleId'], a['properties']['dataCollectionEndpointId'])) this.associations++;
  }

  /** Of these associations (on the pass's targets), how many point to a source. */
  onTargets(associations: readonly ObservedAssociation[]): number {
    let n = 0;
    for (const a of associations) if (this.#through(a.dataCollectionRuleId, a.dataCollectionEndpointId)) n++;
    return n;
  }

  result(onTargets?: number): GraphFingerprint {
    return { machines: this.machines, newestMs: this.newestMs, associations: this.associations, ...(onTargets !== undefined ? { onTargets } : {}) };
  }

  #through(rule: unknown, endpoint: unknown): boolean {
    return this.#source(rule) || this.#source(endpoint);
  }
}

/** The answers of the two queries (one row each per subscription batch), added up. */
export function fingerprintOfAnswers(targetRows: readonly GraphRow[], associationRows: readonly GraphRow[]): GraphFingerprint {
  let machines = 0;
  let newestMs: number | null = null;
  let associations = 0;
  for (const r of targetRows) {
    machines += Number(r['machines'] ?? 0);
    newestMs = newer(newestMs, timeOf(r['newest']));
  }
  for (const r of associationRows) associations += Number(r['associations'] ?? 0);
  return { machines, newestMs, associations };
}

/**
 * What changed between a pass's fingerprint and a later look. The pass's own writes reach Resource Graph late, so the
 * association count may still be the pass's (nothing visible yet) or the count its writes lead to: `expectedOnTargets`
 * (the associations through the sources the pass left on its targets) replaces what it saw there. Any other count
 * means an association came or went behind the controller's back (or some writes are visible and others not yet:
 * a reconcile then costs a pass, never a wrong write).
 */
export function fingerprintChanges(pass: GraphFingerprint, now: GraphFingerprint, expectedOnTargets?: number): { targets: boolean; associations: boolean } {
  const targets = pass.machines !== now.machines || pass.newestMs !== now.newestMs;
  const after = expectedOnTargets !== undefined && pass.onTargets !== undefined ? pass.associations - pass.onTargets + expectedOnTargets : pass.associations;
  const associations = now.associations !== pass.associations && now.associations !== after;
  return { targets, associations };
}
