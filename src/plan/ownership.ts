// Ownership marks: what the controller writes into what it creates, so it prunes only its own work.
import { createHash } from 'node:crypto';
import { GROUP, KIND } from '../api/types.ts';
import { idKey, parseArmId, sameName } from '../model/index.ts';
import type { Owner } from '../model/index.ts';

const MARKER_KEY = `${GROUP}/owner`;
// Namespace and name are DNS labels/subdomains (no `/` or spaces); the uid is a UUID.
const MARKER = /monitoring\.ampls\.dev\/owner=([a-z0-9.-]+)\/([a-z0-9.-]+)\/([A-Za-z0-9-]+)/;

/** Longest association name the controller generates (ARM accepts longer; short names read better). */
export const MAX_ASSOCIATION_NAME = 64;
/** Longest scoped-resource name the controller generates. */
export const MAX_SCOPED_RESOURCE_NAME = 64;

/** A description that says who manages the resource, for humans and for `parseOwnerMarker`. */
export function ownerMarker(owner: Owner): string {
  const ref = `${owner.namespace}/${owner.name}`;
  return `Managed by ${KIND} ${ref} (uid ${owner.uid}) — do not edit; ${MARKER_KEY}=${ref}/${owner.uid}`;
}

export function parseOwnerMarker(description?: string): Owner | undefined {
  if (!description) return undefined;
  const m = MARKER.exec(description);
  if (!m?.[1] || !m[2] || !m[3]) return undefined;
  return { namespace: m[1], name: m[2], uid: m[3] };
}

/** True only for this exact topology: a re-created topology of the same name (new uid) owns nothing. */
export function isOwnedBy(description: string | undefined, owner: Owner): boolean {
  const found = parseOwnerMarker(description);
  return (
    found !== undefined &&
    found.namespace === owner.namespace &&
    found.name === owner.name &&
    found.uid.toLowerCase() === owner.uid.toLowerCase()
  );
}

function shortHash(id: string): string {
  return createHash('sha256').update(idKey(id)).digest('hex').slice(0, 8);
}

function slug(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9_.-]+/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '');
}

// The hash keeps names unique when two resources share a name in different resource groups.
function hashedName(prefix: string, id: string, max: number): string {
  const hash = shortHash(id);
  const name = slug(parseArmId(id)?.name ?? 'resource') || 'resource';
  const room = max - prefix.length - hash.length - 1;
  const head = name.slice(0, room).replace(/[-.]+$/, '');
  return `${prefix}${head}-${hash}`;
}

/** The name of the association the controller creates for a rule: the same on every machine. */
export function ruleAssociationName(ruleId: string): string {
  return hashedName('mtopo-', ruleId, MAX_ASSOCIATION_NAME);
}

/**
 * The name of the scoped resource a topology creates to link a workspace or DCE to a scope. It is specific to the
 * topology (its uid is in the hash), so ownership is read from Azure itself: a link is this topology's only when
 * its name is this name and it links this resource. Status is a cache of it, never the proof.
 */
export function scopedResourceName(linkedResourceId: string, owner: Owner): string {
  const hash = createHash('sha256').update(`${owner.namespace}/${owner.name}/${owner.uid.toLowerCase()}|${idKey(linkedResourceId)}`).digest('hex').slice(0, 10);
  const name = slug(parseArmId(linkedResourceId)?.name ?? 'resource') || 'resource';
  const prefix = 'mtopo-';
  const head = name.slice(0, MAX_SCOPED_RESOURCE_NAME - prefix.length - hash.length - 1).replace(/[-.]+$/, '');
  return `${prefix}${head}-${hash}`;
}

/** True when the scoped resource is provably this topology's: its name is the one only this topology generates. */
export function isOwnedLink(link: { name: string; linkedResourceId: string }, owner: Owner): boolean {
  return sameName(link.name, scopedResourceName(link.linkedResourceId, owner));
}
