// Ordering and bounding of findings: most severe first, then in the order the agent lifecycle fails.
import { LIFECYCLE_STAGES } from '../api/types.ts';
import type { Finding, Severity } from '../api/types.ts';
import { idKey } from '../model/index.ts';

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

/** Severity (Error > Warning > Info), then lifecycle stage, then code, then resource id. Returns a new array. */
export function sortFindings(findings: readonly Finding[]): Finding[] {
  // Keys computed once: a large fleet can produce thousands of findings.
  const keyed = findings.map((f) => ({ f, key: idKey(f.resourceId) }));
  keyed.sort(
    (a, b) =>
      SEVERITY_RANK[a.f.severity] - SEVERITY_RANK[b.f.severity] ||
      (STAGE_RANK.get(a.f.stage) ?? 99) - (STAGE_RANK.get(b.f.stage) ?? 99) ||
      cmp(a.f.code, b.f.code) ||
      cmp(a.key, b.key) ||
      cmp(a.f.message, b.f.message),
  );
  return keyed.map((k) => k.f);
}

/**
 * At most `max` findings, most severe first. Every distinct code gets a place before repeats fill the rest,
 * so a flood of one finding (thousands of new machines) never hides a rarer one.
 */
export function boundFindings(findings: readonly Finding[], max: number): Finding[] {
  const sorted = sortFindings(findings);
  if (sorted.length <= max) return sorted;
  if (max <= 0) return [];
  const chosen = new Set<number>();
  const seenCodes = new Set<string>();
  sorted.forEach((f, i) => {
    if (chosen.size < max && !seenCodes.has(f.code)) {
      seenCodes.add(f.code);
      chosen.add(i);
    }
  });
  for (let i = 0; i < sorted.length && chosen.size < max; i++) chosen.add(i);
  return sorted.filter((_, i) => chosen.has(i));
}
