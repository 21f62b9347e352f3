// Random histories against the pure plan and the deletion plan: spec edits, mode switches, prune on and off, deletions
// with both policies, people creating, renaming, re-pointing and deleting associations and links, failed reads.
// Invariants: nothing without this topology's marker (or link name) is written or deleted; nothing outside the
// spec's targets is touched but for pruning and deletion removing what carries its marker; pruning a dropped rule waits
// for the machine to hold every rule the spec names; a write is not undone by the next pass (no flip-flop); Delete
// leaves nothing with the marker behind on the rules and endpoints the topology ever used.
// MTOPO_PROPERTY_RUNS sets the number of histories (10,000 by default); MTOPO_PROPERTY_SEED replays one.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { MonitoringTopologySpec } from '../../src/api/types.ts';
import { CONFIGURATION_ACCESS_ENDPOINT, idKey } from '../../src/model/index.ts';
import type { Action, ObservedAssociation, ObservedScopedResource, Snapshot } from '../../src/model/index.ts';
import { actionTarget, isOwnedBy, isOwnedLink, nextSources, ownerMarker, planDeletion, planTopology, ruleAssociationName, scopedResourceName } from '../../src/plan/index.ts';
import { ids, otherOwner, owner, rule, SUB, vm, workspace } from './fixtures/estate.ts';

const RUNS = Number(process.env.MTOPO_PROPERTY_RUNS ?? 10_000);
const SEED = process.env.MTOPO_PROPERTY_SEED === undefined ? undefined : Number(process.env.MTOPO_PROPERTY_SEED);

const MACHINES = [ids.vm('vm-0'), ids.vm('vm-1'), ids.vm('vm-2'), ids.vm('vm-9', 'rg-other')];
const RULES = [ids.rule('dcr-a'), ids.rule('dcr-b'), ids.rule('dcr-c')];
const ENDPOINTS = [ids.endpoint('dce-config'), ids.endpoint('dce-other')];
const SCOPE = ids.scope();
const LINKABLE = [ids.workspace(), ...ENDPOINTS];
const GROUP = `/subscriptions/${SUB}/resourceGroups/rg-app`;

/** What exists in Azure: associations by `machine|name`, links by name. */
interface World {
  associations: Map<string, ObservedAssociation>;
  links: Map<string, ObservedScopedResource>;
}

interface SpecChoice {
  rules: number[];
  endpoint: number;
  /** Indexes of explicitly named machines; `group` adds rg-app. */
  machines: number[];
  group: boolean;
  mode: 'Enforce' | 'Audit';
  prune: boolean;
}

/** status.inventory's rules and endpoints, carried from pass to pass. */
type Sources = { dataCollectionRules: string[]; dataCollectionEndpoints: string[] };

type Step =
  | { kind: 'spec'; spec: SpecChoice }
  | { kind: 'personCreate'; machine: number; name: string; rule?: number; endpoint?: number; marker: 'none' | 'other' | 'ours' }
  | { kind: 'personDelete'; pick: number }
  | { kind: 'personRepoint'; pick: number; rule: number }
  | { kind: 'personRename'; pick: number; name: string }
  | { kind: 'personLink'; linked: number; name: string }
  | { kind: 'personUnlink'; pick: number }
  | { kind: 'pass'; faulty: number[] }
  | { kind: 'delete'; policy: 'Delete' | 'Orphan'; faulty: number[] };

const key = (machine: string, name: string): string => `${idKey(machine)}|${name.toLowerCase()}`;

function toSpec(c: SpecChoice, deletionPolicy: 'Delete' | 'Orphan' = 'Orphan'): MonitoringTopologySpec {
  const rules = [...new Set(c.rules)].map((i) => ({ resourceId: RULES[i] as string }));
  return {
    mode: c.mode,
    privateLinkScope: { resourceId: SCOPE, scopedResources: [{ resourceId: ids.workspace() }] },
    configurationEndpoint: { resourceId: ENDPOINTS[c.endpoint] as string },
    dataCollectionRules: rules.length > 0 ? rules : [{ resourceId: RULES[0] as string }],
    targets: { virtualMachines: [...new Set(c.machines)].map((i) => MACHINES[i] as string), ...(c.group ? { resourceGroups: [GROUP] } : {}) },
    deletionPolicy,
    prune: c.prune,
  };
}

