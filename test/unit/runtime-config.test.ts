import { describe, expect, it } from 'vitest';
import { ConfigError, parseBindAddress, parseConfig, parseDuration, usage } from '../../src/runtime/config.ts';
import type { RuntimeConfig } from '../../src/runtime/config.ts';

function config(argv: string[], env: NodeJS.ProcessEnv = {}): RuntimeConfig {
  const parsed = parseConfig(argv, env);
  if (parsed.help) throw new Error('unexpected --help');
  return parsed.config;
}

function errorOf(argv: string[], env: NodeJS.ProcessEnv = {}): string {
  try {
    parseConfig(argv, env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('runtime configuration', () => {
  it('has the documented defaults', () => {
    const c = config([], { POD_NAMESPACE: 'ops', POD_NAME: 'ctl-0' });
    expect(c).toMatchObject({
      namespaces: [],
      armEndpoint: 'https://management.azure.com',
      concurrency: 4,
      logLevel: 'info',
      metricsBindAddress: { host: '0.0.0.0', port: 8080 },
      healthProbeBindAddress: { host: '0.0.0.0', port: 8081 },
      leaderElect: false,
      leaderElectionNamespace: 'ops',
      leaderElectionId: 'ampls-topology-controller.monitoring.ampls.dev',
      leaseDurationMs: 15_000,
      renewDeadlineMs: 10_000,
      retryPeriodMs: 2_000,
      budgets: { reads: {}, writes: {}, deletes: {} },
    });
    expect(c.identity).toMatch(/^ctl-0_[0-9a-f-]{36}$/);
    expect(c.authorityHost).toBeUndefined();
  });

  it('reads the environment and lets flags win', () => {
    const env = { WATCH_NAMESPACES: 'a, b', AZURE_RESOURCE_MANAGER_ENDPOINT: 'https://127.0.0.1:8443/', LOG_LEVEL: 'debug', LEADER_ELECT: 'true' };
    expect(config([], env)).toMatchObject({ namespaces: ['a', 'b'], armEndpoint: 'https://127.0.0.1:8443', logLevel: 'debug', leaderElect: true });
    const c = config(['--namespaces', 'c', '--log-level=warn', '--metrics-bind-address', '127.0.0.1:0', '--health-probe-bind-address', '0'], env);
    expect(c).toMatchObject({ namespaces: ['c'], logLevel: 'warn', metricsBindAddress: { host: '127.0.0.1', port: 0 } });
    expect(c.healthProbeBindAddress).toBeUndefined();
  });

  it('takes Go-style boolean values', () => {
    expect(config(['--leader-elect']).leaderElect).toBe(true);
    expect(config(['--leader-elect=true']).leaderElect).toBe(true);
    expect(config(['--leader-elect=false'], { LEADER_ELECT: 'true' }).leaderElect).toBe(false);
  });

  it('takes ARM budget overrides', () => {
    const c = config(['--arm-read-burst', '50', '--arm-write-rate', '2.5']);
    expect(c.budgets).toEqual({ reads: { burst: 50 }, writes: { perSecond: 2.5 }, deletes: {} });
  });

  it.each([
    [['--concurrency', '0'], /--concurrency: "0" must be an integer from 1 to 64/],
    [['--concurrency', 'many'], /--concurrency/],
    [['--log-level', 'loud'], /--log-level: "loud" must be one of/],
    [['--arm-endpoint', 'http://management.azure.com'], /--arm-endpoint: .* must use https/],
    [['--arm-endpoint', 'not a url'], /--arm-endpoint: "not a url" is not a URL/],
    [['--authority-host', 'ftp://x'], /--authority-host/],
    [['--metrics-bind-address', '8080'], /--metrics-bind-address: "8080" is not a bind address/],
    [['--namespaces', 'Bad_NS'], /--namespaces: "Bad_NS" is not a valid namespace name/],
    [['--leader-election-lease-duration', 'soon'], /--leader-election-lease-duration: "soon" is not a positive duration/],
    [['--leader-election-renew-deadline', '20s'], /--leader-election-renew-deadline: must be shorter/],
    [['--azure-ca-file', '/nonexistent/ca.pem'], /--azure-ca-file: cannot read/],
    [['--arm-write-rate=-1'], /--arm-write-rate: "-1" must be a positive number/],
    [['--no-such-flag'], /Unknown option '--no-such-flag'.*see --help/],
  ])('rejects %j with a message naming the flag', (argv, message) => {
    expect(errorOf(argv)).toMatch(message);
  });

  it('rejects a bad environment value by the flag it stands for', () => {
    expect(errorOf([], { LEADER_ELECT: 'perhaps' })).toMatch(/--leader-elect: "perhaps" must be true or false/);
  });

  it('answers --help with every flag and its environment variable', () => {
    expect(parseConfig(['--help'], {})).toEqual({ help: true });
    const text = usage();
    for (const s of ['--namespaces', 'WATCH_NAMESPACES', '--arm-endpoint', 'AZURE_AUTHORITY_HOST', '--leader-elect', '--azure-ca-file', ':8080']) {
      expect(text).toContain(s);
    }
  });

  it('chooses the bulk read path: Resource Graph in auto above a machine threshold, always, or never', () => {
    expect(config([]).resourceGraph).toEqual({ mode: 'auto', threshold: 1000 });
    expect(config(['--resource-graph=never'], { RESOURCE_GRAPH: 'always' }).resourceGraph.mode).toBe('never');
    expect(config([], { RESOURCE_GRAPH: 'always', RESOURCE_GRAPH_THRESHOLD: '50' }).resourceGraph).toEqual({ mode: 'always', threshold: 50 });
    expect(errorOf(['--resource-graph=sometimes'])).toMatch(/--resource-graph: "sometimes" must be one of auto, always, never/);
    expect(errorOf(['--resource-graph-threshold=0'])).toMatch(/--resource-graph-threshold/);
  });

  it('parses Go durations and bind addresses', () => {
    expect(parseDuration('1m30s')).toBe(90_000);
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('1.5h')).toBe(5_400_000);
    expect(parseDuration('15')).toBeUndefined();
    expect(parseDuration('15s junk')).toBeUndefined();
    expect(parseBindAddress('x', '[::1]:9090')).toEqual({ host: '::1', port: 9090 });
    expect(parseBindAddress('x', '0')).toBeUndefined();
  });
});
