// The official SDK clients, one set per subscription, all sharing the subscription's budget policy. The SDKs only
// some topologies need (networking, private DNS, Arc) are loaded on first use: each costs memory at startup.
import { ComputeManagementClient } from '@azure/arm-compute';
import type { HybridComputeManagementClient, Machine, MachineExtension } from '@azure/arm-hybridcompute';
import { MonitorClient } from '@azure/arm-monitor';
import type { NetworkManagementClient } from '@azure/arm-network';
import type { PrivateDnsManagementClient } from '@azure/arm-privatedns';
import type { TokenCredential } from '@azure/core-auth';
import { createDefaultHttpClient, createHttpHeaders, createPipelineRequest, RestError } from '@azure/core-rest-pipeline';
import type { HttpClient, PipelinePolicy } from '@azure/core-rest-pipeline';
import { isRecord } from '../model/index.ts';
import { ArmCredential } from './credential.ts';
import type { CredentialSource } from './credential.ts';
import { loadSdk } from './lazy.ts';
import { expiredTokenPolicy, requestTimeoutPolicy } from './timeouts.ts';
import { turnTakingPolicy } from './policy-turns.ts';

/** Default time one ARM request attempt or one token request may take. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;

type HybridCompute = HybridComputeManagementClient;

/**
 * The Arc reads the controller makes, with the SDK's signatures; the SDK is loaded by the first call, so a topology
 * without Arc machines or resource groups never loads it.
 */
export interface HybridComputeReads {
  machines: {
    get(...args: Parameters<HybridCompute['machines']['get']>): Promise<Machine>;
    listByResourceGroup(...args: Parameters<HybridCompute['machines']['listByResourceGroup']>): AsyncIterable<Machine>;
    listBySubscription(...args: Parameters<HybridCompute['machines']['listBySubscription']>): AsyncIterable<Machine>;
  };
  machineExtensions: {
    list(...args: Parameters<HybridCompute['machineExtensions']['list']>): AsyncIterable<MachineExtension>;
  };
}

export interface ArmClients {
  monitor: MonitorClient;
  compute: ComputeManagementClient;
  /** Azure Arc-enabled servers; @azure/arm-hybridcompute 3 sends api-version 2021-05-20. */
  hybridCompute: HybridComputeReads;
}

/** The SDK clients loaded on first use (`ArmClientCache.optional`). */
export interface OptionalClients {
  /** Private endpoints, network interfaces and virtual networks (read only: the controller never writes networking). */
  network: NetworkManagementClient;
  /** Private DNS zones, records and links (read only). */
  privateDns: PrivateDnsManagementClient;
  hybridCompute: HybridComputeManagementClient;
}
export type OptionalClient = keyof OptionalClients;

/** An async iterable whose source is opened by the first iteration (a pager from a client still loading). */
function deferredPages<T>(open: () => Promise<AsyncIterable<T>>): AsyncIterable<T> {
  return {
    async *[Symbol.asyncIterator]() {
      yield* await open();
    },
  };
}

/** Token scope of each cloud's ARM endpoint; a token for another audience is refused by ARM. */
const CLOUD_SCOPES: readonly [RegExp, string][] = [
  [/(^|\.)management\.azure\.com$/i, 'https://management.azure.com/.default'],
  [/(^|\.)management\.usgovcloudapi\.net$/i, 'https://management.usgovcloudapi.net/.default'],
  [/(^|\.)management\.chinacloudapi\.cn$/i, 'https://management.chinacloudapi.cn/.default'],
];

/** The token scope for an ARM endpoint: its cloud's audience; the public cloud's for hosts that name none (an emulator). */
export function armScopeFor(endpoint: string): string {
  let host = '';
  try {
    host = new URL(endpoint).hostname;
  } catch {
    return 'https://management.azure.com/.default';
  }
  return CLOUD_SCOPES.find(([pattern]) => pattern.test(host))?.[1] ?? 'https://management.azure.com/.default';
}

export interface ArmClientOptions {
  endpoint: string;
  /** A credential, or a factory of credentials (then an expired token is replaced even if a cache still holds it). */
  credential: CredentialSource;
  /** Token scope; derived from the endpoint's cloud by default. */
  scope?: string;
  policy: PipelinePolicy;
  /** Per attempt of every ARM request and per token request (default 60 s). */
  requestTimeoutMs?: number;
  /** SDK retry for transient errors and throttling (the SDK honours Retry-After). */
  maxRetries?: number;
  retryDelayInMs?: number;
  maxRetryDelayInMs?: number;
}

