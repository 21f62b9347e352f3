// `npm run sandbox -- --non-interactive` end to end: its own control plane (beside the one the integration
// project started), the emulator with the broken seed-story estate, the controller process, convergence, scale-out.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const MAIN = fileURLToPath(new URL('../../src/sandbox/main.ts', import.meta.url));

interface Run {
  code: number | null;
  output: string;
}

/** Runs the sandbox; with `interruptOn`, sends SIGINT (Ctrl-C) once that text is printed. */
function runSandbox(args: string[], interruptOn?: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    // process.execPath is the project's Node 24 (vitest runs under it).
    const child = spawn(process.execPath, ['--no-warnings', MAIN, ...args], {
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    let interrupted = false;
    const onData = (d: Buffer): void => {
      output += d.toString();
      if (interruptOn && !interrupted && output.includes(interruptOn)) {
        interrupted = true;
        child.kill('SIGINT');
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, output }));
  });
}

/** Paths the run printed that must be gone after teardown. */
function leftovers(out: string): string[] {
  const paths = [/kubeconfig (\/\S+)/, /CA: (\/\S+)/, /log (\/\S+)\/controller\.log/].flatMap((re) => {
    const m = re.exec(out)?.[1];
    return m ? [m] : [];
  });
  return paths.filter((p) => existsSync(p));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('npm run sandbox', () => {
  it('--non-interactive repairs the seed-story estate, associates a scale-out, and leaves nothing behind', { timeout: 300_000 }, async () => {
    const run = await runSandbox(['--non-interactive', '--timeout', '2m']);
    const out = run.output;
    expect(out, out).toContain('==> Converging');
    expect(run.code, out).toBe(0);

    // The broken estate, read from the emulator before the controller ran.
    expect(out).toMatch(/dce-central is not linked to the PrivateOnly scope/);
    expect(out).toMatch(/endpoint association under another name, which the agent ignores: vm-linux-03/);

    // The controller's repairs, seen through the API server: findings appear, then resolve.
    expect(out).toMatch(/✗ ResourceNotScoped\s+dce-central/);
    expect(out).toMatch(/✔ ResourceNotScoped\s+dce-central\s+resolved/);
    expect(out).toMatch(/✔ EndpointAssociationMissing\s+vm-linux-02\s+resolved/);
    expect(out).toMatch(/→ CreatedEndpointAssociation/);
    expect(out).toMatch(/converged: [\d.]+ s after the control plane was up/);
    expect(out).toMatch(/all 5 new instances associated [\d.]+ s after the scale-out/);

    // The result, read back from the emulator: the DCE is linked and every machine has both associations,
    // except what only a person can decide (vm-windows-02's two identities), which is reported.
    expect(out).toMatch(/linked: dce-central, law-central/);
    expect(out).toMatch(/\d+ of \d+ machines compliant, 1 failing, 0 pending/);
    expect(out).toMatch(/AmbiguousIdentity \(Error\) on vm-windows-02/);
    const result = out.slice(out.indexOf('==> Result'));
    expect(result).not.toContain('(missing)');

    // Within the acceptance budget: two minutes from the control plane being up.
    const converged = Number(/control plane up -> converged: ([\d.]+) s/.exec(out)?.[1]);
    expect(converged).toBeLessThan(120);

    // Teardown: the controller process and the work directory are gone.
    expect(out).toContain('temporary files removed');
    const pid = Number(/pid (\d+): node src\/runtime\/main\.ts/.exec(out)?.[1]);
    expect(pid).toBeGreaterThan(0);
    expect(alive(pid)).toBe(false);
    const workDir = /log (\/\S+)\/controller\.log/.exec(out)?.[1] ?? '';
    expect(workDir).toMatch(/mtopo-sandbox-/);
    expect(existsSync(workDir)).toBe(false);
    const kubeconfig = /kubeconfig (\/\S+)/.exec(out)?.[1] ?? '';
    expect(kubeconfig).not.toBe('');
    expect(existsSync(kubeconfig)).toBe(false);
  });

  it('Ctrl-C while watching stops the controller, the emulator and the control plane', { timeout: 300_000 }, async () => {
    const run = await runSandbox(['--scale-out', '0'], '==> Watching for changes');
    const out = run.output;
    expect(run.code, out).toBe(0);
    expect(out).toContain('export KUBECONFIG=');
    expect(out).toContain('temporary files removed');
    const pid = Number(/pid (\d+): node src\/runtime\/main\.ts/.exec(out)?.[1]);
    expect(alive(pid)).toBe(false);
    expect(leftovers(out)).toEqual([]);
  });

  it('--env-only starts the control plane and the emulator, prints how to run the controller, and cleans up on Ctrl-C', { timeout: 300_000 }, async () => {
    const run = await runSandbox(['--env-only'], '==> Waiting');
    const out = run.output;
    expect(run.code, out).toBe(0);
    expect(out).toMatch(/AZURE_TENANT_ID=\S+ AZURE_CLIENT_ID=\S+ AZURE_CLIENT_SECRET=\S+ npx node src\/runtime\/main\.ts --arm-endpoint https:/);
    expect(out).not.toContain('==> Controller');
    expect(out).toContain('temporary files removed');
    expect(leftovers(out)).toEqual([]);
  });

  it('refuses an unknown flag with its usage', async () => {
    const run = await runSandbox(['--no-such-flag']);
    expect(run.code).toBe(2);
    expect(run.output).toContain('Usage: npm run sandbox');
  });
});
