// An optional SDK that cannot be loaded fails with an error naming the package, and reads report it as such.
import { describe, expect, it } from 'vitest';
import { toReadError } from '../../src/azure/errors.ts';
import { loadSdk, SdkLoadError } from '../../src/azure/lazy.ts';

describe('loadSdk', () => {
  it('names the package when its import fails, and a read error carries that name', async () => {
    // A real dynamic import of a package that is not installed.
    const name = '@azure/arm-not-installed';
    const err: unknown = await loadSdk(name, (): Promise<{ Client: unknown }> => import(name), 'Client').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(SdkLoadError);
    expect((err as SdkLoadError).packageName).toBe(name);
    expect((err as SdkLoadError).message).toMatch(/^could not load @azure\/arm-not-installed: /);
    const read = toReadError('/subscriptions/s', err);
    expect(read.code).toBe('Failed');
    expect(read.message).toMatch(/^SdkLoadFailed: could not load @azure\/arm-not-installed/);
  });

  it('hands back the module when the import succeeds', async () => {
    const sdk = await loadSdk('@azure/arm-privatedns', () => import('@azure/arm-privatedns'), 'PrivateDnsManagementClient');
    expect(typeof sdk.PrivateDnsManagementClient).toBe('function');
  });

  it('names the package and what it exports when the client class is missing (a CommonJS build seen as a default export only)', async () => {
    const onlyDefault = { default: { HybridComputeManagementClient: class {} } } as { default: unknown; HybridComputeManagementClient?: unknown };
    const err: unknown = await loadSdk('@azure/arm-hybridcompute', () => Promise.resolve(onlyDefault), 'HybridComputeManagementClient').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(SdkLoadError);
    expect((err as SdkLoadError).message).toBe('could not load @azure/arm-hybridcompute: it exports no HybridComputeManagementClient (it exports default)');
  });
});
