// Controller configuration from flags and environment; flags win over environment, environment over defaults.
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { parseArgs } from 'node:util';

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface BindAddress {
  host: string;
  port: number;
}

export interface BudgetOverride {
  burst?: number;
  perSecond?: number;
}

export interface RuntimeConfig {
  /** Namespaces to watch; empty means all. */
  namespaces: string[];
  armEndpoint: string;
  logAnalyticsEndpoint: string;
  authorityHost?: string;
  azureCaFile?: string;
  concurrency: number;
  logLevel: LogLevel;
  /** Undefined when disabled with "0". */
  metricsBindAddress?: BindAddress;
  healthProbeBindAddress?: BindAddress;
  leaderElect: boolean;
  leaderElectionNamespace: string;
  leaderElectionId: string;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
  gracefulShutdownTimeoutMs: number;
  /** Per attempt of every ARM request and per token request. */
  armRequestTimeoutMs: number;
  /** Pod name (or hostname) plus a random suffix, as client-go does. */
  identity: string;
  budgets: { reads: BudgetOverride; writes: BudgetOverride; deletes: BudgetOverride };
  /** Bulk reads through Resource Graph: never, always, or for topologies of at least `threshold` machines. */
  resourceGraph: { mode: ResourceGraphMode; threshold: number };
}

export const RESOURCE_GRAPH_MODES = ['auto', 'always', 'never'] as const;
export type ResourceGraphMode = (typeof RESOURCE_GRAPH_MODES)[number];

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

interface FlagSpec {
  env?: string;
  type: 'string' | 'boolean';
  default?: string;
  help: string;
}

const SERVICE_ACCOUNT_NAMESPACE_FILE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';

// One table drives parsing, environment fallback and --help, so they cannot drift apart.
const FLAGS = {
  namespaces: { env: 'WATCH_NAMESPACES', type: 'string', default: '', help: 'Comma-separated namespaces to watch; empty watches all namespaces.' },
  'arm-endpoint': { env: 'AZURE_RESOURCE_MANAGER_ENDPOINT', type: 'string', default: 'https://management.azure.com', help: 'Azure Resource Manager endpoint (sovereign clouds, the emulator).' },
  'log-analytics-endpoint': { env: 'AZURE_LOG_ANALYTICS_ENDPOINT', type: 'string', default: 'https://api.loganalytics.io/v1', help: 'Log Analytics query API (delivery evidence; sovereign clouds, the emulator).' },
  'authority-host': { env: 'AZURE_AUTHORITY_HOST', type: 'string', help: 'Microsoft Entra authority host for token requests.' },
  'azure-ca-file': { env: 'AZURE_CA_FILE', type: 'string', help: 'PEM file with an extra CA to trust for Azure endpoints.' },
  concurrency: { env: 'CONCURRENCY', type: 'string', default: '4', help: 'Topologies reconciled in parallel (1-64).' },
  'log-level': { env: 'LOG_LEVEL', type: 'string', default: 'info', help: `Log level: ${LOG_LEVELS.join(', ')}.` },
  'metrics-bind-address': { env: 'METRICS_BIND_ADDRESS', type: 'string', default: ':8080', help: 'Address of the /metrics endpoint; "0" disables it.' },
  'health-probe-bind-address': { env: 'HEALTH_PROBE_BIND_ADDRESS', type: 'string', default: ':8081', help: 'Address of /healthz and /readyz; "0" disables it.' },
  'leader-elect': { env: 'LEADER_ELECT', type: 'boolean', help: 'Elect a leader through a Lease so that only one replica reconciles.' },
  'leader-election-namespace': { env: 'LEADER_ELECTION_NAMESPACE', type: 'string', help: 'Namespace of the Lease; defaults to the pod namespace.' },
  'leader-election-id': { env: 'LEADER_ELECTION_ID', type: 'string', default: 'ampls-topology-controller.monitoring.ampls.dev', help: 'Name of the Lease.' },
  'leader-election-lease-duration': { env: 'LEADER_ELECTION_LEASE_DURATION', type: 'string', default: '15s', help: 'How long non-leaders wait before taking over an unrenewed lease.' },
  'leader-election-renew-deadline': { env: 'LEADER_ELECTION_RENEW_DEADLINE', type: 'string', default: '10s', help: 'How long the leader keeps trying to renew before giving up.' },
  'leader-election-retry-period': { env: 'LEADER_ELECTION_RETRY_PERIOD', type: 'string', default: '2s', help: 'Interval between attempts to acquire or renew.' },
  'graceful-shutdown-timeout': { env: 'GRACEFUL_SHUTDOWN_TIMEOUT', type: 'string', default: '30s', help: 'How long in-flight reconciles may run after SIGTERM.' },
  'arm-request-timeout': { env: 'ARM_REQUEST_TIMEOUT', type: 'string', default: '60s', help: 'How long one ARM request attempt or one token request may take before it is abandoned (and retried).' },
  'arm-read-burst': { env: 'ARM_READ_BURST', type: 'string', help: 'Override the per-subscription ARM read bucket size.' },
  'arm-read-rate': { env: 'ARM_READ_RATE', type: 'string', help: 'Override the per-subscription ARM read refill per second.' },
  'arm-write-burst': { env: 'ARM_WRITE_BURST', type: 'string', help: 'Override the per-subscription ARM write bucket size.' },
  'arm-write-rate': { env: 'ARM_WRITE_RATE', type: 'string', help: 'Override the per-subscription ARM write refill per second.' },
  'arm-delete-burst': { env: 'ARM_DELETE_BURST', type: 'string', help: 'Override the per-subscription ARM delete bucket size.' },
  'arm-delete-rate': { env: 'ARM_DELETE_RATE', type: 'string', help: 'Override the per-subscription ARM delete refill per second.' },
  'resource-graph': { env: 'RESOURCE_GRAPH', type: 'string', default: 'auto', help: 'Bulk reads through Azure Resource Graph: auto (topologies of at least --resource-graph-threshold machines), always, or never (ARM only).' },
  'resource-graph-threshold': { env: 'RESOURCE_GRAPH_THRESHOLD', type: 'string', default: '1000', help: 'In auto, the machine count from which a topology is read through Resource Graph.' },
  help: { type: 'boolean', help: 'Print this help and exit.' },
} as const satisfies Record<string, FlagSpec>;