/** The machines the spec names, computed from the spec alone. */
function targetsOf(spec: MonitoringTopologySpec): Set<string> {
  const out = new Set((spec.targets.virtualMachines ?? []).map(idKey));
  if (spec.targets.resourceGroups?.length) for (const m of MACHINES) if (idKey(m).startsWith(idKey(GROUP) + '/')) out.add(idKey(m));
  return out;
}

/** The rules and endpoint the spec names, and those the inventory remembers. */
function listedSources(spec: MonitoringTopologySpec, sources: Sources): Set<string> {
  return new Set([...spec.dataCollectionRules.map((r) => r.resourceId), spec.configurationEndpoint.resourceId, ...sources.dataCollectionRules, ...sources.dataCollectionEndpoints].map(idKey));
}

const via = (a: ObservedAssociation): string => idKey(a.dataCollectionRuleId ?? a.dataCollectionEndpointId ?? '');

/**
 * What observe would return. Listings return every machine of the subscription (as a normalised `..` would), so the
 * bulk lists of the spec's rules and endpoint show their associations on all of them; targets get a full listing
 * unless faulty (then only the bulk view is seen); lists of the inventory's earlier rules and endpoints show the
 * marked associations elsewhere.
 */
function observe(world: World, spec: MonitoringTopologySpec, faulty: Set<number>, sources: Sources): Snapshot {
  const declared = new Set([...spec.dataCollectionRules.map((r) => idKey(r.resourceId)), idKey(spec.configurationEndpoint.resourceId)]);
  const listed = listedSources(spec, sources);
  const targets = targetsOf(spec);
  const associations = [...world.associations.values()].filter((a) => {
    const machine = MACHINES.findIndex((m) => idKey(m) === idKey(a.resourceId));
    if (declared.has(via(a))) return true;
    return targets.has(idKey(a.resourceId)) && !faulty.has(machine);
  });
  const shown = new Set(associations.map((a) => idKey(a.id)));
  const markedElsewhere = [...world.associations.values()].filter((a) => !shown.has(idKey(a.id)) && listed.has(via(a)) && a.description?.includes('monitoring.ampls.dev/owner='));
  return {
    scope: { id: SCOPE, ingestionAccessMode: 'Open', queryAccessMode: 'Open', exclusions: [], scopedResources: [...world.links.values()] },
    alsoLinkScopes: [],
    workspaces: [workspace()],
    rules: RULES.map((id) => rule(id.split('/').pop() as string)),
    endpoint: { id: spec.configurationEndpoint.resourceId, scopeIds: [] },
    machines: MACHINES.map((id) => vm(id.split('/').pop() as string, { id, tags: {} })),
    excludedCount: 0,
    scaleSets: [],
    associations,
    fullyListedMachines: MACHINES.filter((m, i) => targets.has(idKey(m)) && !faulty.has(i)),
    markedElsewhere,
    listedSources: [...listed],
    errors: [...faulty].map((i) => ({ resourceId: MACHINES[i] as string, code: 'Failed' as const, message: 'listing failed' })),
  };
}

