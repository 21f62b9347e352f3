import { describe, expect, it } from 'vitest';
import {
  MAX_ASSOCIATION_NAME,
  isOwnedBy,
  isOwnedLink,
  ownerMarker,
  parseOwnerMarker,
  ruleAssociationName,
  scopedResourceName,
} from '../../src/plan/ownership.ts';
import { ids, otherOwner, owner } from './fixtures/estate.ts';

describe('ownership marker', () => {
  it('reads well and parses back to the owner', () => {
    const marker = ownerMarker(owner);
    expect(marker).toBe(
      'Managed by MonitoringTopology monitoring/prod (uid 6f1c2a9e-1111-4a2b-9c3d-123456789abc) — do not edit; ' +
        'monitoring.ampls.dev/owner=monitoring/prod/6f1c2a9e-1111-4a2b-9c3d-123456789abc',
    );
    expect(parseOwnerMarker(marker)).toEqual(owner);
  });

  it('survives surrounding text and tells owners apart', () => {
    const text = `created by hand; ${ownerMarker(owner)}; edited later`;
    expect(isOwnedBy(text, owner)).toBe(true);
    expect(isOwnedBy(text, otherOwner)).toBe(false);
    // A re-created topology with the same name has a new uid and owns nothing.
    expect(isOwnedBy(text, { ...owner, uid: 'ffffffff-0000-0000-0000-000000000000' })).toBe(false);
    expect(isOwnedBy(ownerMarker({ ...owner, uid: owner.uid.toUpperCase() }), owner)).toBe(true);
  });

  it('finds no owner in foreign or empty descriptions', () => {
    expect(parseOwnerMarker(undefined)).toBeUndefined();
    expect(parseOwnerMarker('')).toBeUndefined();
    expect(parseOwnerMarker('Created by Azure Policy')).toBeUndefined();
    expect(isOwnedBy(undefined, owner)).toBe(false);
  });
});

describe('generated names', () => {
  it('names rule associations per rule, deterministically and case-insensitively', () => {
    const name = ruleAssociationName(ids.rule('DCR-Linux'));
    expect(name).toMatch(/^mtopo-dcr-linux-[0-9a-f]{8}$/);
    expect(ruleAssociationName(ids.rule('DCR-Linux').toLowerCase())).toBe(name);
    expect(ruleAssociationName(ids.rule('DCR-Linux').replace('rg-mon', 'rg-other'))).not.toBe(name);
  });

  it('stays within the length limit and a safe alphabet', () => {
    const long = ids.rule('x'.repeat(200) + ' weird/..chars');
    const name = ruleAssociationName(long);
    expect(name.length).toBeLessThanOrEqual(MAX_ASSOCIATION_NAME);
    expect(name).toMatch(/^[a-z0-9_.-]+$/);
    expect(name).not.toMatch(/--[0-9a-f]{8}$|\.-[0-9a-f]{8}$/);
  });

  it('names scoped resources after the linked resource plus a hash of it and of the topology', () => {
    const name = scopedResourceName(ids.endpoint('DCE-Config'), owner);
    expect(name).toMatch(/^mtopo-dce-config-[0-9a-f]{10}$/);
    // Topology-specific: another topology (or this one re-created, with a new uid) gets another name.
    expect(scopedResourceName(ids.endpoint('DCE-Config'), otherOwner)).not.toBe(name);
    expect(scopedResourceName(ids.endpoint('DCE-Config'), { ...owner, uid: otherOwner.uid })).not.toBe(name);
    expect(isOwnedLink({ name: name.toUpperCase(), linkedResourceId: ids.endpoint('dce-config') }, owner)).toBe(true);
    expect(isOwnedLink({ name, linkedResourceId: ids.endpoint('dce-other') }, owner)).toBe(false);
    expect(scopedResourceName(ids.endpoint('DCE-Config').toUpperCase(), owner)).toBe(name);
    expect(scopedResourceName(ids.endpoint('a'.repeat(300)), owner).length).toBeLessThanOrEqual(64);
  });
});
