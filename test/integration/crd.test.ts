// The MonitoringTopology CRD as users meet it: kubectl apply, get, explain; defaults; generation.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { MonitoringTopology } from '../../src/api/types.ts';
import { applyYaml, kubectl, useTestNamespace } from '../support/kube.ts';
import { ids, topology, topologySpec } from './crd-fixtures.ts';

const ns = useTestNamespace('crd');
const examples = fileURLToPath(new URL('../../examples/', import.meta.url));

async function get(name: string): Promise<MonitoringTopology> {
  const res = await kubectl(['get', 'monitoringtopology', name, '-o', 'json'], { namespace: ns.name, check: true });
  return JSON.parse(res.stdout) as MonitoringTopology;
}

describe('MonitoringTopology CRD', () => {
  it('accepts the examples and lists them with the printer columns', async () => {
    const applied = await kubectl(['apply', '-f', examples], { namespace: ns.name });
    expect(applied.stderr).toBe('');
    expect(applied.stdout).toMatch(/monitoringtopology.monitoring.ampls.dev\/complete created/);
    expect(applied.stdout).toMatch(/monitoringtopology.monitoring.ampls.dev\/minimal created/);

    const status = {
      conditions: [
        { type: 'Ready', status: 'False', reason: 'Auditing', message: 'Audit.', lastTransitionTime: '2026-01-01T00:00:00Z' },
      ],
      instances: { total: 12, compliant: 9, pending: 0, failing: 3, excluded: 1 },
      findingCount: 4,
    };
    await kubectl(['patch', 'mtopo', 'complete', '--subresource=status', '--type=merge', '-p', JSON.stringify({ status })], {
      namespace: ns.name,
      check: true,
    });
    const listed = await kubectl(['get', 'mtopo'], { namespace: ns.name, check: true });
    const [header, ...rows] = listed.stdout.trim().split('\n');
    expect(header?.split(/\s+/)).toEqual(['NAME', 'READY', 'MODE', 'INSTANCES', 'COMPLIANT', 'FINDINGS', 'AGE']);
    const complete = rows.find((r) => r.startsWith('complete'))?.split(/\s+/);
    expect(complete?.slice(0, 6)).toEqual(['complete', 'False', 'Audit', '12', '9', '4']);
    expect(rows.find((r) => r.startsWith('minimal'))?.split(/\s+/)[1]).toBe('Enforce');
  });

  it('is listed under its categories and short name', async () => {
    await applyYaml(topology('categorised'), { namespace: ns.name, check: true });
    for (const resource of ['azure', 'monitoring', 'mtopo']) {
      const res = await kubectl(['get', resource, '-o', 'name'], { namespace: ns.name, check: true });
      expect(res.stdout).toContain('monitoringtopology.monitoring.ampls.dev/categorised');
    }
  });

  it('explains itself', async () => {
    const res = await kubectl(['explain', 'monitoringtopology.spec.privateLinkScope'], { check: true });
    expect(res.stdout).toContain('Azure Monitor Private Link Scope (AMPLS)');
    expect(res.stdout).toMatch(/accessModes\s+<Object>/);
    expect(res.stdout).toMatch(/resourceId\s+<string> -required-/);
    const deep = await kubectl(['explain', 'mtopo.spec.targets.virtualMachineScaleSets'], { check: true });
    // kubectl wraps descriptions at 80 columns.
    expect(deep.stdout.replace(/\s+/g, ' ')).toContain('Flexible scale sets are associated instance by instance');
  });

  it('applies defaults', async () => {
    const spec = topologySpec();
    spec.agent = { userAssignedIdentity: ids.identity };
    await applyYaml(topology('defaulted', spec), { namespace: ns.name, check: true });
    const got = await get('defaulted');
    expect(got.spec).toMatchObject({
      mode: 'Enforce',
      resyncInterval: '10m',
      discoveryInterval: '20s',
      deletionPolicy: 'Orphan',
      agent: { userAssignedIdentity: ids.identity, manageExtension: false },
    });
  });

  it('bumps metadata.generation on spec writes only', async () => {
    await applyYaml(topology('generation'), { namespace: ns.name, check: true });
    expect((await get('generation')).metadata.generation).toBe(1);

    const instances = { total: 1, compliant: 1, pending: 0, failing: 0, excluded: 0 };
    const status = { observedGeneration: 1, findingCount: 0, instances };
    await kubectl(
      ['patch', 'mtopo', 'generation', '--subresource=status', '--type=merge', '-p', JSON.stringify({ status })],
      { namespace: ns.name, check: true },
    );
    const afterStatus = await get('generation');
    expect(afterStatus.metadata.generation).toBe(1);
    expect(afterStatus.status).toEqual(status);

    await kubectl(['patch', 'mtopo', 'generation', '--type=merge', '-p', JSON.stringify({ spec: { mode: 'Audit' } })], {
      namespace: ns.name,
      check: true,
    });
    const afterSpec = await get('generation');
    expect(afterSpec.metadata.generation).toBe(2);
    expect(afterSpec.status).toEqual(status);
  });

  it('ignores status sent to the main resource', async () => {
    const obj = { ...topology('no-status'), status: { findingCount: 7 } };
    await applyYaml(obj, { namespace: ns.name, check: true });
    expect((await get('no-status')).status).toBeUndefined();
  });
});
