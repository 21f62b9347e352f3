// Pipeline policies that keep one ARM call from freezing a reconcile: a per-attempt timeout, and a new token
// when ARM rejects the current one as expired.
import { RestError } from '@azure/core-rest-pipeline';
import type { PipelinePolicy, PipelineResponse } from '@azure/core-rest-pipeline';
import { eitherSignal } from './credential.ts';
import type { ArmCredential } from './credential.ts';


/**
 * Each attempt gets `timeoutMs`; a timed-out attempt fails as ETIMEDOUT, which the SDK's retry policy (outside
 * this one) retries like any network failure. A cancelled reconcile still aborts at once.
 */
export function requestTimeoutPolicy(timeoutMs: number): PipelinePolicy {
  return {
    name: 'armRequestTimeout',
    async sendRequest(request, next) {
      const outer = request.abortSignal;
      const timer = new AbortController();
      const handle = setTimeout(() => timer.abort(), timeoutMs);
      request.abortSignal = eitherSignal(outer, timer.signal);
      try {
        return await next(request);
      } catch (err) {
        if (timer.signal.aborted && !outer?.aborted) {
          throw new RestError(`ARM did not answer ${request.method} ${new URL(request.url).pathname} within ${timeoutMs} ms`, { code: 'ETIMEDOUT', request });
        }
        throw err;
      } finally {
        clearTimeout(handle);
        request.abortSignal = outer;
      }
    },
  };
}

function isExpiredToken(response: PipelineResponse): boolean {
  if (response.status !== 401) return false;
  try {
    const body = JSON.parse(response.bodyAsText ?? '') as { error?: { code?: unknown } };
    return body.error?.code === 'ExpiredAuthenticationToken';
  } catch {
    return false;
  }
}

/**
 * ARM answers `401 ExpiredAuthenticationToken` when the token's lifetime ended by its clock; the SDK's token cache
 * would keep sending it until it ages out locally. Get a new one and send the request once more.
 */
export function expiredTokenPolicy(credential: ArmCredential, scope: string, onRefresh?: () => void): PipelinePolicy {
  return {
    name: 'armExpiredTokenRefresh',
    async sendRequest(request, next) {
      const response = await next(request);
      if (!isExpiredToken(response)) return response;
      const token = await credential.refresh(scope);
      onRefresh?.();
      request.headers.set('authorization', `Bearer ${token.token}`);
      return next(request);
    },
  };
}
