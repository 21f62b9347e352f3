// The token side of every ARM call: a timeout on each token request, and a fresh token when ARM says the one
// in use has expired (ARM's clock, not ours, decides: `401 ExpiredAuthenticationToken`).
import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/core-auth';
import type { PipelineRequest } from '@azure/core-rest-pipeline';

type AbortSignalLike = NonNullable<PipelineRequest['abortSignal']>;

/** A credential, or a way to build a new one (a new one starts with an empty token cache). */
export type CredentialSource = TokenCredential | (() => TokenCredential);

export class ArmCredential implements TokenCredential {
  readonly #build: () => TokenCredential;
  readonly #timeoutMs: number;
  #inner: TokenCredential;
  /** The token a refresh produced: handed to every pipeline until it expires. */
  #fresh: AccessToken | undefined;
  #refreshing: Promise<AccessToken> | undefined;
  #refreshedAt = 0;

  constructor(source: CredentialSource, timeoutMs: number) {
    this.#build = typeof source === 'function' ? source : () => source;
    this.#inner = this.#build();
    this.#timeoutMs = timeoutMs;
  }

  async getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken | null> {
    if (this.#fresh && this.#fresh.expiresOnTimestamp - 120_000 > Date.now()) return this.#fresh;
    return this.#withTimeout(scopes, options);
  }

  /**
   * A new token, whatever any cache holds: the inner credential is rebuilt (its cache may still call the rejected
   * token valid). Concurrent callers share one refresh; a refresh under a second old is reused.
   */
  refresh(scopes: string | string[]): Promise<AccessToken> {
    if (this.#refreshing) return this.#refreshing;
    if (this.#fresh && Date.now() - this.#refreshedAt < 1000) return Promise.resolve(this.#fresh);
    this.#inner = this.#build();
    this.#refreshing = this.#withTimeout(scopes)
      .then((token) => {
        if (!token) throw new Error('the credential returned no token');
        this.#fresh = token;
        this.#refreshedAt = Date.now();
        return token;
      })
      .finally(() => {
        this.#refreshing = undefined;
      });
    return this.#refreshing;
  }

  async #withTimeout(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken | null> {
    const timeout = AbortSignal.timeout(this.#timeoutMs);
    const signal = eitherSignal(options?.abortSignal, timeout);
    let timer: NodeJS.Timeout | undefined;
    // Not every credential honours the signal: the race makes the timeout hold anyway.
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(Object.assign(new Error(`no token within ${this.#timeoutMs} ms`), { code: 'ETIMEDOUT' })), this.#timeoutMs);
    });
    try {
      return await Promise.race([this.#inner.getToken(scopes, { ...options, abortSignal: signal }), expired]);
    } finally {
      clearTimeout(timer);
    }
  }
}

/** One signal that aborts when either does (the SDK hands out `AbortSignalLike`, not `AbortSignal`). */
export function eitherSignal(outer: AbortSignalLike | undefined, inner: AbortSignal): AbortSignal {
  if (!outer) return inner;
  const both = new AbortController();
  const abort = (): void => both.abort();
  if (outer.aborted || inner.aborted) abort();
  outer.addEventListener('abort', abort, { once: true });
  inner.addEventListener('abort', abort, { once: true });
  return both.signal;
}
