// Unauthenticated admin endpoints under /_emulator/: counters, faults, state export and health.
import type { ServerResponse } from 'node:http';
import { errors } from '../arm/errors.ts';
import type { Env } from '../arm/kind.ts';
import type { Estate, FaultConfig, Json } from '../types.ts';
import type { Counters } from './counters.ts';
import type { Faults } from './faults.ts';
import { send } from './serialize.ts';

export interface Admin {
  env: Env;
  counters: Counters;
  faults: Faults;
  exportState(): Estate;
}

export function admin(a: Admin, method: string, path: string, text: string, res: ServerResponse): void {
  const action = path.slice('/_emulator/'.length).toLowerCase();
  if (action === 'counters' && method === 'GET') return send(res, 200, a.counters.snapshot());
  if (action === 'reset-counters' && method === 'POST') {
    a.counters.reset();
    return send(res, 204, undefined);
  }
  if (action === 'faults' && method === 'GET') return send(res, 200, a.faults.current);
  if (action === 'faults' && method === 'POST') {
    try {
      a.faults.set((text ? JSON.parse(text) : {}) as FaultConfig);
    } catch (e) {
      const error = errors.invalidRequestContent(String(e));
      return send(res, error.status, error.body());
    }
    return send(res, 200, a.faults.current);
  }
  if (action === 'state' && method === 'GET') return send(res, 200, a.exportState());
  if (action === 'health' && method === 'GET') {
    const { heapUsed, rss } = process.memoryUsage();
    return send(res, 200, { status: 'ok', resources: a.env.store.count(), heapUsed, rss } satisfies Json);
  }
  const error = errors.pathNotFound(path);
  send(res, error.status, error.body());
}
