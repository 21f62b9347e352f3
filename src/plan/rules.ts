// Rule-level findings across the fleet: OS kind fit and overlapping data sources, counted per rule (pair), not per machine.
import type { Finding } from '../api/types.ts';
import { idKey } from '../model/index.ts';
import { combinedOsRule, dataSourceOverlaps, groupByWork, osKindMismatch, overlappingDataSources, ruleFit } from '../findings/index.ts';
import type { Work } from '../findings/index.ts';
import type { ObservedMachine, ObservedRule } from '../model/index.ts';

/** Rule-level findings, in slices (the grouping reads every machine). */
export function* ruleFindingsWork(rules: readonly ObservedRule[], machines: readonly ObservedMachine[]): Work<Finding[]> {
  // Machines (sorted by id) grouped by OS: rule applicability depends only on it, so the fleet-wide checks cost
  // O(rules² + machines).
  const groups = yield* groupByWork(machines, (m) => m.osType);
  const out: Finding[] = [];
  for (const rule of rules) {
    const mismatched: string[] = [];
    const uncovered: string[] = [];
    const others = new Set<string>();
    let combined = 0;
    for (const [os, group] of groups) {
      const fit = ruleFit(rule, os);
      if (fit === 'combined') combined += group.length;
      if (fit !== 'mismatch') continue;
      for (const m of group) mismatched.push(m.id); // no spread: 100,000 arguments overflow the stack
      // Every machine of one OS gets the same rules, so coverage is decided per OS group.
      const fitting = rules.filter((r) => ruleFit(r, os) !== 'mismatch');
      if (fitting.length === 0) for (const m of group) uncovered.push(m.id);
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
      for (const [os, group] of groups) {
        if (ruleFit(a, os) !== 'mismatch' && ruleFit(b, os) !== 'mismatch') count += group.length;
      }
      if (count > 0) out.push(overlappingDataSources(a, b, overlaps, count));
    }
  }
  return out;
}
