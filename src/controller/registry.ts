// What every topology wants, across topologies, in memory: which configuration endpoint each machine should
// use, and which private link scope each DNS boundary should hold. Conflicts are reported to all sides.
import { boundaryConflicts, differingAccessModes } from '../findings/index.ts';
import type { DnsBoundaryMember, SharedDeclaration } from '../findings/index.ts';
import { eachWork, runSync } from '../findings/index.ts';
import type { Work } from '../findings/index.ts';
import { idKey } from '../model/index.ts';

export interface ScopeLink {
  scopeId: string;
  linkedResourceId: string;
}

interface Declared extends SharedDeclaration {
  /** Audit topologies see the others' declarations but never hold anyone back with their own. */
  audit: boolean;
}

export interface BoundaryConflict {
  topology: string;
  scopeId: string;
}

/** The same ids in the same order (each compared as given, not keyed), in slices. */
function* sameIds(a: readonly string[], b: readonly string[]): Work<boolean> {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  let same = true;
  yield* eachWork(a, (id, i) => {
    if (same && id !== b[i]) same = false;
  });
  return same;
}

export class TopologyRegistry {
  // machine key -> topology key -> configuration endpoint id
  readonly #machines = new Map<string, Map<string, string>>();
  // topology key -> machine keys it claims
  readonly #claims = new Map<string, Set<string>>();
  // topology key -> the ids and endpoint of its last claim, as given: the same claim again changes nothing.
  readonly #lastClaim = new Map<string, { ids: readonly string[]; endpointId: string }>();
  readonly #boundaries = new Map<string, DnsBoundaryMember>();
  readonly #declarations = new Map<string, Declared>();
  // topology key -> the scope links its last plan wanted (and whether it is an Audit topology)
  readonly #links = new Map<string, { links: ScopeLink[]; audit: boolean }>();

  /**
   * Records what a topology declares about shared resources (its scope's access modes, its agents' identity).
   * Returns the other topologies whose conflicts with this one appeared or went away.
   */
  declare(declaration: SharedDeclaration, audit: boolean): string[] {
    return runSync(this.declareWork(declaration, audit));
  }

