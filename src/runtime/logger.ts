// Structured JSON logs (pino) that never carry a token, a secret or an authorization header.
import { pino } from 'pino';
import type { DestinationStream, Logger } from 'pino';
import type { LogLevel } from './config.ts';

const CENSOR = '[REDACTED]';

/** Field names whose value is a credential wherever they appear. */
const SENSITIVE_KEYS = new Set(
  [
    'authorization',
    'proxy-authorization',
    'cookie',
    'set-cookie',
    'x-ms-authorization-auxiliary',
    'token',
    'accesstoken',
    'access_token',
    'refresh_token',
    'id_token',
    'client_secret',
    'clientsecret',
    'client_assertion',
    'password',
    'secret',
    'bearertoken',
  ].map((k) => k.toLowerCase()),
);

// pino's fast redaction for the known shapes; the serializers below catch what nests deeper.
const REDACT_PATHS = [
  'authorization',
  'token',
  'accessToken',
  'secret',
  'clientSecret',
  'password',
  '*.authorization',
  '*.Authorization',
  '*.token',
  '*.accessToken',
  '*.secret',
  '*.clientSecret',
  '*.password',
  'headers.authorization',
  'headers.cookie',
  'req.headers.authorization',
  'req.headers.cookie',
  'request.headers.authorization',
  'request.headers.Authorization',
  'request.headers.cookie',
  'response.headers["set-cookie"]',
];

const BEARER = /\b(Bearer|Basic)\s+[A-Za-z0-9\-._~+/]+=*/g;
const JWT = /\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g;
const QUERY_SECRET = /([?&](?:client_secret|client_assertion|access_token|sig|code)=)[^&\s"]+/gi;

/** Removes bearer tokens, JWTs and secret query parameters from free text. */
export function scrubText(text: string): string {
  return text.replace(BEARER, `$1 ${CENSOR}`).replace(JWT, CENSOR).replace(QUERY_SECRET, `$1${CENSOR}`);
}

/** Deep copy with sensitive keys censored and strings scrubbed; bounded so a cyclic error cannot hang logging. */
export function scrub(value: unknown, depth = 0, seen = new WeakSet<object>()): unknown {
  if (typeof value === 'string') return scrubText(value);
  if (value === null || typeof value !== 'object') return value;
  if (depth > 6 || seen.has(value)) return '[Truncated]';
  seen.add(value);
  if (Array.isArray(value)) return value.map((v) => scrub(v, depth + 1, seen));
  // Azure SDK header collections are not plain objects; read them through their iterator.
  const entries =
    typeof (value as { entries?: unknown }).entries === 'function' && !(value instanceof Error)
      ? [...(value as { entries(): Iterable<[string, unknown]> }).entries()]
      : Object.entries(value);
  const out: Record<string, unknown> = {};
  for (const [k, v] of entries) {
    out[k] = SENSITIVE_KEYS.has(k.toLowerCase()) ? CENSOR : scrub(v, depth + 1, seen);
  }
  return out;
}

/** Error serializer: message, stack and code, plus a scrubbed view of any request/response the error carries. */
export function serializeError(err: unknown): unknown {
  if (!(err instanceof Error)) return scrub(err);
  const e = err as Error & Record<string, unknown>;
  const out: Record<string, unknown> = {
    type: e.name,
    message: scrubText(e.message),
  };
  if (e.stack) out.stack = scrubText(e.stack);
  for (const key of ['code', 'statusCode', 'status', 'reason']) {
    if (e[key] !== undefined) out[key] = scrub(e[key]);
  }
  const request = e.request as { method?: unknown; url?: unknown; headers?: unknown } | undefined;
  if (request && typeof request === 'object') {
    out.request = { method: request.method, url: scrub(request.url), headers: scrub(request.headers) };
  }
  const response = e.response as { status?: unknown; headers?: unknown } | undefined;
  if (response && typeof response === 'object') {
    out.response = { status: response.status, headers: scrub(response.headers) };
  }
  if (e.cause !== undefined) out.cause = serializeError(e.cause);
  return out;
}

export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { component: 'ampls-topology-controller' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACT_PATHS, censor: CENSOR },
      // Messages are free text and may quote a header or a URL with a token in it.
      hooks: {
        logMethod(args, method) {
          method.apply(this, args.map((a) => (typeof a === 'string' ? scrubText(a) : a)) as Parameters<typeof method>);
        },
      },
      // A child made for one topology is one reconcile's logger: give each its own id, as controller-runtime does.
      onChild: (child) => {
        const bindings = child.bindings();
        if (typeof bindings.topology === 'string' && bindings.reconcileID === undefined) {
          child.setBindings({ reconcileID: crypto.randomUUID() });
        }
      },
      serializers: { err: serializeError, error: serializeError, headers: scrub, request: scrub, response: scrub },
    },
    destination,
  );
}

/** The logger for one reconcile: every line names the topology and the reconcile it belongs to. */
export function reconcileLogger(base: Logger, topology: { namespace: string; name: string }): Logger {
  return base.child({ topology: `${topology.namespace}/${topology.name}`, reconcileID: crypto.randomUUID() });
}
