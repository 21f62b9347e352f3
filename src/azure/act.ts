// Act: each planned action through the SDK (idempotent PUTs, LROs via the SDK pollers), one failure never blocking others.
import { setTimeout as delay } from 'node:timers/promises';
import type PQueue from 'p-queue';
import type { Logger } from 'pino';
import type { Action } from '../model/index.ts';
import { collect, resourceUri } from './clients.ts';
import type { ArmClientCache } from './clients.ts';
import { describeError, isAbort, isNotFound, toActionError } from './errors.ts';
import type { ActionOutcome } from './gateway.ts';
import { CHANGED_SINCE_OBSERVED, idKey, isType, parseArmId, ResourceTypes, sameId, sameName } from '../model/index.ts';
import type { ObservedAssociation } from '../model/index.ts';
import { isOwnedBy, parseOwnerMarker } from '../plan/index.ts';
import { toAssociation } from './convert.ts';

export interface ActContext {
  clients: ArmClientCache;
  queue: PQueue;
  logger: Logger;
  /** Runs a task alone for its key, process-wide: writes to one private link scope go one at a time. */
  exclusive<T>(key: string, task: () => Promise<T>): Promise<T>;
  /** Attempts and first backoff for a scope write refused because the scope is provisioning (default 6, 1 s doubling). */
  provisioningRetries?: number;
  provisioningBackoffMs?: number;
  signal?: AbortSignal;
  /** Poll interval of long-running operations (undefined = the SDK's default / Retry-After). */
  lroPollIntervalMs?: number;
}

interface Located {
  subscriptionId: string;
  resourceGroup: string;
  name: string;
}

function locate(id: string, type?: string): Located {
  const p = parseArmId(id);
  if (!p?.resourceGroup || !p.name || (type !== undefined && !isType(id, type))) {
    throw Object.assign(new Error(`not a valid ARM id${type ? ` of ${type}` : ''}: ${id}`), { code: 'InvalidResourceId' });
  }
  return { subscriptionId: p.subscriptionId, resourceGroup: p.resourceGroup, name: p.name };
}

/** The subscription of an extension resource's parent (an association's resource), or an InvalidResourceId error. */
function subscriptionOf(id: string): string {
  return parseArmId(id)?.subscriptionId ?? locate(id).subscriptionId;
}

