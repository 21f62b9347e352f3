// Observe: the Azure state one topology touches, read in bulk (lists per rule, per endpoint, per group, per scale set).
import type { DataCollectionRuleAssociationProxyOnlyResource } from '@azure/arm-monitor';
import type PQueue from 'p-queue';
import { GROUP } from '../api/types.ts';
import type { MonitoringTopologySpec } from '../api/types.ts';
import type { ObservedAgentExtension, ObservedAssociation, ObservedEndpoint, ObservedMachine, ObservedRule, ObservedScope, ObservedWorkspace, ReadError, Snapshot } from '../model/index.ts';
import { toArcAgentExtension } from './arc.ts';
import { collect, resourceUri } from './clients.ts';
import type { ArmClientCache } from './clients.ts';
import { toListedAssociation, toEndpoint, toRule, toScope, toVmAgentExtension, toWorkspace } from './convert.ts';
import { guardedReads, toReadError } from './errors.ts';
import type { AssociationSources } from './gateway.ts';
import { associationSources, CONFIGURATION_ACCESS_ENDPOINT, dedupe, IdMap, idKey, isType, parseArmId, ResourceTypes, sameId, sameName } from '../model/index.ts';
import { discoverTargets } from './targets.ts';
import type { ServiceTraits } from './targets.ts';
import type { ExtensionCache, RefreshAllowance } from './extensions.ts';
import { READ_PRIORITY } from './budget.ts';
import { Turns } from './turns.ts';
import { missingNamed } from './graph.ts';
import type { GraphReader, GraphView } from './graph.ts';
import { confirmMachine, wantsRepair } from './graph-confirm.ts';
import { AssociationIndex } from './association-index.ts';
import { attachAgent } from './records.ts';

/** Log Analytics has no SDK in our dependencies; its workspace GET goes raw through the same pipeline. */
export const WORKSPACE_API_VERSION = '2023-09-01';

// Any topology's owner marker (written by src/plan/ownership.ts): a cheap filter; the plan proves whose it is.
const MARKER_KEY = `${GROUP}/owner=`;

export interface ObserveContext {
  clients: ArmClientCache;
  queue: PQueue;
  signal?: AbortSignal;
  /** At most this many drifted machines get a full ListByResource per observe (undefined = all of them). */
  fullListingLimit?: number;
  service?: ServiceTraits;
  /** Agent extensions remembered across passes (VM lists carry extension ids only). */
  extensions?: ExtensionCache;
  /** Read remembered state afresh (a person asked for a reconcile). */
  refresh?: boolean;
  /** Called once the targets are known, before any per-machine read. */
  onTargets?: (machineIds: string[]) => void;
  /**
   * Called per chunk of machines whose own reads are done: a snapshot with every topology-wide part (scope, rules,
   * endpoint, scale sets) and those machines with all their associations. The full snapshot is still returned.
   */
  onMachinesRead?: (partial: Snapshot) => void;
  /** Rules and endpoints the spec no longer names whose associations are listed too. */
  alsoList?: AssociationSources;
  /** Resource Graph, when the bulk reads may go through it (it decides per topology, and falls back to ARM). */
  graph?: GraphReader;
}

/** Machines per chunk of per-machine reads (and per early plan). */
export const MACHINE_CHUNK = 100;