export class ArmClientCache {
  readonly #options: ArmClientOptions;
  readonly #clients = new Map<string, ArmClients>();
  readonly #optional = new Map<string, Promise<OptionalClients[OptionalClient]>>();
  readonly #http: HttpClient = createDefaultHttpClient();
  readonly #credential: ArmCredential;
  readonly #policies: PipelinePolicy[];
  readonly #scope: string;

  constructor(options: ArmClientOptions) {
    this.#options = options;
    this.#scope = options.scope ?? armScopeFor(options.endpoint);
    const timeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.#credential = new ArmCredential(options.credential, timeoutMs);
    // New clients after a refresh: each SDK client's token cache would hand out the rejected token until it ages out.
    const renew = (): void => {
      this.#clients.clear();
      this.#optional.clear();
    };
    this.#policies = [options.policy, expiredTokenPolicy(this.#credential, this.#scope, renew), requestTimeoutPolicy(timeoutMs), turnTakingPolicy()];
  }

  get credential(): TokenCredential {
    return this.#credential;
  }

  get endpoint(): string {
    return this.#options.endpoint.replace(/\/+$/, '');
  }

  for(subscriptionId: string): ArmClients {
    const key = subscriptionId.toLowerCase();
    let c = this.#clients.get(key);
    if (!c) {
      const common = this.#common();
      const arc = (): Promise<HybridCompute> => this.optional(subscriptionId, 'hybridCompute');
      c = {
        monitor: new MonitorClient(this.#credential, subscriptionId, common),
        compute: new ComputeManagementClient(this.#credential, subscriptionId, common),
        hybridCompute: {
          machines: {
            get: async (...args) => (await arc()).machines.get(...args),
            listByResourceGroup: (...args) => deferredPages(async () => (await arc()).machines.listByResourceGroup(...args)),
            listBySubscription: (...args) => deferredPages(async () => (await arc()).machines.listBySubscription(...args)),
          },
          machineExtensions: {
            list: (...args) => deferredPages(async () => (await arc()).machineExtensions.list(...args)),
          },
        },
      };
      this.#clients.set(key, c);
    }
    return c;
  }

  /** A client of an SDK loaded on first use, one per subscription, with the same pipeline as the others. */
  optional<K extends OptionalClient>(subscriptionId: string, kind: K): Promise<OptionalClients[K]> {
    const key = `${kind}|${subscriptionId.toLowerCase()}`;
    let client = this.#optional.get(key);
    if (!client) {
      const created = this.#create(subscriptionId, kind);
      // A failed load is not cached: the next pass tries again and reports the same clear error if it fails again.
      created.catch(() => {
        if (this.#optional.get(key) === created) this.#optional.delete(key);
      });
      this.#optional.set(key, created);
      client = created;
    }
    return client as Promise<OptionalClients[K]>;
  }

  async #create(subscriptionId: string, kind: OptionalClient): Promise<OptionalClients[OptionalClient]> {
    const common = this.#common();
    switch (kind) {
      case 'network': {
        const { NetworkManagementClient } = await loadSdk('@azure/arm-network', () => import('@azure/arm-network'), 'NetworkManagementClient');
        return new NetworkManagementClient(this.#credential, subscriptionId, common);
      }
      case 'privateDns': {
        const { PrivateDnsManagementClient } = await loadSdk('@azure/arm-privatedns', () => import('@azure/arm-privatedns'), 'PrivateDnsManagementClient');
        return new PrivateDnsManagementClient(this.#credential, subscriptionId, common);
      }
      case 'hybridCompute': {
        const { HybridComputeManagementClient } = await loadSdk('@azure/arm-hybridcompute', () => import('@azure/arm-hybridcompute'), 'HybridComputeManagementClient');
        return new HybridComputeManagementClient(this.#credential, subscriptionId, common);
      }
    }
  }

  #common() {
    const o = this.#options;
    return {
      endpoint: this.endpoint,
      credentials: { scopes: [this.#scope] },
      additionalPolicies: this.#policies.map((policy) => ({ policy, position: 'perRetry' as const })),
      retryOptions: {
        maxRetries: o.maxRetries ?? 6,
        retryDelayInMs: o.retryDelayInMs ?? 500,
        maxRetryDelayInMs: o.maxRetryDelayInMs ?? 30_000,
      },
    };
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

