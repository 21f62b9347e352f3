// The chart's dashboard and alerts against the running controller: every metric they query is one the process
// exports on /metrics after converging a topology, and the rules pass promtool's checks and unit tests.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { stringify } from 'yaml';
import { startEmulator } from '../../src/emulator/index.ts';
import type { RunningEmulator } from '../../src/emulator/index.ts';
import { createTopology, estate, estateIds, estateSpec, linuxVm, waitForReady } from '../support/controller.ts';
import { kubeconfigPath, useTestNamespace } from '../support/kube.ts';
import { dashboardQueries, expectExported, exposedSeries, readDashboard, renderedRuleGroups, ruleQueries } from '../support/monitoring.ts';
import { metricValue, startControllerProcess } from './runtime-process.ts';
import type { ControllerProcess } from './runtime-process.ts';
import { PROMTOOL_TESTS } from './monitoring-rules.fixtures.ts';

const ns = useTestNamespace('monitoring');
const cacheRoot = process.env.MTOPO_CACHE_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'mtopo');
const PROMTOOL = join(cacheRoot, 'bin', 'promtool');

describe('dashboard and alerts read what the controller exports', () => {
  let emulator: RunningEmulator;
  let proc: ControllerProcess | undefined;

  beforeAll(async () => {
    emulator = await startEmulator({ lroDelayMs: 5, estate: estate({ virtualMachines: [linuxVm('vm-mon-1'), linuxVm('vm-mon-2')] }) });
  });

  afterAll(async () => {
    await proc?.kill();
    await emulator?.close();
  });

  it('queries only metric families the running controller exposes once a topology has converged', async () => {
    proc = startControllerProcess({
      name: 'monitoring',
      kubeconfig: kubeconfigPath(),
      emulator,
      args: ['--namespaces', ns.name, '--leader-elect', '--leader-election-namespace', ns.name, '--leader-election-id', 'monitoring-test'],
    });
    const p = proc;
    // Both servers up first: on a loaded machine loading the TypeScript sources alone can take tens of seconds.
    await vi.waitFor(() => expect(p.logs.filter((l) => l.msg === 'serving')).toHaveLength(2), { timeout: 120_000, interval: 100 });
    await vi.waitFor(async () => expect((await p.get('health', '/readyz')).status).toBe(200), { timeout: 30_000, interval: 100 });
    await createTopology(ns.name, 'prod', estateSpec({ virtualMachines: [estateIds.vm('vm-mon-1'), estateIds.vm('vm-mon-2')] }, { resyncInterval: '5m' }));
    await waitForReady(ns.name, 'prod', 60_000);
    const body = await vi.waitFor(
      async () => {
        const m = await p.get('metrics', '/metrics');
        expect(metricValue(m.body, 'monitoringtopology_last_reconcile_timestamp_seconds', { namespace: ns.name, name: 'prod' })).toBeGreaterThan(0);
        return m.body;
      },
      { timeout: 15_000, interval: 200 },
    );
    expect(metricValue(body, 'monitoringtopology_resync_interval_seconds', { namespace: ns.name, name: 'prod' })).toBe(300);
    expect(metricValue(body, 'monitoringtopology_instances', { namespace: ns.name, name: 'prod', state: 'compliant' })).toBe(2);

    const exposed = exposedSeries(body);
    // The dashboard reads the controller's metrics only; the rules may also read `up` and kube-state-metrics.
    expect(expectExported(exposed, dashboardQueries(readDashboard()), false)).toBeGreaterThan(25);
    expect(expectExported(exposed, ruleQueries(await renderedRuleGroups()), true)).toBe(6);
  }, 300_000);
});

describe.skipIf(!existsSync(PROMTOOL))('alerting rules under promtool', () => {
  let work: string;
  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'mtopo-promtool-'));
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('pass promtool check rules and fire, or stay quiet, on the series of its unit tests', async () => {
    const groups = await renderedRuleGroups(['fullnameOverride=mtopo', 'metrics.prometheusRule.additionalAlertLabels.team=platform']);
    writeFileSync(join(work, 'rules.yaml'), stringify({ groups }));
    writeFileSync(join(work, 'tests.yaml'), stringify(PROMTOOL_TESTS));
    const run = promisify(execFile);
    const check = await run(PROMTOOL, ['check', 'rules', join(work, 'rules.yaml')]);
    expect(check.stdout).toMatch(/SUCCESS: 6 rules found/);
    const test = await run(PROMTOOL, ['test', 'rules', join(work, 'tests.yaml')], { cwd: work }).catch((err: { stdout?: string; stderr?: string }) => {
      throw new Error(`promtool test rules failed:\n${err.stdout ?? ''}${err.stderr ?? ''}`);
    });
    expect(test.stdout).toMatch(/SUCCESS/);
  });
});

if (!existsSync(PROMTOOL)) {
  process.stderr.write(`[monitoring] promtool tests skipped: no ${PROMTOOL} (bash hack/build-control-plane.sh promtool builds it; .ci/run does)\n`);
}
