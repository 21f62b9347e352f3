// One private link scope per DNS boundary: the last scope to write the shared zones wins the global endpoints.
import type { Finding } from '../api/types.ts';
import { idKey } from '../model/index.ts';
import { describe, finding } from './finding.ts';

export interface DnsBoundaryMember {
  /** The topology, `namespace/name`. */
  key: string;
  boundary?: string;
  scopeId: string;
  alsoLinkTo?: readonly string[];
}

function linksTo(m: DnsBoundaryMember, scopeId: string): boolean {
  const k = idKey(scopeId);
  return idKey(m.scopeId) === k || (m.alsoLinkTo ?? []).some((s) => idKey(s) === k);
}

/**
 * The members of `m`'s boundary it conflicts with: a different scope is safe only when each also links to the
 * other's scope (the migration pattern).
 */
export function boundaryConflicts(m: DnsBoundaryMember, members: Iterable<DnsBoundaryMember>): DnsBoundaryMember[] {
  if (!m.boundary) return [];
  const out: DnsBoundaryMember[] = [];
  for (const o of members) {
    if (o === m || o.boundary !== m.boundary || idKey(o.scopeId) === idKey(m.scopeId)) continue;
    if (!(linksTo(m, o.scopeId) && linksTo(o, m.scopeId))) out.push(o);
  }
  return out;
}

/**
 * DnsBoundaryConflict findings per topology key: two topologies in one boundary naming different scopes
 * are safe only when each also links to the other's scope (the migration pattern).
 */
export function checkDnsBoundary(topologies: readonly DnsBoundaryMember[]): Map<string, Finding[]> {
  const byBoundary = new Map<string, DnsBoundaryMember[]>();
  for (const t of topologies) {
    if (!t.boundary) continue;
    const list = byBoundary.get(t.boundary) ?? [];
    list.push(t);
    byBoundary.set(t.boundary, list);
  }
  const out = new Map<string, Finding[]>();
  for (const [boundary, members] of byBoundary) {
    for (const m of members) {
      const unsafe = boundaryConflicts(m, members);
      if (unsafe.length === 0) continue;
      const others = [...new Set(unsafe.map((o) => `${o.key} (${describe(o.scopeId)})`))].sort();
      out.set(m.key, [
        finding(
          'DnsBoundaryConflict',
          'Error',
          m.scopeId,
          'ConfigurationEndpoint',
          `DNS boundary ${boundary} has more than one private link scope: this topology uses ${describe(m.scopeId)}, ` +
            `${others.join(', ')} another one; the shared global endpoints resolve to whichever scope wrote DNS last. ` +
            `Use one scope per boundary, or during a migration list each scope in the other's privateLinkScope.alsoLinkTo.`,
        ),
      ]);
    }
  }
  return out;
}
