import { describe, expect, it } from 'vitest';
import { parseDuration } from '../../src/controller/duration.ts';
import { TopologyRegistry } from '../../src/controller/registry.ts';

const vm = (n: string): string => `/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/${n}`;

describe('TopologyRegistry', () => {
  it('reports competing configuration endpoints to both topologies, case-insensitively', () => {
    const r = new TopologyRegistry();
    expect(r.claimMachines('ns/a', [vm('one'), vm('two')], '/dce/A')).toEqual([]);
    expect(r.claimMachines('ns/b', [vm('ONE')], '/dce/B')).toEqual(['ns/a']);
    expect(r.competingEndpoints('ns/a', [vm('one'), vm('two')], '/dce/A')).toEqual({ [vm('one')]: ['/dce/B'] });
    expect(r.competingEndpoints('ns/b', [vm('ONE')], '/dce/B')).toEqual({ [vm('ONE')]: ['/dce/A'] });
    // Same endpoint (any case) is no conflict.
    r.claimMachines('ns/c', [vm('two')], '/DCE/a');
    expect(r.competingEndpoints('ns/a', [vm('two')], '/dce/A')).toEqual({});
    // A stable second claim changes nothing, so nobody is woken again (no flapping).
    expect(r.claimMachines('ns/b', [vm('ONE')], '/dce/B')).toEqual([]);
    expect(r.release('ns/b')).toEqual(['ns/a']);
    expect(r.competingEndpoints('ns/a', [vm('one')], '/dce/A')).toEqual({});
  });

  it('a claim repeated as given changes nothing; a changed one after it is recorded in full', () => {
    const r = new TopologyRegistry();
    const ids = [vm('one'), vm('two')];
    r.claimMachines('ns/a', ids, '/dce/A');
    expect(r.claimMachines('ns/b', [vm('one')], '/dce/B')).toEqual(['ns/a']);
    // The same ids again (a copy, and the very array): nothing changes, nobody is woken.
    expect(r.claimMachines('ns/a', [...ids], '/dce/A')).toEqual([]);
    ids.push(vm('three'));
    // The array the first claim was given has grown since: that is a new claim, not a repeat.
    expect(r.claimMachines('ns/a', ids, '/dce/A')).toEqual([]);
    expect(r.competingEndpoints('ns/b', [vm('three')], '/dce/B')).toEqual({ [vm('three')]: ['/dce/A'] });
    expect(r.claimMachines('ns/c', [vm('three')], '/dce/C')).toEqual(['ns/a']);
    // Same ids, another endpoint: the conflict with b goes (b is woken), the one with c stays.
    expect(r.claimMachines('ns/a', [...ids], '/dce/B')).toEqual(['ns/b']);
    expect(r.competingEndpoints('ns/a', ids, '/dce/B')).toEqual({ [vm('three')]: ['/dce/C'] });
    // Released, then the same claim again: recorded afresh, not skipped as a repeat.
    r.release('ns/a');
    expect(r.competingEndpoints('ns/b', [vm('one')], '/dce/B')).toEqual({});
    expect(r.claimMachines('ns/a', [...ids], '/dce/B')).toEqual(['ns/c']);
    expect(r.competingEndpoints('ns/c', [vm('three')], '/dce/C')).toEqual({ [vm('three')]: ['/dce/B'] });
  });

  it('finds a machine claimed by another topology in any case, and forgets it when the claim drops it', () => {
    const r = new TopologyRegistry();
    r.claimMachines('ns/a', [vm('One/'), vm('two')], '/dce/A');
    expect(r.claimMachines('ns/b', [vm('ONE'), vm('three')], '/dce/B')).toEqual(['ns/a']);
    expect(r.claimMachines('ns/c', [vm('one')], '/DCE/B')).toEqual(['ns/a']);
    // One entry per endpoint, in any case: the last claim's spelling.
    expect(r.competingEndpoints('ns/a', [vm('one'), vm('TWO')], '/dce/A')).toEqual({ [vm('one')]: ['/DCE/B'] });
    r.declare({ topology: 'ns/a', scopeId: '/scope', identity: '/id/a' }, false);
    expect(r.declare({ topology: 'ns/c', scopeId: '/scope', identity: '/ID/A' }, false)).toEqual([]);
    // b shares machine one with a and with c, whose identities (one, in two spellings) differ from b's.
    expect(r.declare({ topology: 'ns/b', scopeId: '/scope', identity: '/id/b' }, false)).toEqual(['ns/a', 'ns/c']);
    expect(r.competingIdentities('ns/a', [vm('one'), vm('two')], '/id/a')).toEqual({ [vm('one')]: [{ topology: 'ns/b', identity: '/id/b' }] });
    // b drops the machine: its conflict with a goes (a is woken); c still wants another endpoint for it.
    expect(r.claimMachines('ns/b', [vm('three')], '/dce/B')).toEqual(['ns/a']);
    expect(r.competingEndpoints('ns/a', [vm('one')], '/dce/A')).toEqual({ [vm('one')]: ['/DCE/B'] });
    expect(r.competingIdentities('ns/a', [vm('one')], '/id/a')).toEqual({});
    expect(r.release('ns/c')).toEqual(['ns/a']);
    expect(r.competingEndpoints('ns/a', [vm('one')], '/dce/A')).toEqual({});
  });

  it('allows two scopes in one DNS boundary only when each links to the other', () => {
    const r = new TopologyRegistry();
    r.claimBoundary('ns/a', 'corp', '/scope/A');
    expect(r.claimBoundary('ns/b', 'corp', '/scope/B')).toEqual(['ns/a']);
    expect(r.boundaryConflicts('ns/a')).toEqual([{ topology: 'ns/b', scopeId: '/scope/B' }]);
    r.claimBoundary('ns/a', 'corp', '/scope/A', ['/scope/b']);
    expect(r.boundaryConflicts('ns/a')).toHaveLength(1);
    r.claimBoundary('ns/b', 'corp', '/scope/B', ['/scope/A']);
    expect(r.boundaryConflicts('ns/a')).toEqual([]);
    r.claimBoundary('ns/c', 'other', '/scope/C');
    expect(r.boundaryConflicts('ns/c')).toEqual([]);
  });
});

