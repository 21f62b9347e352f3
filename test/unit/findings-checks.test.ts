import { describe, expect, it } from 'vitest';
import {
  checkDnsBoundary,
  dataSourceOverlaps,
  describe as describeResource,
  endpointAssociationMissing,
  nameOf,
  readErrorFinding,
  ruleAssociationMissing,
  ruleFit,
} from '../../src/findings/index.ts';
import { planTopology } from '../../src/plan/index.ts';
import { convergedInput, ids, rule, spec, vm, withSnapshot } from './fixtures/estate.ts';

const WS = ids.workspace();
const WS2 = ids.workspace('law-security');

describe('ruleFit', () => {
  it('matches rule kinds to OS types case-insensitively', () => {
    expect(ruleFit(rule('r', { kind: 'linux' }), 'Linux')).toBe('applies');
    expect(ruleFit(rule('r', { kind: 'Linux' }), 'Windows')).toBe('mismatch');
    expect(ruleFit(rule('r', { kind: undefined }), 'Windows')).toBe('combined');
    expect(ruleFit(rule('r', { kind: 'All' }), 'Linux')).toBe('combined');
    expect(ruleFit(rule('r', { kind: 'Windows' }), undefined)).toBe('applies');
  });
});

describe('overlapping data sources', () => {
  const syslog = (name: string, facilities: string[], levels: string[]) =>
    rule(name, {
      dataSources: [{ family: 'syslog', name: `${name}-syslog`, streams: ['Microsoft-Syslog'], facilityNames: facilities, logLevels: levels }],
      streamDestinations: { 'Microsoft-Syslog': [WS] },
    });

  it('finds syslog collected at two levels', () => {
    const overlaps = dataSourceOverlaps(syslog('a', ['auth', 'cron'], ['Debug']), syslog('b', ['AUTH', 'kern'], ['Warning']));
    expect(overlaps).toEqual([expect.stringMatching(/syslog facilities auth at two levels \(Debug vs Warning/)]);
    expect(dataSourceOverlaps(syslog('a', ['*'], ['Info']), syslog('b', ['mail'], ['Info']))).toEqual([
      expect.stringContaining('syslog facilities mail (duplicate entries in law-central)'),
    ]);
    expect(dataSourceOverlaps(syslog('a', ['auth'], ['Info']), syslog('b', ['kern'], ['Info']))).toEqual([]);
  });

  it('finds the same stream sent to different workspaces', () => {
    const a = rule('a', {
      dataSources: [{ family: 'performanceCounters', name: 'perf', streams: ['Microsoft-Perf'] }],
      streamDestinations: { 'Microsoft-Perf': [WS] },
    });
    const b = rule('b', {
      dataSources: [{ family: 'performanceCounters', name: 'perf2', streams: ['microsoft-perf'] }],
      streamDestinations: { 'microsoft-perf': [WS2] },
    });
    expect(dataSourceOverlaps(a, b)).toEqual([expect.stringContaining('duplicate data in law-central, law-security')]);
    const c = rule('c', { dataSources: [{ family: 'windowsEventLogs', name: 'ev', streams: ['Microsoft-Perf'] }] });
    expect(dataSourceOverlaps(a, c)).toEqual([]);
  });

  it('is reported once per rule pair with the number of machines', () => {
    const a = syslog('dcr-linux', ['auth'], ['Debug']);
    const b = syslog('dcr-extra', ['auth'], ['Warning']);
    const input = withSnapshot(convergedInput(4), () => ({ rules: [a, b] }));
    input.spec = spec({ dataCollectionRules: [{ resourceId: a.id }, { resourceId: b.id }] });
    const overlap = planTopology(input).findings.filter((f) => f.code === 'OverlappingDataSources');
    expect(overlap).toHaveLength(1);
    expect(overlap[0]).toMatchObject({ severity: 'Warning', stage: 'Collection' });
    expect(overlap[0]?.message).toContain('apply to 4 machine(s)');
  });

  it('is not reported when the rules never meet on one machine', () => {
    const a = rule('dcr-linux', { dataSources: [{ family: 'performanceCounters', name: 'p', streams: ['Microsoft-Perf'] }] });
    const b = rule('dcr-win', { kind: 'Windows', dataSources: [{ family: 'performanceCounters', name: 'p', streams: ['Microsoft-Perf'] }] });
    const input = withSnapshot(convergedInput(2), () => ({ rules: [a, b] }));
    input.spec = spec({ dataCollectionRules: [{ resourceId: a.id }, { resourceId: b.id }] });
    expect(planTopology(input).findings.map((f) => f.code)).toEqual(['OsKindMismatch']);
    input.snapshot.machines.push(vm('win-1', { osType: 'Windows' }));
    expect(planTopology(input).findings.map((f) => f.code)).not.toContain('OverlappingDataSources');
  });
});

describe('resource wording', () => {
  it('names resources by kind and last segment', () => {
    expect(nameOf(`${ids.vm('vm-a')}/`)).toBe('vm-a');
    expect(describeResource(ids.vm('vm-a').toLowerCase())).toBe('virtual machine vm-a');
    expect(describeResource(`${ids.scope()}/scopedResources/x`)).toBe('x');
    expect(describeResource(ids.identity())).toBe('user-assigned identity uami-ama');
  });
});

describe('a machine\'s findings', () => {
  it('open with the machine, whatever text follows is shared by other machines', () => {
    // The message joins the machine's description and a shared text (machineFinding): it must read as one sentence.
    const endpoint = endpointAssociationMissing(ids.vm('vm-a'), ids.endpoint(), 'willCreate');
    expect(endpoint.message).toBe(
      `Virtual machine vm-a has no configurationAccessEndpoint association, so its agent cannot fetch configuration through the private link: Enforce mode creates it with data collection endpoint ${nameOf(ids.endpoint())}.`,
    );
    expect(endpointAssociationMissing(ids.vm('vm-b'), ids.endpoint(), 'willCreate').message).toBe(endpoint.message.replace('vm-a', 'vm-b'));
    const rules = ruleAssociationMissing(ids.vm('vm-a'), [ids.rule('dcr-linux')], false);
    expect(rules).toMatchObject({ code: 'RuleAssociationMissing', resourceId: ids.vm('vm-a'), stage: 'Rules', severity: 'Error' });
    expect(rules.message).toMatch(/^Virtual machine vm-a has no association with rule\(s\) dcr-linux, and the controller cannot create them until the rule can be read/);
    expect(JSON.parse(JSON.stringify(rules))).toEqual(rules);
  });
});

describe('read errors', () => {
  it('says what failed and what to do', () => {
    const forbidden = readErrorFinding({ resourceId: ids.scope(), code: 'Forbidden', message: 'AuthorizationFailed' });
    expect(forbidden).toMatchObject({ code: 'AuthorizationFailed', severity: 'Error', stage: 'Ingestion' });
    expect(forbidden.message).toContain('private link scope ampls-hub');
    expect(forbidden.message).toContain('grant');
    expect(readErrorFinding({ resourceId: ids.identity(), code: 'NotFound', message: 'x' }).stage).toBe('Identity');
    expect(readErrorFinding({ resourceId: ids.vm('v'), code: 'Failed', message: 'x' })).toMatchObject({ code: 'ArmRequestFailed', stage: 'Extension' });
  });
});

describe('checkDnsBoundary', () => {
  const A = ids.scope('ampls-old');
  const B = ids.scope('ampls-new');

  it('reports two scopes in one boundary to both topologies', () => {
    const out = checkDnsBoundary([
      { key: 'ns/a', boundary: 'hub', scopeId: A },
      { key: 'ns/b', boundary: 'hub', scopeId: B },
      { key: 'ns/c', boundary: 'other', scopeId: B },
      { key: 'ns/d', scopeId: A },
    ]);
    expect([...out.keys()].sort()).toEqual(['ns/a', 'ns/b']);
    expect(out.get('ns/a')?.[0]).toMatchObject({ code: 'DnsBoundaryConflict', severity: 'Error', resourceId: A });
    expect(out.get('ns/a')?.[0]?.message).toContain('ns/b');
  });

  it('accepts one scope per boundary, case-insensitively, and the migration pattern', () => {
    expect(checkDnsBoundary([
      { key: 'ns/a', boundary: 'hub', scopeId: A },
      { key: 'ns/b', boundary: 'hub', scopeId: A.toUpperCase() },
    ]).size).toBe(0);
    expect(checkDnsBoundary([
      { key: 'ns/a', boundary: 'hub', scopeId: A, alsoLinkTo: [B] },
      { key: 'ns/b', boundary: 'hub', scopeId: B, alsoLinkTo: [A.toUpperCase()] },
    ]).size).toBe(0);
    // Only one side links to the other: resources of the other side are still unreachable.
    expect(checkDnsBoundary([
      { key: 'ns/a', boundary: 'hub', scopeId: A, alsoLinkTo: [B] },
      { key: 'ns/b', boundary: 'hub', scopeId: B },
    ]).size).toBe(2);
  });
});
