// The KQL engine on query shapes from the Kusto and Azure Monitor documentation, over small hand-built tables.
import { describe, expect, it } from 'vitest';
import { catalogOf, KqlError, runQuery, type Table } from '../../src/kql/index.ts';

const NOW = Date.parse('2026-01-10T12:00:00Z');
const min = 60_000;

const Heartbeat: Table = {
  columns: [
    { name: 'TimeGenerated', type: 'datetime' },
    { name: 'Computer', type: 'string' },
    { name: '_ResourceId', type: 'string' },
    { name: 'Category', type: 'string' },
    { name: 'OSType', type: 'string' },
  ],
  rows: [
    [NOW - 2 * min, 'vm-a', '/subscriptions/s/resourcegroups/rg/providers/microsoft.compute/virtualmachines/vm-a', 'Azure Monitor Agent', 'Linux'],
    [NOW - 1 * min, 'vm-a', '/subscriptions/s/resourcegroups/rg/providers/microsoft.compute/virtualmachines/vm-a', 'Azure Monitor Agent', 'Linux'],
    [NOW - 90 * min, 'vm-b', '/subscriptions/s/resourceGroups/RG/providers/Microsoft.Compute/virtualMachines/VM-B', 'Azure Monitor Agent', 'Windows'],
    [NOW - 30 * min, 'vm-c', '/subscriptions/s/resourcegroups/rg/providers/microsoft.compute/virtualmachines/vm-c', 'Direct Agent', 'Windows'],
  ],
};

const StormEvents: Table = {
  columns: [
    { name: 'StartTime', type: 'datetime' },
    { name: 'EndTime', type: 'datetime' },
    { name: 'State', type: 'string' },
    { name: 'EventType', type: 'string' },
    { name: 'DamageProperty', type: 'long' },
    { name: 'Source', type: 'string' },
  ],
  rows: [
    [Date.parse('2007-11-05T10:00:00Z'), Date.parse('2007-11-05T12:30:00Z'), 'FLORIDA', 'Heavy Rain', 0, 'Trained Spotter'],
    [Date.parse('2007-11-20T08:00:00Z'), Date.parse('2007-11-20T08:05:00Z'), 'FLORIDA', 'Tornado', 5000, 'Emergency Manager'],
    [Date.parse('2007-12-15T00:00:00Z'), Date.parse('2007-12-15T01:00:00Z'), 'FLORIDA', 'Flood', 200, 'Public'],
    [Date.parse('2007-11-10T00:00:00Z'), Date.parse('2007-11-10T04:00:00Z'), 'GEORGIA', 'Flood', 1000, 'Public'],
    [Date.parse('2007-11-11T00:00:00Z'), Date.parse('2007-11-11T00:10:00Z'), 'TEXAS', 'Tornado', 7000, 'Trained Spotter'],
    [Date.parse('2007-11-12T00:00:00Z'), Date.parse('2007-11-12T00:10:00Z'), 'TEXAS', 'Hail', 0, 'Trained Spotter'],
  ],
};

const Syslog: Table = {
  columns: [{ name: 'TimeGenerated', type: 'datetime' }, { name: '_ResourceId', type: 'string' }, { name: 'SyslogMessage', type: 'string' }],
  rows: [[NOW - 3 * min, '/subscriptions/s/resourcegroups/rg/providers/microsoft.compute/virtualmachines/vm-a', 'sshd[12]: Accepted publickey for azureuser']],
};
const Event: Table = {
  columns: [{ name: 'TimeGenerated', type: 'datetime' }, { name: '_ResourceId', type: 'string' }, { name: 'EventID', type: 'int' }],
  rows: [[NOW - 5 * min, '/subscriptions/s/resourcegroups/rg/providers/microsoft.compute/virtualmachines/vm-b', 4624]],
};

const catalog = catalogOf({ Heartbeat, StormEvents, Syslog, Event }, NOW);
const run = (q: string): Table => runQuery(q, catalog);
const objects = (t: Table): Record<string, unknown>[] => t.rows.map((r) => Object.fromEntries(t.columns.map((c, i) => [c.name, r[i]])));

function syntaxError(q: string): KqlError {
  try {
    run(q);
  } catch (e) {
    if (e instanceof KqlError) return e;
    throw e;
  }
  throw new Error(`no error for ${q}`);
}

