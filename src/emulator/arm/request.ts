// What a route sees of an HTTP request and what it answers; the pipeline turns these into HTTP.
export interface ArmRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  body: unknown;
  headers: Record<string, string | string[] | undefined>;
  baseUrl: string;
  principal: string;
  authorize(action: string, scope: string): void;
  /** The caller writes `scope` (`action`) and the write names `linkedScope`: it needs `linkedAction` there too. */
  authorizeLinked(action: string, scope: string, linkedAction: string, linkedScope: string): void;
}

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface Routed {
  /** Counter name, e.g. `GET Microsoft.Compute/virtualMachines` or `LIST …`. */
  operation: string;
  run(): Reply;
}

export function header(req: ArmRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** The RBAC verb of an HTTP method. */
export const actionVerb = (method: string): string => (method === 'DELETE' ? 'delete' : method === 'GET' || method === 'HEAD' ? 'read' : 'write');
