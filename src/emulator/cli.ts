// Command line: `npm run emulator -- --estate <file> --port <n> [--page-size n] [--lro-delay ms] [--no-throttling]`.
import { parseArgs } from 'node:util';
import { startEmulator } from './index.ts';

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
  },
});

const emulator = await startEmulator({
  host: values.host,
  port: Number(values.port),
  estate: values.estate,
  pageSize: values['page-size'] ? Number(values['page-size']) : undefined,
  lroDelayMs: values['lro-delay'] ? Number(values['lro-delay']) : undefined,
  caDir: values['ca-dir'],
  seed: values.seed ? Number(values.seed) : undefined,
  throttling: values['no-throttling'] ? false : undefined,
});

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
