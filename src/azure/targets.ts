// Target discovery in bulk: VMs, scale sets and Arc machines per resource group and per subscription by tags,
// members per Flexible scale set ($filter).
import type { VirtualMachine, VirtualMachineScaleSet } from '@azure/arm-compute';
import type { Machine } from '@azure/arm-hybridcompute';
import type PQueue from 'p-queue';
import type { Targets } from '../api/types.ts';
import type { ObservedMachine, ObservedScaleSet, ReadError } from '../model/index.ts';
import { collect } from './clients.ts';
import type { ArmClientCache } from './clients.ts';
import { toArcMachine } from './arc.ts';
import { matchesTags, toScaleSet, toVmMachine, uniformScaleSetMachine } from './convert.ts';
import { toReadError } from './errors.ts';
import { READ_PRIORITY } from './budget.ts';
import { dedupe, IdMap, IdSet, parseArmId } from '../model/index.ts';
import { Turns } from './turns.ts';

export interface DiscoveryContext {
  clients: ArmClientCache;
  queue: PQueue;
  signal?: AbortSignal;
  /** What this ARM endpoint has shown about itself, kept across passes. */
  service?: ServiceTraits;
  /** Read-queue priority of every list and GET (default READ_PRIORITY.bulk; the discovery pass goes first). */
  priority?: number;
}

export interface ServiceTraits {
  /** A VM list once carried `resources` (child extensions): lists are then complete about extensions. */
  vmListsCarryExtensions: boolean;
  /** Pages the last subscription-wide VM list took, per subscription (lower-case id): what covering named VMs by it costs. */
  vmListPages?: Map<string, number>;
}

export interface DiscoveredTargets {
  /** Targets after exclusions, keyed case-insensitively. */
  machines: IdMap<ObservedMachine>;
  excludedCount: number;
  /** Flexible scale sets named in the spec or found by a selector (their members are machines), after exclusions. */
  scaleSets: ObservedScaleSet[];
  errors: ReadError[];
}

/** The `$filter` ARM accepts for the members of a Flexible scale set (on List and ListAll). */
export function flexibleMembersFilter(scaleSetId: string): string {
  return `'virtualMachineScaleSet/id' eq '${scaleSetId}'`;
}

function invalidId(id: string, what: string): ReadError {
  return { resourceId: id, code: 'Failed', message: `not a valid ARM id of ${what}` };
}

