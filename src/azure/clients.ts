// The official SDK clients, one set per subscription, all sharing the subscription's budget policy.
import { ComputeManagementClient } from '@azure/arm-compute';
import { HybridComputeManagementClient } from '@azure/arm-hybridcompute';
import { MonitorClient } from '@azure/arm-monitor';
import type { TokenCredential } from '@azure/core-auth';
import { createDefaultHttpClient, createHttpHeaders, createPipelineRequest, RestError } from '@azure/core-rest-pipeline';
import type { HttpClient, PipelinePolicy } from '@azure/core-rest-pipeline';

export interface ArmClients {
  monitor: MonitorClient;
  compute: ComputeManagementClient;
  /** Azure Arc-enabled servers; @azure/arm-hybridcompute 3 sends api-version 2021-05-20. */
  hybridCompute: HybridComputeManagementClient;
}

export interface ArmClientOptions {
  endpoint: string;
  credential: TokenCredential;
  policy: PipelinePolicy;
  /** SDK retry for transient errors and throttling (the SDK honours Retry-After). */
  maxRetries?: number;
  retryDelayInMs?: number;
  maxRetryDelayInMs?: number;
}

export class ArmClientCache {
  readonly #options: ArmClientOptions;
  readonly #clients = new Map<string, ArmClients>();
  readonly #http: HttpClient = createDefaultHttpClient();

  constructor(options: ArmClientOptions) {
    this.#options = options;
  }

  get endpoint(): string {
    return this.#options.endpoint.replace(/\/+$/, '');
  }

  for(subscriptionId: string): ArmClients {
    const key = subscriptionId.toLowerCase();
    let c = this.#clients.get(key);
    if (!c) {
      const o = this.#options;
      const common = {
        endpoint: this.endpoint,
        credentials: { scopes: ['https://management.azure.com/.default'] },
        additionalPolicies: [{ policy: o.policy, position: 'perRetry' as const }],
        retryOptions: {
          maxRetries: o.maxRetries ?? 6,
          retryDelayInMs: o.retryDelayInMs ?? 500,
          maxRetryDelayInMs: o.maxRetryDelayInMs ?? 30_000,
        },
      };
      c = {
        monitor: new MonitorClient(o.credential, subscriptionId, common),
        compute: new ComputeManagementClient(o.credential, subscriptionId, common),
        hybridCompute: new HybridComputeManagementClient(o.credential, subscriptionId, common),
      };
      this.#clients.set(key, c);
    }
    return c;
  }

  /**
   * GET of a resource no SDK in our dependencies covers (Log Analytics workspaces), sent through the
   * monitor client's own pipeline so it shares auth, retry and the budget.
   */
  async getRaw(resourceId: string, apiVersion: string, signal?: AbortSignal): Promise<Record<string, unknown>> {
    const sub = /\/subscriptions\/([^/]+)/i.exec(resourceId)?.[1] ?? '';
    const { monitor } = this.for(sub);
    const request = createPipelineRequest({
      url: `${this.endpoint}${resourceId}?api-version=${encodeURIComponent(apiVersion)}`,
      method: 'GET',
      headers: createHttpHeaders({ accept: 'application/json' }),
      ...(signal ? { abortSignal: signal } : {}),
    });
    const response = await monitor.pipeline.sendRequest(this.#http, request);
    const body: unknown = response.bodyAsText ? JSON.parse(response.bodyAsText) : {};
    if (response.status >= 400) {
      const err = isRecord(body) && isRecord(body['error']) ? body['error'] : {};
      const code = typeof err['code'] === 'string' ? err['code'] : `Http${response.status}`;
      const message = typeof err['message'] === 'string' ? err['message'] : `GET ${resourceId} returned ${response.status}`;
      throw new RestError(message, { code, statusCode: response.status, request, response });
    }
    return isRecord(body) ? body : {};
  }
}

/** Every item of an SDK pager. */
export async function collect<T>(iter: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of iter) out.push(x);
  return out;
}

/** `resourceUri` parameters are expanded after a literal `/` by the SDK. */
export function resourceUri(id: string): string {
  return id.replace(/^\/+/, '');
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