/** Checks one action against Azure as it is now, then applies it as ARM would. */
function apply(world: World, a: Action, spec: MonitoringTopologySpec, deleting: boolean, before?: World): void {
  switch (a.kind) {
    case 'CreateRuleAssociation':
    case 'CreateEndpointAssociation': {
      expect(deleting, 'no creates while deleting').toBe(false);
      expect(targetsOf(spec).has(idKey(a.resourceId)), `write outside the targets: ${a.resourceId}`).toBe(true);
      const existing = world.associations.get(key(a.resourceId, a.name));
      if (existing) expect(isOwnedBy(existing.description, owner), `overwrote ${existing.name} (${existing.description ?? 'no description'})`).toBe(true);
      world.associations.set(key(a.resourceId, a.name), {
        id: `${a.resourceId}/providers/Microsoft.Insights/dataCollectionRuleAssociations/${a.name}`,
        name: a.name,
        resourceId: a.resourceId,
        description: a.description,
        ...(a.kind === 'CreateRuleAssociation' ? { dataCollectionRuleId: a.dataCollectionRuleId } : { dataCollectionEndpointId: a.dataCollectionEndpointId }),
      });
      return;
    }
    case 'DeleteAssociation': {
      const existing = world.associations.get(key(a.resourceId, a.name));
      if (existing) expect(isOwnedBy(existing.description, owner), `deleted ${existing.name} (${existing.description ?? 'no description'})`).toBe(true);
      // Outside deletion, only pruning removes associations; on a target only for a rule the spec dropped, once the
      // machine holds every rule the spec names (checked against Azure before the pass).
      if (!deleting) {
        expect(spec.prune, `a delete without prune: ${a.associationId}`).toBe(true);
        if (targetsOf(spec).has(idKey(a.resourceId))) {
          expect(existing?.dataCollectionRuleId, 'pruned an endpoint association on a target').toBeDefined();
          const named = spec.dataCollectionRules.map((r) => idKey(r.resourceId));
          expect(named, 'pruned a rule the spec names').not.toContain(idKey(existing?.dataCollectionRuleId ?? ''));
          const held = new Set([...(before ?? world).associations.values()].filter((x) => idKey(x.resourceId) === idKey(a.resourceId)).map(via));
          expect(named.filter((r) => !held.has(r)), 'pruned before the replacement exists').toEqual([]);
        }
      }
      world.associations.delete(key(a.resourceId, a.name));
      return;
    }
    case 'AddScopedResource': {
      const existing = world.links.get(a.name.toLowerCase());
      if (existing) expect(isOwnedLink(existing, owner), `overwrote link ${existing.name}`).toBe(true);
      world.links.set(a.name.toLowerCase(), { id: `${SCOPE}/scopedResources/${a.name}`, name: a.name, linkedResourceId: a.linkedResourceId });
      return;
    }
    case 'RemoveScopedResource': {
      const existing = world.links.get(a.name.toLowerCase());
      if (existing) expect(isOwnedLink(existing, owner), `removed link ${existing.name}`).toBe(true);
      world.links.delete(a.name.toLowerCase());
      return;
    }
    case 'UpdateAccessModes':
    case 'RepairExtensionIdentity':
      return;
  }
}

const specChoice = fc.record({
  rules: fc.array(fc.nat(RULES.length - 1), { minLength: 1, maxLength: 3 }),
  endpoint: fc.nat(ENDPOINTS.length - 1),
  machines: fc.array(fc.nat(MACHINES.length - 1), { maxLength: 3 }),
  group: fc.boolean(),
  mode: fc.constantFrom('Enforce' as const, 'Audit' as const),
  prune: fc.boolean(),
});
// Names people pick, including the exact ones the controller generates.
const names = fc.constantFrom(CONFIGURATION_ACCESS_ENDPOINT, ...RULES.map(ruleAssociationName), 'by-hand', 'policy-dcra');
const linkNames = fc.constantFrom('by-hand-link', ...LINKABLE.map((l) => scopedResourceName(l, otherOwner)));
const faulty = fc.array(fc.nat(MACHINES.length - 1), { maxLength: 2 });

const step: fc.Arbitrary<Step> = fc.oneof(
  specChoice.map((spec): Step => ({ kind: 'spec', spec })),
  fc
    .record({ machine: fc.nat(MACHINES.length - 1), name: names, target: fc.nat(RULES.length + ENDPOINTS.length - 1), marker: fc.constantFrom('none' as const, 'other' as const, 'ours' as const) })
    .map(({ machine, name, target, marker }): Step =>
      target < RULES.length ? { kind: 'personCreate', machine, name, rule: target, marker } : { kind: 'personCreate', machine, name, endpoint: target - RULES.length, marker },
    ),
  fc.nat(20).map((pick): Step => ({ kind: 'personDelete', pick })),
  fc.record({ pick: fc.nat(20), rule: fc.nat(RULES.length - 1) }).map((s): Step => ({ kind: 'personRepoint', ...s })),
  fc.record({ pick: fc.nat(20), name: names }).map((s): Step => ({ kind: 'personRename', ...s })),
  fc.record({ linked: fc.nat(LINKABLE.length - 1), name: linkNames }).map((s): Step => ({ kind: 'personLink', ...s })),
  fc.nat(5).map((pick): Step => ({ kind: 'personUnlink', pick })),
  faulty.map((f): Step => ({ kind: 'pass', faulty: f })),
  fc.record({ policy: fc.constantFrom('Delete' as const, 'Orphan' as const), faulty }).map((s): Step => ({ kind: 'delete', ...s })),
);

function pickOf<T>(map: Map<string, T>, i: number): [string, T] | undefined {
  const entries = [...map.entries()];
  return entries.length === 0 ? undefined : entries[i % entries.length];
}

