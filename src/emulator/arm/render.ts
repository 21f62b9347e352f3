// How a stored resource is shown on the wire: its kind's view, and the etag in the body for kinds that carry one.
import type { Json } from '../types.ts';
import type { Env, Kind } from './kind.ts';
import type { StoredResource } from './store.ts';

export function render(env: Env, kind: Kind, resource: StoredResource, query?: URLSearchParams, listed = false): Json {
  const body = kind.view ? kind.view(env, resource, query, listed) : resource.body;
  if (kind.etagInBody) return { ...body, etag: resource.etag };
  return body;
}
