// An optional SDK that cannot be loaded fails with an error naming the package, and reads report it as such.
import { describe, expect, it } from 'vitest';
import { toReadError } from '../../src/azure/errors.ts';
import { loadSdk, SdkLoadError } from '../../src/azure/lazy.ts';

describe('loadSdk', () => {
  it('names the package when its import fails, and a read error carries that name', async () => {
    // A real dynamic import of a package that is not installed.
    const name = '@azure/arm-not-installed';
    const err: unknown = await loadSdk(name, () => import(name)).then(
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
    const sdk = await loadSdk('@azure/arm-privatedns', () => import('@azure/arm-privatedns'));
    expect(typeof sdk.PrivateDnsManagementClient).toBe('function');
  });
});
