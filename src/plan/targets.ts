// The second check after listing: a machine is acted on only when its id lies under what the spec names,
// whatever a listing returned (URL normalisation, a misbehaving endpoint, a hostile proxy).
import type { Finding, Targets } from '../api/types.ts';
import { idKey, parseArmId } from '../model/index.ts';
import { describe, finding } from '../findings/finding.ts';
import { eachWork, runSync } from '../findings/work.ts';
import type { Work } from '../findings/work.ts';
import type { ObservedMachine } from '../model/index.ts';

/** A segment ARM ids never hold but URL handling rewrites: dot segments, escapes, backslashes, empty segments. */
function unsafeSegment(segment: string): boolean {
  return segment === '' || /^\.+$/.test(segment) || /[%\\?#]/.test(segment) || segment.endsWith('.');
}

/** True when every segment of an id is one ARM could have produced and a URL would carry unchanged. */
export function isPlainArmId(id: string): boolean {
  if (!id.startsWith('/')) return false;
  const segments = id.slice(1).split('/');
  return !segments.some(unsafeSegment) && parseArmId(id) !== undefined;
}

function resourceGroupKey(id: string): string | undefined {
  const p = parseArmId(id);
  return p?.resourceGroup ? `${p.subscriptionId}/${p.resourceGroup}`.toLowerCase() : undefined;
}

function matchesTags(tags: Record<string, string>, match: Record<string, string>): boolean {
  const lower = new Map(Object.entries(tags).map(([k, v]) => [k.toLowerCase(), v]));
  return Object.entries(match).every(([k, v]) => lower.get(k.toLowerCase()) === v);
}

// One filter per spec's targets: every chunk of a pass is filtered by the same spec, and a spec may name thousands of groups.
const filters = new WeakMap<Targets, (m: ObservedMachine) => boolean>();

/** Decides, from the spec alone, whether a listed machine is one the spec names. */
export function targetFilter(targets: Targets): (m: ObservedMachine) => boolean {
  let filter = filters.get(targets);
  if (filter === undefined) {
    filter = buildTargetFilter(targets);
    filters.set(targets, filter);
  }
  return filter;
}

function buildTargetFilter(targets: Targets): (m: ObservedMachine) => boolean {
  const vms = new Set([...(targets.virtualMachines ?? []), ...(targets.arcMachines ?? [])].map(idKey));
  const scaleSets = new Set((targets.virtualMachineScaleSets ?? []).map(idKey));
  const groups = new Set((targets.resourceGroups ?? []).filter(isPlainArmId).flatMap((g) => resourceGroupKey(g) ?? []));
  const selector = targets.tagSelector;
  const subscriptions = new Set((selector?.subscriptions ?? []).map((s) => (parseArmId(s)?.subscriptionId ?? s).toLowerCase()));
  const excluded = new Set((targets.exclude ?? []).map(idKey));
  return (m) => {
    if (!isPlainArmId(m.id) || excluded.has(idKey(m.id)) || (m.scaleSetId !== undefined && excluded.has(idKey(m.scaleSetId)))) return false;
    if (vms.has(idKey(m.id)) || scaleSets.has(idKey(m.id))) return true;
    if (m.scaleSetId !== undefined && scaleSets.has(idKey(m.scaleSetId))) return true;
    const group = resourceGroupKey(m.id);
    if (group !== undefined && groups.has(group)) return true;
    const sub = parseArmId(m.id)?.subscriptionId.toLowerCase();
    return (
      selector !== undefined &&
      Object.keys(selector.matchTags).length > 0 &&
      sub !== undefined &&
      subscriptions.has(sub) &&
      matchesTags(m.tags, selector.matchTags)
    );
  };
}

/** Splits listed machines into those the spec names and those it does not (reported, never acted on); in slices. */
export function* withinTargetsWork(
  targets: Targets,
  machines: readonly ObservedMachine[],
): Work<{ inside: ObservedMachine[]; outside: ObservedMachine[]; findings: Finding[] }> {
  const within = targetFilter(targets);
  const inside: ObservedMachine[] = [];
  const outside: ObservedMachine[] = [];
  yield* eachWork(machines, (m) => (within(m) ? inside : outside).push(m));
  const findings = outside.map((m) =>
    finding(
      'TargetOutsideSpec',
      'Error',
      m.id,
      'Extension',
      `${describe(m.id)} was listed for this topology but its id is not under any target the spec names; it is left untouched. Check the targets for ids Azure or a proxy rewrites.`,
    ),
  );
  return { inside, outside, findings };
}

/** Splits listed machines into those the spec names and those it does not (reported, never acted on). */
export function withinTargets(
  targets: Targets,
  machines: readonly ObservedMachine[],
): { inside: ObservedMachine[]; outside: ObservedMachine[]; findings: Finding[] } {
  return runSync(withinTargetsWork(targets, machines));
}

/**
 * A tag selector that matched no listed machine is most often a typo in a tag: say so (a Warning), rather than
 * report "0 of 0 machines compliant". Subscriptions whose listing failed are not claimed empty.
 */
export function unmatchedSelectorFindings(
  targets: Targets,
  machines: readonly ObservedMachine[],
  excludedCount: number,
  unreadable: ReadonlySet<string>,
): Finding[] {
  const out: Finding[] = [];
  const selector = targets.tagSelector;
  if (selector && Object.keys(selector.matchTags).length > 0) {
    const readable = selector.subscriptions.filter((s) => {
      const sub = parseArmId(s)?.subscriptionId ?? s;
      return !unreadable.has(idKey(`/subscriptions/${sub}`));
    });
    const matched = machines.some((m) => matchesTags(m.tags, selector.matchTags));
    const first = readable[0];
    if (!matched && first !== undefined) {
      const tags = Object.entries(selector.matchTags).map(([k, v]) => `${k}=${v}`).join(', ');
      out.push(
        finding(
          'NoMachinesMatched',
          'Warning',
          first,
          'Extension',
          `targets.tagSelector (${tags}) matched no virtual machine, scale set or Arc-enabled server in ${readable.length === 1 ? 'subscription' : 'subscriptions'} ${readable.map((s) => parseArmId(s)?.subscriptionId ?? s).join(', ')}${excludedCount > 0 ? ' that is not excluded' : ''}: check the tag names and values.`,
        ),
      );
    }
  }
  return out;
}