export async function discoverTargets(targets: Targets, ctx: DiscoveryContext): Promise<DiscoveredTargets> {
  const { clients, signal } = ctx;
  const priority = ctx.priority ?? READ_PRIORITY.bulk;
  const queue = { add: <T>(fn: () => Promise<T>): Promise<T> => ctx.queue.add(fn, { priority }) };
  const opts = signal ? { abortSignal: signal } : {};
  const errors: ReadError[] = [];
  // One bucket per selector, merged in the spec's order so `selectedBy` names the first selector.
  const explicit: ObservedMachine[] = [];
  const fromScaleSets: ObservedMachine[] = [];
  const fromGroups: ObservedMachine[] = [];
  const fromTags: ObservedMachine[] = [];
  const scaleSets = new IdMap<ObservedScaleSet>();
  const tasks: Promise<void>[] = [];
  const pushArc = (into: ObservedMachine[], machines: Machine[], selectedBy: string): void => {
    for (const machine of machines) {
      const m = toArcMachine(machine, selectedBy);
      if (m) into.push(m);
    }
  };

  // A VM GET always carries `resources` when extensions exist; a list does when the service includes
  // them, which shows on any VM it ever listed: then a VM without `resources` has no extension at all.
  const push = (into: ObservedMachine[], vms: VirtualMachine[], selectedBy: string, listedFrom: string, single = false): void => {
    if (vms.some((vm) => vm.resources !== undefined) && ctx.service) ctx.service.vmListsCarryExtensions = true;
    const listCarriesExtensions = single || ctx.service?.vmListsCarryExtensions === true || vms.some((vm) => vm.resources !== undefined);
    for (const vm of vms) {
      let m: ObservedMachine | undefined;
      try {
        m = toVmMachine(vm, selectedBy);
      } catch (err) {
        errors.push(toReadError(typeof vm.id === 'string' ? vm.id : listedFrom, err));
        continue;
      }
      if (!m) continue;
      if (m.agentExtension === undefined && m.extensionIds === undefined && listCarriesExtensions) m.agentExtension = null;
      into.push(m);
    }
  };
  // A Flexible scale set whose tags do not match is kept only if some of its members are targets (they match on their own).
  const memberOwners = new IdMap<ObservedScaleSet>();
  const pushScaleSets = (into: ObservedMachine[], found: VirtualMachineScaleSet[], selectedBy: string, selected: (ss: VirtualMachineScaleSet) => boolean): void => {
    for (const ss of found) {
      if (!ss.id) continue;
      let observed: ObservedScaleSet;
      try {
        observed = toScaleSet(ss, ss.id);
      } catch (err) {
        errors.push(toReadError(typeof ss.id === 'string' ? ss.id : selectedBy, err));
        continue;
      }
      if (observed.orchestrationMode === 'Uniform') {
        if (selected(ss)) into.push({ ...uniformScaleSetMachine(ss, ss.id), selectedBy });
      } else if (selected(ss)) {
        if (!scaleSets.has(observed.id)) scaleSets.set(observed.id, observed);
      } else {
        memberOwners.set(observed.id, observed);
      }
    }
  };
  const guard = (resourceId: string, fn: () => Promise<void>): void => {
    tasks.push(
      queue.add(async () => {
        try {
          await fn();
        } catch (err) {
          errors.push(toReadError(resourceId, err));
        }
      }),
    );
  };

  // A named resource the spec lists, or a read error that says the id is malformed.
  const named = (id: string, what: string): { subscriptionId: string; resourceGroup: string; name: string } | undefined => {
    const p = parseArmId(id);
    if (p?.resourceGroup && p.name) return { subscriptionId: p.subscriptionId, resourceGroup: p.resourceGroup, name: p.name };
    errors.push(invalidId(id, what));
    return undefined;
  };

  // One VM list per resource group and pass, shared by resource-group targets and named VMs.
  const groupLists = new Map<string, Promise<VirtualMachine[]>>();
  const listGroup = (subscriptionId: string, resourceGroup: string): Promise<VirtualMachine[]> => {
    const k = `${subscriptionId}/${resourceGroup}`.toLowerCase();
    let list = groupLists.get(k);
    if (!list) {
      list = queue.add(() => collectVms(clients.for(subscriptionId).compute.virtualMachines.list(resourceGroup, opts)));
      groupLists.set(k, list);
    }
    return list;
  };
  // One subscription-wide VM list per subscription and pass, shared by tag selectors and named VMs spread over groups.
  const subscriptionLists = new Map<string, Promise<VirtualMachine[]>>();
  const listSubscription = (subscriptionId: string): Promise<VirtualMachine[]> => {
    const k = subscriptionId.toLowerCase();
    let list = subscriptionLists.get(k);
    if (!list) {
      list = queue.add(async () => {
        const out: VirtualMachine[] = [];
        let pages = 0;
        for await (const page of clients.for(subscriptionId).compute.virtualMachines.listAll(opts).byPage()) {
          pages++;
          for (const vm of page) out.push(slimVm(vm));
        }
        ctx.service?.vmListPages?.set(k, pages);
        return out;
      });
      subscriptionLists.set(k, list);
    }
    return list;
  };
  const listedGroups = new Set(
    (targets.resourceGroups ?? []).map((id) => parseArmId(id)).flatMap((p) => (p?.resourceGroup ? [`${p.subscriptionId}/${p.resourceGroup}`.toLowerCase()] : [])),
  );

  // Named VMs never cost a GET each when a list covers them: several in one group (or a group listed anyway) share
  // the group's list; lone VMs spread over groups share their subscription's list while it takes fewer pages than
  // their GETs (learnt from the last such list). A pass with nothing drifted then costs no GET per machine.
  const namedByGroup = new Map<string, { subscriptionId: string; resourceGroup: string; ids: string[] }>();
  for (const id of dedupe(targets.virtualMachines ?? [])) {
    const p = named(id, 'a virtual machine');
    if (!p) continue;
    const k = `${p.subscriptionId}/${p.resourceGroup}`.toLowerCase();
    const g = namedByGroup.get(k) ?? { subscriptionId: p.subscriptionId, resourceGroup: p.resourceGroup, ids: [] };
    g.ids.push(id);
    namedByGroup.set(k, g);
  }
  const loneBySubscription = new Map<string, { subscriptionId: string; ids: string[] }>();
  for (const [k, g] of namedByGroup) {
    const lone = g.ids[0];
    if (g.ids.length !== 1 || lone === undefined || listedGroups.has(k)) continue;
    const s = loneBySubscription.get(g.subscriptionId.toLowerCase()) ?? { subscriptionId: g.subscriptionId, ids: [] };
    s.ids.push(lone);
    loneBySubscription.set(g.subscriptionId.toLowerCase(), s);
    namedByGroup.delete(k);
  }
  const fromList = (list: Promise<VirtualMachine[]>, ids: string[], listedFrom: string, where: string): void => {
    tasks.push(
      list.then(
        (vms) => {
          const byId = new IdMap<VirtualMachine>();
          for (const vm of vms) if (vm.id) byId.set(vm.id, vm);
          const found: VirtualMachine[] = [];
          for (const id of ids) {
            const vm = byId.get(id);
            if (vm) found.push(vm);
            else errors.push({ resourceId: id, code: 'NotFound', message: `ResourceNotFound: virtual machine ${parseArmId(id)?.name ?? id} is not in its ${where}'s list` });
          }
          push(explicit, found, 'virtualMachines', listedFrom);
        },
        (err: unknown) => {
          for (const id of ids) errors.push(toReadError(id, err));
        },
      ),
    );
  };
  for (const [k, s] of loneBySubscription) {
    const pages = ctx.service?.vmListPages?.get(k) ?? 1;
    if (s.ids.length >= 2 && pages < s.ids.length) {
      fromList(listSubscription(s.subscriptionId), s.ids, `/subscriptions/${s.subscriptionId}`, 'subscription');
      continue;
    }
    for (const id of s.ids) {
      const p = parseArmId(id);
      guard(id, async () => {
        const vm = await clients.for(s.subscriptionId).compute.virtualMachines.get(p?.resourceGroup ?? '', p?.name ?? '', opts);
        push(explicit, [vm], 'virtualMachines', id, true);
      });
    }
  }
  for (const g of namedByGroup.values()) {
    fromList(listGroup(g.subscriptionId, g.resourceGroup), g.ids, `/subscriptions/${g.subscriptionId}/resourceGroups/${g.resourceGroup}`, 'resource group');
  }

  for (const id of dedupe(targets.virtualMachineScaleSets ?? [])) {
    const p = named(id, 'a virtual machine scale set');
    if (!p) continue;
    guard(id, async () => {
      const { compute } = clients.for(p.subscriptionId);
      const ss = await compute.virtualMachineScaleSets.get(p.resourceGroup, p.name, opts);
      const observed = toScaleSet(ss, id);
      if (observed.orchestrationMode === 'Uniform') {
        fromScaleSets.push(uniformScaleSetMachine(ss, id));
        return;
      }
      scaleSets.set(observed.id, observed);
      // Members may live in other resource groups of the subscription: list subscription-wide.
      const members = await collectVms(compute.virtualMachines.listAll({ ...opts, filter: flexibleMembersFilter(observed.id) }));
      push(fromScaleSets, members, 'virtualMachineScaleSets', id);
    });
  }

  // Explicit Arc machines are few: one GET each.
  for (const id of dedupe(targets.arcMachines ?? [])) {
    const p = parseArmId(id);
    if (!p?.resourceGroup || !p.name) {
      errors.push(invalidId(id, 'an Azure Arc-enabled server'));
      continue;
    }
    guard(id, async () => {
      const machine = await clients.for(p.subscriptionId).hybridCompute.machines.get(p.resourceGroup as string, p.name as string, opts);
      pushArc(explicit, [machine], 'arcMachines');
    });
  }

  for (const id of dedupe(targets.resourceGroups ?? [])) {
    const p = parseArmId(id);
    if (!p?.resourceGroup) {
      errors.push(invalidId(id, 'a resource group'));
      continue;
    }
    tasks.push(
      listGroup(p.subscriptionId, p.resourceGroup).then(
        (vms) => push(fromGroups, vms, 'resourceGroups', id),
        (err: unknown) => void errors.push(toReadError(id, err)),
      ),
    );
    // Uniform scale sets are machines of their own; Flexible members already came with the VM list.
    guard(id, async () => {
      const found = await collect(clients.for(p.subscriptionId).compute.virtualMachineScaleSets.list(p.resourceGroup as string, opts));
      pushScaleSets(fromGroups, found, 'resourceGroups', () => true);
    });
    guard(id, async () => {
      const machines = await arcList(clients.for(p.subscriptionId).hybridCompute.machines.listByResourceGroup(p.resourceGroup as string, opts));
      pushArc(fromGroups, machines, 'resourceGroups');
    });
  }

  const selector = targets.tagSelector;
  if (selector && Object.keys(selector.matchTags).length > 0) {
    for (const sub of dedupe(selector.subscriptions)) {
      const subscriptionId = parseArmId(sub)?.subscriptionId ?? sub.replace(/^\/?subscriptions\//i, '');
      // ARM has no server-side tag filter for VM lists: list the subscription once and filter here.
      tasks.push(
        listSubscription(subscriptionId).then(
          (vms) => push(fromTags, vms.filter((vm) => matchesTagsSafely(vm.tags, selector.matchTags)), 'tagSelector', `/subscriptions/${subscriptionId}`),
          (err: unknown) => void errors.push(toReadError(`/subscriptions/${subscriptionId}`, err)),
        ),
      );
      guard(`/subscriptions/${subscriptionId}`, async () => {
        const found = await collect(clients.for(subscriptionId).compute.virtualMachineScaleSets.listAll(opts));
        pushScaleSets(fromTags, found, 'tagSelector', (ss) => matchesTagsSafely(ss.tags, selector.matchTags));
      });
      guard(`/subscriptions/${subscriptionId}`, async () => {
        const machines = await arcList(clients.for(subscriptionId).hybridCompute.machines.listBySubscription(opts));
        pushArc(fromTags, machines.filter((m) => matchesTagsSafely(m.tags, selector.matchTags)), 'tagSelector');
      });
    }
  }

  await Promise.all(tasks);

  const excluded = new IdSet();
  for (const id of targets.exclude ?? []) excluded.add(id);
  const machines = new IdMap<ObservedMachine>();
  const excludedIds = new IdSet();
  // In turns: a hundred thousand machines merged at once are one block of well over 100 ms.
  const turns = new Turns();
  for (const bucket of [explicit, fromScaleSets, fromGroups, fromTags]) {
    await turns.each(bucket, (m) => {
      if (excluded.size > 0 && (excluded.has(m.id) || (m.scaleSetId !== undefined && excluded.has(m.scaleSetId)))) {
        excludedIds.add(m.id);
        return;
      }
      if (!machines.has(m.id)) machines.set(m.id, m);
    });
  }
  await turns.each(machines.values(), (m) => {
    const owner = m.scaleSetId ? memberOwners.get(m.scaleSetId) : undefined;
    if (owner && !scaleSets.has(owner.id)) scaleSets.set(owner.id, owner);
  });
  const kept = [...scaleSets.values()].filter((ss) => !excluded.has(ss.id));
  return { machines, excludedCount: excludedIds.size, scaleSets: kept, errors };
}

/**
 * What discovery reads of a listed VM, the rest dropped as each page arrives: lists are held until every selector
 * has used them, and a full SDK model of 100,000 VMs would hold their whole hardware, OS and network profiles.
 * Values are kept as ARM gave them, so conversion still rejects a malformed one.
 */
export function slimVm(vm: VirtualMachine): VirtualMachine {
  const osDisk: unknown = vm.storageProfile?.osDisk;
  const osType: unknown = typeof osDisk === 'object' && osDisk !== null ? (osDisk as Record<string, unknown>)['osType'] : undefined;
  const out = { id: vm.id, location: vm.location, tags: vm.tags, identity: vm.identity, resources: vm.resources } as VirtualMachine;
  if (osType !== undefined) out.storageProfile = { osDisk: { osType } } as VirtualMachine['storageProfile'];
  if (vm.virtualMachineScaleSet !== undefined) out.virtualMachineScaleSet = vm.virtualMachineScaleSet;
  return out;
}

async function collectVms(iter: AsyncIterable<VirtualMachine>): Promise<VirtualMachine[]> {
  const out: VirtualMachine[] = [];
  for await (const vm of iter) out.push(slimVm(vm));
  return out;
}

/**
 * A subscription that never registered Microsoft.HybridCompute has no Arc machines: ARM refuses the list with
 * MissingSubscriptionRegistration (Learn, "Resolve errors for resource provider registration").
 */
async function arcList(iter: AsyncIterable<Machine>): Promise<Machine[]> {
  try {
    return await collect(iter);
  } catch (err) {
    if ((err as { code?: unknown }).code === 'MissingSubscriptionRegistration') return [];
    throw err;
  }
}

/** Tags of the wrong shape never match; the machine is then reported by the conversion, if selected otherwise. */
function matchesTagsSafely(tags: unknown, match: Record<string, string>): boolean {
  if (tags === undefined || tags === null) return matchesTags(undefined, match);
  if (typeof tags !== 'object' || Array.isArray(tags)) return false;
  return matchesTags(Object.fromEntries(Object.entries(tags).filter(([, v]) => typeof v === 'string')), match);
}