/** Deleting what is already gone is done: the delete is idempotent. */
async function unlessGone(deletion: Promise<unknown>): Promise<void> {
  try {
    await deletion;
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}

export async function act(actions: Action[], ctx: ActContext): Promise<ActionOutcome[]> {
  const rereads: Rereads = new Map();
  return Promise.all(
    actions.map((action) =>
      ctx.queue.add(async (): Promise<ActionOutcome> => {
        if (ctx.signal?.aborted) return { action, ok: false, error: { code: 'Aborted', message: 'the reconcile was cancelled' } };
        try {
          await perform(action, ctx, rereads);
          ctx.logger.debug({ action: action.kind, reason: action.reason }, 'ARM action done');
          return { action, ok: true };
        } catch (err) {
          const error = isAbort(err) ? { code: 'Aborted', message: describeError(err).message } : toActionError(err);
          ctx.logger.info({ action: action.kind, code: error.code, status: error.status, err: error.message }, 'ARM action failed');
          return { action, ok: false, error };
        }
      }),
    ),
  );
}

async function perform(action: Action, ctx: ActContext, rereads: Rereads): Promise<void> {
  const opts = ctx.signal ? { abortSignal: ctx.signal } : {};
  const lro = ctx.lroPollIntervalMs !== undefined ? { ...opts, updateIntervalInMs: ctx.lroPollIntervalMs } : opts;
  switch (action.kind) {
    case 'UpdateAccessModes': {
      const s = locate(action.scopeId, ResourceTypes.privateLinkScope);
      const { monitor } = ctx.clients.for(s.subscriptionId);
      // Read-modify-write: keep location and tags exactly as ARM has them now.
      const current = await monitor.privateLinkScopes.get(s.resourceGroup, s.name, opts);
      await monitor.privateLinkScopes.createOrUpdate(
        s.resourceGroup,
        s.name,
        {
          location: current.location ?? 'Global',
          ...(current.tags ? { tags: current.tags } : {}),
          accessModeSettings: {
            ingestionAccessMode: action.ingestionAccessMode,
            queryAccessMode: action.queryAccessMode,
            exclusions: action.exclusions.map((e) => ({ ...e })),
          },
        },
        opts,
      );
      return;
    }
    case 'AddScopedResource': {
      const s = locate(action.scopeId, ResourceTypes.privateLinkScope);
      await scopeWrite(ctx, action.scopeId, () =>
        ctx.clients
          .for(s.subscriptionId)
          .monitor.privateLinkScopedResources.createOrUpdate(s.resourceGroup, s.name, action.name, { linkedResourceId: action.linkedResourceId }, lro)
          .pollUntilDone(),
      );
      return;
    }
    case 'RemoveScopedResource': {
      const s = locate(action.scopeId, ResourceTypes.privateLinkScope);
      await scopeWrite(ctx, action.scopeId, () =>
        unlessGone(ctx.clients.for(s.subscriptionId).monitor.privateLinkScopedResources.delete(s.resourceGroup, s.name, action.name, lro).pollUntilDone()),
      );
      return;
    }
    case 'CreateRuleAssociation':
    case 'CreateEndpointAssociation': {
      await createAssociation(action, ctx, opts, rereads);
      return;
    }
    case 'DeleteAssociation': {
      await unlessGone(ctx.clients.for(subscriptionOf(action.resourceId)).monitor.dataCollectionRuleAssociations.delete(resourceUri(action.resourceId), action.name, opts));
      return;
    }
    case 'RepairExtensionIdentity': {
      // PATCH carries only `settings`: publisher, type, version and protected settings stay as they are.
      if (isType(action.resourceId, ResourceTypes.virtualMachineScaleSet)) {
        const s = locate(action.resourceId);
        await ctx.clients
          .for(s.subscriptionId)
          .compute.virtualMachineScaleSetExtensions.update(s.resourceGroup, s.name, action.extensionName, { settings: action.settings }, lro)
          .pollUntilDone();
        return;
      }
      const s = locate(action.resourceId, ResourceTypes.virtualMachine);
      await ctx.clients
        .for(s.subscriptionId)
        .compute.virtualMachineExtensions.update(s.resourceGroup, s.name, action.extensionName, { settings: action.settings }, lro)
        .pollUntilDone();
      return;
    }
  }
}

type AssociationCreate = Extract<Action, { kind: 'CreateRuleAssociation' | 'CreateEndpointAssociation' }>;

/**
 * The associations on each machine about to get one, read again just before writing: one list per machine
 * written to (its rule and endpoint creates share it), never one per machine left alone.
 */
type Rereads = Map<string, Promise<ObservedAssociation[]>>;

/** The association under that name now, or undefined when there is none. */
async function readAssociation(action: AssociationCreate, ctx: ActContext, opts: { abortSignal?: AbortSignal }, rereads: Rereads): Promise<ObservedAssociation | undefined> {
  const key = idKey(action.resourceId);
  let listed = rereads.get(key);
  if (!listed) {
    listed = collect(ctx.clients.for(subscriptionOf(action.resourceId)).monitor.dataCollectionRuleAssociations.listByResource(resourceUri(action.resourceId), opts)).then((list) =>
      list.flatMap((raw) => {
        const a = toAssociation(raw);
        return a ? [a] : [];
      }),
    );
    rereads.set(key, listed);
  }
  return (await listed).find((a) => sameName(a.name, action.name));
}

function pointsWhereWanted(found: ObservedAssociation, action: AssociationCreate): boolean {
  return action.kind === 'CreateRuleAssociation'
    ? sameId(found.dataCollectionRuleId, action.dataCollectionRuleId)
    : sameId(found.dataCollectionEndpointId, action.dataCollectionEndpointId);
}

/** The write lost a race: someone else's association holds the name now. It is reported, never overwritten. */
export class ChangedSinceObserved extends Error {
  readonly code = CHANGED_SINCE_OBSERVED;
  readonly statusCode = 412;
  readonly found: ObservedAssociation | undefined;
  constructor(action: AssociationCreate, found: ObservedAssociation | undefined) {
    const points = found?.dataCollectionRuleId ?? found?.dataCollectionEndpointId;
    super(
      `${action.name} on ${action.resourceId} was created by someone else after it was read${points ? ` (it points to ${points})` : ''}; it is left untouched`,
    );
    this.found = found;
  }
}

/**
 * Creates an association without ever overwriting one a person made since observe read the machine: the one
 * machine's associations are listed again just before the PUT (the association API declares no conditional headers, so this
 * read is what holds on Azure), and the PUT still says If-None-Match: * (or If-Match on our own) in case a
 * provider honours it. A race lost inside that last window answers 412 where the headers are honoured.
 */
async function createAssociation(action: AssociationCreate, ctx: ActContext, opts: { abortSignal?: AbortSignal }, rereads: Rereads): Promise<void> {
  const found = await readAssociation(action, ctx, opts, rereads);
  let condition: Record<string, string> = { 'If-None-Match': '*' };
  if (found) {
    const ours = parseOwnerMarker(action.description);
    // Ours: it carries the marker of the topology we write for (or, without one, exactly the description we write).
    const owned = ours ? isOwnedBy(found.description, ours) : found.description === action.description;
    if (!owned) throw new ChangedSinceObserved(action, found);
    // Ours and already right (another pass got there first): nothing to write.
    if (pointsWhereWanted(found, action)) return;
    condition = found.etag ? { 'If-Match': found.etag } : {};
  }
  const body =
    action.kind === 'CreateRuleAssociation'
      ? { dataCollectionRuleId: action.dataCollectionRuleId, description: action.description }
      : { dataCollectionEndpointId: action.dataCollectionEndpointId, description: action.description };
  try {
    await ctx.clients
      .for(subscriptionOf(action.resourceId))
      .monitor.dataCollectionRuleAssociations.create(resourceUri(action.resourceId), action.name, { ...opts, body, requestOptions: { headers: condition } });
  } catch (err) {
    if (describeError(err).statusCode === 412) throw new ChangedSinceObserved(action, undefined);
    throw err;
  }
}

/** Azure refuses a write to a scope whose previous write still runs ("Cannot modify resource while in provisioning state"). */
export function isProvisioningConflict(err: unknown): boolean {
  const e = describeError(err);
  return e.statusCode === 409 && /provisioning state/i.test(e.message);
}

/**
 * One write at a time per private link scope (across topologies and gateways), and a write refused because the
 * scope is still provisioning (another client's write) is retried with backoff before it counts as failed.
 */
async function scopeWrite(ctx: ActContext, scopeId: string, write: () => Promise<unknown>): Promise<void> {
  const attempts = ctx.provisioningRetries ?? 6;
  let backoff = ctx.provisioningBackoffMs ?? 1000;
  await ctx.exclusive(`scope-write|${scopeId}`, async () => {
    for (let attempt = 1; ; attempt++) {
      try {
        await write();
        return;
      } catch (err) {
        if (!isProvisioningConflict(err) || attempt >= attempts) throw err;
        ctx.logger.debug({ scopeId, attempt, backoffMs: backoff }, 'private link scope is provisioning; retrying');
        await delay(backoff, undefined, ctx.signal ? { signal: ctx.signal } : undefined);
        backoff *= 2;
      }
    }
  });
}
