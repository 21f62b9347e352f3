// Serialize: a reply as ARM writes it (JSON, request and correlation ids, content length; no body for HEAD).
import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';

export function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}, head = false): void {
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
