// Minimal HTTPS client for the apiserver's bootstrap calls (readiness, CRD install, discovery).
import { request } from 'node:https';

export interface ApiResponse {
  status: number;
  body: string;
}

export class ApiClient {
  readonly #server: string;
  readonly #tls: { ca: string; cert: string; key: string };

  constructor(server: string, ca: string, cert: string, key: string) {
    this.#server = server;
    this.#tls = { ca, cert, key };
  }

  request(method: string, path: string, body?: string, contentType = 'application/json'): Promise<ApiResponse> {
    return new Promise((resolve, reject) => {
      const req = request(
        new URL(path, this.#server),
        { method, ...this.#tls, headers: body === undefined ? {} : { 'content-type': contentType }, timeout: 10_000 },
        (res) => {
          let data = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (data += chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: data }));
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${method} ${path} timed out`)));
      req.on('error', reject);
      req.end(body);
    });
  }
}
