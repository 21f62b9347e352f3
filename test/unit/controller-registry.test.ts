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
