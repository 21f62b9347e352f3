// Several topologies over one estate: Audit never holds back Enforce, conflicting declarations about one scope are
// written by neither, and deleting one topology never unlinks what another still needs.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { RECONCILE_REQUESTED_AT } from '../../src/api/types.ts';
import { kubectl, useTestNamespace } from '../support/kube.ts';
import {
  associationsOf,
  condition,
  createTopology,
  deleteTopology,
  estate,
  estateIds,
  estateSpec,
  getTopology,
  linuxVm,
  scopedLinks,
  startTestController,
  waitForReady,
  waitForTopology,
} from '../support/controller.ts';
import type { TestController } from '../support/controller.ts';

const nsAudit = useTestNamespace('multi-audit');
const nsModes = useTestNamespace('multi-modes');
const nsShared = useTestNamespace('multi-shared');
let audit: TestController;
let modes: TestController;
let shared: TestController;

// Machines that have their rule association and lack only the configuration endpoint association.
const withRule = (name: string) => linuxVm(name, [{ name: 'dcr-linux-syslog-assoc', rule: estateIds.rule }]);

beforeAll(async () => {
  [audit, modes, shared] = await Promise.all([
    startTestController({ namespace: nsAudit.name, emulator: { estate: estate({ virtualMachines: [withRule('vm-a1'), withRule('vm-a2')] }) } }),
    startTestController({ namespace: nsModes.name, emulator: { estate: estate({ virtualMachines: [withRule('vm-m1'), withRule('vm-m2')] }) } }),
    // The workspace is not linked yet: the first topology links it.
    startTestController({ namespace: nsShared.name, emulator: { estate: estate({ scopedResources: ['dce-weu'], virtualMachines: [withRule('vm-s1'), withRule('vm-s2')] }) } }),
  ]);
});

afterAll(async () => {
  await Promise.all([audit?.stop(), modes?.stop(), shared?.stop()]);
});

const ops = (env: TestController, op: string): number => Object.values(env.emulator.counters().byOperation[op] ?? {}).reduce((a, b) => a + b, 0);
const codes = (t: { status?: { findings?: { code: string }[] } }) => t.status?.findings?.map((f) => f.code) ?? [];

describe('reconciler: an Audit topology next to an Enforce one', () => {
  it('Audit over the same machines does not stop Enforce from writing their configurationAccessEndpoint', async () => {
    const machines = [estateIds.vm('vm-a1'), estateIds.vm('vm-a2')];
    // The Audit trial wants another endpoint for the same machines.
    await createTopology(nsAudit.name, 'trial', estateSpec({ virtualMachines: machines }, { mode: 'Audit', configurationEndpoint: { resourceId: estateIds.otherEndpoint } }));
    await waitForTopology(nsAudit.name, 'trial', (t) => expect(condition(t, 'Ready')?.reason).toBe('AuditDriftDetected'));
    audit.emulator.resetCounters();
    await createTopology(nsAudit.name, 'live', estateSpec({ virtualMachines: [machines[0] ?? ''] }));
    const live = await waitForReady(nsAudit.name, 'live');
    expect(codes(live)).not.toContain('ConfigurationEndpointConflict');
    expect(audit.emulator.counters().byOperation['PUT Microsoft.Insights/dataCollectionRuleAssociations']).toEqual({ '201': 1 });
    expect(associationsOf(audit.emulator, machines[0] ?? '').find((a) => a.name === 'configurationAccessEndpoint')?.properties.dataCollectionEndpointId).toBe(estateIds.endpoint);
    // The Audit topology observes the Enforce one's endpoint on the machine they share and reports the conflict.
    await kubectl(['annotate', 'mtopo', 'trial', '--overwrite', `${RECONCILE_REQUESTED_AT}=${Date.now()}`], { namespace: nsAudit.name, check: true });
    const trial = await waitForTopology(nsAudit.name, 'trial', (t) => expect(codes(t)).toContain('ConfigurationEndpointConflict'));
    expect(trial.status?.findings?.find((f) => f.code === 'ConfigurationEndpointConflict')?.resourceId.toLowerCase()).toBe(machines[0]?.toLowerCase());
    expect(audit.emulator.store.get(machines[1] ?? '')).toBeDefined();
    expect(associationsOf(audit.emulator, machines[1] ?? '').map((a) => a.name)).toEqual(['dcr-linux-syslog-assoc']);
  });
});

