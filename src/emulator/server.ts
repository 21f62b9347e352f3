// The HTTPS request pipeline: admin → identity → faults → authentication → throttling → handler → serializer.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { route } from './arm.ts';
import type { ArmRequest, Reply, Routed } from './arm.ts';
import { ARM_AUDIENCE, instanceDiscovery, openIdConfiguration } from './auth.ts';
import type { Authority, TokenClaims } from './auth.ts';
import type { Counters } from './counters.ts';
import { ArmError, errors } from './errors.ts';
import type { Faults } from './faults.ts';
import { parsePath } from './ids.ts';
import { str } from './kind.ts';
import type { Env } from './kind.ts';
import { categoryOf } from './throttling.ts';
import type { Throttle } from './throttling.ts';
import type { Estate, FaultConfig, Json } from './types.ts';
import type { LogAnalyticsService } from './log-analytics/index.ts';

export interface Pipeline {
  env: Env;
  logAnalytics: LogAnalyticsService;
  authority: Authority;
  throttle: Throttle;
  faults: Faults;
  counters: Counters;
  baseUrl(): string;
  exportState(): Estate;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}, head = false): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'x-ms-request-id': randomUUID(),
    'x-ms-correlation-request-id': randomUUID(),
    ...headers,
    'content-length': String(head ? 0 : Buffer.byteLength(text)),
  });
  res.end(head ? undefined : text);
}

export function createRequestListener(p: Pipeline): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    handle(p, req, res).catch((e: unknown) => {
      if (!res.headersSent) send(res, 500, { error: { code: 'InternalServerError', message: String(e) } });
      else res.destroy();
    });
  };
}

async function handle(p: Pipeline, req: IncomingMessage, res: ServerResponse): Promise<void> {
  // Clients that join an id starting with '/' to a template send '//subscriptions/…'; ARM accepts it.
  const url = new URL((req.url ?? '/').replace(/^\/{2,}/, '/'), p.baseUrl());
  const method = (req.method ?? 'GET').toUpperCase();
  const text = await readBody(req);
  const path = url.pathname;
  if (path.startsWith('/_emulator/')) return admin(p, method, path, text, res);
  if (p.logAnalytics.handles(path)) {
    const reply = p.logAnalytics.query({ method, path, query: url.searchParams, headers: req.headers, body: text });
    return send(res, reply.status, reply.body, reply.headers);
  }
  if (identity(p, method, path, text, res)) return;

  const decision = p.faults.decide(path);
  if (decision.latencyMs > 0) await sleep(decision.latencyMs);
  if (decision.kind === 'reset') {
    p.counters.record('RESET', 0, categoryOf(method));
    req.socket.destroy();
    return;
  }
  let operation = `${method} unknown`;
  let reply: Reply;
  const category = categoryOf(method);
  let rateHeader: Record<string, string> = {};
  try {
    let body: unknown;
    let malformed = false;
    try {
      body = text.length > 0 ? JSON.parse(text) : undefined;
    } catch {
      malformed = true;
    }
    const caller: { claims?: TokenClaims } = {};
    const armRequest: ArmRequest = {
      method,
      path,
      query: url.searchParams,
      body,
      headers: req.headers,
      baseUrl: p.baseUrl(),
      principal: '',
      authorize: (action, scope) => {
        if (caller.claims) p.authority.authorize(caller.claims, action, scope);
      },
    };
    let routed: Routed | undefined;
    let routeError: unknown;
    try {
      routed = route(p.env, armRequest);
      operation = routed.operation;
    } catch (e) {
      routeError = e;
    }
    const claims = (caller.claims = p.authority.verify(req.headers.authorization));
    if (claims.aud !== ARM_AUDIENCE) throw errors.wrongAudience(claims.aud);
    armRequest.principal = claims.appid;
    const subscription = parsePath(path)?.subscriptionId ?? 'tenant';
    if (decision.kind === 'throttle') throw errors.tooManyRequests(category === 'reads' ? 'read' : category === 'writes' ? 'write' : 'delete', subscription, decision.retryAfterSeconds);
    const taken = p.throttle.take(category, subscription, claims.oid);
    rateHeader = { [`x-ms-ratelimit-remaining-subscription-${category}`]: String(taken.remaining) };
    if (!taken.allowed) throw errors.tooManyRequests(category === 'reads' ? 'read' : category === 'writes' ? 'write' : 'delete', subscription, taken.retryAfterSeconds);
    if (decision.kind === 'serverError') throw errors.serverError(decision.status);
    if (malformed) throw errors.invalidRequestContent('Unexpected character encountered while parsing value.');
    if (routeError !== undefined || !routed) throw routeError instanceof Error ? routeError : new Error(str(routeError));
    reply = routed.run();
  } catch (e) {
    if (!(e instanceof ArmError)) throw e;
    reply = { status: e.status, body: e.body(), headers: e.headers };
  }
  p.counters.record(operation, reply.status, category);
  send(res, reply.status, reply.body, { ...rateHeader, ...(reply.headers ?? {}) }, method === 'HEAD');
}

function identity(p: Pipeline, method: string, path: string, text: string, res: ServerResponse): boolean {
  const base = p.baseUrl();
  let m = /^\/([^/]+)\/oauth2\/v2\.0\/token$/i.exec(path);
  if (m && method === 'POST') {
    p.counters.token();
    const result = p.authority.issue(decodeURIComponent(m[1] ?? ''), new URLSearchParams(text));
    send(res, result.status, result.body, { 'cache-control': 'no-store' });
    return true;
  }
  m = /^\/([^/]+)\/v2\.0\/\.well-known\/openid-configuration$/i.exec(path);
  if (m && method === 'GET') {
    send(res, 200, openIdConfiguration(base, m[1] ?? 'common'));
    return true;
  }
  if (/^\/[^/]+\/discovery\/instance$/i.test(path) && method === 'GET') {
    send(res, 200, instanceDiscovery(base));
    return true;
  }
  if (/^\/[^/]+\/discovery\/v2\.0\/keys$/i.test(path) && method === 'GET') {
    send(res, 200, { keys: [] });
    return true;
  }
  return false;
}

function admin(p: Pipeline, method: string, path: string, text: string, res: ServerResponse): void {
  const action = path.slice('/_emulator/'.length).toLowerCase();
  let input: Json = {};
  try {
    input = (text ? JSON.parse(text) : {}) as Json;
  } catch {
    // Only the JSON endpoints below read the body; they report their own errors.
  }
  const data = p.logAnalytics.admin(method, action, input);
  if (data !== undefined) return send(res, data.status, data.body, data.headers);
  if (action === 'counters' && method === 'GET') return send(res, 200, p.counters.snapshot());
  if (action === 'reset-counters' && method === 'POST') {
    p.counters.reset();
    return send(res, 204, undefined);
  }
  if (action === 'faults' && method === 'GET') return send(res, 200, p.faults.current);
  if (action === 'faults' && method === 'POST') {
    try {
      p.faults.set((text ? JSON.parse(text) : {}) as FaultConfig);
    } catch (e) {
      return send(res, 400, { error: { code: 'InvalidRequestContent', message: String(e) } });
    }
    return send(res, 200, p.faults.current);
  }
  if (action === 'state' && method === 'GET') return send(res, 200, p.exportState());
  if (action === 'health' && method === 'GET') {
    const { heapUsed, rss } = process.memoryUsage();
    return send(res, 200, { status: 'ok', resources: p.env.store.count(), heapUsed, rss } satisfies Json);
  }
  send(res, 404, { error: { code: 'NotFound', message: `Unknown emulator endpoint '${path}'.` } });
}
