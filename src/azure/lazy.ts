// SDKs that only some topologies need are imported on first use: each one loaded at startup costs the controller
// memory for its whole life, whether or not a topology ever asks for what it reads.

/** A failed dynamic import of an optional SDK, named so that the cause (a missing or broken package) is plain. */
export class SdkLoadError extends Error {
  override readonly name = 'SdkLoadError';
  /** Read by the error descriptions, so read errors and findings show it. */
  readonly code = 'SdkLoadFailed';
  readonly packageName: string;
  constructor(packageName: string, cause: unknown) {
    super(`could not load ${packageName}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.packageName = packageName;
  }
}

/**
 * Runs `load` (a literal `import()` of `packageName`, so bundlers and readers see it) and names the package if it
 * fails, or if the module it gives does not export the client class `client` (a module system's interop gone wrong,
 * e.g. a CommonJS build whose named exports a bundle does not carry, would otherwise fail later as "not a constructor").
 */
export async function loadSdk<T extends object>(packageName: string, load: () => Promise<T>, client: keyof T & string): Promise<T> {
  let sdk: T;
  try {
    sdk = await load();
  } catch (err) {
    throw new SdkLoadError(packageName, err);
  }
  if (typeof sdk[client] !== 'function') {
    throw new SdkLoadError(packageName, new Error(`it exports no ${client} (it exports ${Object.keys(sdk).join(', ') || 'nothing'})`));
  }
  return sdk;
}