describe('documented Heartbeat queries (azure-monitor-ref/queries/heartbeat.md)', () => {
  it('counts heartbeats in the last hour per computer', () => {
    const t = run('Heartbeat\n| where TimeGenerated > ago(1h)\n| summarize count() by Computer');
    expect(t.columns).toEqual([{ name: 'Computer', type: 'string' }, { name: 'count_', type: 'long' }]);
    expect(objects(t)).toEqual([{ Computer: 'vm-a', count_: 2 }, { Computer: 'vm-c', count_: 1 }]);
  });

  it('last heartbeat of each computer: arg_max(TimeGenerated, *) by Computer', () => {
    const t = run('// Last heartbeat of each computer\nHeartbeat\n| summarize arg_max(TimeGenerated, *) by Computer');
    expect(t.columns.map((c) => c.name)).toEqual(['Computer', 'TimeGenerated', '_ResourceId', 'Category', 'OSType']);
    expect(objects(t).find((r) => r.Computer === 'vm-a')?.TimeGenerated).toBe(NOW - min);
  });

  it('computers not heard from in the last hour', () => {
    const t = run('Heartbeat | summarize LastCall = max(TimeGenerated) by Computer | where LastCall < ago(1h)');
    expect(objects(t)).toEqual([{ Computer: 'vm-b', LastCall: NOW - 90 * min }]);
  });

  it('latest heartbeat per resource, keyed case-insensitively by tolower(_ResourceId)', () => {
    const t = run(
      "Heartbeat | where Category == 'Azure Monitor Agent' | summarize LastHeartbeat = max(TimeGenerated) by ResourceId = tolower(_ResourceId)",
    );
    expect(objects(t).map((r) => r.ResourceId)).toEqual([
      '/subscriptions/s/resourcegroups/rg/providers/microsoft.compute/virtualmachines/vm-a',
      '/subscriptions/s/resourcegroups/rg/providers/microsoft.compute/virtualmachines/vm-b',
    ]);
  });
});

describe('documented operator examples (learn.microsoft.com/kusto/query)', () => {
  it('where with between over datetimes and count (where-operator.md)', () => {
    const t = run('StormEvents\n| where StartTime between (datetime(2007-11-01) .. datetime(2007-12-01))\n| where State == "FLORIDA"\n| count');
    expect(t.columns).toEqual([{ name: 'Count', type: 'long' }]);
    expect(t.rows).toEqual([[2]]);
  });

  it('project with a computed duration (project-operator.md)', () => {
    const t = run('StormEvents | where EventType == "Tornado" | project StartTime, EndTime, Duration = EndTime - StartTime');
    expect(t.columns.map((c) => `${c.name}:${c.type}`)).toEqual(['StartTime:datetime', 'EndTime:datetime', 'Duration:timespan']);
    expect(t.rows.map((r) => r[2])).toEqual([5 * min, 10 * min]);
  });

  it('summarize count() and dcount() by State, then top (summarize-operator.md, top-operator.md)', () => {
    const t = run('StormEvents | summarize EventCount = count(), Types = dcount(EventType) by State | top 2 by EventCount desc');
    expect(objects(t)).toEqual([{ State: 'FLORIDA', EventCount: 3, Types: 3 }, { State: 'TEXAS', EventCount: 2, Types: 2 }]);
  });

  it('countif, min and max (countif-aggregation-function.md)', () => {
    const t = run('StormEvents | summarize TornadoCount = countif(EventType == "Tornado"), First = min(StartTime), MaxDamage = max(DamageProperty)');
    expect(objects(t)).toEqual([{ TornadoCount: 2, First: Date.parse('2007-11-05T10:00:00Z'), MaxDamage: 7000 }]);
  });

  it('in~, !in, =~, !~, has, contains, startswith (datatypes-string-operators.md)', () => {
    const states = (q: string): unknown[] => run(`StormEvents | where ${q} | distinct State | order by State asc`).rows.map((r) => r[0]);
    expect(states('State in~ ("florida", "georgia")')).toEqual(['FLORIDA', 'GEORGIA']);
    expect(states('State in ("florida", "GEORGIA")')).toEqual(['GEORGIA']);
    expect(states('State !in ("FLORIDA", "TEXAS")')).toEqual(['GEORGIA']);
    expect(states('State =~ "texas"')).toEqual(['TEXAS']);
    expect(states('State !~ "texas" and State !~ "florida"')).toEqual(['GEORGIA']);
    expect(states('Source has "spotter"')).toEqual(['FLORIDA', 'TEXAS']);
    expect(states('Source has "spot"')).toEqual([]);
    expect(states('Source contains "spot"')).toEqual(['FLORIDA', 'TEXAS']);
    expect(states('Source startswith "emer"')).toEqual(['FLORIDA']);
    expect(states('not(State startswith "F") or EventType == "Flood"')).toEqual(['FLORIDA', 'GEORGIA', 'TEXAS']);
  });

  it('extend, bin() and summarize by a binned time (bin-function.md)', () => {
    const t = run('StormEvents | extend Day = bin(StartTime, 1d) | summarize Events = count() by bin(StartTime, 7d) | order by StartTime asc');
    expect(t.columns.map((c) => c.name)).toEqual(['StartTime', 'Events']);
    expect(t.rows.reduce((n, r) => n + Number(r[1]), 0)).toBe(6);
  });

  it('order by with nulls, take and limit', () => {
    expect(run('StormEvents | order by DamageProperty desc | take 1 | project State').rows).toEqual([['TEXAS']]);
    expect(run('StormEvents | sort by DamageProperty asc, State asc | limit 2 | project State').rows).toEqual([['FLORIDA'], ['TEXAS']]);
  });

  it('tostring, toupper, isempty and isnotempty, iff', () => {
    const t = run("print a = tostring(datetime(2024-05-01 10:00)), b = toupper('x'), c = isempty(''), d = isnotempty('x'), e = iff(1 > 2, 'y', 'n'), f = tostring(5m)");
    expect(objects(t)).toEqual([{ a: '2024-05-01T10:00:00Z', b: 'X', c: true, d: true, e: 'n', f: '00:05:00' }]);
  });

  it('union of tables with withsource, and let with a scalar and a tabular value', () => {
    const t = run(
      'let window = 10m;\nlet since = ago(window);\nunion withsource=SourceTable Syslog, Event\n| where TimeGenerated > since\n| summarize LastRecord = max(TimeGenerated) by SourceTable, ResourceId = tolower(_ResourceId)\n| order by SourceTable asc',
    );
    expect(objects(t)).toEqual([
      { SourceTable: 'Event', ResourceId: '/subscriptions/s/resourcegroups/rg/providers/microsoft.compute/virtualmachines/vm-b', LastRecord: NOW - 5 * min },
      { SourceTable: 'Syslog', ResourceId: '/subscriptions/s/resourcegroups/rg/providers/microsoft.compute/virtualmachines/vm-a', LastRecord: NOW - 3 * min },
    ]);
    expect(run('union isfuzzy=true Syslog, NoSuchTable | count').rows).toEqual([[1]]);
    expect(syntaxError('union Syslog, NoSuchTable | count').message).toContain("'NoSuchTable'");
    const tabular = run('let Hb = Heartbeat | where OSType == "Windows";\nHb | count');
    expect(tabular.rows).toEqual([[2]]);
  });

  it('any() and summarize without by over an empty input', () => {
    expect(objects(run('Heartbeat | where Computer == "none" | summarize n = count()'))).toEqual([{ n: 0 }]);
    expect(run('Heartbeat | where Computer == "vm-b" | summarize any(OSType)').rows).toEqual([['Windows']]);
  });

  it('project-away and project-rename', () => {
    const t = run('Heartbeat | take 1 | project-away Category, OSType | project-rename Machine = Computer');
    expect(t.columns.map((c) => c.name)).toEqual(['TimeGenerated', 'Machine', '_ResourceId']);
  });
});