type FlagName = keyof typeof FLAGS;

export function usage(): string {
  const lines = ['Usage: ampls-topology-controller [flags]', '', 'Flags (environment variable in brackets):'];
  for (const [name, spec] of Object.entries(FLAGS) as [FlagName, FlagSpec][]) {
    const env = spec.env ? ` [${spec.env}]` : '';
    const def = spec.default !== undefined && spec.default !== '' ? ` (default ${spec.default})` : '';
    lines.push(`  --${name}${spec.type === 'string' ? ' value' : ''}${env}`, `      ${spec.help}${def}`);
  }
  return lines.join('\n');
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Go-style duration ("15s", "1m30s", "500ms") in milliseconds; undefined when malformed. */
export function parseDuration(text: string): number | undefined {
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy;
  let total = 0;
  let matched = 0;
  for (const m of text.matchAll(re)) {
    total += Number(m[1]) * (DURATION_UNITS[m[2] ?? ''] ?? Number.NaN);
    matched += m[0].length;
  }
  return matched === text.length && text.length > 0 && Number.isFinite(total) ? total : undefined;
}

/** ":8080", "127.0.0.1:0", "[::1]:8080"; "0" disables the server. */
export function parseBindAddress(flag: string, text: string): BindAddress | undefined {
  if (text === '0') return undefined;
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(text);
  const port = Number(m?.[3]);
  if (!m || port > 65535) throw new ConfigError(`--${flag}: "${text}" is not a bind address like ":8080" or "127.0.0.1:8080" (or "0" to disable)`);
  return { host: m[1] ?? (m[2] || '0.0.0.0'), port };
}

function integer(flag: string, text: string, min: number, max: number): number {
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || n < min || n > max) {
    throw new ConfigError(`--${flag}: "${text}" must be an integer from ${min} to ${max}`);
  }
  return n;
}

function positiveNumber(flag: string, text: string): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || n <= 0) throw new ConfigError(`--${flag}: "${text}" must be a positive number`);
  return n;
}

function duration(flag: string, text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined || ms <= 0) throw new ConfigError(`--${flag}: "${text}" is not a positive duration like "15s" or "1m30s"`);
  return ms;
}

function httpsUrl(flag: string, text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ConfigError(`--${flag}: "${text}" is not a URL`);
  }
  if (url.protocol !== 'https:') throw new ConfigError(`--${flag}: "${text}" must use https (tokens are sent to it)`);
  return text.replace(/\/+$/, '');
}

function boolean(flag: string, text: string): boolean {
  if (/^(true|1|yes)$/i.test(text)) return true;
  if (/^(false|0|no|)$/i.test(text)) return false;
  throw new ConfigError(`--${flag}: "${text}" must be true or false`);
}