describe('reconciler: two topologies declaring different access modes for one scope', () => {
  it('both report the conflict naming the other and the field; nobody writes the access modes; other work goes on', async () => {
    await createTopology(nsModes.name, 'private', estateSpec({ virtualMachines: [estateIds.vm('vm-m1')] }));
    await createTopology(
      nsModes.name,
      'open',
      estateSpec({ virtualMachines: [estateIds.vm('vm-m2')] }, { privateLinkScope: { ...estateSpec({}).privateLinkScope, accessModes: { ingestion: 'Open', query: 'PrivateOnly' } } }),
    );
    for (const [name, other] of [['private', 'open'], ['open', 'private']] as const) {
      const t = await waitForTopology(nsModes.name, name, (x) => {
        expect(codes(x)).toContain('SharedSettingConflict');
        expect(condition(x, 'Reconciling')?.status).toBe('False');
      });
      const f = t.status?.findings?.find((x) => x.code === 'SharedSettingConflict');
      expect(f?.message).toContain(`${nsModes.name}/${other}`);
      expect(f?.message).toContain('spec.privateLinkScope.accessModes.ingestion');
      expect(condition(t, 'PrivateLinkScopeReady')?.status).toBe('False');
      expect(condition(t, 'Ready')?.status).toBe('False');
    }
    // The rest of each topology's work was done: each machine has its endpoint association.
    for (const m of ['vm-m1', 'vm-m2']) {
      expect(associationsOf(modes.emulator, estateIds.vm(m)).map((a) => a.name)).toContain('configurationAccessEndpoint');
    }
    // Two more passes of each, asked for explicitly: the scope is read every time and never written.
    modes.emulator.resetCounters();
    for (let round = 1; round <= 2; round++) {
      for (const name of ['private', 'open']) {
        await kubectl(['annotate', 'mtopo', name, '--overwrite', `${RECONCILE_REQUESTED_AT}=${round}-${Date.now()}`], { namespace: nsModes.name, check: true });
      }
      await vi.waitFor(() => expect(ops(modes, 'GET Microsoft.Insights/privateLinkScopes')).toBeGreaterThanOrEqual(2 * round), { timeout: 30_000, interval: 50 });
    }
    expect(ops(modes, 'PUT Microsoft.Insights/privateLinkScopes')).toBe(0);
    const scope = modes.emulator.store.get(estateIds.scope)?.properties as { accessModeSettings?: { ingestionAccessMode?: string } } | undefined;
    expect(scope?.accessModeSettings?.ingestionAccessMode).toBe('PrivateOnly');
  });
});

describe('reconciler: two topologies sharing a scope and a workspace', () => {
  it('a topology that links the workspace wakes the others on that scope; deleting it (Delete) leaves the link they need', async () => {
    // An Audit topology on the same scope sees the workspace unlinked.
    await createTopology(nsShared.name, 'watcher', estateSpec({ virtualMachines: [estateIds.vm('vm-s2')] }, { mode: 'Audit' }));
    await waitForTopology(nsShared.name, 'watcher', (t) => expect(codes(t)).toContain('ResourceNotScoped'));
    await createTopology(nsShared.name, 'first', estateSpec({ virtualMachines: [estateIds.vm('vm-s1')] }, { deletionPolicy: 'Delete' }));
    await waitForReady(nsShared.name, 'first');
    expect(scopedLinks(shared.emulator, estateIds.scope)).toContain(estateIds.workspace.toLowerCase());
    // The link changed the shared scope: the watcher looks again at once, not at its resync 10 minutes later.
    await waitForTopology(nsShared.name, 'watcher', (t) => expect(codes(t)).not.toContain('ResourceNotScoped'));
    await createTopology(nsShared.name, 'second', estateSpec({ virtualMachines: [estateIds.vm('vm-s2')] }));
    await waitForReady(nsShared.name, 'second');
    shared.emulator.resetCounters();

    await deleteTopology(nsShared.name, 'first');
    await vi.waitFor(async () => expect(await getTopology(nsShared.name, 'first')).toBeUndefined(), { timeout: 30_000, interval: 100 });
    // What the first topology made for itself is gone; the workspace link the second needs is not.
    expect(associationsOf(shared.emulator, estateIds.vm('vm-s1')).map((a) => a.name)).toEqual(['dcr-linux-syslog-assoc']);
    expect(ops(shared, 'DELETE Microsoft.Insights/privateLinkScopes/scopedResources')).toBe(0);
    expect(scopedLinks(shared.emulator, estateIds.scope)).toContain(estateIds.workspace.toLowerCase());
    const second = await waitForReady(nsShared.name, 'second');
    expect(condition(second, 'PrivateLinkScopeReady')?.status).toBe('True');
  });
});
