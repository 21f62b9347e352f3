// Resource Graph as the bulk read path: a topology's machines, their agent extensions and every association in a
// few paged queries per subscription batch, planned on; the machines a pass will change are confirmed with ARM.
import { setTimeout as delay } from 'node:timers/promises';
import type { ResourceGraphClient } from '@azure/arm-resourcegraph';
import type { PipelinePolicy } from '@azure/core-rest-pipeline';
import { RestError } from '@azure/core-rest-pipeline';
import type { Logger } from 'pino';
import type { Targets } from '../api/types.ts';
import type { GraphFingerprint, ObservedAgentExtension, ObservedAssociation, ObservedMachine, ObservedScaleSet, ReadError } from '../model/index.ts';
import { IdMap, idHash, idKey, parseArmId } from '../model/index.ts';
import { GraphQuota } from './budget.ts';
import type { ArmClientCache } from './clients.ts';
import { describeError, toReadError } from './errors.ts';
import { agentExtensionsQuery, associationsQuery, classifyRow, machinesQuery, selectionOf, targetSubscriptions, toGraphAgentExtension, toGraphAssociations } from './graph-convert.ts';
import type { Classified, GraphRow } from './graph-convert.ts';
import { associationsFingerprintQuery, FingerprintOfRows, fingerprintOfAnswers, targetsFingerprintQuery } from './graph-fingerprint.ts';
import { loadSdk } from './lazy.ts';
import type { DiscoveredTargets } from './targets.ts';
import { requestTimeoutPolicy } from './timeouts.ts';
import { turnTakingPolicy } from './policy-turns.ts';
import { Turns } from './turns.ts';
import { AgentExtensionRecord, attachAgent } from './records.ts';

export type ResourceGraphMode = 'auto' | 'always' | 'never';

export interface GraphOptions {
  mode: ResourceGraphMode;
  /** In `auto`, topologies with at least this many machines read through Resource Graph. */
  threshold: number;
  /** Longest wait for the quota to reset before a pass falls back to ARM (default 10 s). */
  maxQuotaWaitMs?: number;
  /** Rows per page (1–1000). */
  pageSize?: number;
  requestTimeoutMs?: number;
}

/** Learn, "Guidance for throttled requests in Azure Resource Graph": batch scopes, fewer than 300 subscriptions a query. */
const SUBSCRIPTIONS_PER_QUERY = 300;

/** Resource Graph refused or failed: this pass reads through ARM instead. */
export class GraphUnavailable extends Error {
  override readonly name = 'GraphUnavailable';
  readonly reason: 'throttled' | 'forbidden' | 'failed';
  readonly retryAfterMs: number;
  constructor(reason: GraphUnavailable['reason'], message: string, retryAfterMs: number) {
    super(message);
    this.reason = reason;
    this.retryAfterMs = retryAfterMs;
  }
}

/** Waits for a spent quota when the reset is near, refuses without sending when it is far, and learns from each answer. */
function quotaPolicy(quota: GraphQuota, maxWaitMs: number): PipelinePolicy {
  return {
    name: 'resourceGraphQuota',
    async sendRequest(request, next) {
      for (;;) {
        const wait = quota.acquire();
        if (wait === 0) break;
        if (wait > maxWaitMs) throw new GraphUnavailable('throttled', `the Resource Graph quota is spent for ${Math.ceil(wait / 1000)} s`, wait);
        await delay(wait);
      }
      let remaining: string | undefined;
      let resetsAfter: string | undefined;
      try {
        const response = await next(request);
        remaining = response.headers.get('x-ms-user-quota-remaining');
        resetsAfter = response.headers.get('x-ms-user-quota-resets-after');
        return response;
      } finally {
        quota.settle(remaining, resetsAfter);
      }
    },
  };
}

export interface GraphView {
  targets: DiscoveredTargets;
  /** Every association on a target, as Resource Graph shows it. */
  associations: ObservedAssociation[];
  /** The rows read, summarized as discovery's queries summarize them (associations through `sources` of `read`). */
  fingerprint: GraphFingerprint;
}

export class GraphReader {
  readonly quota: GraphQuota;
  /** Built by the first query: a controller that never reads through Resource Graph never loads its SDK. */
  #client: Promise<ResourceGraphClient> | undefined;
  readonly #connect: () => Promise<ResourceGraphClient>;
  readonly #options: GraphOptions;
  readonly #logger: Logger;
  /** Machines each topology's targets held last time (keyed by the targets), for `auto`. */
  readonly #sizes = new Map<string, number>();
  #unavailableUntil = 0;
  readonly #stats = { passes: 0, confirmed: 0, stale: 0 };
  #lastReason: string | undefined;

