// Delivery state per machine from workspace evidence, and the findings it joins with configuration.
import { describe, expect, it } from 'vitest';
import type { Finding } from '../../src/api/types.ts';
import { deliveryFindings } from '../../src/findings/delivery-findings.ts';
import { countStates, deliveries, evidenceAsks, type DeliveryRule } from '../../src/findings/delivery.ts';
import type { Seen, WorkspaceEvidence } from '../../src/model/evidence.ts';

const WS = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/law';
const vm = (n: string): string => `/subscriptions/s/resourceGroups/RG/providers/Microsoft.Compute/virtualMachines/${n}`;
const LINUX: DeliveryRule = {
  id: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Insights/dataCollectionRules/dcr-linux',
  kind: 'Linux',
  flows: [
    { stream: 'Microsoft-Syslog', table: 'Syslog', workspaces: [WS], producedOn: ['Linux'] },
    { stream: 'Microsoft-Perf', table: 'Perf', workspaces: [WS], producedOn: ['Linux', 'Windows'] },
  ],
};
const METRICS_ONLY: DeliveryRule = { id: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Insights/dataCollectionRules/dcr-metrics', kind: 'Windows', flows: [] };

const fresh: Seen = { last: '2026-01-01T10:00:00Z', fresh: true };
const stale: Seen = { last: '2026-01-01T08:00:00Z', fresh: false };

function evidence(heartbeats: [string, Seen][], records: [string, string, Seen][]): WorkspaceEvidence {
  return {
    workspaceId: WS.toUpperCase(),
    ok: true,
    heartbeats: new Map(heartbeats.map(([n, s]) => [vm(n).toLowerCase(), s])),
    records: new Map(records.map(([t, n, s]) => [`${t}|${vm(n).toLowerCase()}`, s])),
  };
}

describe('delivery state', () => {
  const machines = [
    { id: vm('ok'), osType: 'Linux' as const },
    { id: vm('hb-only'), osType: 'Linux' as const },
    { id: vm('silent'), osType: 'Linux' as const },
    { id: vm('stopped'), osType: 'Linux' as const },
    { id: vm('metrics'), osType: 'Windows' as const },
  ];
  const ev = evidence(
    [['ok', fresh], ['hb-only', fresh], ['stopped', stale]],
    [['Syslog', 'ok', fresh], ['Perf', 'ok', fresh], ['Perf', 'hb-only', fresh], ['Syslog', 'hb-only', stale]],
  );
  const result = deliveries(machines, [LINUX, METRICS_ONLY], [ev]);

  it('reads Delivering, HeartbeatOnly, Silent and NotExpected, comparing ids case-insensitively', () => {
    expect(result.map((d) => d.state)).toEqual(['Delivering', 'HeartbeatOnly', 'Silent', 'Silent', 'NotExpected']);
    expect(result[1]?.missing).toEqual([{ rule: LINUX.id, stream: 'Microsoft-Syslog', table: 'Syslog', workspace: WS, stage: 'Ingestion' }]);
    expect(result[3]?.lastHeartbeat).toBe(stale.last);
    expect(countStates(result)).toEqual({ Delivering: 1, HeartbeatOnly: 1, Silent: 2, NotExpected: 1, Unknown: 0 });
  });

  it('is Unknown for every machine expected in a workspace that could not be read', () => {
    const forbidden: WorkspaceEvidence = { workspaceId: WS, ok: false, failure: 'Forbidden', message: '403' };
    const unknown = deliveries(machines, [LINUX, METRICS_ONLY], [forbidden]);
    expect(unknown.map((d) => d.state)).toEqual(['Unknown', 'Unknown', 'Unknown', 'Unknown', 'NotExpected']);
    expect(deliveryFindings({ deliveries: unknown, configuration: [], osTypes: new Map() }).filter((f) => f.severity !== 'Info')).toEqual([]);
  });

  it('asks each workspace once, for the tables of every rule that sends there', () => {
    expect(evidenceAsks([LINUX, METRICS_ONLY, LINUX])).toEqual([{ workspaceId: WS, tables: ['Perf', 'Syslog'] }]);
  });
});

describe('delivery findings', () => {
  const config: Finding = { code: 'EndpointAssociationMissing', severity: 'Error', resourceId: vm('broken').toLowerCase(), stage: 'ConfigurationEndpoint', message: 'x' };
  const osTypes = new Map<string, 'Linux' | 'Windows'>();
  const list = deliveries(
    [{ id: vm('guest'), osType: 'Linux' }, { id: vm('broken'), osType: 'Linux' }, { id: vm('stopped'), osType: 'Linux' }, { id: vm('hb-only'), osType: 'Linux' }],
    [LINUX],
    [evidence([['stopped', stale], ['hb-only', fresh]], [['Perf', 'hb-only', fresh]])],
  );
  const found = deliveryFindings({ deliveries: list, configuration: [config], osTypes });

  it('a silent machine with a correct configuration is at stage Guest with the checklist', () => {
    const f = found.find((x) => x.resourceId === vm('guest'));
    expect(f).toMatchObject({ code: 'NoHeartbeat', severity: 'Error', stage: 'Guest' });
    expect(f?.message).toMatch(/service running.*IMDS.*private IPs.*port 443.*mdsd\.err|agent logs/);
  });

  it('a silent machine with a configuration finding keeps it as the cause', () => {
    expect(found.filter((x) => x.resourceId === vm('broken'))).toEqual([]);
  });

  it('a machine that stopped is a Warning with its last heartbeat', () => {
    const f = found.find((x) => x.resourceId === vm('stopped'));
    expect(f).toMatchObject({ code: 'DeliveryStopped', severity: 'Warning', stage: 'Guest' });
    expect(f?.message).toContain(stale.last);
  });

  it('heartbeat without a rule stream names the rule and the stream', () => {
    const f = found.find((x) => x.resourceId === vm('hb-only'));
    expect(f).toMatchObject({ code: 'StreamNotArriving', severity: 'Error', stage: 'Ingestion' });
    expect(f?.message).toContain('Syslog');
    expect(f?.message).toContain('dcr-linux');
  });
});
