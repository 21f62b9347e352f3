// Command line: `npm run emulator -- --estate <file> --port <n> [--settings <file>] [--page-size n] [--lro-delay ms]
// [--no-throttling] [--graph-lag ms]`. The settings file (YAML or JSON, the `settings:` block of an estate file) sets throttling
// buckets, Compute limits, LRO delays per type, faults and token audiences; flags win over it.
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { parse } from 'yaml';
import { startEmulator } from './index.ts';
import type { EmulatorSettings } from './types.ts';

const { values } = parseArgs({
  options: {
    estate: { type: 'string' },
    port: { type: 'string', default: '0' },
    host: { type: 'string', default: '127.0.0.1' },
    'page-size': { type: 'string' },
    'lro-delay': { type: 'string' },
    'ca-dir': { type: 'string' },
    seed: { type: 'string' },
    'no-throttling': { type: 'boolean', default: false },
    settings: { type: 'string' },
    'graph-lag': { type: 'string' },
  },
});

const settings = values.settings === undefined ? {} : (parse(await readFile(values.settings, 'utf8')) as EmulatorSettings);

const flags = {
  host: values.host,
  port: Number(values.port),
  estate: values.estate,
  pageSize: values['page-size'] ? Number(values['page-size']) : undefined,
  lroDelayMs: values['lro-delay'] ? Number(values['lro-delay']) : undefined,
  caDir: values['ca-dir'],
  seed: values.seed ? Number(values.seed) : undefined,
  throttling: values['no-throttling'] ? (false as const) : undefined,
};
const graphLag = values['graph-lag'] ? Number(values['graph-lag']) : undefined;
if (graphLag !== undefined) settings.resourceGraph = { ...settings.resourceGraph, lagMs: graphLag };
const emulator = await startEmulator({ ...settings, ...Object.fromEntries(Object.entries(flags).filter(([, v]) => v !== undefined)) });

process.stdout.write(
  [
    `ARM endpoint:    ${emulator.url}`,
    `Token endpoint:  ${emulator.tokenEndpoint}`,
    `Authority host:  ${emulator.authorityHost}`,
    `Tenant id:       ${emulator.tenantId}`,
    `Client id:       ${emulator.clientId}`,
    `Client secret:   ${emulator.clientSecret}`,
    `CA certificate:  ${emulator.caCertPath}`,
    `Admin:           ${emulator.url}/_emulator/counters  (also /faults, /state, /reset-counters)`,
    `Trust the CA:    NODE_EXTRA_CA_CERTS=${emulator.caCertPath}`,
    '',
  ].join('\n'),
);

const stop = (): void => {
  emulator.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
