// Endpoints that report long-running operations (Azure-AsyncOperation status and Location results).
import type { ArmRequest, Reply, Routed } from './arm.ts';
import { render } from './arm.ts';
import { errors } from './errors.ts';
import type { ParsedPath } from './ids.ts';
import { parsePath } from './ids.ts';
import { kindOf } from './kind.ts';
import type { Env } from './kind.ts';
import type { Operation } from './lro.ts';
import type { Json } from './types.ts';

export function lroHeaders(req: ArmRequest, parsed: ParsedPath, opId: string, apiVersion: string, _isDelete: boolean): Record<string, string> {
  const ns = parsed.namespace ?? 'Microsoft.Resources';
  const q = `api-version=${apiVersion}`;
  const sub = `${req.baseUrl}/subscriptions/${parsed.subscriptionId}`;
  const insightsScope = ns.toLowerCase() === 'microsoft.insights' && parsed.resourceGroup !== undefined && parsed.types[0]?.toLowerCase() === 'privatelinkscopes';
  const status = insightsScope
    ? `${sub}/resourceGroups/${parsed.resourceGroup}/providers/Microsoft.Insights/privateLinkScopeOperationStatuses/${opId}?${q}`
    : `${sub}/providers/${ns}/locations/global/operations/${opId}?${q}`;
  const headers: Record<string, string> = { 'azure-asyncoperation': status, location: `${sub}/providers/${ns}/locations/global/operationResults/${opId}?${q}` };
  return headers;
}

function statusBody(op: Operation, id?: string): Json {
  const body: Json = { name: op.id, status: op.status, startTime: op.startTime };
  if (id) body.id = id;
  if (op.endTime) body.endTime = op.endTime;
  if (op.error) body.error = op.error.body().error;
  return body;
}

/** Routes operation-status and operation-result paths; undefined for anything else. */
export function handleOperation(env: Env, req: ArmRequest, parsed: ParsedPath): Routed | undefined {
  const t = parsed.types.map((x) => x.toLowerCase());
  const isStatus = t.length === 2 && t[0] === 'locations' && (t[1] === 'operations' || t[1] === 'operationstatuses' || t[1] === 'asyncoperations');
  const isResult = t.length === 2 && t[0] === 'locations' && t[1] === 'operationresults';
  const isScopeStatus = t.length === 1 && t[0] === 'privatelinkscopeoperationstatuses';
  if (!(isStatus || isResult || isScopeStatus) || parsed.names.length !== t.length) return undefined;
  const opId = parsed.names[parsed.names.length - 1] ?? '';
  return {
    operation: `GET ${parsed.namespace ?? ''}/${isResult ? 'operationResults' : 'operationStatuses'}`,
    run: (): Reply => {
      if (!req.query.get('api-version')) throw errors.missingApiVersion();
      const op = env.operations.get(opId);
      if (!op || op.subscriptionId.toLowerCase() !== parsed.subscriptionId.toLowerCase()) throw errors.operationNotFound(opId);
      if (!isResult) return { status: 200, body: statusBody(op, isScopeStatus ? req.path : undefined) };
      if (op.status === 'InProgress') return { status: 202, headers: { location: `${req.baseUrl}${req.path}?${req.query.toString()}` } };
      if (op.status === 'Failed' && op.error) return { status: op.error.status, body: op.error.body() };
      if (op.kind === 'delete') return { status: 204 };
      const resource = env.store.get(op.resourceId);
      const p = parsePath(op.resourceId);
      const kind = p?.namespace ? kindOf([p.namespace, ...p.types].join('/')) : undefined;
      if (!resource || !kind) return { status: 204 };
      return { status: 200, body: render(env, kind, resource) };
    },
  };
}