export async function observe(spec: MonitoringTopologySpec, ctx: ObserveContext): Promise<Snapshot> {
  const { clients, queue, signal } = ctx;
  const opts = signal ? { abortSignal: signal } : {};
  const errors: ReadError[] = [];
  const run = guardedReads(queue, errors, READ_PRIORITY.bulk);
  // Per-machine reads (full association listings, first extension reads) go behind the bulk lists; re-reads of
  // extensions that merely expired go last, so discovery and bulk reads never wait for them.

  const invalid = (id: string, what: string): Promise<undefined> => {
    errors.push({ resourceId: id, code: 'Failed', message: `not a valid ARM id of ${what}` });
    return Promise.resolve(undefined);
  };

  const readScope = async (id: string): Promise<ObservedScope | undefined> => {
    const p = parseArmId(id);
    if (!p?.resourceGroup || !p.name || !isType(id, ResourceTypes.privateLinkScope)) return invalid(id, 'a private link scope');
    const { monitor } = clients.for(p.subscriptionId);
    const [scope, scoped] = await Promise.all([
      run(id, () => monitor.privateLinkScopes.get(p.resourceGroup as string, p.name as string, opts)),
      run(id, () => collect(monitor.privateLinkScopedResources.listByPrivateLinkScope(p.resourceGroup as string, p.name as string, opts))),
    ]);
    if (!scope || !scoped) return undefined;
    try {
      return toScope(scope, id, scoped);
    } catch (err) {
      errors.push(toReadError(id, err));
      return undefined;
    }
  };

  const readWorkspace = (id: string): Promise<ObservedWorkspace | undefined> =>
    run(id, async () => toWorkspace(id, await clients.getRaw(id, WORKSPACE_API_VERSION, signal)));

  const readRule = (id: string): Promise<ObservedRule | undefined> => {
    const p = parseArmId(id);
    if (!p?.resourceGroup || !p.name || !isType(id, ResourceTypes.dataCollectionRule)) return invalid(id, 'a data collection rule');
    return run(id, async () =>
      toRule(await clients.for(p.subscriptionId).monitor.dataCollectionRules.get(p.resourceGroup as string, p.name as string, opts), id),
    );
  };

  const readEndpoint = (id: string): Promise<ObservedEndpoint | undefined> => {
    const p = parseArmId(id);
    if (!p?.resourceGroup || !p.name || !isType(id, ResourceTypes.dataCollectionEndpoint)) return invalid(id, 'a data collection endpoint');
    return run(id, async () =>
      toEndpoint(await clients.for(p.subscriptionId).monitor.dataCollectionEndpoints.get(p.resourceGroup as string, p.name as string, opts), id),
    );
  };

  // Association lists start with the GETs; a rule or endpoint that fails its GET is reported once, by the GET.
  // Each page is converted to the small model as it arrives, so a list of 100,000 never exists as SDK objects.
  type Listed = { list: ObservedAssociation[]; malformed: ReadError[]; error?: ReadError };
  const listQuiet = (id: string, pages: () => AsyncIterable<DataCollectionRuleAssociationProxyOnlyResource>): Promise<Listed> =>
    queue.add(
      async (): Promise<Listed> => {
        const out: Listed = { list: [], malformed: [] };
        try {
          await convertAssociations(pages(), id, out.list, out.malformed);
          return out;
        } catch (err) {
          return { list: [], malformed: [], error: toReadError(id, err) };
        }
      },
      { priority: READ_PRIORITY.bulk },
    );
  const listByRule = (id: string): Promise<Listed> => {
    const p = parseArmId(id);
    if (!p?.resourceGroup || !p.name) return Promise.resolve({ list: [], malformed: [] });
    return listQuiet(id, () => clients.for(p.subscriptionId).monitor.dataCollectionRuleAssociations.listByRule(p.resourceGroup as string, p.name as string, opts));
  };
  const listByEndpoint = (id: string): Promise<Listed> => {
    const p = parseArmId(id);
    if (!p?.resourceGroup || !p.name) return Promise.resolve({ list: [], malformed: [] });
    return listQuiet(id, () =>
      clients.for(p.subscriptionId).monitor.dataCollectionRuleAssociations.listByDataCollectionEndpoint(p.resourceGroup as string, p.name as string, opts),
    );
  };

  const scopeSpec = spec.privateLinkScope;
  const ruleIds = dedupe(spec.dataCollectionRules.map((r) => r.resourceId));
  const workspaceIds = dedupe((scopeSpec.scopedResources ?? []).map((r) => r.resourceId).filter((id) => isType(id, ResourceTypes.workspace)));
  const endpointId = spec.configurationEndpoint.resourceId;
  const alsoLinkTo = dedupe(scopeSpec.alsoLinkTo ?? []).filter((id) => !sameId(id, scopeSpec.resourceId));
  const retiredRules = dedupe(ctx.alsoList?.dataCollectionRules ?? []).filter((id) => !ruleIds.some((r) => sameId(r, id)));
  const retiredEndpoints = dedupe(ctx.alsoList?.dataCollectionEndpoints ?? []).filter((id) => !sameId(id, endpointId));

  const discovery = { clients, queue, ...(signal ? { signal } : {}), ...(ctx.service ? { service: ctx.service } : {}) };
  // Resource Graph answers targets and every association on them at once; ARM needs the lists by rule and endpoint.
  const armBulk = (): Promise<[Listed[], Listed, Awaited<ReturnType<typeof discoverTargets>>]> =>
    Promise.all([Promise.all(ruleIds.map(listByRule)), listByEndpoint(endpointId), discoverTargets(spec.targets, discovery)]);
  // Machines this pass took from ARM beside Resource Graph's view: their confirmation can only find ARM fresher.
  const fromArm = new Set<ObservedMachine>();
  const graphBulk = async (reader: GraphReader): Promise<GraphView | undefined> => {
    try {
      const view = await reader.read(spec.targets, signal, associationSources(spec));
      const missing = missingNamed(spec.targets, view);
      // A named Flexible scale set's members are listed through ARM as well (two reads a set): instances a scale-out
      // just created reach Resource Graph late, and they are the machines that need associations soonest.
      const flexible = (spec.targets.virtualMachineScaleSets ?? []).filter((id) => view.targets.scaleSets.some((ss) => ss.orchestrationMode === 'Flexible' && sameId(ss.id, id)));
      if (flexible.length > 0) {
        missing.virtualMachineScaleSets = [...(missing.virtualMachineScaleSets ?? []), ...flexible];
        if (spec.targets.exclude) missing.exclude = spec.targets.exclude;
      }
      if (missing.virtualMachines || missing.virtualMachineScaleSets || missing.arcMachines) {
        const found = await discoverTargets(missing, discovery);
        view.targets.errors.push(...found.errors);
        for (const m of found.machines.values()) {
          if (view.targets.machines.has(m.id)) continue;
          view.targets.machines.set(m.id, m);
          fromArm.add(m);
        }
        view.targets.scaleSets.push(...found.scaleSets.filter((ss) => !view.targets.scaleSets.some((x) => sameId(x.id, ss.id))));
      }
      return view;
    } catch {
      return undefined; // the reader logged why; this pass reads through ARM
    }
  };
  const useGraph = ctx.graph !== undefined && (await readsThroughGraph(ctx.graph, spec, signal));

  const [scope, alsoLinkScopes, workspaces, rules, endpoint, bulk, retiredRuleLists, retiredEndpointLists] = await Promise.all([
    readScope(scopeSpec.resourceId),
    Promise.all(alsoLinkTo.map(readScope)),
    Promise.all(workspaceIds.map(readWorkspace)),
    Promise.all(ruleIds.map(readRule)),
    readEndpoint(endpointId),
    useGraph && ctx.graph ? graphBulk(ctx.graph) : Promise.resolve(undefined),
    Promise.all(retiredRules.map(listByRule)),
    Promise.all(retiredEndpoints.map(listByEndpoint)),
  ]);
  const graphView = bulk;
  const [ruleLists, endpointList, targets] = graphView ? [[], { list: [], malformed: [] }, graphView.targets] : await armBulk();
  errors.push(...targets.errors);
  const machines = targets.machines;
  const turns = new Turns();
  if (ctx.onTargets) ctx.onTargets(machines.valueList().map((m) => m.id));

  // Keep only associations on targets: a rule may be associated with thousands of machines we do not manage.
  // Marked ones elsewhere are kept apart, for deletion and pruning.
  const associations = new AssociationIndex<ObservedMachine>();
  const elsewhere = new IdMap<ObservedAssociation>();
  const listedSources: string[] = [];
  // In turns: a rule's list holds an association per machine it serves (100,000 at that scale).
  const addAssociations = async (listed: { list: ObservedAssociation[]; malformed: ReadError[] }, retired = false): Promise<void> => {
    errors.push(...listed.malformed);
    await turns.each(listed.list, (a) => {
      const m = retired ? undefined : machines.get(a.resourceId);
      if (m) associations.add(m, a);
      else if (a.description?.includes(MARKER_KEY)) elsewhere.set(a.id, a);
    });
  };
  for (const [i, listed] of ruleLists.entries()) {
    await addAssociations(listed);
    if (listed.error && rules[i] !== undefined) errors.push(listed.error);
    if (!listed.error && ruleIds[i] !== undefined) listedSources.push(ruleIds[i]);
  }
  await addAssociations(endpointList);
  if (endpointList.error && endpoint !== undefined) errors.push(endpointList.error);
  // The view's list of associations becomes the index's: nothing reads it after this.
  if (graphView) await associations.adopt(graphView.associations, (a) => machines.get(a.resourceId), turns);
  if (!endpointList.error && !graphView) listedSources.push(endpointId);
  // A rule or endpoint since deleted has nothing associated with it (404); any other failure may hide what we made.
  const retiredListed = async (listed: Listed, id: string): Promise<void> => {
    await addAssociations(listed, true);
    if (listed.error && listed.error.code !== 'NotFound') errors.push(listed.error);
    else listedSources.push(id);
  };
  for (const [i, listed] of retiredRuleLists.entries()) await retiredListed(listed, retiredRules[i] ?? '');
  for (const [i, listed] of retiredEndpointLists.entries()) await retiredListed(listed, retiredEndpoints[i] ?? '');

  const observedRules = rules.filter((r): r is ObservedRule => r !== undefined);
  const fullyListedMachines: string[] = [];
  let listingsLeft = ctx.fullListingLimit ?? Infinity;
  const allowance = ctx.extensions?.beginPass();
  const refresh = ctx.refresh === true;
  const global = (): Omit<Snapshot, 'machines' | 'associations' | 'fullyListedMachines' | 'markedElsewhere' | 'listedSources' | 'errors'> => ({
    ...(scope ? { scope } : {}),
    ...(endpoint ? { endpoint } : {}),
    alsoLinkScopes: alsoLinkScopes.filter((s): s is ObservedScope => s !== undefined),
    workspaces: workspaces.filter((w): w is ObservedWorkspace => w !== undefined),
    rules: observedRules,
    excludedCount: targets.excludedCount,
    scaleSets: targets.scaleSets,
  });
  // Errors before any per-machine read: every chunk's partial snapshot carries them, with its own.
  const topologyErrors = [...errors];
  // A chunk's machines for early writes. Deletions wait for the full snapshot: a partial one never carries what they act on.
  const partial = (these: ObservedMachine[], theirs: ObservedAssociation[], listed: string[], sink: ReadError[]): Snapshot => ({
    ...global(),
    machines: these,
    associations: theirs,
    fullyListedMachines: listed,
    markedElsewhere: [],
    listedSources,
    errors: uniqueErrors([...topologyErrors, ...sink]),
  });
  // The machines' list is one copy of the map's values (a spread of its iterator held the loop for tens of ms at 100,000).
  const whole = (): Snapshot => ({
    ...global(),
    machines: machines.valueList(),
    associations: associations.take(),
    fullyListedMachines,
    markedElsewhere: [...elsewhere.values()].filter((a) => !associations.has(machines.get(a.resourceId), a.id)),
    listedSources,
    errors: uniqueErrors(errors),
    ...(graphView ? { graphFingerprint: graphView.fingerprint } : {}),
  });

  // Resource Graph planned; ARM confirms each machine a write may touch, and disagreement holds its writes. Confirmations
  // go in chunks: as soon as a chunk is confirmed, its machines can be planned and acted on (ARM's state, not the graph's).
  if (graphView) {
    const drifted: ObservedMachine[] = [];
    await turns.each(machines.values(), (m) => {
      if (looksIncomplete(m, observedRules, endpoint, associations.of(m)) || wantsRepair(m, spec.agent)) drifted.push(m);
    });
    const toList = ctx.fullListingLimit === undefined ? drifted : drifted.slice(0, ctx.fullListingLimit);
    const stale: string[] = [];
    const confirmChunk = (these: ObservedMachine[]): Promise<void> => {
      const sink: ReadError[] = [];
      const listed: string[] = [];
      const seenByArm = new Map<string, ObservedAssociation[]>();
      const runChunk = guardedReads(queue, sink, READ_PRIORITY.bulk);
      const confirm = (m: ObservedMachine): Promise<unknown> =>
        runChunk(m.id, async () => {
          const c = await confirmMachine(m, associations.of(m), clients, opts);
          if (c.state === 'gone') {
            associations.replace(m);
            machines.delete(m.id);
            return;
          }
          associations.replace(m, c.associations, c.state === 'stale' ? c.machine : m);
          seenByArm.set(idKey(m.id), c.associations);
          // A machine ARM listed this pass differs from its GET only by what the list leaves out (its extensions).
          const fresher = c.state === 'stale' && fromArm.has(m);
          if (c.state === 'confirmed' || fresher) listed.push(m.id);
          if (c.state === 'stale') {
            machines.set(m.id, c.machine);
            if (!fresher) stale.push(m.id);
          }
        });
      return Promise.all(these.map(confirm)).then(() => {
        errors.push(...sink);
        fullyListedMachines.push(...listed);
        const ready = these.flatMap((m) => {
          const now = machines.get(m.id);
          return now && now.agentExtension !== undefined && seenByArm.has(idKey(m.id)) ? [now] : [];
        });
        ctx.onMachinesRead?.(partial(ready, ready.flatMap((m) => seenByArm.get(idKey(m.id)) ?? []), listed, sink));
      });
    };
    // A chunk at a time, taking turns: each chunk queues its hundred machines' confirmations (a cold estate of 20,000
    // machines queued them all in one block of 270 ms).
    const confirmations: Promise<void>[] = [];
    for (let i = 0; i < toList.length; i += MACHINE_CHUNK) {
      confirmations.push(confirmChunk(toList.slice(i, i + MACHINE_CHUNK)));
      if (turns.dueNow()) await turns.turn();
    }
    const runMachine = guardedReads(queue, errors, READ_PRIORITY.perMachine);
    const extensionReads: Promise<unknown>[] = [];
    await turns.each(machines.values(), (m) => {
      const read = extensionRead(m, clients, opts, ctx.extensions, allowance, refresh);
      if (read) extensionReads.push((read.refresh ? guardedReads(queue, errors, READ_PRIORITY.refresh) : runMachine)(m.id, read.fn));
    });
    await Promise.all([...confirmations, ...extensionReads]);
    ctx.graph?.sized(spec.targets, machines.size);
    ctx.graph?.observed(machines.size, toList.length, stale);
    return whole();
  }

  // The reads each machine needs alone (its full association listing when the bulk view looks incomplete, its agent
  // extension when not remembered), in chunks: as soon as a chunk is read, its machines can be planned and acted on.
  const perMachine = (m: ObservedMachine, sink: ReadError[], listed: string[]): Promise<unknown>[] => {
    const runMachine = guardedReads(queue, sink, READ_PRIORITY.perMachine);
    const out: Promise<unknown>[] = [];
    if (listingsLeft > 0 && looksIncomplete(m, observedRules, endpoint, associations.of(m))) {
      listingsLeft--;
      out.push(
        runMachine(m.id, async () => {
          const own = { list: [] as ObservedAssociation[], malformed: [] as ReadError[] };
          await convertAssociations(clients.for(parseArmId(m.id)?.subscriptionId ?? '').monitor.dataCollectionRuleAssociations.listByResource(resourceUri(m.id), opts), m.id, own.list, own.malformed);
          await addAssociations(own);
          fullyListedMachines.push(m.id);
          listed.push(m.id);
        }),
      );
    }
    const read = extensionRead(m, clients, opts, ctx.extensions, allowance, refresh);
    if (read) out.push((read.refresh ? guardedReads(queue, sink, READ_PRIORITY.refresh) : runMachine)(m.id, read.fn));
    return out;
  };
  const chunks: Promise<void>[] = [];
  // Each chunk collects its own read errors, so a partial snapshot costs its chunk, not the whole estate. Its machines'
  // reads are queued one machine at a time, taking turns as they fall due (a whole chunk at once blocked 200 ms).
  const newChunk = (): { machines: ObservedMachine[]; errors: ReadError[]; listed: string[]; reads: Promise<unknown>[] } => ({ machines: [], errors: [], listed: [], reads: [] });
  let chunk = newChunk();
  const flush = (): void => {
    const these = chunk;
    chunk = newChunk();
    const onReady = ctx.onMachinesRead;
    chunks.push(
      Promise.all(these.reads).then(() => {
        errors.push(...these.errors);
        onReady?.(partial(these.machines, these.machines.flatMap((m) => associations.of(m)), these.listed, these.errors));
      }),
    );
  };
  await turns.each(machines.values(), (m) => {
    chunk.machines.push(m);
    for (const r of perMachine(m, chunk.errors, chunk.listed)) chunk.reads.push(r);
    if (chunk.machines.length >= MACHINE_CHUNK) flush();
  });
  if (chunk.machines.length > 0) flush();
  await Promise.all(chunks);
  // Either path tells `auto` how large the topology is now, so a growing one moves to Resource Graph.
  ctx.graph?.sized(spec.targets, machines.size);

  return whole();
}