function defaultNamespace(env: NodeJS.ProcessEnv): string {
  if (env.POD_NAMESPACE) return env.POD_NAMESPACE;
  try {
    return readFileSync(SERVICE_ACCOUNT_NAMESPACE_FILE, 'utf8').trim() || 'default';
  } catch {
    return 'default';
  }
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

export type ParseResult = { help: true } | { help: false; config: RuntimeConfig };

/** Parses argv (without node and script) and the environment; throws ConfigError naming the flag. */
export function parseConfig(argv: string[], env: NodeJS.ProcessEnv = process.env): ParseResult {
  const options: Record<string, { type: 'string' | 'boolean' }> = {};
  for (const [name, spec] of Object.entries(FLAGS)) options[name] = { type: spec.type };
  // Go-style "--leader-elect=false": parseArgs refuses a value on a boolean, so take it out first.
  const explicit: Record<string, string> = {};
  const args = argv.filter((arg) => {
    const m = /^--([a-z-]+)=(.*)$/.exec(arg);
    const spec: FlagSpec | undefined = m ? (FLAGS as Record<string, FlagSpec>)[m[1] ?? ''] : undefined;
    if (!m || spec?.type !== 'boolean') return true;
    explicit[m[1] ?? ''] = m[2] ?? '';
    return false;
  });
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({ args, options, strict: true, allowPositionals: false }));
    Object.assign(values, explicit);
  } catch (err) {
    throw new ConfigError(`${(err as Error).message}; see --help`);
  }
  if (values.help === true) return { help: true };

  const raw = (name: FlagName): string | undefined => {
    const v = values[name];
    if (typeof v === 'boolean') return String(v);
    if (v !== undefined) return v;
    const spec: FlagSpec = FLAGS[name];
    const fromEnv = spec.env ? env[spec.env] : undefined;
    return fromEnv ?? spec.default;
  };
  const str = (name: FlagName): string => raw(name) ?? '';

  const namespaces = str('namespaces').split(',').map((s) => s.trim()).filter(Boolean);
  for (const ns of namespaces) {
    if (!DNS_LABEL.test(ns)) throw new ConfigError(`--namespaces: "${ns}" is not a valid namespace name`);
  }

  const logLevel = str('log-level');
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new ConfigError(`--log-level: "${logLevel}" must be one of ${LOG_LEVELS.join(', ')}`);
  }

  const leaderElectionNamespace = raw('leader-election-namespace') || defaultNamespace(env);
  if (!DNS_LABEL.test(leaderElectionNamespace)) {
    throw new ConfigError(`--leader-election-namespace: "${leaderElectionNamespace}" is not a valid namespace name`);
  }
  const leaderElectionId = str('leader-election-id');
  if (!DNS_SUBDOMAIN.test(leaderElectionId)) {
    throw new ConfigError(`--leader-election-id: "${leaderElectionId}" is not a valid object name`);
  }

  const leaseDurationMs = duration('leader-election-lease-duration', str('leader-election-lease-duration'));
  const renewDeadlineMs = duration('leader-election-renew-deadline', str('leader-election-renew-deadline'));
  const retryPeriodMs = duration('leader-election-retry-period', str('leader-election-retry-period'));
  // The same invariants client-go's leaderelection enforces, or two leaders could overlap.
  if (renewDeadlineMs >= leaseDurationMs) {
    throw new ConfigError('--leader-election-renew-deadline: must be shorter than --leader-election-lease-duration');
  }
  if (retryPeriodMs * 1.2 >= renewDeadlineMs) {
    throw new ConfigError('--leader-election-retry-period: must be well under --leader-election-renew-deadline');
  }

  const authorityHost = raw('authority-host');
  const azureCaFile = raw('azure-ca-file');
  if (azureCaFile) {
    try {
      readFileSync(azureCaFile, 'utf8');
    } catch (err) {
      throw new ConfigError(`--azure-ca-file: cannot read "${azureCaFile}": ${(err as Error).message}`);
    }
  }

  const budget = (kind: 'read' | 'write' | 'delete'): BudgetOverride => {
    const out: BudgetOverride = {};
    const burst = raw(`arm-${kind}-burst`);
    const rate = raw(`arm-${kind}-rate`);
    if (burst) out.burst = integer(`arm-${kind}-burst`, burst, 1, 100_000);
    if (rate) out.perSecond = positiveNumber(`arm-${kind}-rate`, rate);
    return out;
  };

  const graphMode = str('resource-graph');
  if (!(RESOURCE_GRAPH_MODES as readonly string[]).includes(graphMode)) {
    throw new ConfigError(`--resource-graph: "${graphMode}" must be one of ${RESOURCE_GRAPH_MODES.join(', ')}`);
  }

  const config: RuntimeConfig = {
    namespaces,
    armEndpoint: httpsUrl('arm-endpoint', str('arm-endpoint')),
    logAnalyticsEndpoint: httpsUrl('log-analytics-endpoint', str('log-analytics-endpoint')),
    concurrency: integer('concurrency', str('concurrency'), 1, 64),
    logLevel: logLevel as LogLevel,
    leaderElect: boolean('leader-elect', str('leader-elect')),
    leaderElectionNamespace,
    leaderElectionId,
    leaseDurationMs,
    renewDeadlineMs,
    retryPeriodMs,
    gracefulShutdownTimeoutMs: duration('graceful-shutdown-timeout', str('graceful-shutdown-timeout')),
    armRequestTimeoutMs: duration('arm-request-timeout', str('arm-request-timeout')),
    identity: `${env.POD_NAME || hostname()}_${crypto.randomUUID()}`,
    budgets: { reads: budget('read'), writes: budget('write'), deletes: budget('delete') },
    resourceGraph: { mode: graphMode as ResourceGraphMode, threshold: integer('resource-graph-threshold', str('resource-graph-threshold'), 1, 10_000_000) },
  };
  const metrics = parseBindAddress('metrics-bind-address', str('metrics-bind-address'));
  const health = parseBindAddress('health-probe-bind-address', str('health-probe-bind-address'));
  if (metrics) config.metricsBindAddress = metrics;
  if (health) config.healthProbeBindAddress = health;
  if (authorityHost) config.authorityHost = httpsUrl('authority-host', authorityHost);
  if (azureCaFile) config.azureCaFile = azureCaFile;
  return { help: false, config };
}
