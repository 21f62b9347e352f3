// The controller as it runs in a cluster: src/runtime/main.ts in its own process, configured by flags and
// environment only, talking to the control plane through a kubeconfig and to the emulator as it would to ARM.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const RUNTIME_MAIN = fileURLToPath(new URL('../runtime/main.ts', import.meta.url));

export interface AzureSettings {
  armEndpoint: string;
  authorityHost: string;
  caFile: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  /** The Log Analytics query API (delivery evidence). */
  logAnalyticsEndpoint: string;
}

export interface ControllerProcessOptions {
  kubeconfigPath: string;
  azure: AzureSettings;
  /** Every line the process writes goes here. */
  logPath: string;
  /** Called for each JSON log line. */
  onLog?: (line: Record<string, unknown>) => void;
}

export interface ControllerProcess {
  child: ChildProcess;
  pid: number;
  args: string[];
  /** Resolves with the metrics port once the process serves /metrics. */
  metricsPort: Promise<number>;
  /** Resolves once the process holds the leader lease and runs its workers (rejects if it exits first). */
  leading: Promise<void>;
  exited(): boolean;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the process is gone. */
  stop(graceMs?: number): Promise<void>;
}

/** The flags an operator would pass to point the controller at an ARM-compatible endpoint. */
export function controllerArgs(azure: AzureSettings): string[] {
  return [
    '--arm-endpoint', azure.armEndpoint,
    '--authority-host', azure.authorityHost,
    '--azure-ca-file', azure.caFile,
    '--log-analytics-endpoint', azure.logAnalyticsEndpoint,
    '--leader-elect',
    '--metrics-bind-address', '127.0.0.1:0',
    '--health-probe-bind-address', '127.0.0.1:0',
    '--graceful-shutdown-timeout', '5s',
  ];
}

/** The environment DefaultAzureCredential reads (EnvironmentCredential: a client secret). */
export function controllerEnv(azure: AzureSettings): Record<string, string> {
  return { AZURE_TENANT_ID: azure.tenantId, AZURE_CLIENT_ID: azure.clientId, AZURE_CLIENT_SECRET: azure.clientSecret };
}

export function startControllerProcess(opts: ControllerProcessOptions): ControllerProcess {
  const args = controllerArgs(opts.azure);
  // Its own process group: Ctrl-C reaches the sandbox alone, which then stops the controller first.
  const child = spawn(process.execPath, ['--no-warnings', RUNTIME_MAIN, ...args], {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      KUBECONFIG: opts.kubeconfigPath,
      POD_NAME: 'sandbox-controller',
      ...controllerEnv(opts.azure),
    },
  });
  if (child.pid === undefined) throw new Error(`could not start ${RUNTIME_MAIN}`);
  const log = createWriteStream(opts.logPath, { flags: 'a' });
  const exit = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;

  let resolvePort: (port: number) => void = () => undefined;
  let resolveLeading: () => void = () => undefined;
  const metricsPort = new Promise<number>((resolve) => (resolvePort = resolve));
  const leading = new Promise<void>((resolve, reject) => {
    resolveLeading = resolve;
    void exit.then(([code, signal]) => reject(new Error(`the controller exited (${code ?? signal}) before it started working; see ${opts.logPath}`)));
  });
  leading.catch(() => undefined);

  let buffer = '';
  const onData = (chunk: Buffer): void => {
    log.write(chunk);
    buffer += chunk.toString();
    const lines = buffer.split('\n');
    buffer = lines.pop() ?? '';
    for (const text of lines) {
      let line: Record<string, unknown>;
      try {
        line = JSON.parse(text) as Record<string, unknown>;
      } catch {
        continue;
      }
      if (line.msg === 'serving' && line.server === 'metrics') resolvePort(Number(String(line.address).split(':').pop()));
      // The workers start right after the lease is taken (or the cache synced, without election).
      if (typeof line.msg === 'string' && /became leader|acquired|leading/i.test(line.msg)) resolveLeading();
      opts.onLog?.(line);
    }
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);

  const exited = (): boolean => child.exitCode !== null || child.signalCode !== null;
  return {
    child,
    pid: child.pid,
    args,
    metricsPort,
    leading,
    exited,
    async stop(graceMs = 10_000) {
      if (!exited()) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        await exit;
        clearTimeout(timer);
      }
      await new Promise<void>((resolve) => log.end(resolve));
    },
  };
}
