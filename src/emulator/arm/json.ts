// Small JSON helpers every provider uses: property access, merge patch, read-only fields, generated ids.
import { randomUUID } from 'node:crypto';
import type { Json } from '../types.ts';
import type { StoredResource } from './store.ts';

export const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The `properties` bag of a body, created when missing. */
export function props(body: Json): Json {
  if (!isObject(body.properties)) body.properties = {};
  return body.properties as Json;
}

/** RFC 7396 merge patch: null removes, objects merge, everything else replaces. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return structuredClone(patch);
  const out: Json = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

/** A request body without the fields ARM sets itself and ignores when sent (id, name, type, etag, systemData, child resources). */
export function withoutReadOnly(input: Json): Json {
  const { id: _i, name: _n, type: _t, etag: _e, systemData: _s, resources: _r, ...rest } = input;
  return rest;
}

export const hex = (n: number): string => randomUUID().replace(/-/g, '').slice(0, n);
export const guid = (): string => randomUUID();

/** Keeps read-only values from the existing body when the caller did not send them. */
export function keep(existing: StoredResource | undefined, path: string[]): unknown {
  let v: unknown = existing?.body;
  for (const p of path) v = isObject(v) ? v[p] : undefined;
  return v;
}

/** A property as text for messages and comparisons. */
export const str = (v: unknown): string => (typeof v === 'string' ? v : v === undefined || v === null ? '' : JSON.stringify(v));
