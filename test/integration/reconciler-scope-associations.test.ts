// Seed scenarios (a) and (b), and idempotence: the DCE on the data path joins the scope, machines get their
// configurationAccessEndpoint association, and a pass with no drift writes nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubectl, useTestNamespace } from '../support/kube.ts';
import {
  associationsOf,
  createTopology,
  estate,
  estateIds,
  estateSpec,
  linuxVm,
  scopedLinks,
  startTestController,
  waitForReady,
} from '../support/controller.ts';
import type { TestController } from '../support/controller.ts';

const ns = useTestNamespace('reconcile-scope');
let env: TestController;

const machines = ['vm-web-01', 'vm-web-02', 'vm-web-03'];

beforeAll(async () => {
  env = await startTestController({
    namespace: ns.name,
    emulator: {
      estate: estate({
        // (a) the scope holds the workspace but not the DCE.
        scopedResources: ['law-platform'],
        // (b) each machine has its rule association but no endpoint association.
        virtualMachines: machines.map((m) => linuxVm(m, [{ name: 'dcr-linux-syslog-assoc', rule: estateIds.rule }])),
      }),
    },
  });
});

afterAll(async () => {
  await env?.stop();
});

describe('reconciler: scope and associations', () => {
  it('adds the DCE to a PrivateOnly scope and creates configurationAccessEndpoint on every machine', async () => {
    expect(scopedLinks(env.emulator, estateIds.scope)).not.toContain(estateIds.endpoint.toLowerCase());
    await createTopology(ns.name, 'web', estateSpec({ virtualMachines: machines.map(estateIds.vm) }));
    const t = await waitForReady(ns.name, 'web');

    expect(scopedLinks(env.emulator, estateIds.scope)).toContain(estateIds.endpoint.toLowerCase());
    for (const m of machines) {
      const assocs = associationsOf(env.emulator, estateIds.vm(m));
      const endpoint = assocs.filter((a) => a.name === 'configurationAccessEndpoint');
      expect(endpoint).toHaveLength(1);
      expect(String(endpoint[0]?.properties.dataCollectionEndpointId).toLowerCase()).toBe(estateIds.endpoint.toLowerCase());
      expect(String(endpoint[0]?.properties.description)).toContain(`${ns.name}/web`);
      // The existing rule association is adopted, not duplicated.
      expect(assocs.filter((a) => a.properties.dataCollectionRuleId)).toHaveLength(1);
    }
    expect(t.status?.instances).toMatchObject({ total: 3, compliant: 3, pending: 0, failing: 0 });
    expect(t.status?.inventory?.scopedResources?.map((r) => r.linkedResourceId.toLowerCase())).toEqual([estateIds.endpoint.toLowerCase()]);
    expect(t.status?.observedGeneration).toBe(t.metadata.generation);
    for (const type of ['Reconciling', 'Stalled']) {
      expect(t.status?.conditions?.find((c) => c.type === type)?.status).toBe('False');
    }
  });

  it('a pass with no drift makes zero ARM writes and does not rewrite status', async () => {
    await waitForReady(ns.name, 'web');
    // The status as last written, with when its writer last changed it (resourceVersions are cluster-wide, so unusable here).
    const statusWrite = async (): Promise<unknown> => {
      const got = await kubectl(['get', 'mtopo', 'web', '-o', 'json', '--show-managed-fields'], { namespace: ns.name, check: true });
      const obj = JSON.parse(got.stdout) as { status?: unknown; metadata: { managedFields?: { subresource?: string; time?: string }[] } };
      return { status: obj.status, writes: obj.metadata.managedFields?.filter((f) => f.subresource === 'status') };
    };
    const before = await statusWrite();
    env.emulator.resetCounters();
    // Touch a label: the informer wakes the reconciler with nothing to do in Azure.
    await kubectl(['label', 'mtopo', 'web', 'touched=yes'], { namespace: ns.name, check: true });
    await new Promise((r) => setTimeout(r, 1500));
    const counters = env.emulator.counters();
    expect(counters.reads).toBeGreaterThan(0);
    expect(counters.writes).toBe(0);
    expect(counters.deletes).toBe(0);
    await waitForReady(ns.name, 'web');
    // Only the label changed the object: status was not patched again.
    expect(await statusWrite()).toEqual(before);
  });

  it('reads well in kubectl get and describe', async () => {
    await waitForReady(ns.name, 'web');
    const get = await kubectl(['get', 'mtopo', '-o', 'wide'], { namespace: ns.name, check: true });
    const describe = await kubectl(['describe', 'mtopo', 'web'], { namespace: ns.name, check: true });
    process.stderr.write(`$ kubectl get mtopo -o wide\n${get.stdout}\n$ kubectl describe mtopo web\n${describe.stdout}\n`);
    expect(get.stdout).toMatch(/NAME\s+READY\s+MODE\s+INSTANCES\s+COMPLIANT\s+FINDINGS/);
    expect(get.stdout).toMatch(/web\s+True\s+Enforce\s+3\s+3\s+\d+\s+Converged/);
    expect(describe.stdout).toContain('Converged');
    expect(describe.stdout).toContain('CreatedEndpointAssociation');
  });
});