describe('split and pack (split-function.md, pack-function.md): what Resource Graph queries group associations by', () => {
  it('split gives a string array, or the one requested part', () => {
    const t = run("print a = split('aa_bb_cc', '_'), b = split('aa_bb_cc', '_', 1), c = split('aa_bb', '_', 5), d = tostring(split('x/providers/y', '/providers/')[0])");
    expect(objects(t)).toEqual([{ a: ['aa', 'bb', 'cc'], b: ['bb'], c: [], d: 'x' }]);
  });

  it('pack and bag_pack build a property bag, and make_list gathers them per key', () => {
    const t = run("Heartbeat | extend rid = tolower(_ResourceId) | summarize beats = make_list(pack('computer', Computer, 'os', OSType)) by rid | where rid endswith 'vm-a'");
    expect(objects(t)).toEqual([{ rid: '/subscriptions/s/resourcegroups/rg/providers/microsoft.compute/virtualmachines/vm-a', beats: [{ computer: 'vm-a', os: 'Linux' }, { computer: 'vm-a', os: 'Linux' }] }]);
    expect(objects(run("print b = bag_pack('k', 1)"))).toEqual([{ b: { k: 1 } }]);
    expect(syntaxError("print b = pack('k')").message).toContain('even number of arguments');
  });
});

describe('precise errors', () => {
  it('names an unsupported operator and its position', () => {
    const e = syntaxError('Heartbeat\n| join (Syslog) on Computer');
    expect(e.kind).toBe('SyntaxError');
    expect([e.line, e.column, e.token]).toEqual([2, 3, 'join']);
    expect(e.message).toContain("the 'join' operator is not supported");
  });

  it('names an unknown tabular operator', () => {
    const e = syntaxError('Heartbeat | frobnicate');
    expect(e.message).toBe("Query could not be parsed at 'frobnicate' on line [1,13]: 'frobnicate' is not a tabular operator");
  });

  it('reports a missing expression at the end of the query', () => {
    expect(syntaxError('Heartbeat | where').message).toContain('<end of query>');
    expect(syntaxError('Heartbeat | where Computer ==').column).toBe(30);
  });

  it('reports unknown columns, tables, functions and unterminated strings', () => {
    const col = syntaxError('Heartbeat | where Nope == 1');
    expect([col.kind, col.token, col.column]).toEqual(['SemanticError', 'Nope', 19]);
    expect(syntaxError('Nowhere | count').message).toContain("'Nowhere'");
    expect(syntaxError('Heartbeat | extend x = frob(1)').message).toContain("'frob'");
    expect(syntaxError("Heartbeat | where Computer == 'vm-a").message).toContain('Unterminated string');
    expect(syntaxError('Heartbeat | where TimeGenerated > ago(5parsecs)').message).toContain("Unknown timespan unit 'parsecs'");
    expect(syntaxError('Heartbeat | project max(TimeGenerated)').message).toContain('only be used in summarize');
    expect(syntaxError('Heartbeat | where Computer').message).toContain('must be boolean');
  });
});