/** Whether a pass over this spec reads its targets and associations through Resource Graph (discovery asks the same). */
export async function readsThroughGraph(graph: GraphReader, spec: MonitoringTopologySpec, signal?: AbortSignal): Promise<boolean> {
  // Pruning needs the marked associations on machines that left the targets: only ARM's lists by rule show those.
  return spec.prune !== true && (await graph.use(spec.targets, signal));
}

/**
 * Discovery's view of the associations: every association of the spec's rules and endpoint, one paged list each
 * (R + 1 lists, whatever the number of machines). Undefined when any list fails: a failed read is not a deletion.
 */
export async function listAssociationIds(spec: MonitoringTopologySpec, ctx: Pick<ObserveContext, 'clients' | 'queue' | 'signal'>): Promise<string[] | undefined> {
  const opts = ctx.signal ? { abortSignal: ctx.signal } : {};
  const lists = [
    ...dedupe(spec.dataCollectionRules.map((r) => r.resourceId)).map((id) => ({ id, byRule: true })),
    { id: spec.configurationEndpoint.resourceId, byRule: false },
  ];
  try {
    const found = await Promise.all(
      lists.map(({ id, byRule }) =>
        ctx.queue.add(async () => {
          const p = parseArmId(id);
          if (!p?.resourceGroup || !p.name) throw new Error(`not a valid ARM id: ${id}`);
          const dcra = ctx.clients.for(p.subscriptionId).monitor.dataCollectionRuleAssociations;
          const pages = byRule ? dcra.listByRule(p.resourceGroup, p.name, opts) : dcra.listByDataCollectionEndpoint(p.resourceGroup, p.name, opts);
          const ids: string[] = [];
          for await (const x of pages) if (typeof x.id === 'string') ids.push(x.id);
          return ids;
        }, { priority: READ_PRIORITY.discovery }),
      ),
    );
    return found.flat();
  } catch {
    return undefined;
  }
}