  constructor(clients: ArmClientCache, scope: string, options: GraphOptions, logger: Logger) {
    this.quota = new GraphQuota();
    this.#options = options;
    this.#logger = logger;
    const policies: PipelinePolicy[] = [quotaPolicy(this.quota, options.maxQuotaWaitMs ?? 10_000), requestTimeoutPolicy(options.requestTimeoutMs ?? 60_000), turnTakingPolicy()];
    this.#connect = async () => {
      const { ResourceGraphClient } = await loadSdk('@azure/arm-resourcegraph', () => import('@azure/arm-resourcegraph'), 'ResourceGraphClient');
      return new ResourceGraphClient(clients.credential, {
        endpoint: clients.endpoint,
        credentials: { scopes: [scope] },
        additionalPolicies: policies.map((policy) => ({ policy, position: 'perRetry' as const })),
        // A 429 or 403 is answered by reading through ARM this pass, not by retrying the query.
        retryOptions: { maxRetries: 0 },
      });
    };
  }

  /** Whether this pass of a topology with these targets reads through Resource Graph. */
  async use(targets: Targets, signal?: AbortSignal): Promise<boolean> {
    if (this.#options.mode === 'never') return false;
    if (Date.now() < this.#unavailableUntil) return false;
    if (this.#options.mode === 'always') return true;
    const key = JSON.stringify(targets);
    let size = this.#sizes.get(key);
    if (size === undefined) {
      try {
        const rows = await this.#query(targetSubscriptions(targets), `${machinesQuery(targets)}\n| count`, signal);
        size = Number(rows[0]?.['Count'] ?? 0);
      } catch (err) {
        this.unavailable(err);
        return false;
      }
      this.#sizes.set(key, size);
    }
    return size >= this.#options.threshold;
  }

  /** Remembers how many machines a topology's targets held, for the next `auto` decision. */
  sized(targets: Targets, machines: number): void {
    this.#sizes.set(JSON.stringify(targets), machines);
  }

  /** After a pass read through Resource Graph: how many machines ARM confirmed, and which it showed otherwise. */
  observed(machines: number, confirmed: number, stale: string[]): void {
    this.#stats.passes++;
    this.#stats.confirmed += confirmed;
    this.#stats.stale += stale.length;
    if (stale.length > 0) {
      this.#logger.info({ machines, confirmed, stale: stale.length, sample: stale.slice(0, 5) }, 'Resource Graph is behind ARM on some machines: their writes wait for the next look');
    }
  }

  /** Passes read through Resource Graph, machines confirmed with ARM, and machines found stale there. */
  get stats(): { passes: number; confirmed: number; stale: number } {
    return { ...this.#stats };
  }

  /** Records why Resource Graph could not serve a pass, and for how long not to ask it again. */
  unavailable(err: unknown): GraphUnavailable {
    const g = asUnavailable(err);
    this.#unavailableUntil = Date.now() + g.retryAfterMs;
    if (this.#lastReason !== g.message) this.#logger.warn({ reason: g.reason, retryAfterMs: g.retryAfterMs, err: g.message }, 'Resource Graph unavailable: reading through ARM');
    this.#lastReason = g.message;
    return g;
  }

  #connected(): Promise<ResourceGraphClient> {
    if (this.#client) return this.#client;
    const client = (this.#client = this.#connect());
    // A failed load is tried again by the next query; this one falls back to ARM (GraphUnavailable 'failed').
    client.catch(() => {
      if (this.#client === client) this.#client = undefined;
    });
    return client;
  }

  /** Every row of a query over these subscriptions, page by page (`onPage` converts and drops each page). */
  async #query(subscriptions: string[], query: string, signal?: AbortSignal, onPage?: (rows: GraphRow[]) => Promise<void>): Promise<GraphRow[]> {
    const all: GraphRow[] = [];
    const top = this.#options.pageSize ?? 1000;
    for (let i = 0; i < Math.max(1, subscriptions.length); i += SUBSCRIPTIONS_PER_QUERY) {
      const batch = subscriptions.slice(i, i + SUBSCRIPTIONS_PER_QUERY);
      let skipToken: string | undefined;
      do {
        const page = await (await this.#connected()).resources(
          { subscriptions: batch, query, options: skipToken ? { skipToken } : { top } },
          signal ? { abortSignal: signal } : {},
        );
        const rows = Array.isArray(page.data) ? (page.data as unknown[]).filter((r): r is GraphRow => typeof r === 'object' && r !== null) : [];
        if (onPage) await onPage(rows);
        else all.push(...rows);
        skipToken = page.skipToken;
      } while (skipToken);
    }
    return all;
  }

  /**
   * Discovery's look: what the pass's machine query selects (count, newest creation time) and how many associations
   * point to the sources, in one small answer per query and subscription batch. Throws GraphUnavailable.
   */
  async fingerprint(targets: Targets, sources: string[], signal?: AbortSignal): Promise<GraphFingerprint> {
    const subscriptions = targetSubscriptions(targets);
    try {
      const [machines, associations] = await Promise.all([
        this.#query(subscriptions, targetsFingerprintQuery(targets), signal),
        this.#query(subscriptions, associationsFingerprintQuery(sources), signal),
      ]);
      return fingerprintOfAnswers(machines, associations);
    } catch (err) {
      throw this.unavailable(err);
    }
  }

  /**
   * The topology's targets, their agent extensions and associations; throws GraphUnavailable to fall back to ARM.
   * `sources` (the spec's rules and endpoint) are what the view's fingerprint counts associations through.
   */
  async read(targets: Targets, signal?: AbortSignal, sources: string[] = []): Promise<GraphView> {
    const subscriptions = targetSubscriptions(targets);
    const sel = selectionOf(targets);
    const classified: Classified[] = [];
    const extensions = new IdMap<ObservedAgentExtension>();
    const associations: ObservedAssociation[] = [];
    const errors: ReadError[] = [];
    const fingerprint = new FingerprintOfRows(sources);
    // A page is converted after a turn of its own and in slices: three queries' pages arrive together, and parsing a
    // page then converting it in the same turn would hold timers for the whole of each.
    const turns = new Turns();
    const guard = (f: (row: GraphRow) => void) => async (rows: GraphRow[]): Promise<void> => {
      await turns.turn();
      await turns.each(rows, (row) => {
        try {
          f(row);
        } catch (err) {
          errors.push(toReadError(typeof row['id'] === 'string' ? row['id'] : '/providers/Microsoft.ResourceGraph', err));
        }
      });
    };
    // Each query's rows spell every machine's id: until assemble files extensions and associations under their machine,
    // three strings of each id would be alive (43 MB at 100,000 machines). Ids spelled alike share the first string.
    // Keyed by hash alone: ids that collide, or differ in case, simply keep their own string.
    const spellings = new Map<number, string>();
    const shared = (id: string): string => {
      const h = idHash(id);
      const held = spellings.get(h);
      if (held === undefined && h !== -1) spellings.set(h, id);
      return held === id ? held : id;
    };
    try {
      await Promise.all([
        this.#query(subscriptions, machinesQuery(targets), signal, guard((row) => {
          fingerprint.machine(row);
          const c = classifyRow(row, sel);
          if (c.machine) c.machine.id = shared(c.machine.id);
          classified.push(c);
        })),
        this.#query(subscriptions, agentExtensionsQuery(), signal, guard((row) => {
          const found = toGraphAgentExtension(row);
          // The first agent extension of each machine (an IdMap holds the id given, no lower-case copy of it).
          if (!found || extensions.has(found.machineId)) return;
          const machineId = shared(found.machineId);
          if (found.extension instanceof AgentExtensionRecord) found.extension.ownedBy(machineId);
          extensions.set(machineId, found.extension);
        })),
        this.#query(subscriptions, associationsQuery(), signal, guard((row) => {
          fingerprint.associationsOf(row);
          for (const a of toGraphAssociations(row)) {
            a.resourceId = shared(a.resourceId);
            associations.push(a);
          }
        })),
      ]);
    } catch (err) {
      throw this.unavailable(err);
    }
    this.#lastReason = undefined;
    // Every id now has its one string: the map of them (100,000 entries) need not live through the assembly.
    spellings.clear();
    const assembled = await assemble(targets, classified, extensions, associations, turns);
    const view: GraphView = { ...assembled, fingerprint: fingerprint.result(fingerprint.onTargets(assembled.associations)) };
    view.targets.errors.push(...errors);
    this.sized(targets, view.targets.machines.size);
    return view;
  }
}