  /** `declare` in slices: the identity conflicts read every machine the topology claims. */
  *declareWork(declaration: SharedDeclaration, audit: boolean): Work<string[]> {
    const before = yield* this.#declarationConflicts(declaration.topology);
    this.#declarations.set(declaration.topology, { ...declaration, audit });
    return symmetricDifference(before, yield* this.#declarationConflicts(declaration.topology));
  }

  /** The other topologies' declarations an Enforce or Audit topology must agree with (Audit ones never count). */
  sharedDeclarations(topology: string): SharedDeclaration[] {
    return [...this.#declarations.values()]
      .filter((d) => d.topology !== topology && !d.audit)
      .map(({ audit: _audit, ...d }) => d);
  }

  /** Machine id -> the other (claiming) topologies' different agent identities, for the machines given. */
  competingIdentities(topology: string, machineIds: Iterable<string>, identity: string | undefined): Record<string, { topology: string; identity: string }[]> {
    return runSync(this.competingIdentitiesWork(topology, machineIds, identity));
  }

  *competingIdentitiesWork(topology: string, machineIds: Iterable<string>, identity: string | undefined): Work<Record<string, { topology: string; identity: string }[]>> {
    const out: Record<string, { topology: string; identity: string }[]> = {};
    if (identity === undefined) return out;
    // Only topologies that declare an identity can compete on one: with none, no machine is read.
    if (![...this.#declarations.values()].some((d) => d.topology !== topology && d.identity !== undefined)) return out;
    yield* eachWork(machineIds, (id) => {
      const others: { topology: string; identity: string }[] = [];
      for (const t of this.#machines.get(idKey(id))?.keys() ?? []) {
        const theirs = t === topology ? undefined : this.#declarations.get(t)?.identity;
        if (theirs !== undefined && idKey(theirs) !== idKey(identity)) others.push({ topology: t, identity: theirs });
      }
      if (others.length > 0) out[id] = others;
    });
    return out;
  }

  /** Records the scope links a topology's plan wants (deletion and pruning of the others keep them). */
  claimLinks(topology: string, links: readonly ScopeLink[], audit = false): void {
    this.#links.set(topology, { links: links.map((l) => ({ scopeId: l.scopeId, linkedResourceId: l.linkedResourceId })), audit });
  }

  /** Links the other (Enforce) topologies want: an Audit topology never keeps an Enforce one from cleaning up. */
  linksNeededByOthers(topology: string): ScopeLink[] {
    return [...this.#links].flatMap(([t, { links, audit }]) => (t === topology || audit ? [] : links));
  }

  /** Other topologies (Audit ones included: their status follows too) whose links touch a scope this one links to. */
  sharingScopes(topology: string): string[] {
    const mine = new Set((this.#links.get(topology)?.links ?? []).map((l) => idKey(l.scopeId)));
    const out: string[] = [];
    for (const [t, { links }] of this.#links) if (t !== topology && links.some((l) => mine.has(idKey(l.scopeId)))) out.push(t);
    return out;
  }

  /**
   * Records the endpoint a topology wants for its machines. Returns the other topologies whose conflicts with
   * this one appeared or went away, so they can be reconciled again.
   */
  claimMachines(topology: string, machineIds: Iterable<string>, endpointId: string): string[] {
    return runSync(this.claimMachinesWork(topology, machineIds, endpointId));
  }

  /**
   * `claimMachines` in slices. New claims are recorded before old ones are dropped, so a machine the topology keeps
   * claiming never looks unclaimed to a pass of another topology that runs between two slices.
   */
  *claimMachinesWork(topology: string, machineIds: Iterable<string>, endpointId: string): Work<string[]> {
    // A pass claims its machines twice (before its early writes and after observing), and every resync the same
    // ones: the same ids and endpoint leave every claim and conflict as it is, so nothing is keyed again.
    const last = this.#lastClaim.get(topology);
    if (Array.isArray(machineIds) && last !== undefined && last.endpointId === endpointId && (yield* sameIds(last.ids, machineIds))) return [];
    this.#lastClaim.delete(topology);
    const before = yield* this.#conflictingTopologies(topology);
    const old = this.#claims.get(topology) ?? new Set<string>();
    const keys = new Set<string>();
    yield* eachWork(machineIds, (id) => {
      const k = idKey(id);
      keys.add(k);
      let wanted = this.#machines.get(k);
      if (!wanted) this.#machines.set(k, (wanted = new Map<string, string>()));
      wanted.set(topology, endpointId);
    });
    this.#claims.set(topology, keys);
    yield* eachWork(old, (m) => {
      if (keys.has(m)) return;
      const wanted = this.#machines.get(m);
      wanted?.delete(topology);
      if (wanted?.size === 0) this.#machines.delete(m);
    });
    if (Array.isArray(machineIds)) this.#lastClaim.set(topology, { ids: (machineIds as readonly string[]).slice(), endpointId });
    const after = yield* this.#conflictingTopologies(topology);
    return symmetricDifference(before, after);
  }

  /** Machine id -> the other topologies' different endpoints, for the machines given. */
  competingEndpoints(topology: string, machineIds: Iterable<string>, endpointId: string): Record<string, string[]> {
    return runSync(this.competingEndpointsWork(topology, machineIds, endpointId));
  }

  *competingEndpointsWork(topology: string, machineIds: Iterable<string>, endpointId: string): Work<Record<string, string[]>> {
    const out: Record<string, string[]> = {};
    // Only another topology's claims can compete: alone, no machine is read.
    if (![...this.#claims.keys()].some((t) => t !== topology)) return out;
    yield* eachWork(machineIds, (id) => {
      const wanted = this.#machines.get(idKey(id));
      if (!wanted) return;
      const others = new Map<string, string>();
      for (const [t, e] of wanted) if (t !== topology && idKey(e) !== idKey(endpointId)) others.set(idKey(e), e);
      if (others.size > 0) out[id] = [...others.values()];
    });
    return out;
  }

  /** Records the scope a topology puts in its DNS boundary; returns topologies whose boundary conflicts changed. */
  claimBoundary(topology: string, boundary: string | undefined, scopeId: string, alsoLinkTo: string[] = []): string[] {
    const before = new Set(this.boundaryConflicts(topology).map((c) => c.topology));
    if (boundary) this.#boundaries.set(topology, { key: topology, boundary, scopeId, alsoLinkTo });
    else this.#boundaries.delete(topology);
    const after = new Set(this.boundaryConflicts(topology).map((c) => c.topology));
    return symmetricDifference(before, after);
  }

  /** Other topologies in the same DNS boundary whose scope conflicts with this one's (see findings/dns.ts). */
  boundaryConflicts(topology: string): BoundaryConflict[] {
    const mine = this.#boundaries.get(topology);
    if (!mine) return [];
    return boundaryConflicts(mine, this.#boundaries.values()).map((o) => ({ topology: o.key, scopeId: o.scopeId }));
  }

  /** Every topology that declared the same DNS boundary as this one, itself included. */
  boundaryMembers(topology: string): DnsBoundaryMember[] {
    const mine = this.#boundaries.get(topology);
    if (!mine) return [];
    return [...this.#boundaries.values()].filter((m) => m.boundary === mine.boundary);
  }

  /** Forgets a topology; returns the topologies that conflicted with it. */
  release(topology: string): string[] {
    const affected = new Set([
      ...runSync(this.#conflictingTopologies(topology)),
      ...this.boundaryConflicts(topology).map((c) => c.topology),
      ...runSync(this.#declarationConflicts(topology)),
      ...this.sharingScopes(topology),
    ]);
    for (const m of this.#claims.get(topology) ?? []) this.#machines.get(m)?.delete(topology);
    this.#claims.delete(topology);
    this.#lastClaim.delete(topology);
    this.#boundaries.delete(topology);
    this.#declarations.delete(topology);
    this.#links.delete(topology);
    this.#prune();
    return [...affected];
  }

  *#conflictingTopologies(topology: string): Work<Set<string>> {
    const out = new Set<string>();
    yield* eachWork(this.#claims.get(topology) ?? [], (m) => {
      const wanted = this.#machines.get(m);
      const mine = wanted?.get(topology);
      if (!wanted || wanted.size < 2 || mine === undefined) return;
      for (const [t, e] of wanted) if (t !== topology && idKey(e) !== idKey(mine)) out.add(t);
    });
    return out;
  }

  /** Topologies that disagree with this one on a scope's access modes or on the identity of a shared machine's agent. */
  *#declarationConflicts(topology: string): Work<Set<string>> {
    const out = new Set<string>();
    const mine = this.#declarations.get(topology);
    if (!mine) return out;
    for (const other of this.#declarations.values()) {
      if (other.topology === topology) continue;
      if (mine.accessModes && other.accessModes && idKey(mine.scopeId) === idKey(other.scopeId) && differingAccessModes(mine.accessModes, other.accessModes).length > 0) {
        out.add(other.topology);
      }
    }
    const identity = mine.identity;
    // Only another topology declaring an identity can conflict on one: with none, no machine is read.
    if (identity !== undefined && [...this.#declarations.values()].some((d) => d.topology !== topology && d.identity !== undefined)) {
      yield* eachWork(this.#claims.get(topology) ?? [], (m) => {
        for (const t of this.#machines.get(m)?.keys() ?? []) {
          const theirs = t === topology ? undefined : this.#declarations.get(t)?.identity;
          if (theirs !== undefined && idKey(theirs) !== idKey(identity)) out.add(t);
        }
      });
    }
    return out;
  }

  #prune(): void {
    for (const [m, wanted] of this.#machines) if (wanted.size === 0) this.#machines.delete(m);
  }
}

function symmetricDifference(a: Set<string>, b: Set<string>): string[] {
  return [...[...a].filter((x) => !b.has(x)), ...[...b].filter((x) => !a.has(x))];
}
