// Ordering and bounding of findings: most severe first, then in the order the agent lifecycle fails.
import { LIFECYCLE_STAGES } from '../api/types.ts';
import type { Finding, Severity } from '../api/types.ts';
import { idKey } from '../model/index.ts';
import { eachWork, filterWork, mapWork, runSync, smallestWork, sortWork } from './work.ts';
import type { Work } from './work.ts';

const SEVERITY_RANK: Record<Severity, number> = { Error: 0, Warning: 1, Info: 2 };
const STAGE_RANK = new Map<string, number>(LIFECYCLE_STAGES.map((s, i) => [s, i]));

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function compareFindings(a: Finding, b: Finding): number {
  return (
    SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] ||
    (STAGE_RANK.get(a.stage) ?? 99) - (STAGE_RANK.get(b.stage) ?? 99) ||
    cmp(a.code, b.code) ||
    cmp(idKey(a.resourceId), idKey(b.resourceId)) ||
    cmp(a.message, b.message)
  );
}

interface Keyed {
  f: Finding;
  key: string;
  /** Position in the input: ties keep input order, as a stable sort does. */
  index: number;
}

function compareKeyed(a: Keyed, b: Keyed): number {
  return (
    SEVERITY_RANK[a.f.severity] - SEVERITY_RANK[b.f.severity] ||
    (STAGE_RANK.get(a.f.stage) ?? 99) - (STAGE_RANK.get(b.f.stage) ?? 99) ||
    cmp(a.f.code, b.f.code) ||
    cmp(a.key, b.key) ||
    cmp(a.f.message, b.f.message)
  );
}

function* keyedWork(findings: readonly Finding[]): Work<Keyed[]> {
  // Keys computed once: a large fleet can produce a finding per machine.
  let index = 0;
  return yield* mapWork(findings, (f) => ({ f, key: idKey(f.resourceId), index: index++ }));
}

/** Severity (Error > Warning > Info), then lifecycle stage, then code, then resource id: a new array, in slices. */
export function* sortFindingsWork(findings: readonly Finding[]): Work<Finding[]> {
  const sorted = yield* sortWork(yield* keyedWork(findings), compareKeyed);
  return yield* mapWork(sorted, (k) => k.f);
}

/** Severity (Error > Warning > Info), then lifecycle stage, then code, then resource id. Returns a new array. */
export function sortFindings(findings: readonly Finding[]): Finding[] {
  return runSync(sortFindingsWork(findings));
}

/**
 * At most `max` findings, most severe first. Every distinct code gets a place before repeats fill the rest,
 * so a flood of one finding (thousands of new machines) never hides a rarer one. One pass, no sort of the whole list.
 */
export function* boundFindingsWork(findings: readonly Finding[], max: number): Work<Finding[]> {
  if (max <= 0) return [];
  const keyed = yield* keyedWork(findings);
  const tieBreak = (a: Keyed, b: Keyed): number => compareKeyed(a, b) || a.index - b.index;
  if (keyed.length <= max) return (yield* sortWork(keyed, compareKeyed)).map((k) => k.f);
  // The first finding of each code in sorted order, then the codes by that finding.
  const firstOfCode = new Map<string, Keyed>();
  yield* eachWork(keyed, (k) => {
    const best = firstOfCode.get(k.f.code);
    if (best === undefined || tieBreak(k, best) < 0) firstOfCode.set(k.f.code, k);
  });
  const chosen = [...firstOfCode.values()].sort(tieBreak).slice(0, max);
  const taken = new Set(chosen.map((k) => k.index));
  const others = yield* filterWork(keyed, (k) => !taken.has(k.index));
  const rest = yield* smallestWork(others, max - chosen.length, tieBreak);
  return [...chosen, ...rest].sort(tieBreak).map((k) => k.f);
}

export function boundFindings(findings: readonly Finding[], max: number): Finding[] {
  return runSync(boundFindingsWork(findings, max));
}
