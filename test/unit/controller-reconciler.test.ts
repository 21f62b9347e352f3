import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { Finding, MonitoringTopology, MonitoringTopologyStatus } from '../../src/api/types.ts';
import type { ActionOutcome, ArmGateway } from '../../src/azure/gateway.ts';
import { Reconciler } from '../../src/controller/reconciler.ts';
import type { ReconcilerDeps } from '../../src/controller/reconciler.ts';
import { TopologyRegistry } from '../../src/controller/registry.ts';
import type { EventType } from '../../src/kube/events.ts';
import type { Action, Snapshot } from '../../src/model/index.ts';
import type { Plan, PlanInput } from '../../src/plan/types.ts';

const SUB = '/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers';
const SCOPE = `${SUB}/Microsoft.Insights/privateLinkScopes/ampls`;
const DCE = `${SUB}/Microsoft.Insights/dataCollectionEndpoints/dce`;
const VM = `${SUB}/Microsoft.Compute/virtualMachines/vm1`;

function topology(overrides: Partial<MonitoringTopology['spec']> = {}, meta: Partial<MonitoringTopology['metadata']> = {}): MonitoringTopology {
  return {
    apiVersion: 'monitoring.ampls.dev/v1alpha1',
    kind: 'MonitoringTopology',
    metadata: { name: 'prod', namespace: 'ns', uid: 'uid-1', generation: 2, resourceVersion: '1', ...meta },
    spec: {
      mode: 'Enforce',
      resyncInterval: '10m',
      privateLinkScope: { resourceId: SCOPE },
      configurationEndpoint: { resourceId: DCE },
      dataCollectionRules: [],
      targets: { virtualMachines: [VM] },
      ...overrides,
    },
  };
}

const snapshot: Snapshot = {
  alsoLinkScopes: [],
  workspaces: [],
  rules: [],
  machines: [{ id: VM, kind: 'VirtualMachine', identity: { type: 'None', userAssignedIdentities: [] }, tags: {}, selectedBy: 'virtualMachines' }],
  excludedCount: 0,
  scaleSets: [],
  associations: [],
  fullyListedMachines: [VM],
  errors: [],
};

const endpointAction: Action = {
  kind: 'CreateEndpointAssociation',
  resourceId: VM,
  name: 'configurationAccessEndpoint',
  dataCollectionEndpointId: DCE,
  description: 'managed',
  reason: 'the machine has no configuration endpoint association',
};

interface Harness {
  reconciler: Reconciler;
  current: { topology: MonitoringTopology | undefined };
  acted: Action[][];
  patches: MonitoringTopologyStatus[];
  events: { type: EventType; reason: string; message: string }[];
  finalizerCalls: string[];
  plans: PlanInput[];
}

function harness(opts: {
  topology: MonitoringTopology;
  plan?: (input: PlanInput) => Plan;
  act?: (actions: Action[]) => ActionOutcome[];
  observe?: () => Promise<Snapshot>;
  deletion?: Action[];
  registry?: TopologyRegistry;
}): Harness {
  const h: Harness = { reconciler: undefined as unknown as Reconciler, current: { topology: opts.topology }, acted: [], patches: [], events: [], finalizerCalls: [], plans: [] };
  const gateway: ArmGateway = {
    observe: opts.observe ?? (() => Promise.resolve(snapshot)),
    listTargets: () => Promise.resolve([VM]),
    act: (actions) => {
      h.acted.push(actions);
      return Promise.resolve(opts.act ? opts.act(actions) : actions.map((action) => ({ action, ok: true })));
    },
  };
  const deps: ReconcilerDeps = {
    gateway,
    plan: (input) => {
      h.plans.push(input);
      return opts.plan?.(input) ?? { actions: [], findings: [], instances: { total: 1, compliant: 1, pending: 0, failing: 0, excluded: 0 }, desiredScopedResources: [] };
    },
    planDeletion: () => opts.deletion ?? [],
    get: () => h.current.topology,
    status: {
      patchStatus: (t, status) => {
        h.patches.push(status);
        if (h.current.topology) h.current.topology = { ...h.current.topology, status };
        return Promise.resolve();
      },
    },
    finalizers: {
      add: (t) => {
        h.finalizerCalls.push('add');
        const next = { ...t, metadata: { ...t.metadata, finalizers: [...(t.metadata.finalizers ?? []), 'monitoring.ampls.dev/finalizer'] } };
        h.current.topology = next;
        return Promise.resolve(next);
      },
      remove: (t) => {
        h.finalizerCalls.push('remove');
        return Promise.resolve({ ...t, metadata: { ...t.metadata, finalizers: [] } });
      },
    },
    events: { record: (_t, type, reason, message) => h.events.push({ type, reason, message }), flush: () => Promise.resolve() },
    registry: opts.registry ?? new TopologyRegistry(),
    logger: pino({ level: 'silent' }),
    confirmAfterMs: 50,
  };
  h.reconciler = new Reconciler(deps);
  return h;
}

