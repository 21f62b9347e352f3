// Runs the controller as a real process (src/runtime/main.ts) against the test control plane and an emulator.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { vi } from 'vitest';
import type { RunningEmulator } from '../../src/emulator/index.ts';

const MAIN = fileURLToPath(new URL('../../src/runtime/main.ts', import.meta.url));

export interface ControllerProcess {
  name: string;
  child: ChildProcess;
  /** Parsed JSON log lines, in order. */
  logs: Record<string, unknown>[];
  /** Non-JSON output (warnings, usage text). */
  text: string[];
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Port of a server the process reported ("metrics" or "health"). */
  port(server: 'metrics' | 'health'): Promise<number>;
  waitForLog(msg: string | RegExp, timeoutMs?: number): Promise<Record<string, unknown>>;
  get(server: 'metrics' | 'health', path: string): Promise<{ status: number; body: string }>;
  /** SIGKILL, if still running. */
  kill(): Promise<void>;
}

export interface StartOptions {
  name: string;
  args?: string[];
  env?: NodeJS.ProcessEnv;
  kubeconfig: string;
  emulator?: RunningEmulator;
  /** The entry point to run (default: src/runtime/main.ts, stripped of types by Node). */
  main?: string;
  /** Starts the process some other way (the container image), given the flags and environment; stdout and stderr piped. */
  spawn?: (args: string[], env: NodeJS.ProcessEnv) => ChildProcess;
}

/** Flags and environment that point the process at an emulator, the way an operator would. */
export function emulatorSettings(emulator: RunningEmulator): { args: string[]; env: NodeJS.ProcessEnv } {
  return {
    args: ['--arm-endpoint', emulator.url, '--authority-host', emulator.authorityHost, '--azure-ca-file', emulator.caCertPath],
    env: { AZURE_TENANT_ID: emulator.tenantId, AZURE_CLIENT_ID: emulator.clientId, AZURE_CLIENT_SECRET: emulator.clientSecret },
  };
}

export function startControllerProcess(opts: StartOptions): ControllerProcess {
  const azure = opts.emulator ? emulatorSettings(opts.emulator) : { args: [], env: {} };
  const args = ['--metrics-bind-address', '127.0.0.1:0', '--health-probe-bind-address', '127.0.0.1:0', '--log-level', 'debug', ...azure.args, ...(opts.args ?? [])];
  // process.execPath is the project's Node 24 (vitest runs under it); the process runs the TypeScript directly.
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, KUBECONFIG: opts.kubeconfig, POD_NAME: opts.name, ...azure.env, ...opts.env };
  const child = opts.spawn ? opts.spawn(args, env) : spawn(process.execPath, [opts.main ?? MAIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const logs: Record<string, unknown>[] = [];
  const text: string[] = [];
  let buffer = '';
  const onData = (chunk: Buffer): void => {
    buffer += chunk.toString();
    const lines = buffer.split('\n');
    buffer = lines.pop() ?? '';
    for (const line of lines) {
      if (process.env.MTOPO_TEST_LOGS) process.stderr.write(`[${opts.name}] ${line}\n`);
      try {
        logs.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        if (line.trim()) text.push(line);
      }
    }
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => resolve({ code, signal }));
  });

  const waitForLog = (msg: string | RegExp, timeoutMs = 30_000): Promise<Record<string, unknown>> =>
    vi.waitFor(
      () => {
        const found = logs.find((l) => (typeof msg === 'string' ? l.msg === msg : msg.test(String(l.msg))));
        if (!found) throw new Error(`${opts.name}: no log line ${String(msg)} (last: ${JSON.stringify(logs.slice(-3))} ${text.slice(-3).join(' ')})`);
        return found;
      },
      { timeout: timeoutMs, interval: 50 },
    );
  const port = async (server: 'metrics' | 'health'): Promise<number> => {
    const line = await vi.waitFor(
      () => {
        const l = logs.find((x) => x.msg === 'serving' && x.server === server);
        if (!l) throw new Error(`${opts.name}: ${server} server not up`);
        return l;
      },
      { timeout: 30_000, interval: 50 },
    );
    return Number(String(line.address).split(':').pop());
  };
  return {
    name: opts.name,
    child,
    logs,
    text,
    exit,
    port,
    waitForLog,
    async get(server, path) {
      const res = await fetch(`http://127.0.0.1:${await port(server)}${path}`);
      return { status: res.status, body: await res.text() };
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exit;
      }
    },
  };
}

/** The value of a Prometheus sample (summed over series matching all the given labels). */
export function metricValue(text: string, name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  let found = false;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (!Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) continue;
    total += Number(line.slice(line.lastIndexOf(' ') + 1));
    found = true;
  }
  return found ? total : Number.NaN;
}
