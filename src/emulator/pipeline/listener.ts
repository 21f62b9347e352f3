// The HTTPS request pipeline: admin → Entra → faults → authenticate → throttle → dispatch → serialize.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ArmError, errors } from '../arm/errors.ts';
import { parsePath } from '../arm/ids.ts';
import type { Env } from '../arm/kind.ts';
import type { ArmRequest, Reply, Routed } from '../arm/request.ts';
import type { Estate } from '../types.ts';
import { admin } from './admin.ts';
import type { Authority, TokenClaims } from './authenticate.ts';
import type { Counters } from './counters.ts';
import { dispatch } from './dispatch.ts';
import { entra } from './entra.ts';
import type { Faults } from './faults.ts';
import { send } from './serialize.ts';
import { categoryOf } from './throttle.ts';
import type { Throttle } from './throttle.ts';

export interface Pipeline {
  env: Env;
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

export function createRequestListener(p: Pipeline): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    handle(p, req, res).catch((e: unknown) => {
      const error = errors.internal(String(e));
      if (!res.headersSent) send(res, error.status, error.body());
      else res.destroy();
    });
  };
}

const throttledVerb = (category: string): string => (category === 'reads' ? 'read' : category === 'writes' ? 'write' : 'delete');

async function handle(p: Pipeline, req: IncomingMessage, res: ServerResponse): Promise<void> {
  // rule: arm.path.double-slash — source: reference/arm-contract.md §2 (resourceUri is sent unescaped; examples omit the leading slash, so '//subscriptions' reaches ARM)
  // Clients that join an id starting with '/' to a template send '//subscriptions/…'; ARM accepts it.
  const url = new URL((req.url ?? '/').replace(/^\/{2,}/, '/'), p.baseUrl());
  const method = (req.method ?? 'GET').toUpperCase();
  const text = await readBody(req);
  const path = url.pathname;
  if (path.startsWith('/_emulator/')) return admin(p, method, path, text, res);
  // A slow or hung token endpoint: the latency of a fault whose pathPattern names it (invented: hangs Entra ID like ARM).
  if (p.faults.current.pathPattern !== undefined && /\/oauth2\//i.test(path)) {
    const slow = p.faults.decide(path);
    if (slow.latencyMs > 0) await sleep(slow.latencyMs);
  }
  if (entra(p.authority, p.counters, p.baseUrl(), method, path, text, res)) return;

  const decision = p.faults.decide(path, method === 'PUT' || method === 'PATCH' || method === 'DELETE' || method === 'POST');
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
      authorizeLinked: (action, scope, linkedAction, linkedScope) => {
        if (caller.claims) p.authority.authorizeLinked(caller.claims, action, scope, linkedAction, linkedScope);
      },
    };
    let routed: Routed | undefined;
    let routeError: unknown;
    try {
      routed = dispatch(p.env, armRequest);
      operation = routed.operation;
    } catch (e) {
      routeError = e;
    }
    const claims = (caller.claims = p.authority.verify(req.headers.authorization));
    armRequest.principal = claims.appid;
    const subscription = parsePath(path)?.subscriptionId ?? 'tenant';
    if (decision.kind === 'throttle') throw errors.tooManyRequests(throttledVerb(category), subscription, decision.retryAfterSeconds);
    const now = Date.now();
    const taken = p.throttle.take(category, subscription, claims.oid, now);
    rateHeader = taken.headers;
    if (!taken.allowed) throw errors.tooManyRequests(throttledVerb(category), subscription, taken.retryAfterSeconds);
    // rule: arm.throttle.rp-after-arm — source: reference/arm-contract-wave2.md §14 (if ARM's counters are not near 0, the 429 came from the resource provider)
    // Resource providers with limits of their own count only what ARM let through.
    for (const limit of p.env.kinds.limits) {
      const own = limit.take(p.env, armRequest, operation, now);
      if (!own) continue;
      rateHeader = { ...rateHeader, ...own.headers };
      if (own.refused) throw own.refused;
    }
    if (decision.kind === 'serverError') throw errors.serverError(decision.status);
    if (malformed) throw errors.invalidRequestContent('Unexpected character encountered while parsing value.');
    if (routeError !== undefined || !routed) throw routeError instanceof Error ? routeError : errors.internal(String(routeError));
    reply = routed.run();
    if (decision.kind === 'resetAfterCommit' && reply.status < 400) {
      p.counters.record(operation, 0, category);
      req.socket.destroy();
      return;
    }
    if (decision.kind === 'serverErrorAfterCommit' && reply.status < 400) throw errors.serverError(decision.status);
  } catch (e) {
    if (!(e instanceof ArmError)) throw e;
    reply = { status: e.status, body: e.body(), headers: e.headers };
  }
  p.counters.record(operation, reply.status, category);
  send(res, reply.status, reply.body, { ...rateHeader, ...(reply.headers ?? {}) }, method === 'HEAD');
}
