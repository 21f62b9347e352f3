// Paged list bodies: `{ value, nextLink }` with an opaque skip token, as ARM pages large collections.
import type { Json } from '../types.ts';
import type { Env } from './kind.ts';
import type { ArmRequest, Reply } from './request.ts';
import type { StoredResource } from './store.ts';

// rule: arm.list.paging — source: reference/arm-contract.md (Pageable: { value, nextLink: absolute url })
export function listResponse(env: Env, req: ArmRequest, items: readonly StoredResource[], render: (r: StoredResource) => Json, lastPage: 'omit' | 'null' = 'omit'): Reply {
  const skip = Math.max(0, Number.parseInt(req.query.get('$skipToken') ?? '0', 10) || 0);
  const top = Number.parseInt(req.query.get('$top') ?? '', 10);
  const size = Number.isFinite(top) && top > 0 ? Math.min(top, env.pageSize) : env.pageSize;
  const page = items.slice(skip, skip + size).map(render);
  const body: Json = { value: page };
  if (skip + size < items.length) {
    const q = new URLSearchParams(req.query);
    q.set('$skipToken', String(skip + size));
    body.nextLink = `${req.baseUrl}${req.path}?${q.toString()}`;
  } else if (lastPage === 'null') {
    body.nextLink = null;
  }
  return { status: 200, body };
}
