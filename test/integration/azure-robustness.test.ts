// The gateway against the emulator when ARM misbehaves: listings that reach beyond the spec, hung requests and
// token endpoints, tokens ARM calls expired, and answers with fields of the wrong type.
import { ClientSecretCredential } from '@azure/identity';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MonitoringTopologySpec } from '../../src/api/types.ts';
import { createArmGateway, createSubscriptionBudgets } from '../../src/azure/index.ts';
import type { ArmGatewayOptions } from '../../src/azure/index.ts';
import { planTopology } from '../../src/plan/index.ts';
import { startTestEmulator } from '../support/emulator.ts';
import type { TestEmulator } from '../support/emulator.ts';
import { estate, estateIds, estateSpec, linuxVm } from '../support/controller.ts';

const owner = { namespace: 'ns', name: 'topo', uid: '3a1f0c2e-0000-4000-8000-000000000001' };
let em: TestEmulator;

beforeAll(async () => {
  em = await startTestEmulator({
    estate: estate({ virtualMachines: [linuxVm('vm-1'), linuxVm('vm-2')] }),
    pageSize: 100,
  });
  // A VM in another resource group: what `resourceGroups/..` reaches once the URL is normalised.
  const other = em.store.get(estateIds.vm('vm-1'));
  em.store.put({ ...(other ?? {}), id: estateIds.vm('vm-1').replace('/rg-app/', '/rg-monitoring/'), name: 'vm-1' });
});

afterAll(async () => {
  await em?.close();
});

function gatewayFor(extra: Partial<ArmGatewayOptions> = {}) {
  return createArmGateway({
    endpoint: em.url,
    // A factory: each call is a new credential with an empty token cache, as after a restart.
    credential: () =>
      new ClientSecretCredential(em.tenantId, em.clientId, em.clientSecret, { authorityHost: em.authorityHost, disableInstanceDiscovery: true }),
    budgets: createSubscriptionBudgets(),
    logger: pino({ level: 'silent' }),
    maxRetries: 1,
    retryDelayInMs: 10,
    maxRetryDelayInMs: 50,
    ...extra,
  });
}

const planFor = (spec: MonitoringTopologySpec, snapshot: Awaited<ReturnType<ReturnType<typeof gatewayFor>['observe']>>) =>
  planTopology({ spec, owner, snapshot, ownedScopedResources: [] });

describe('a listing never widens what the spec names', () => {
  it('resourceGroups/.. (refused at admission) lists the subscription, and the plan still acts on none of it', async () => {
    const spec = estateSpec({ resourceGroups: [`${estateIds.appResourceGroup.split('/resourceGroups/')[0] ?? ''}/resourceGroups/..`] });
    const snapshot = await gatewayFor().observe(spec);
    // The SDK's URL handling turned the group into the whole subscription: machines of two groups came back.
    expect(snapshot.machines.length).toBeGreaterThanOrEqual(2);
    const plan = planFor(spec, snapshot);
    const touched = plan.actions.filter((a) => a.kind === 'CreateRuleAssociation' || a.kind === 'CreateEndpointAssociation' || a.kind === 'RepairExtensionIdentity');
    expect(touched).toEqual([]);
    expect(plan.instances.total).toBe(0);
    expect(plan.findings.filter((f) => f.code === 'TargetOutsideSpec').length).toBe(snapshot.machines.length);
  });

  it('a machine in a named resource group is planned; the same name in another group is not', async () => {
    const spec = estateSpec({ resourceGroups: [estateIds.appResourceGroup] });
    const snapshot = await gatewayFor().observe(spec);
    const plan = planFor(spec, snapshot);
    expect(plan.instances.total).toBe(2);
    expect(plan.findings.filter((f) => f.code === 'TargetOutsideSpec')).toEqual([]);
  });
});

describe('timeouts', () => {
  it('a hung ARM request fails the read after the timeout instead of freezing the pass', async () => {
    em.setFaults({ pathPattern: 'dataCollectionRules/', latencyMs: 20_000 });
    try {
      const snapshot = await gatewayFor({ requestTimeoutMs: 2000 }).observe(estateSpec({ virtualMachines: [estateIds.vm('vm-1')] }));
      const hung = snapshot.errors.filter((e) => e.code === 'Failed' && /within 2000 ms/.test(e.message));
      expect(hung.length).toBeGreaterThan(0);
      expect(snapshot.machines).toHaveLength(1);
    } finally {
      em.setFaults({});
    }
  }, 30_000);

  it('a hung token endpoint fails the pass after the timeout', async () => {
    em.setFaults({ pathPattern: 'oauth2', latencyMs: 20_000 });
    try {
      const snapshot = await gatewayFor({ requestTimeoutMs: 300 }).observe(estateSpec({ virtualMachines: [estateIds.vm('vm-1')] }));
      expect(snapshot.errors.length).toBeGreaterThan(0);
      expect(snapshot.errors.every((e) => e.code === 'Failed')).toBe(true);
      expect(snapshot.errors.some((e) => /no token within 300 ms/.test(e.message))).toBe(true);
    } finally {
      em.setFaults({});
    }
  }, 30_000);
});

describe('an expired token', () => {
  it('ExpiredAuthenticationToken gets a new token at once, not when the cached one ages out', async () => {
    const gateway = gatewayFor();
    const spec = estateSpec({ virtualMachines: [estateIds.vm('vm-1')] });
    expect((await gateway.observe(spec)).errors).toEqual([]);
    const tokensBefore = em.counters().tokens;
    em.expireIssuedTokens();
    const after = await gateway.observe(spec);
    expect(after.errors).toEqual([]);
    expect(after.machines).toHaveLength(1);
    // One refresh serves every request of the pass (and of the passes after it).
    expect(em.counters().tokens - tokensBefore).toBe(1);
    expect((await gateway.observe(spec)).errors).toEqual([]);
    expect(em.counters().tokens - tokensBefore).toBe(1);
  });
});

describe('malformed ARM answers', () => {
  it('a field of the wrong type skips and reports that resource; the rest of the pass goes on', async () => {
    const id = estateIds.vm('vm-2');
    const body = em.store.get(id) ?? {};
    const properties = (body.properties ?? {}) as Record<string, unknown>;
    em.store.put({ ...body, properties: { ...properties, virtualMachineScaleSet: { id: 42 } } });
    try {
      const spec = estateSpec({ resourceGroups: [estateIds.appResourceGroup] });
      const snapshot = await gatewayFor().observe(spec);
      expect(snapshot.machines.map((m) => m.id.toLowerCase())).toEqual([estateIds.vm('vm-1').toLowerCase()]);
      expect(snapshot.errors).toEqual([expect.objectContaining({ code: 'Malformed', resourceId: id })]);
      const plan = planFor(spec, snapshot);
      expect(plan.findings.find((f) => f.code === 'MalformedArmResource')?.resourceId).toBe(id);
      expect(plan.instances.total).toBe(1);
    } finally {
      em.store.put(body);
    }
  });
});
