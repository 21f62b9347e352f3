// Rule checks (stages Rules and Collection): which rules apply to which OS, and rules that collect the same data.
import type { Finding } from '../api/types.ts';
import { idKey } from '../model/index.ts';
import type { ObservedDataSource, ObservedRule, OsType } from '../model/index.ts';
import { describe, finding, listNames, machineFinding, nameOf } from './finding.ts';

/** The agent's limit on rule associations per machine. */
export const MAX_RULE_ASSOCIATIONS = 30;

export type RuleFit = 'applies' | 'combined' | 'mismatch';

/** A Linux rule fits Linux machines, a Windows rule Windows ones; a rule with no kind (or `All`) fits both. */
export function ruleFit(rule: ObservedRule, osType: OsType | undefined): RuleFit {
  const kind = rule.kind?.toLowerCase();
  if (kind === undefined || kind === '' || kind === 'all') return 'combined';
  if (kind !== 'linux' && kind !== 'windows') return 'applies';
  if (osType === undefined) return 'applies'; // unknown OS: the agent ignores what it cannot run
  return kind === osType.toLowerCase() ? 'applies' : 'mismatch';
}

/**
 * A rule of one OS kind is not associated with target machines of the other OS. Info when each of them gets a rule of
 * its own (a mixed fleet); a Warning naming the machines that would get no applicable rule at all.
 */
export function osKindMismatch(
  rule: ObservedRule,
  machineIds: readonly string[],
  uncovered: readonly string[],
  otherRuleIds: readonly string[],
): Finding {
  const head = `The ${describe(rule.id)} is a ${rule.kind ?? ''} rule and is not associated with ${machineIds.length} target machine(s) of the other OS`;
  if (uncovered.length === 0) {
    return finding(
      'OsKindMismatch',
      'Info',
      rule.id,
      'Rules',
      `${head} (${listNames(machineIds)}), as is correct: they get ${listNames(otherRuleIds)} instead.`,
    );
  }
  return finding(
    'OsKindMismatch',
    'Warning',
    rule.id,
    'Rules',
    `${head}; ${uncovered.length} of them get no applicable rule at all, so nothing is collected from them ` +
      `(${listNames(uncovered)}): narrow spec.targets or add a rule for that OS.`,
  );
}

export function combinedOsRule(rule: ObservedRule, machineCount: number): Finding {
  return finding(
    'CombinedOsRule',
    'Info',
    rule.id,
    'Rules',
    `The ${describe(rule.id)} has no kind and is associated with Linux and Windows machines alike (${machineCount}): ` +
      `separate Linux and Windows rules are easier to govern.`,
  );
}

export function associationLimitExceeded(machineId: string, count: number): Finding {
  return finding(
    'AssociationLimitExceeded',
    'Error',
    machineId,
    'Rules',
    `${describe(machineId)} would have ${count} rule associations, over the agent's limit of ${MAX_RULE_ASSOCIATIONS}: ` +
      `merge rules or remove associations; the controller creates none on it until then.`,
  );
}

export function ruleAssociationMissing(machineId: string, ruleIds: readonly string[], fixable: boolean): Finding {
  const rules = listNames(ruleIds);
  return machineFinding(
    'RuleAssociationMissing',
    'Error',
    machineId,
    'Rules',
    fixable
      ? ` has no association with rule(s) ${rules}, so their data is not collected: Enforce mode creates them.`
      : ` has no association with rule(s) ${rules}, and the controller cannot create them until the rule can be read: check the rule ids and the controller's permissions.`,
  );
}

const ALL = '*';

function intersect(a: readonly string[] | undefined, b: readonly string[] | undefined): string[] {
  const la = (a ?? []).map((s) => s.toLowerCase());
  const lb = (b ?? []).map((s) => s.toLowerCase());
  if (la.includes(ALL)) return lb.includes(ALL) ? [ALL] : lb;
  if (lb.includes(ALL)) return la;
  const sb = new Set(lb);
  return [...new Set(la.filter((x) => sb.has(x)))];
}

function sameSet(a: readonly string[] | undefined, b: readonly string[] | undefined): boolean {
  const sa = [...new Set((a ?? []).map((s) => s.toLowerCase()))].sort();
  const sb = [...new Set((b ?? []).map((s) => s.toLowerCase()))].sort();
  return sa.length === sb.length && sa.every((x, i) => x === sb[i]);
}

function destinations(rule: ObservedRule, stream: string): Set<string> {
  const out = new Set<string>();
  for (const [s, ws] of Object.entries(rule.streamDestinations)) {
    if (s.toLowerCase() === stream.toLowerCase()) for (const w of ws) out.add(idKey(w));
  }
  return out;
}

function whereTo(a: ObservedRule, b: ObservedRule, stream: string): string {
  const da = destinations(a, stream);
  const db = destinations(b, stream);
  const shared = [...da].filter((w) => db.has(w));
  if (shared.length > 0) return `duplicate entries in ${listNames(shared)}`;
  if (da.size > 0 && db.size > 0) return `duplicate data in ${listNames([...da, ...db])}`;
  return 'duplicate ingestion';
}

function syslogOverlap(a: ObservedRule, sa: ObservedDataSource, b: ObservedRule, sb: ObservedDataSource): string | undefined {
  const facilities = intersect(sa.facilityNames, sb.facilityNames);
  if (facilities.length === 0) return undefined;
  const stream = sa.streams[0] ?? 'Microsoft-Syslog';
  const fac = facilities.join(', ');
  if (sameSet(sa.logLevels, sb.logLevels)) return `syslog facilities ${fac} (${whereTo(a, b, stream)})`;
  return (
    `syslog facilities ${fac} at two levels (${(sa.logLevels ?? []).join('/') || 'none'} vs ${(sb.logLevels ?? []).join('/') || 'none'}: ` +
    `the agent collects at the more verbose one)`
  );
}

/** What two rules both collect: shared streams of one data-source family, or overlapping syslog facilities. */
export function dataSourceOverlaps(a: ObservedRule, b: ObservedRule): string[] {
  const out = new Set<string>();
  for (const sa of a.dataSources) {
    for (const sb of b.dataSources) {
      if (sa.family.toLowerCase() !== sb.family.toLowerCase()) continue;
      if (sa.family.toLowerCase() === 'syslog') {
        const s = syslogOverlap(a, sa, b, sb);
        if (s) out.add(s);
        continue;
      }
      const streams = intersect(sa.streams, sb.streams).filter((s) => s !== ALL);
      for (const stream of streams) {
        const original = sa.streams.find((s) => s.toLowerCase() === stream) ?? stream;
        out.add(`${sa.family} stream ${original} (${whereTo(a, b, original)})`);
      }
    }
  }
  return [...out].sort();
}

export function overlappingDataSources(a: ObservedRule, b: ObservedRule, overlaps: readonly string[], machineCount: number): Finding {
  return finding(
    'OverlappingDataSources',
    'Warning',
    a.id,
    'Collection',
    `Rules ${nameOf(a.id)} and ${nameOf(b.id)} both apply to ${machineCount} machine(s) and collect the same data: ${overlaps.join('; ')}. ` +
      `The agent applies every rule without priority: remove the overlap from one rule.`,
  );
}