const cond = (s: MonitoringTopologyStatus | undefined, type: string) => s?.conditions?.find((c) => c.type === type);

describe('Reconciler', () => {
  it('adds the finalizer, acts in Enforce, asks for a confirming pass, then converges without writes', async () => {
    let drift = true;
    const h = harness({
      topology: topology(),
      plan: () => ({
        actions: drift ? [endpointAction] : [],
        findings: [],
        instances: { total: 1, compliant: drift ? 0 : 1, pending: drift ? 1 : 0, failing: 0, excluded: 0 },
        desiredScopedResources: [],
      }),
    });
    const first = await h.reconciler.reconcile('ns/prod');
    expect(h.finalizerCalls).toEqual(['add']);
    expect(h.acted).toEqual([[endpointAction]]);
    expect(first).toEqual({ requeueAfter: 50 });
    expect(cond(h.patches.at(-1), 'Reconciling')?.status).toBe('True');
    expect(cond(h.patches.at(-1), 'Ready')?.status).toBe('Unknown');
    expect(h.events.map((e) => e.reason)).toContain('CreatedEndpointAssociation');

    drift = false;
    const second = await h.reconciler.reconcile('ns/prod');
    expect(second).toEqual({ requeueAfter: 600_000 });
    expect(h.acted).toHaveLength(1);
    const status = h.patches.at(-1);
    expect(cond(status, 'Ready')).toMatchObject({ status: 'True', reason: 'Converged', observedGeneration: 2 });
    expect(cond(status, 'Stalled')?.status).toBe('False');
    expect(cond(status, 'AssociationsReady')?.status).toBe('True');
    expect(status?.observedGeneration).toBe(2);

    // A third pass with nothing new patches nothing.
    const patches = h.patches.length;
    await h.reconciler.reconcile('ns/prod');
    expect(h.patches.length).toBe(patches);
  });

  it('in Audit mode writes nothing to Azure and reports the plan', async () => {
    const h = harness({
      topology: topology({ mode: 'Audit' }, { finalizers: ['monitoring.ampls.dev/finalizer'] }),
      plan: () => ({ actions: [endpointAction], findings: [], instances: { total: 1, compliant: 0, pending: 1, failing: 0, excluded: 0 }, desiredScopedResources: [] }),
    });
    const result = await h.reconciler.reconcile('ns/prod');
    expect(h.acted).toEqual([]);
    expect(result.requeueAfter).toBe(600_000);
    const status = h.patches.at(-1);
    expect(status?.plan).toMatchObject({ total: 1, counts: { CreateEndpointAssociation: 1 } });
    expect(cond(status, 'Ready')).toMatchObject({ status: 'False', reason: 'AuditDriftDetected' });
  });

  it('a scope that does not exist stalls without a hot loop', async () => {
    const notFound: Finding = { code: 'ReferencedResourceNotFound', severity: 'Error', resourceId: SCOPE, stage: 'Ingestion', message: 'The private link scope ampls does not exist.' };
    const h = harness({
      topology: topology(),
      plan: () => ({ actions: [], findings: [notFound], instances: { total: 0, compliant: 0, pending: 0, failing: 0, excluded: 0 }, desiredScopedResources: [] }),
    });
    const result = await h.reconciler.reconcile('ns/prod');
    expect(result).toEqual({ requeueAfter: 600_000 });
    const status = h.patches.at(-1);
    expect(cond(status, 'Stalled')).toMatchObject({ status: 'True', reason: 'ReferencedResourceNotFound' });
    expect(cond(status, 'Ready')?.status).toBe('False');
    expect(cond(status, 'PrivateLinkScopeReady')?.status).toBe('False');
  });

  it('an observe failure backs off and keeps the previous findings', async () => {
    const h = harness({ topology: topology(), observe: () => Promise.reject(new Error('503 Service Unavailable')) });
    const result = await h.reconciler.reconcile('ns/prod');
    expect(result.error?.message).toMatch(/503/);
    expect(cond(h.patches.at(-1), 'Reconciling')).toMatchObject({ status: 'True', reason: 'RetryingAfterError' });
    expect(cond(h.patches.at(-1), 'Ready')).toMatchObject({ status: 'False', reason: 'ArmUnavailable' });
  });

  it('throttled writes back off; 403 writes stall', async () => {
    const throttled = harness({
      topology: topology(),
      plan: () => ({ actions: [endpointAction], findings: [], instances: { total: 1, compliant: 0, pending: 1, failing: 0, excluded: 0 }, desiredScopedResources: [] }),
      act: (actions) => actions.map((action) => ({ action, ok: false, error: { code: 'TooManyRequests', message: 'throttled', status: 429 } })),
    });
    expect((await throttled.reconciler.reconcile('ns/prod')).error).toBeDefined();
    const forbidden = harness({
      topology: topology(),
      plan: () => ({ actions: [endpointAction], findings: [], instances: { total: 1, compliant: 0, pending: 1, failing: 0, excluded: 0 }, desiredScopedResources: [] }),
      act: (actions) => actions.map((action) => ({ action, ok: false, error: { code: 'AuthorizationFailed', message: 'no write', status: 403 } })),
    });
    const r = await forbidden.reconciler.reconcile('ns/prod');
    expect(r.error).toBeUndefined();
    expect(cond(forbidden.patches.at(-1), 'Stalled')).toMatchObject({ status: 'True', reason: 'AuthorizationFailed' });
    expect(forbidden.patches.at(-1)?.findings?.[0]?.code).toBe('AuthorizationFailed');
  });

  it('records scoped resources it added in the inventory', async () => {
    const add: Action = { kind: 'AddScopedResource', scopeId: SCOPE, name: 'dce-link', linkedResourceId: DCE, reason: 'on the data path' };
    const h = harness({
      topology: topology(),
      plan: () => ({ actions: [add], findings: [], instances: { total: 1, compliant: 1, pending: 0, failing: 0, excluded: 0 }, desiredScopedResources: [] }),
    });
    await h.reconciler.reconcile('ns/prod');
    expect(h.patches.at(-1)?.inventory?.scopedResources).toEqual([{ scopeId: SCOPE, name: 'dce-link', linkedResourceId: DCE }]);
    await h.reconciler.reconcile('ns/prod');
    expect(h.plans.at(-1)?.ownedScopedResources).toEqual([{ scopeId: SCOPE, name: 'dce-link', linkedResourceId: DCE }]);
  });

  it('on deletion: Delete runs the deletion plan, Orphan removes nothing, both drop the finalizer', async () => {
    const del: Action = { kind: 'DeleteAssociation', resourceId: VM, name: 'configurationAccessEndpoint', associationId: `${VM}/x`, reason: 'owned' };
    const deleting = { finalizers: ['monitoring.ampls.dev/finalizer'], deletionTimestamp: '2026-01-01T00:00:00Z' };
    const withDelete = harness({ topology: topology({ deletionPolicy: 'Delete' }, deleting), deletion: [del] });
    expect(await withDelete.reconciler.reconcile('ns/prod')).toEqual({});
    expect(withDelete.acted).toEqual([[del]]);
    expect(withDelete.finalizerCalls).toEqual(['remove']);
    const orphan = harness({ topology: topology({ deletionPolicy: 'Orphan' }, deleting), deletion: [del] });
    await orphan.reconciler.reconcile('ns/prod');
    expect(orphan.acted).toEqual([]);
    expect(orphan.finalizerCalls).toEqual(['remove']);
    const failing = harness({
      topology: topology({ deletionPolicy: 'Delete' }, deleting),
      deletion: [del],
      act: (actions) => actions.map((action) => ({ action, ok: false, error: { code: 'InternalServerError', message: 'boom', status: 500 } })),
    });
    expect((await failing.reconciler.reconcile('ns/prod')).error).toBeDefined();
    expect(failing.finalizerCalls).toEqual([]);
  });

  it('passes other topologies\u2019 configuration endpoints to the plan and wakes them', async () => {
    const registry = new TopologyRegistry();
    const other = `${SUB}/Microsoft.Insights/dataCollectionEndpoints/other`;
    registry.claimMachines('ns/other', [VM], other);
    const h = harness({ topology: topology(), registry });
    await h.reconciler.reconcile('ns/prod');
    expect(h.plans.at(-1)?.competingEndpoints).toEqual({ [VM]: [other] });
  });

  it('forgets a topology that is gone', async () => {
    const h = harness({ topology: topology() });
    h.current.topology = undefined;
    expect(await h.reconciler.reconcile('ns/prod')).toEqual({});
    expect(h.patches).toEqual([]);
  });
});
