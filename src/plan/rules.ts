// Rule-level findings across the fleet: OS kind fit and overlapping data sources, counted per rule (pair), not per machine.
import type { Finding } from '../api/types.ts';
import { idKey } from '../model/index.ts';
import { combinedOsRule, dataSourceOverlaps, eachWork, osKindMismatch, overlappingDataSources, ruleFit } from '../findings/index.ts';
import type { Work } from '../findings/index.ts';
import type { ObservedMachine, ObservedRule, OsType } from '../model/index.ts';

/** Machines (sorted by id) grouped by OS, in slices: rule applicability depends only on it, so the fleet-wide checks cost O(rules² + machines). */
function* byOsWork(machines: readonly ObservedMachine[]): Work<Map<OsType | undefined, string[]>> {
  const out = new Map<OsType | undefined, string[]>();
  yield* eachWork(machines, (m) => {
    const list = out.get(m.osType);
    if (list) list.push(m.id);
    else out.set(m.osType, [m.id]);
  });
  return out; // callers pass machines already sorted by id
}

/** Rule-level findings, in slices (the grouping reads every machine). */
export function* ruleFindingsWork(rules: readonly ObservedRule[], machines: readonly ObservedMachine[]): Work<Finding[]> {
  const groups = yield* byOsWork(machines);
  const out: Finding[] = [];
  for (const rule of rules) {
    const mismatched: string[] = [];
    const uncovered: string[] = [];
    const others = new Set<string>();
    let combined = 0;
    for (const [os, ids] of groups) {
      const fit = ruleFit(rule, os);
      if (fit === 'combined') combined += ids.length;
      if (fit !== 'mismatch') continue;
      for (const id of ids) mismatched.push(id); // no spread: 100,000 arguments overflow the stack
      // Every machine of one OS gets the same rules, so coverage is decided per OS group.
      const fitting = rules.filter((r) => ruleFit(r, os) !== 'mismatch');
      if (fitting.length === 0) for (const id of ids) uncovered.push(id);
      for (const r of fitting) others.add(r.id);
    }
    if (mismatched.length > 0) out.push(osKindMismatch(rule, mismatched, uncovered, [...others]));
    if (ruleFit(rule, undefined) === 'combined') out.push(combinedOsRule(rule, combined));
  }
  for (let i = 0; i < rules.length; i++) {
    for (let j = i + 1; j < rules.length; j++) {
      const [a, b] = [rules[i], rules[j]].sort((x, y) => (idKey(x?.id ?? '') < idKey(y?.id ?? '') ? -1 : 1));
      if (!a || !b) continue;
      const overlaps = dataSourceOverlaps(a, b);
      if (overlaps.length === 0) continue;
      let count = 0;
      for (const [os, ids] of groups) {
        if (ruleFit(a, os) !== 'mismatch' && ruleFit(b, os) !== 'mismatch') count += ids.length;
      }
      if (count > 0) out.push(overlappingDataSources(a, b, overlaps, count));
    }
  }
  return out;
}
