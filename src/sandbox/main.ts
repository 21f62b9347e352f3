// `npm run sandbox [-- --env-only | --non-interactive | --timeout 3m | --scale-out 5]`: see README.md.
import { parseArgs } from 'node:util';
import { runSandbox } from './sandbox.ts';
import type { SandboxMode } from './sandbox.ts';

const USAGE = `Usage: npm run sandbox [-- flags]

Starts a Kubernetes control plane and the ARM emulator loaded with a broken AMPLS estate,
runs the controller, applies examples/sandbox.yaml and shows the estate converge, scales the
Flexible scale set out and shows the new instances being associated, then plays the person who names
vm-windows-02's agent identity and shows every machine compliant, then shows data arriving in Log Analytics
from every machine, one of them only once its administrator starts its agent. Ctrl-C stops everything.

Flags:
  --env-only               Start the control plane and the emulator only, print how to reach them, and wait.
  --non-interactive, --ci  Run to completion: exit 0 once every machine is compliant and delivering and
                           Ready is True, exit 1 when --timeout passes first.
  --timeout <duration>     With --non-interactive: time allowed from the control plane being up
                           (default 5m; e.g. 90s, 4m).
  --scale-out <n>          Instances added to the Flexible scale set after convergence (default 5; 0 skips).
  --help                   Print this help.`;

function duration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim());
  if (!m) throw new Error(`--timeout: "${text}" is not a duration like 90s or 3m`);
  const unit = { ms: 1, s: 1000, m: 60_000 }[m[2] ?? 's'] ?? 1000;
  return Number(m[1]) * unit;
}

export async function main(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        'env-only': { type: 'boolean', default: false },
        'non-interactive': { type: 'boolean', default: false },
        ci: { type: 'boolean', default: false },
        timeout: { type: 'string', default: '5m' },
        'scale-out': { type: 'string', default: '5' },
        help: { type: 'boolean', default: false },
      },
    }));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const scaleOut = Number(values['scale-out']);
  let timeoutMs: number;
  try {
    timeoutMs = duration(values.timeout);
    if (!Number.isInteger(scaleOut) || scaleOut < 0 || scaleOut > 100) throw new Error(`--scale-out: "${values['scale-out']}" must be a whole number from 0 to 100`);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    return 2;
  }
  const mode: SandboxMode = values['env-only'] ? 'env-only' : values['non-interactive'] || values.ci ? 'non-interactive' : 'interactive';

  // Ctrl-C (or a TERM) starts an orderly teardown; a second one gives up waiting.
  const stop = new AbortController();
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(sig, () => {
      if (stop.signal.aborted) {
        process.stderr.write('\nstopping now\n');
        process.exit(130);
      }
      process.stderr.write('\n');
      stop.abort();
    });
  }
  return runSandbox({ mode, timeoutMs, scaleOut, signal: stop.signal, ownsSignals: true });
}

if (import.meta.main) {
  process.exit(await main(process.argv.slice(2)));
}
