// `npm run sandbox -- --non-interactive` end to end: its own control plane (beside the one the integration
// project started), the emulator with the broken seed-story estate and its agents, the controller process,
// convergence, scale-out, the person's fix that only a person may make, and data flowing into Log Analytics.
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
  it('--non-interactive repairs the seed-story estate, associates a scale-out, reaches all-compliant once a person names the identity, ends with data flowing, and leaves nothing behind', { timeout: 480_000 }, async () => {
    // The deadline only bounds a run that never converges; the run itself ends on conditions.
    const run = await runSandbox(['--non-interactive', '--timeout', '6m']);
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

    // A person names uami-ama for vm-windows-02's agent through ARM and asks for a reconcile: all compliant.
    expect(out).toContain('==> A person resolves what only a person can');
    expect(out).toMatch(/az vm extension set .*--vm-name vm-windows-02 --name AzureMonitorWindowsAgent .*"identifier-name":"mi_res_id","identifier-value":"\/subscriptions\/[^"]+\/userAssignedIdentities\/uami-ama"/);
    expect(out).toMatch(/monitoring\.ampls\.dev\/reconcile-requested-at=\d{4}-\d\d-\d\dT/);
    expect(out).toMatch(/✔ AmbiguousIdentity\s+vm-windows-02\s+resolved/);
    // The on-premises Arc servers: one missing its endpoint association (fixed), one Disconnected until its agent is back.
    expect(out).toMatch(/✔ EndpointAssociationMissing\s+srv-onprem-01\s+resolved/);
    expect(out).toMatch(/✗ ArcMachineDisconnected\s+srv-onprem-02/);
    expect(out).toMatch(/srv-onprem-02: the connected-machine agent reports Connected again/);
    expect(out).toMatch(/✔ ArcMachineDisconnected\s+srv-onprem-02\s+resolved/);
    expect(out).toMatch(/ampls-central True\s+Enforce\s+16\s+16\s/);
    expect(out).toMatch(/Ready=True Converged: .*16 of 16 machines compliant/);
    expect(out).toMatch(/all-compliant: [\d.]+ s after the control plane was up/);

    // The result, read back from the emulator: the DCE is linked, every machine has both associations and
    // vm-windows-02's agent uses uami-ama; what stays is left for a person by design and does not hold Ready back.
    const result = out.slice(out.indexOf('==> Result'));
    expect(result).toMatch(/linked: dce-central, law-central/);
    expect(result).toMatch(/16 of 16 machines compliant, 0 failing, 0 pending/);
    expect(result).toMatch(/16 of 16 machines Delivering \(heartbeats and every rule's table in Log Analytics\), 0 heartbeat only, 0 silent; 2 queries per evidence read/);
    expect(result).toMatch(/vm-windows-02 .*uami-ama \+ uami-app\s+uami-ama\s/);
    expect(result).toMatch(/Left for a person by design/);
    expect(result).toMatch(/EndpointAssociationMisnamed \(Warning\) on vm-linux-03/);
    expect(result).not.toMatch(/\(Error\) on/);
    expect(result).not.toContain('(missing)');

    // Data flowing: the agents send as far as their configuration lets them, the controller reads Log Analytics.
    expect(out).toMatch(/NAME\s+READY\s+MODE\s+INSTANCES\s+COMPLIANT\s+DELIVERING\s+FINDINGS/);
    expect(out).toMatch(/vm-linux-01: its agent service is stopped in the guest/);
    // vm-windows-02 sends heartbeats only once the person names its identity: until then Log Analytics holds none
    // and its identity finding is the cause (no NoHeartbeat of its own); afterwards they arrive.
    const named = out.indexOf('az vm extension set');
    expect(named).toBeGreaterThan(0);
    expect(out.slice(0, named)).toMatch(/Log Analytics \(law-central\): 0 heartbeats from vm-windows-02 so far/);
    expect(out.slice(0, named)).not.toMatch(/NoHeartbeat\s+vm-windows-02/);
    expect(out.slice(named)).toMatch(/Log Analytics \(law-central\): [1-9]\d* heartbeats from vm-windows-02 now that its identity is named/);
    // The machine silenced in its guest is reported at stage Guest with the field report's checklist.
    expect(out).toMatch(/15 of 16 machines Delivering [\d.]+ s after the last repair/);
    expect(out).toMatch(/NoHeartbeat \(stage Guest\): Virtual machine vm-linux-01 sends no heartbeat although its configuration is correct\. Check in the guest: is the Azure Monitor Agent service running; does IMDS .*private IPs.*port 443.*mdsd\.err/);
    expect(out).toMatch(/vm-linux-01: systemctl start azuremonitoragent/);
    expect(out).toMatch(/✔ NoHeartbeat\s+vm-linux-01\s+resolved/);
    expect(out).toMatch(/all 16 machines Delivering, Ready=True/);
    expect(out).toMatch(/ampls-central True\s+Enforce\s+16\s+16\s+16\s/);
    expect(Number(/last repair -> every machine Delivering \(but the one its guest silences\): ([\d.]+) s/.exec(out)?.[1])).toBeGreaterThan(0);
    expect(out).toMatch(/agent started in the guest -> Delivering: [\d.]+ s/);
    expect(out).toMatch(/control plane up -> all-compliant: [\d.]+ s/);

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

  it('Ctrl-C while watching stops the controller, the emulator and the control plane', { timeout: 480_000 }, async () => {
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
