// ARM failures as data: read errors for the snapshot, action errors for outcomes.
import type PQueue from 'p-queue';
import type { ReadError } from '../model/index.ts';
import type { ActionError } from './gateway.ts';

interface ErrorLike {
  statusCode?: number;
  code?: string;
  message: string;
}

/** ARM's own error message per failed request: some SDK helpers (paging) replace it with their own. */
const armMessages = new WeakMap<object, string>();

/** Keeps ARM's error message of a failed request (its `error.message`), for the error the SDK throws about it. */
export function rememberArmError(request: object, bodyAsText: string | null | undefined): void {
  if (!bodyAsText) return;
  try {
    const body = JSON.parse(bodyAsText) as { error?: { message?: unknown }; message?: unknown } | null;
    const message = body?.error?.message ?? body?.message;
    if (typeof message === 'string' && message !== '') armMessages.set(request, message);
  } catch {
    // Not JSON: the SDK's message stands.
  }
}

/** Duck-typed: the SDKs throw RestError from more than one package copy, and pollers throw plain Errors. */
export function describeError(err: unknown): ErrorLike {
  if (typeof err === 'object' && err !== null) {
    const e = err as { statusCode?: unknown; code?: unknown; message?: unknown; details?: unknown; request?: unknown };
    const own = typeof e.message === 'string' && e.message !== '' ? e.message : JSON.stringify(err);
    const arm = typeof e.request === 'object' && e.request !== null ? armMessages.get(e.request) : undefined;
    // A paging helper's "Pagination failed with unexpected statusCode 403" hides what ARM said (the action refused).
    const out: ErrorLike = { message: arm !== undefined && !own.includes(arm) ? arm : own };
    if (typeof e.statusCode === 'number') out.statusCode = e.statusCode;
    if (typeof e.code === 'string' && e.code !== '') out.code = e.code;
    return out;
  }
  return { message: String(err) };
}

export function toReadError(resourceId: string, err: unknown): ReadError {
  const e = describeError(err);
  const notFound =
    e.statusCode === 404 || e.code === 'ResourceNotFound' || e.code === 'ResourceGroupNotFound' || e.code === 'NotFound';
  const forbidden = e.statusCode === 403 || e.code === 'AuthorizationFailed';
  const malformed = e.code === 'MalformedArmResource';
  const code = malformed ? 'Malformed' : notFound ? 'NotFound' : forbidden ? 'Forbidden' : 'Failed';
  const prefix = e.code ? `${e.code}: ` : e.statusCode ? `HTTP ${e.statusCode}: ` : '';
  return { resourceId, code, message: `${prefix}${e.message}` };
}

export function toActionError(err: unknown): ActionError {
  const e = describeError(err);
  const out: ActionError = {
    code: e.code ?? (e.statusCode !== undefined ? `Http${e.statusCode}` : 'RequestFailed'),
    message: e.message,
  };
  if (e.statusCode !== undefined) out.status = e.statusCode;
  const found = (err as { found?: ActionError['found'] } | undefined)?.found;
  if (found !== undefined) out.found = found;
  return out;
}

export function isNotFound(err: unknown): boolean {
  const e = describeError(err);
  return e.statusCode === 404;
}

export function isAbort(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { name?: unknown }).name === 'AbortError';
}

/** Runs a read on the queue; a failure becomes a ReadError for that resource and the read yields undefined. */
export function guardedReads(
  queue: PQueue,
  errors: ReadError[],
  priority = 0,
): <T>(resourceId: string, fn: () => Promise<T>) => Promise<T | undefined> {
  return <T>(resourceId: string, fn: () => Promise<T>): Promise<T | undefined> =>
    queue.add(
      async () => {
        try {
          return await fn();
        } catch (err) {
          errors.push(toReadError(resourceId, err));
          return undefined;
        }
      },
      { priority },
    );
}
