// Dispatch: a request path to the route that serves it. Operation status first, then the routes providers and
// kinds declare, then a kind's items and collections.
import { errors } from '../arm/errors.ts';
import { parsePath } from '../arm/ids.ts';
import type { Env } from '../arm/kind.ts';
import { operationRoutes } from '../arm/operations.ts';
import type { ArmRequest, Routed } from '../arm/request.ts';
import { routeKind } from '../arm/resources.ts';

/** Resolves the request to an operation name and a runner; throws ArmError for unroutable paths. */
export function dispatch(env: Env, req: ArmRequest): Routed {
  const parsed = parsePath(req.path);
  const generic = operationRoutes.match(env, req, parsed);
  if (generic) return generic;
  for (const route of env.kinds.routes) {
    const routed = route.match(env, req, parsed);
    if (routed) return routed;
  }
  if (!parsed?.namespace) throw errors.pathNotFound(req.path);
  return routeKind(env, req, { ...parsed, namespace: parsed.namespace });
}