function run(initial: SpecChoice, steps: Step[]): void {
  const world: World = { associations: new Map(), links: new Map() };
  let choice = initial;
  let sources: Sources = { dataCollectionRules: [], dataCollectionEndpoints: [] };
  for (const s of steps) {
    const spec = toSpec(choice);
    switch (s.kind) {
      case 'spec':
        choice = s.spec;
        break;
      case 'personCreate': {
        const machine = MACHINES[s.machine] as string;
        const description = s.marker === 'ours' ? ownerMarker(owner) : s.marker === 'other' ? ownerMarker(otherOwner) : undefined;
        world.associations.set(key(machine, s.name), {
          id: `${machine}/providers/Microsoft.Insights/dataCollectionRuleAssociations/${s.name}`,
          name: s.name,
          resourceId: machine,
          ...(s.rule !== undefined ? { dataCollectionRuleId: RULES[s.rule] } : { dataCollectionEndpointId: ENDPOINTS[s.endpoint ?? 0] }),
          ...(description ? { description } : {}),
        });
        break;
      }
      case 'personDelete': {
        const found = pickOf(world.associations, s.pick);
        if (found) world.associations.delete(found[0]);
        break;
      }
      case 'personRepoint': {
        const found = pickOf(world.associations, s.pick);
        if (found?.[1].dataCollectionRuleId) world.associations.set(found[0], { ...found[1], dataCollectionRuleId: RULES[s.rule] });
        break;
      }
      case 'personRename': {
        const found = pickOf(world.associations, s.pick);
        if (!found) break;
        // ARM has no rename: a person deletes and re-creates under another name, keeping the body (and any marker).
        world.associations.delete(found[0]);
        world.associations.set(key(found[1].resourceId, s.name), { ...found[1], name: s.name, id: `${found[1].resourceId}/providers/Microsoft.Insights/dataCollectionRuleAssociations/${s.name}` });
        break;
      }
      case 'personLink':
        world.links.set(s.name.toLowerCase(), { id: `${SCOPE}/scopedResources/${s.name}`, name: s.name, linkedResourceId: LINKABLE[s.linked] as string });
        break;
      case 'personUnlink': {
        const found = pickOf(world.links, s.pick);
        if (found) world.links.delete(found[0]);
        break;
      }
      case 'pass': {
        const input = { spec, owner, snapshot: observe(world, spec, new Set(s.faulty), sources), ownedScopedResources: [] };
        const plan = planTopology(input);
        sources = nextSources(sources, spec, input.snapshot, owner);
        if (spec.mode === 'Audit') break;
        const before: World = { associations: new Map(world.associations), links: new Map(world.links) };
        for (const a of plan.actions) apply(world, a, spec, false, before);
        // The next pass over an unchanged world undoes nothing the first one wrote.
        const again = planTopology({ ...input, snapshot: observe(world, spec, new Set(), sources) });
        const written = new Set(plan.actions.map((a) => idKey(actionTarget(a))));
        const flipped = again.actions.filter((a) => written.has(idKey(actionTarget(a))));
        expect(flipped, 'a write undone by the next pass').toEqual([]);
        break;
      }
      case 'delete': {
        const deleting = { ...spec, deletionPolicy: s.policy };
        const actions = planDeletion({ spec: deleting, owner, snapshot: observe(world, deleting, new Set(s.faulty), sources), ownedScopedResources: [] });
        if (s.policy === 'Orphan') expect(actions).toEqual([]);
        for (const a of actions) apply(world, a, deleting, true);
        // A full read leaves nothing with the marker on any rule or endpoint the topology ever used, whatever the spec says now.
        if (s.policy === 'Delete' && s.faulty.length === 0) {
          const used = listedSources(deleting, sources);
          const left = [...world.associations.values()].filter((a) => isOwnedBy(a.description, owner) && used.has(via(a)));
          expect(left.map((a) => a.id), 'Delete left marked associations behind').toEqual([]);
        }
        break;
      }
    }
  }
}

describe('plan properties over random histories', () => {
  it(`holds ownership, target and no-flip-flop invariants (${RUNS} histories)`, () => {
    fc.assert(
      fc.property(specChoice, fc.array(step, { minLength: 1, maxLength: 8 }), (initial, steps) => run(initial, steps)),
      { numRuns: RUNS, ...(SEED !== undefined ? { seed: SEED } : {}) },
    );
  }, 120_000);
});
