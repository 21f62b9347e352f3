// Discovery's Resource Graph fingerprint: what a pass computes from its rows equals what the summarizing queries
// answer over the same rows (run by the KQL engine), and which changes the comparison notices.
import { describe, expect, it } from 'vitest';
import type { Targets } from '../../src/api/types.ts';
import { associationsQuery, machinesQuery } from '../../src/azure/graph-convert.ts';
import type { GraphRow } from '../../src/azure/graph-convert.ts';
import { associationsFingerprintQuery, FingerprintOfRows, fingerprintChanges, fingerprintOfAnswers, targetsFingerprintQuery } from '../../src/azure/graph-fingerprint.ts';
import { GRAPH_COLUMNS, graphCatalog } from '../../src/emulator/providers/Microsoft.ResourceGraph/tables.ts';
import { formatDatetime, runQuery } from '../../src/kql/index.ts';
import type { KqlValue, Table } from '../../src/kql/index.ts';
import type { GraphFingerprint } from '../../src/model/index.ts';

const SUB = '11111111-1111-1111-1111-111111111111';
const RG = `/subscriptions/${SUB}/resourceGroups/rg-a`;
const OTHER = `/subscriptions/${SUB}/resourceGroups/rg-b`;
const vm = (rg: string, n: string): string => `${rg}/providers/Microsoft.Compute/virtualMachines/${n}`;
const DCR = `${RG}/providers/Microsoft.Insights/dataCollectionRules/dcr`;
const OTHER_DCR = `${RG}/providers/Microsoft.Insights/dataCollectionRules/not-ours`;
const DCE = `${RG}/providers/Microsoft.Insights/dataCollectionEndpoints/dce`;
const SOURCES = [DCR, DCE];
const TARGETS: Targets = { resourceGroups: [RG] };

interface Resource {
  id: string;
  type: string;
  properties: Record<string, KqlValue>;
}
const machine = (id: string, timeCreated?: string): Resource => ({ id, type: 'microsoft.compute/virtualmachines', properties: timeCreated ? { timeCreated } : {} });
const arc = (id: string): Resource => ({ id, type: 'microsoft.hybridcompute/machines', properties: {} });
const association = (machineId: string, name: string, to: { rule?: string; endpoint?: string }): Resource => ({
  id: `${machineId}/providers/Microsoft.Insights/dataCollectionRuleAssociations/${name}`,
  type: 'microsoft.insights/datacollectionruleassociations',
  // Casing as a person may have typed it: the comparison is case-insensitive on both sides.
  properties: { ...(to.rule ? { dataCollectionRuleId: to.rule.toUpperCase() } : {}), ...(to.endpoint ? { dataCollectionEndpointId: to.endpoint } : {}) },
});

function row(r: Resource): KqlValue[] {
  const rg = /resourceGroups\/([^/]+)/i.exec(r.id)?.[1] ?? '';
  return GRAPH_COLUMNS.map((c) =>
    c.name === 'id' ? r.id : c.name === 'name' ? (r.id.split('/').pop() ?? '') : c.name === 'type' ? r.type : c.name === 'resourceGroup' ? rg.toLowerCase() : c.name === 'subscriptionId' ? SUB : c.name === 'properties' ? r.properties : c.name === 'tags' ? {} : c.type === 'dynamic' ? null : '',
  );
}

/** Rows as the service answers them (objectArray, datetimes as text). */
function objects(t: Table): GraphRow[] {
  return t.rows.map((r) => Object.fromEntries(t.columns.map((c, i) => [c.name, c.type === 'datetime' && typeof r[i] === 'number' ? formatDatetime(r[i]) : r[i]])));
}

/** The pass's fingerprint (from the rows of its own queries) and the summarizing queries' answer, over one estate. */
function both(resources: Resource[]): { pass: GraphFingerprint; answer: GraphFingerprint } {
  const tables = { resources: resources.filter((r) => !r.type.includes('insights')).map(row), insightsresources: resources.filter((r) => r.type.includes('insights')).map(row) };
  const catalog = graphCatalog(tables, Date.parse('2026-01-01T00:00:00Z'));
  const rows = new FingerprintOfRows(SOURCES);
  for (const r of objects(runQuery(machinesQuery(TARGETS), catalog))) rows.machine(r);
  for (const r of objects(runQuery(associationsQuery(), catalog))) rows.associationsOf(r);
  const answer = fingerprintOfAnswers(objects(runQuery(targetsFingerprintQuery(TARGETS), catalog)), objects(runQuery(associationsFingerprintQuery(SOURCES), catalog)));
  return { pass: rows.result(), answer };
}

