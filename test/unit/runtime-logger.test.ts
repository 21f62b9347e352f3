import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, reconcileLogger, scrubText } from '../../src/runtime/logger.ts';

const JWT = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJjb250cm9sbGVyIn0.c2lnbmF0dXJlLXZhbHVl';

function capture(level: 'info' | 'debug' = 'info') {
  const lines: Record<string, unknown>[] = [];
  const raw: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      raw.push(chunk.toString());
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { logger: createLogger(level, stream), lines, raw };
}

describe('runtime logger', () => {
  it('writes JSON with a textual level and honours the configured level', () => {
    const { logger, lines } = capture('info');
    logger.debug('hidden');
    logger.info({ x: 1 }, 'shown');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 'info', msg: 'shown', x: 1, component: 'ampls-topology-controller' });
    expect(typeof lines[0]?.time).toBe('string');
  });

  it('puts the topology and a reconcile id on every line of a reconcile', () => {
    const { logger, lines } = capture();
    const log = reconcileLogger(logger, { namespace: 'ops', name: 'prod' });
    log.info('one');
    log.warn('two');
    expect(lines.map((l) => l.topology)).toEqual(['ops/prod', 'ops/prod']);
    expect(lines[0]?.reconcileID).toMatch(/^[0-9a-f-]{36}$/);
    expect(lines[1]?.reconcileID).toBe(lines[0]?.reconcileID);
  });

  it('gives every child logger made for a topology its own reconcile id', () => {
    const { logger, lines } = capture();
    const controller = logger.child({ controller: 'monitoringtopology' });
    controller.child({ topology: 'ops/a' }).info('first');
    controller.child({ topology: 'ops/a' }).info('second');
    controller.info('no topology');
    expect(lines[0]?.reconcileID).toMatch(/^[0-9a-f-]{36}$/);
    expect(lines[1]?.reconcileID).toMatch(/^[0-9a-f-]{36}$/);
    expect(lines[1]?.reconcileID).not.toBe(lines[0]?.reconcileID);
    expect(lines[2]?.reconcileID).toBeUndefined();
  });

  it('redacts tokens, secrets and authorization headers', () => {
    const { logger, raw } = capture();
    logger.info({ token: JWT, clientSecret: 's3cr3t-value', headers: { authorization: `Bearer ${JWT}`, accept: 'json' } }, 'auth');
    logger.info({ request: { url: 'https://login/x?client_secret=s3cr3t-value&a=1', headers: { Authorization: 'Bearer abc.def' } } }, 'req');
    logger.info(`calling with Bearer ${JWT}`);
    const text = raw.join('');
    expect(text).not.toContain(JWT);
    expect(text).not.toContain('s3cr3t-value');
    expect(text).not.toContain('abc.def');
    expect(text).toContain('[REDACTED]');
    expect(text).toContain('"accept":"json"');
  });

  it('scrubs errors that carry the request and its headers', () => {
    const { logger, raw, lines } = capture();
    const err = Object.assign(new Error(`401 for Bearer ${JWT}`), {
      code: 'InvalidAuthenticationToken',
      statusCode: 401,
      request: { method: 'GET', url: 'https://management.azure.com/x', headers: new Map([['authorization', `Bearer ${JWT}`], ['x-ms-client-request-id', 'id-1']]) },
      response: { status: 401, headers: { 'set-cookie': 'session=s3cr3t-value' } },
    });
    logger.error({ err }, 'failed');
    const text = raw.join('');
    expect(text).not.toContain(JWT);
    expect(text).not.toContain('s3cr3t-value');
    expect(lines[0]?.err).toMatchObject({ code: 'InvalidAuthenticationToken', statusCode: 401, request: { method: 'GET', headers: { 'x-ms-client-request-id': 'id-1' } } });
  });

  it('scrubs free text', () => {
    expect(scrubText(`Authorization: Bearer ${JWT}`)).toBe('Authorization: Bearer [REDACTED]');
    expect(scrubText('?access_token=abc&x=1')).toBe('?access_token=[REDACTED]&x=1');
  });
});
