// The Log Analytics query API's error bodies (Learn, "Azure Monitor Log Analytics API errors"; arm-contract-wave2 §12).
import type { KqlError } from '../../../../kql/index.ts';

export interface DataPlaneReply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

const reply = (status: number, error: Record<string, unknown>, headers?: Record<string, string>): DataPlaneReply => ({ status, body: { error }, ...(headers ? { headers } : {}) });

export const laErrors = {
  missingAuthorization: () => reply(401, { code: 'AuthenticationFailed', message: "Authentication failed. The 'Authorization' header is missing." }),
  invalidToken: () => reply(403, { code: 'InvalidAuthenticationToken', message: 'The access token is invalid.' }),
  wrongAudience: (aud: string) =>
    reply(403, {
      code: 'InvalidAuthenticationTokenAudience',
      message: `The access token has been obtained from wrong audience or resource '${aud}'. It should exactly match (including forward slash) with one of the allowed audiences 'https://api.loganalytics.io'.`,
    }),
  insufficientAccess: (detail: string) =>
    reply(403, {
      code: 'InsufficientAccessError',
      message: 'The provided credentials have insufficient access to perform the requested operation',
      innererror: { code: 'UnauthorizedClient', message: detail },
    }),
  // invented: the exact body of a network-blocked query is not in the references; it keeps the documented 403 code with a reason.
  networkDenied: (detail: string) =>
    reply(403, {
      code: 'InsufficientAccessError',
      message: 'The provided credentials have insufficient access to perform the requested operation',
      innererror: { code: 'NetworkAccessDenied', message: detail },
    }),
  workspaceNotFound: (id: string) => reply(404, { code: 'WorkspaceNotFoundError', message: `Workspace '${id}' could not be found.` }),
  pathNotFound: (path: string) => reply(404, { code: 'PathNotFoundError', message: `The requested path does not exist: ${path}` }),
  missingQuery: () => reply(400, { code: 'BadArgumentError', message: 'The request had some invalid properties', innererror: { code: 'QueryValidationError', message: "The 'query' property is required." } }),
  syntax: (e: KqlError) =>
    reply(400, {
      code: 'BadArgumentError',
      message: 'The request had some invalid properties',
      innererror: {
        code: e.kind,
        message: e.kind === 'SyntaxError' ? 'A recognition error occurred in the query.' : 'A semantic error occurred in the query.',
        innererror: { code: e.kind === 'SyntaxError' ? 'SYN0002' : 'SEM0100', message: e.message, line: e.line, pos: e.column, token: e.token },
      },
    }),
  // invented body: the limits page documents the 429 and the per-user rate, not the error's JSON.
  throttled: (retryAfterSeconds: number) =>
    reply(
      429,
      { code: 'ThrottledError', message: 'Your request was throttled: a user may submit 200 queries per 30 seconds. Retry after the time in the Retry-After header.' },
      { 'retry-after': String(retryAfterSeconds) },
    ),
};
