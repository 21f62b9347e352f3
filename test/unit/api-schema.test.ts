// The TypeScript types in src/api/types.ts and the CRD schema describe the same objects. The check is
// made by the type checker (`npm test` runs tsc first), so drift fails the build before any test runs.
import type { FromSchema, JSONSchema } from 'json-schema-to-ts';
import { describe, expectTypeOf, it } from 'vitest';
import type { specSchema, statusSchema } from '../../src/api/schema.ts';
import type { MonitoringTopologySpec, MonitoringTopologyStatus } from '../../src/api/types.ts';

// Structural schemas cannot say additionalProperties: false (the apiserver prunes instead), so
// FromSchema types every object as open; drop those `[k: string]: unknown` signatures before comparing.
type Closed<T> =
  T extends readonly (infer E)[]
    ? Closed<E>[]
    : T extends object
      ? { [K in keyof T as string extends K ? (unknown extends T[K] ? never : K) : K]: Closed<T[K]> }
      : T;

type SchemaOf<S extends JSONSchema> = Closed<FromSchema<S, { keepDefaultedPropertiesOptional: true }>>;

describe('src/api/types.ts agrees with src/api/schema.ts', () => {
  it('spec', () => {
    expectTypeOf<SchemaOf<typeof specSchema>>().toEqualTypeOf<MonitoringTopologySpec>();
  });
  it('status', () => {
    expectTypeOf<SchemaOf<typeof statusSchema>>().toEqualTypeOf<MonitoringTopologyStatus>();
  });
});
