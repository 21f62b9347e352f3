// The controller's startup footprint: the SDKs only some topologies need are not loaded by the entry module, and
// are loaded (by a real import, seen by the module loader) when first used. Each one loaded at startup costs memory
// for the process's whole life.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const child = fileURLToPath(new URL('../support/loaded-packages.ts', import.meta.url));
const main = fileURLToPath(new URL('../../src/runtime/main.ts', import.meta.url));

const OPTIONAL = {
  network: '@azure/arm-network',
  privateDns: '@azure/arm-privatedns',
  hybridCompute: '@azure/arm-hybridcompute',
  evidence: '@azure/monitor-query-logs',
  resourceGraph: '@azure/arm-resourcegraph',
} as const;

describe('startup footprint', () => {
  it('the entry module loads none of the optional SDKs; each is loaded by its first use', async () => {
    const { stdout } = await run(process.execPath, ['--experimental-strip-types', '--no-warnings', child, main, ...Object.keys(OPTIONAL)], { timeout: 90_000 });
    const { startup, used } = JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as { startup: string[]; used: Record<string, string[]> };
    // The check sees packages at all: these are what the entry module needs.
    expect(startup).toEqual(expect.arrayContaining(['@azure/arm-monitor', '@azure/arm-compute', '@azure/identity', '@kubernetes/client-node']));
    for (const [use, pkg] of Object.entries(OPTIONAL)) {
      expect(startup, `${pkg} loaded at startup`).not.toContain(pkg);
      expect(used[use], `${pkg} not loaded by its first use`).toContain(pkg);
    }
  }, 120_000);
});