/** Converts a paged association list item by item (a malformed one becomes a read error), dropping each page as it goes. */
async function convertAssociations(
  pages: AsyncIterable<DataCollectionRuleAssociationProxyOnlyResource>,
  listedFrom: string,
  into: ObservedAssociation[],
  malformed: ReadError[],
): Promise<void> {
  for await (const raw of pages) {
    try {
      const a = toListedAssociation(raw);
      if (a) into.push(a);
    } catch (err) {
      malformed.push(toReadError(typeof raw.id === 'string' ? raw.id : listedFrom, err));
    }
  }
}

/** A resource whose GET and list both failed is reported once. */
function uniqueErrors(errors: ReadError[]): ReadError[] {
  const seen = new Set<string>();
  return errors.filter((e) => {
    const k = `${idKey(e.resourceId)}|${e.code}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function ruleApplies(rule: ObservedRule, machine: ObservedMachine): boolean {
  const kind = rule.kind?.toLowerCase();
  if ((kind !== 'linux' && kind !== 'windows') || machine.osType === undefined) return true;
  return kind === machine.osType.toLowerCase();
}

/**
 * The bulk lists show only associations to our rules and our endpoint; a machine missing one of
 * those may hold something the plan must see first (a misnamed or foreign endpoint association).
 */
export function looksIncomplete(
  machine: ObservedMachine,
  rules: ObservedRule[],
  endpoint: ObservedEndpoint | undefined,
  mine: ObservedAssociation[],
): boolean {
  const hasEndpoint = mine.some(
    (a) => sameName(a.name, CONFIGURATION_ACCESS_ENDPOINT) && (!endpoint || sameId(a.dataCollectionEndpointId, endpoint.id)),
  );
  if (!hasEndpoint) return true;
  return rules.some((r) => ruleApplies(r, machine) && !mine.some((a) => sameId(a.dataCollectionRuleId, r.id)));
}

/**
 * The read of a machine's agent extension when it is still unknown and the cache does not hold it (expired entries
 * are re-read a bounded number per pass): every identity check depends on its settings. `refresh`: the cache knew it.
 */
function extensionRead(
  m: ObservedMachine,
  clients: ArmClientCache,
  opts: { abortSignal?: AbortSignal },
  cache: ExtensionCache | undefined,
  allowance: RefreshAllowance | undefined,
  refresh: boolean,
): { refresh: boolean; fn: () => Promise<void> } | undefined {
  if (m.kind === 'UniformScaleSet' || m.agentExtension !== undefined) return undefined;
  const cached = refresh ? undefined : cache?.lookup(m, allowance);
  if (cached !== undefined) {
    // The cached extension then refers to this pass's id string of the machine, not an earlier pass's.
    attachAgent(m, cached);
    return undefined;
  }
  const p = parseArmId(m.id);
  if (!p?.resourceGroup || !p.name) return undefined;
  const rg = p.resourceGroup;
  const name = p.name;
  return {
    refresh: refresh || cache?.knows(m) === true,
    fn: async () => {
      const { compute, hybridCompute } = clients.for(p.subscriptionId);
      let agent: ObservedAgentExtension | undefined;
      if (m.kind === 'ArcMachine') {
        // Arc machine extensions are a paged child collection.
        for await (const ext of hybridCompute.machineExtensions.list(rg, name, opts)) {
          agent ??= toArcAgentExtension(ext);
        }
      } else {
        const list = await compute.virtualMachineExtensions.list(rg, name, opts);
        agent = (list.value ?? []).map(toVmAgentExtension).find((e) => e !== undefined);
      }
      attachAgent(m, agent ?? null);
      cache?.store(m, agent ?? null);
    },
  };
}
