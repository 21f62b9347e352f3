// ARM failures as data: read errors for the snapshot, action errors for outcomes.
import type PQueue from 'p-queue';
import type { ReadError } from '../model/index.ts';
import type { ActionError } from './gateway.ts';

interface ErrorLike {
  statusCode?: number;
  code?: string;
  message: string;
}

/** Duck-typed: the SDKs throw RestError from more than one package copy, and pollers throw plain Errors. */
export function describeError(err: unknown): ErrorLike {
  if (typeof err === 'object' && err !== null) {
    const e = err as { statusCode?: unknown; code?: unknown; message?: unknown; details?: unknown };
    const out: ErrorLike = { message: typeof e.message === 'string' && e.message !== '' ? e.message : JSON.stringify(err) };
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