const estate = (): Resource[] => [
  machine(vm(RG, 'a'), '2025-01-01T10:00:00.1234567+00:00'),
  machine(vm(RG, 'b'), '2025-03-01T10:00:00.0000000+00:00'),
  machine(vm(RG, 'c'), '2025-02-01T10:00:00.0000000+00:00'),
  arc(`${RG}/providers/Microsoft.HybridCompute/machines/srv`),
  machine(vm(OTHER, 'elsewhere'), '2025-06-01T10:00:00.0000000+00:00'),
  association(vm(RG, 'a'), 'syslog', { rule: DCR }),
  association(vm(RG, 'a'), 'configurationAccessEndpoint', { endpoint: DCE }),
  association(vm(RG, 'b'), 'syslog', { rule: DCR }),
  association(vm(RG, 'b'), 'theirs', { rule: OTHER_DCR }),
];

describe('Resource Graph fingerprint', () => {
  it('a pass computes from its rows exactly what the summarizing queries answer', () => {
    const { pass, answer } = both(estate());
    expect(pass).toEqual({ machines: 4, newestMs: Date.parse('2025-03-01T10:00:00Z'), associations: 3 });
    expect(answer).toEqual(pass);
  });

  it('notices a machine deleted and another created between two looks (the count alone would not move)', () => {
    const before = both(estate()).answer;
    const replaced = estate().filter((r) => r.id !== vm(RG, 'c'));
    replaced.push(machine(vm(RG, 'd'), '2025-04-01T10:00:00.0000000+00:00'));
    const after = both(replaced).answer;
    expect(after.machines).toBe(before.machines);
    expect(fingerprintChanges(before, after)).toEqual({ targets: true, associations: false });
    // The newest one replaced: the new one is newer still.
    const newest = estate().filter((r) => r.id !== vm(RG, 'b'));
    newest.push(machine(vm(RG, 'e'), '2025-05-01T10:00:00.0000000+00:00'));
    expect(fingerprintChanges(before, both(newest).answer).targets).toBe(true);
  });

  it('notices a machine added or removed, and nothing when nothing changed (outside the targets included)', () => {
    const before = both(estate()).answer;
    expect(fingerprintChanges(before, both(estate()).answer)).toEqual({ targets: false, associations: false });
    expect(fingerprintChanges(before, both(estate().filter((r) => r.type !== 'microsoft.hybridcompute/machines')).answer).targets).toBe(true);
    expect(fingerprintChanges(before, both([...estate(), machine(vm(OTHER, 'x'), '2025-07-01T00:00:00Z')]).answer).targets).toBe(false);
  });

  it("counts associations through the spec's rules and endpoint only; one deleted is noticed", () => {
    const before = both(estate()).answer;
    const deleted = estate().filter((r) => !r.id.endsWith('/b/providers/Microsoft.Insights/dataCollectionRuleAssociations/syslog'));
    expect(fingerprintChanges(before, both(deleted).answer)).toEqual({ targets: false, associations: true });
    const theirsGone = estate().filter((r) => !r.id.endsWith('/theirs'));
    expect(fingerprintChanges(before, both(theirsGone).answer).associations).toBe(false);
  });

  it("accepts the pass's own writes as not yet visible or visible, and nothing else", () => {
    // The pass saw 10 through the sources, 8 of them on its targets, and left 9 there (it created one).
    const pass: GraphFingerprint = { machines: 5, newestMs: 1, associations: 10, onTargets: 8 };
    const look = (associations: number): boolean => fingerprintChanges(pass, { machines: 5, newestMs: 1, associations }, 9).associations;
    expect(look(10)).toBe(false); // Resource Graph does not show the write yet
    expect(look(11)).toBe(false); // it does
    expect(look(9)).toBe(true); // one gone behind our back
    expect(look(12)).toBe(true);
    // Without what the pass left (it failed before acting), only the count it saw is accepted.
    expect(fingerprintChanges(pass, { machines: 5, newestMs: 1, associations: 11 }).associations).toBe(true);
  });
});
