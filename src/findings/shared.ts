// Conflicting declarations: two topologies that say different things about one shared resource (a scope's
// access modes or exclusions, the identity of one machine's agent extension). Like endpoint conflicts, both
// sides report it and neither writes that resource, so it never flips back and forth between them.
import type { AccessModes, Finding } from '../api/types.ts';
import { idKey, sameId } from '../model/index.ts';
import { describe, finding } from './finding.ts';

/** What one topology declares about resources other topologies may also name. */
export interface SharedDeclaration {
  /** `namespace/name` of the topology. */
  topology: string;
  /** Its primary private link scope (access modes are managed there only). */
  scopeId: string;
  accessModes?: AccessModes;
  /** The user-assigned identity its agents must use (spec.agent.userAssignedIdentity). */
  identity?: string;
}

/** A field of a scope's access mode settings that two topologies set differently. */
export type AccessModeField = 'ingestion' | 'query' | 'exclusions';

function exclusionsKey(modes: AccessModes): string | undefined {
  if (modes.exclusions === undefined) return undefined;
  return modes.exclusions
    .map((e) => `${e.privateEndpointConnectionName.toLowerCase()}|${e.ingestion}|${e.query}`)
    .sort()
    .join(',');
}

/** The fields two access mode declarations disagree on; exclusions left unset are not managed, so never differ. */
export function differingAccessModes(a: AccessModes, b: AccessModes): AccessModeField[] {
  const out: AccessModeField[] = [];
  if (a.ingestion !== b.ingestion) out.push('ingestion');
  if (a.query !== b.query) out.push('query');
  const ea = exclusionsKey(a);
  const eb = exclusionsKey(b);
  if (ea !== undefined && eb !== undefined && ea !== eb) out.push('exclusions');
  return out;
}

function fieldPath(field: AccessModeField): string {
  return `spec.privateLinkScope.accessModes.${field}`;
}

/**
 * One finding per other topology whose access modes for the same scope differ from this one's, naming the
 * topology and the fields. Any finding means the access modes of that scope are contested: nobody writes them.
 */
export function accessModeConflicts(mine: SharedDeclaration, others: readonly SharedDeclaration[]): Finding[] {
  const modes = mine.accessModes;
  if (!modes) return [];
  const out: Finding[] = [];
  for (const other of [...others].sort((a, b) => (a.topology < b.topology ? -1 : a.topology > b.topology ? 1 : 0))) {
    if (other.topology === mine.topology || !other.accessModes || !sameId(other.scopeId, mine.scopeId)) continue;
    const fields = differingAccessModes(modes, other.accessModes);
    if (fields.length === 0) continue;
    const theirs = other.accessModes;
    const detail = fields
      .map((f) => (f === 'exclusions' ? `${fieldPath(f)} differs` : `${fieldPath(f)} is ${modes[f]} here and ${theirs[f]} there`))
      .join('; ');
    out.push(
      finding(
        'SharedSettingConflict',
        'Error',
        mine.scopeId,
        'Ingestion',
        `Topology ${other.topology} declares other access modes for ${describe(mine.scopeId)} (${detail}): ` +
          `the controller changes the access modes of that scope for neither topology until both declare the same.`,
      ),
    );
  }
  return out;
}

/**
 * Machines this topology targets whose agent another topology wants on a different identity: one finding per
 * machine naming the other topologies and `spec.agent.userAssignedIdentity`. The extension is repaired for neither.
 */
export function identityConflict(machineId: string, identity: string, others: readonly { topology: string; identity: string }[]): Finding | undefined {
  const rivals = others.filter((o) => idKey(o.identity) !== idKey(identity));
  if (rivals.length === 0) return undefined;
  const names = [...new Set(rivals.map((r) => `${r.topology} (${describe(r.identity)})`))].sort();
  return finding(
    'SharedSettingConflict',
    'Error',
    machineId,
    'Identity',
    `Topology ${names.join(', ')} declares another spec.agent.userAssignedIdentity for the agent on ${describe(machineId)} ` +
      `than this topology's ${describe(identity)}: the agent extension is repaired for neither until they agree or one excludes the machine.`,
  );
}
