// Endpoints that report long-running operations (Azure-AsyncOperation status and Location results).
import type { Json } from '../types.ts';
import { errors } from './errors.ts';
import type { ParsedPath } from './ids.ts';
import { parsePath } from './ids.ts';
import type { Env, Kind, Route } from './kind.ts';
import type { Operation } from './lro.ts';
import { render } from './render.ts';
import type { ArmRequest, Reply, Routed } from './request.ts';

// rule: arm.lro.headers — source: Azure/azure-resource-manager-rpc v1.0/Addendum.md (absolute Location, optional Azure-AsyncOperation)
export function lroHeaders(req: ArmRequest, parsed: ParsedPath, kind: Kind, opId: string, apiVersion: string): Record<string, string> {
  const ns = parsed.namespace ?? 'Microsoft.Resources';
  const q = `api-version=${apiVersion}`;
  const sub = `${req.baseUrl}/subscriptions/${parsed.subscriptionId}`;
  const own = kind.asyncOperationPath?.(parsed, opId);
  const status = own !== undefined ? `${req.baseUrl}${own}?${q}` : `${sub}/providers/${ns}/locations/global/operations/${opId}?${q}`;
  return { 'azure-asyncoperation': status, location: `${sub}/providers/${ns}/locations/global/operationResults/${opId}?${q}` };
}

// rule: arm.lro.status — source: reference/arm-contract.md §1 (OperationStatus { id, name, startTime, endTime, status, error }) and example privateLinkScopeOperationStatuses.json
function statusBody(op: Operation, id?: string): Json {
  const body: Json = { name: op.id, status: op.status, startTime: op.startTime };
  if (id) body.id = id;
  if (op.endTime) body.endTime = op.endTime;
  if (op.error) body.error = op.error.envelope().error;
  return body;
}

function find(env: Env, req: ArmRequest, parsed: ParsedPath, opId: string): Operation {
  const op = env.operations.get(opId);
  if (!op || op.subscriptionId.toLowerCase() !== parsed.subscriptionId.toLowerCase()) throw errors.operationNotFound(opId);
  // rule: arm.operations.authorized — source: Learn "Azure resource provider operations" (permissions/monitor and /compute list Microsoft.Insights/privateLinkScopeOperationStatuses/read and Microsoft.Compute/locations/operations/read: a status read is authorized by its own path's action, like any other read)
  req.authorize(`${parsed.namespace ?? 'Microsoft.Resources'}/${parsed.types.join('/')}/read`, req.path);
  return op;
}

/** A status resource of a provider's own (`id` set to the path, as such resources are ARM resources). */
export function operationStatusRoute(env: Env, req: ArmRequest, parsed: ParsedPath, operation: string): Routed {
  const opId = parsed.names[parsed.names.length - 1] ?? '';
  return {
    operation,
    run: (): Reply => {
      if (!req.query.get('api-version')) throw errors.missingApiVersion();
      return { status: 200, body: statusBody(find(env, req, parsed, opId), req.path) };
    },
  };
}

/** ARM's generic `locations/{location}/operations|operationStatuses|asyncOperations|operationResults/{id}` in any namespace. */
export const operationRoutes: Route = {
  match(env, req, parsed) {
    if (!parsed) return undefined;
    const t = parsed.types.map((x) => x.toLowerCase());
    const isStatus = t.length === 2 && t[0] === 'locations' && (t[1] === 'operations' || t[1] === 'operationstatuses' || t[1] === 'asyncoperations');
    const isResult = t.length === 2 && t[0] === 'locations' && t[1] === 'operationresults';
    if (!(isStatus || isResult) || parsed.names.length !== t.length) return undefined;
    const opId = parsed.names[parsed.names.length - 1] ?? '';
    return {
      operation: `GET ${parsed.namespace ?? ''}/${isResult ? 'operationResults' : 'operationStatuses'}`,
      run: (): Reply => {
        if (!req.query.get('api-version')) throw errors.missingApiVersion();
        const op = find(env, req, parsed, opId);
        if (!isResult) return { status: 200, body: statusBody(op) };
        // rule: arm.lro.result — source: Azure/azure-resource-manager-rpc v1.0/Addendum.md (the Location URL answers 202 while running, then the result, 200/204 for a delete)
        if (op.status === 'InProgress') return { status: 202, headers: { location: `${req.baseUrl}${req.path}?${req.query.toString()}` } };
        if (op.status === 'Failed' && op.error) return { status: op.error.status, body: op.error.body() };
        if (op.kind === 'delete') return { status: 204 };
        const resource = env.store.get(op.resourceId);
        const kind = env.kinds.ofId(parsePath(op.resourceId));
        if (!resource || !kind) return { status: 204 };
        return { status: 200, body: render(env, kind, resource) };
      },
    };
  },
};
