// What every topology wants, across topologies, in memory: which configuration endpoint each machine should
// use, and which private link scope each DNS boundary should hold. Conflicts are reported to all sides.
import { boundaryConflicts, differingAccessModes } from '../findings/index.ts';
import type { DnsBoundaryMember, SharedDeclaration } from '../findings/index.ts';
import { eachWork, runSync } from '../findings/index.ts';
import type { Work } from '../findings/index.ts';
import { idKey } from '../model/index.ts';
import { KeySet } from './keys.ts';

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

/** The machines a topology claims (ids as given, found case-insensitively) for the one endpoint it wants. */
interface Claim {
  machines: KeySet;
  endpointId: string;
}

export class TopologyRegistry {
  // topology key -> its machines and endpoint: one set per topology, not a map per machine (100,000 of them).
  readonly #claims = new Map<string, Claim>();
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
    // Only claiming topologies that declare another identity can compete on one: with none, no machine is read.
    const rivals = this.#identityRivals(topology, identity);
    if (rivals.length === 0) return out;
    yield* eachWork(machineIds, (id) => {
      const others: { topology: string; identity: string }[] = [];
      for (const { topology: t, identity: theirs, machines } of rivals) if (machines.has(id)) others.push({ topology: t, identity: theirs });
      if (others.length > 0) out[id] = others;
    });
    return out;
  }

  /** The other claiming topologies whose declared agent identity differs from `identity`. */
  #identityRivals(topology: string, identity: string): { topology: string; identity: string; machines: KeySet }[] {
    const out: { topology: string; identity: string; machines: KeySet }[] = [];
    for (const [t, claim] of this.#claims) {
      const theirs = t === topology ? undefined : this.#declarations.get(t)?.identity;
      if (theirs !== undefined && idKey(theirs) !== idKey(identity)) out.push({ topology: t, identity: theirs, machines: claim.machines });
    }
    return out;
  }

  /** The other topologies' claims whose endpoint differs from `endpointId`. */
  #endpointRivals(topology: string, endpointId: string): [string, Claim][] {
    return [...this.#claims].filter(([t, c]) => t !== topology && idKey(c.endpointId) !== idKey(endpointId));
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
   * `claimMachines` in slices. The new claim replaces the old one once built, so a machine the topology keeps
   * claiming never looks unclaimed to a pass of another topology that runs between two slices.
   */
  *claimMachinesWork(topology: string, machineIds: Iterable<string>, endpointId: string): Work<string[]> {
    // A pass claims its machines twice (before its early writes and after observing), and every resync the same
    // ones: the same ids and endpoint leave every claim and conflict as it is, so nothing is keyed again.
    const last = this.#lastClaim.get(topology);
    if (Array.isArray(machineIds) && last !== undefined && last.endpointId === endpointId && (yield* sameIds(last.ids, machineIds))) return [];
    this.#lastClaim.delete(topology);
    const before = yield* this.#conflictingTopologies(topology);
    const machines = new KeySet();
    yield* eachWork(machineIds, (id) => void machines.add(id));
    this.#claims.set(topology, { machines, endpointId });
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
    // Only another topology's claim for another endpoint can compete: without one, no machine is read.
    const rivals = this.#endpointRivals(topology, endpointId);
    if (rivals.length === 0) return out;
    yield* eachWork(machineIds, (id) => {
      const others = new Map<string, string>();
      for (const [, c] of rivals) if (c.machines.has(id)) others.set(idKey(c.endpointId), c.endpointId);
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
    this.#claims.delete(topology);
    this.#lastClaim.delete(topology);
    this.#boundaries.delete(topology);
    this.#declarations.delete(topology);
    this.#links.delete(topology);
    return [...affected];
  }

  *#conflictingTopologies(topology: string): Work<Set<string>> {
    const out = new Set<string>();
    const mine = this.#claims.get(topology);
    if (!mine) return out;
    const rivals = this.#endpointRivals(topology, mine.endpointId);
    if (rivals.length === 0) return out;
    yield* eachWork(mine.machines.ids(), (m) => {
      for (const [t, c] of rivals) if (!out.has(t) && c.machines.has(m)) out.add(t);
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
    const claim = this.#claims.get(topology);
    // Only another claiming topology declaring another identity can conflict on one: with none, no machine is read.
    const rivals = identity === undefined || !claim ? [] : this.#identityRivals(topology, identity);
    if (rivals.length > 0 && claim) {
      yield* eachWork(claim.machines.ids(), (m) => {
        for (const r of rivals) if (!out.has(r.topology) && r.machines.has(m)) out.add(r.topology);
      });
    }
    return out;
  }
}

function symmetricDifference(a: Set<string>, b: Set<string>): string[] {
  return [...[...a].filter((x) => !b.has(x)), ...[...b].filter((x) => !a.has(x))];
}