describe('TopologyRegistry: shared declarations and links', () => {
  const scope = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Insights/privateLinkScopes/hub';
  const PRIVATE = { ingestion: 'PrivateOnly', query: 'PrivateOnly' } as const;

  it('wakes both sides when access modes start or stop disagreeing, and hides Audit declarations from the others', () => {
    const r = new TopologyRegistry();
    expect(r.declare({ topology: 'ns/a', scopeId: scope, accessModes: PRIVATE }, false)).toEqual([]);
    expect(r.declare({ topology: 'ns/b', scopeId: scope.toUpperCase(), accessModes: { ingestion: 'Open', query: 'PrivateOnly' } }, false)).toEqual(['ns/a']);
    expect(r.sharedDeclarations('ns/a').map((d) => d.topology)).toEqual(['ns/b']);
    // Stable: declaring the same again wakes nobody (no ping-pong between the two).
    expect(r.declare({ topology: 'ns/b', scopeId: scope, accessModes: { ingestion: 'Open', query: 'PrivateOnly' } }, false)).toEqual([]);
    expect(r.declare({ topology: 'ns/b', scopeId: scope, accessModes: PRIVATE }, false)).toEqual(['ns/a']);
    // An Audit topology sees the others' declarations; nobody sees its own.
    r.declare({ topology: 'ns/audit', scopeId: scope, accessModes: { ingestion: 'Open', query: 'Open' } }, true);
    expect(r.sharedDeclarations('ns/a').map((d) => d.topology)).toEqual(['ns/b']);
    expect(r.sharedDeclarations('ns/audit').map((d) => d.topology).sort()).toEqual(['ns/a', 'ns/b']);
  });

  it('gives the identities of other topologies claiming the same machines', () => {
    const r = new TopologyRegistry();
    r.claimMachines('ns/a', [vm('one'), vm('two')], '/dce/A');
    r.claimMachines('ns/b', [vm('two')], '/dce/A');
    r.declare({ topology: 'ns/a', scopeId: scope, identity: '/id/one' }, false);
    expect(r.declare({ topology: 'ns/b', scopeId: scope, identity: '/id/two' }, false)).toEqual(['ns/a']);
    expect(r.competingIdentities('ns/a', [vm('one'), vm('two')], '/id/one')).toEqual({ [vm('two')]: [{ topology: 'ns/b', identity: '/id/two' }] });
    expect(r.competingIdentities('ns/a', [vm('two')], '/ID/TWO')).toEqual({});
    expect(r.competingIdentities('ns/a', [vm('two')], undefined)).toEqual({});
    expect(r.release('ns/b')).toEqual(['ns/a']);
    expect(r.competingIdentities('ns/a', [vm('two')], '/id/one')).toEqual({});
  });

  it('keeps the links other topologies need and names the topologies sharing a scope', () => {
    const r = new TopologyRegistry();
    const ws = '/ws/law';
    r.claimLinks('ns/a', [{ scopeId: scope, linkedResourceId: ws }]);
    r.claimLinks('ns/b', [{ scopeId: scope.toUpperCase(), linkedResourceId: ws }]);
    r.claimLinks('ns/c', [{ scopeId: '/other/scope', linkedResourceId: ws }]);
    expect(r.linksNeededByOthers('ns/a').map((l) => l.scopeId)).toEqual([scope.toUpperCase(), '/other/scope']);
    expect(r.sharingScopes('ns/a')).toEqual(['ns/b']);
    r.claimLinks('ns/b', []);
    expect(r.sharingScopes('ns/a')).toEqual([]);
    r.claimLinks('ns/b', [{ scopeId: scope, linkedResourceId: ws }]);
    // An Audit topology's links wake it when the scope changes, but never keep an Enforce topology's link.
    r.claimLinks('ns/audit', [{ scopeId: scope, linkedResourceId: '/ws/other' }], true);
    expect(r.sharingScopes('ns/a')).toEqual(['ns/b', 'ns/audit']);
    expect(r.linksNeededByOthers('ns/a').map((l) => l.linkedResourceId)).toEqual([ws, ws]);
    r.claimLinks('ns/audit', []);
    expect(r.release('ns/a')).toEqual(['ns/b']);
    expect(r.linksNeededByOthers('ns/b')).toEqual([{ scopeId: '/other/scope', linkedResourceId: ws }]);
  });
});

describe('parseDuration', () => {
  it('reads Go durations', () => {
    expect(parseDuration('10m')).toBe(600_000);
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration('1.5s')).toBe(1500);
    expect(parseDuration('0')).toBe(0);
    expect(parseDuration('10')).toBeUndefined();
    expect(parseDuration('5 m')).toBeUndefined();
    expect(parseDuration(undefined)).toBeUndefined();
  });
});