function asUnavailable(err: unknown): GraphUnavailable {
  if (err instanceof GraphUnavailable) return err;
  const e = describeError(err);
  if (e.statusCode === 429) {
    const retry = err instanceof RestError ? Number(err.response?.headers.get('retry-after') ?? '') : Number.NaN;
    return new GraphUnavailable('throttled', `Resource Graph throttled the query (429): ${e.message}`, Number.isFinite(retry) ? retry * 1000 : 5_000);
  }
  // A 403 is how a tenant says Resource Graph is not for this identity: ask again in ten minutes.
  if (e.statusCode === 403) return new GraphUnavailable('forbidden', `Resource Graph refused the query (403 ${e.code ?? ''}): ${e.message}`, 600_000);
  return new GraphUnavailable('failed', `Resource Graph query failed (${e.statusCode ?? e.code ?? 'error'}): ${e.message}`, 60_000);
}

/**
 * Machines merged in the spec's selector order, exclusions applied, agent extensions attached; associations kept on
 * targets (`associations` is filtered in place and becomes the view's list).
 */
export async function assemble(targets: Targets, classified: Classified[], extensions: IdMap<ObservedAgentExtension>, associations: ObservedAssociation[], turns = new Turns()): Promise<Omit<GraphView, 'fingerprint'>> {
  const excluded = new Set((targets.exclude ?? []).map(idKey));
  // In selector order, stable within each: four buckets, not a sort of the whole estate in one block.
  const buckets: ObservedMachine[][] = [[], [], [], []];
  await turns.each(classified, (c) => {
    if (c.machine !== undefined && c.rank !== undefined) buckets[c.rank]?.push(c.machine);
  });
  const machines = new IdMap<ObservedMachine>();
  const excludedIds = new Set<string>();
  const admit = (m: ObservedMachine): void => {
    if (excluded.has(idKey(m.id)) || (m.scaleSetId !== undefined && excluded.has(idKey(m.scaleSetId)))) {
      excludedIds.add(idKey(m.id));
      return;
    }
    if (machines.has(m.id)) return;
    if (m.kind !== 'UniformScaleSet') attachAgent(m, extensions.get(m.id) ?? null);
    machines.set(m.id, m);
  };
  // Bucket after bucket, not a flat copy of them (an array of every machine, garbage as soon as it is read).
  for (const bucket of buckets) await turns.each(bucket, admit);
  const scaleSets = new IdMap<ObservedScaleSet>();
  const owners = new IdMap<ObservedScaleSet>();
  await turns.each(classified, (c) => {
    if (c.scaleSet) (c.ownerOnly ? owners : scaleSets).set(c.scaleSet.id, c.scaleSet);
  });
  await turns.each(machines.values(), (m) => {
    const owner = m.scaleSetId ? owners.get(m.scaleSetId) : undefined;
    if (owner && !scaleSets.has(owner.id)) scaleSets.set(owner.id, owner);
  });
  const errors: ReadError[] = [];
  for (const id of [...(targets.virtualMachines ?? []), ...(targets.virtualMachineScaleSets ?? []), ...(targets.arcMachines ?? [])]) {
    const p = parseArmId(id);
    if (!p?.resourceGroup || !p.name) errors.push({ resourceId: id, code: 'Failed', message: 'not a valid ARM id of a target' });
  }
  // Those on targets, moved to the front of the list in place: a second list of 300,000 at 100,000 machines would be
  // garbage as soon as the observe has indexed it.
  let kept = 0;
  await turns.each(associations, (a) => {
    if (machines.has(a.resourceId)) associations[kept++] = a;
  });
  associations.length = kept;
  return {
    targets: { machines, excludedCount: excludedIds.size, scaleSets: [...scaleSets.values()].filter((ss) => !excluded.has(idKey(ss.id))), errors },
    associations,
  };
}

/** Named targets Resource Graph did not return (new, or not yet visible): ARM is asked about these. */
export function missingNamed(targets: Targets, view: Pick<GraphView, 'targets'>): Targets {
  if (!targets.virtualMachines?.length && !targets.virtualMachineScaleSets?.length && !targets.arcMachines?.length) return {};
  const seen = new Set([...view.targets.machines.values()].map((m) => idKey(m.id)));
  for (const ss of view.targets.scaleSets) seen.add(idKey(ss.id));
  const missing = (ids: string[] | undefined): string[] => (ids ?? []).filter((id) => !seen.has(idKey(id)) && !(targets.exclude ?? []).some((x) => idKey(x) === idKey(id)));
  const out: Targets = {};
  const vms = missing(targets.virtualMachines);
  const sets = missing(targets.virtualMachineScaleSets);
  const arc = missing(targets.arcMachines);
  if (vms.length > 0) out.virtualMachines = vms;
  if (sets.length > 0) out.virtualMachineScaleSets = sets;
  if (arc.length > 0) out.arcMachines = arc;
  if (targets.exclude) out.exclude = targets.exclude;
  return out;
}
