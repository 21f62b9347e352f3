// Authenticate: Entra ID–style token issuing (client secret and client assertion), bearer-token checks for ARM
// calls and role-based authorization.
import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { errors } from '../arm/errors.ts';
import type { Principal } from '../types.ts';

export interface TokenClaims {
  aud: string;
  iss: string;
  iat: number;
  nbf: number;
  exp: number;
  appid: string;
  oid: string;
  tid: string;
  sub: string;
  uti?: string;
}

export interface TokenResult {
  status: number;
  body: Record<string, unknown>;
}

const b64url = (data: Buffer | string): string => Buffer.from(data).toString('base64url');
const oauthError = (status: number, error: string, description: string): TokenResult => ({
  status,
  body: { error, error_description: description, error_codes: [status === 401 ? 7000215 : 900144], timestamp: new Date().toISOString() },
});

// rule: auth.audience — source: JetBrains/azure-tools-for-intellij#16 (ARM answers 401 InvalidAuthenticationTokenAudience and lists these four audiences)
export const PUBLIC_ARM_AUDIENCES = ['https://management.core.windows.net/', 'https://management.core.windows.net', 'https://management.azure.com/', 'https://management.azure.com'];

export class Authority {
  private readonly key = randomBytes(32);
  private readonly principals = new Map<string, Principal & { objectId: string }>();
  // rule: auth.token-lifetime — invented: one hour, a typical Entra client-credentials lifetime
  readonly tokenLifetimeSeconds = 3600;
  private readonly audiences: readonly string[];
  /** Tokens numbered up to this (`uti`) are expired; 0 = none. */
  private expiredUpTo = 0;
  private issued = 0;

  /**
   * ARM answers 401 ExpiredAuthenticationToken when a token's `exp` has passed by its clock, while a client whose
   * clock lags (or whose cache outlived the token) still sends it (azure-rest-api-specs common-types error codes;
   * https://learn.microsoft.com/troubleshoot/azure/azure-kubernetes/create-upgrade-delete/expiredauthenticationtoken).
   * Invented trigger: tests expire every token issued so far rather than wait an hour.
   */
  expireIssuedTokens(): void {
    this.expiredUpTo = this.issued;
  }

  constructor(principals: Principal[], audiences: readonly string[] = PUBLIC_ARM_AUDIENCES) {
    this.audiences = audiences;
    for (const p of principals) this.principals.set(p.clientId.toLowerCase(), { ...p, objectId: p.objectId ?? randomUUID() });
  }

  principal(clientId: string): (Principal & { objectId: string }) | undefined {
    return this.principals.get(clientId.toLowerCase());
  }

  /** Handles a form-encoded token request from MSAL. */
  issue(tenant: string, form: URLSearchParams): TokenResult {
    // rule: auth.client-credentials — invented: only the client-credentials grant (secret or assertion) the controller and tests use; AADSTS wording approximated
    if (form.get('grant_type') !== 'client_credentials') {
      return oauthError(400, 'unsupported_grant_type', `AADSTS70003: The app requested an unsupported grant type '${form.get('grant_type') ?? ''}'.`);
    }
    const clientId = form.get('client_id') ?? '';
    const principal = this.principal(clientId);
    if (!principal || principal.tenantId.toLowerCase() !== tenant.toLowerCase()) {
      return oauthError(400, 'unauthorized_client', `AADSTS700016: Application with identifier '${clientId}' was not found in the directory '${tenant}'.`);
    }
    const secret = form.get('client_secret');
    const assertion = form.get('client_assertion');
    if (secret !== null) {
      if (!principal.clientSecret || !safeEqual(secret, principal.clientSecret)) {
        return oauthError(401, 'invalid_client', `AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${clientId}'.`);
      }
    } else if (assertion !== null) {
      const type = form.get('client_assertion_type');
      if (type !== 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer' || assertion.split('.').length !== 3) {
        return oauthError(400, 'invalid_client', 'AADSTS50027: JWT token is invalid or malformed.');
      }
    } else {
      return oauthError(401, 'invalid_client', "AADSTS7000218: The request body must contain the following parameter: 'client_assertion' or 'client_secret'.");
    }
    // rule: auth.token-audience — source: Learn "OAuth 2.0 client credentials flow" (learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow: the scope is the resource identifier with a /.default suffix)
    const scope = (form.get('scope') ?? '').split(' ').find((x) => x.endsWith('/.default'));
    if (!scope) return oauthError(400, 'invalid_scope', "AADSTS1002012: The provided value for scope is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).");
    const now = Math.floor(Date.now() / 1000);
    const claims: TokenClaims = {
      aud: scope.slice(0, -'.default'.length),
      iss: `https://sts.windows.net/${principal.tenantId}/`,
      iat: now,
      nbf: now,
      exp: now + this.tokenLifetimeSeconds,
      appid: principal.clientId,
      oid: principal.objectId,
      tid: principal.tenantId,
      sub: principal.objectId,
      // Entra tokens carry a unique token id (`uti`); here it is the issue number.
      uti: String(++this.issued),
    };
    return {
      status: 200,
      body: { token_type: 'Bearer', expires_in: this.tokenLifetimeSeconds, ext_expires_in: this.tokenLifetimeSeconds, access_token: this.sign(claims) },
    };
  }

  /** Validates an Authorization header; throws the ArmError ARM would return. */
  verify(header: string | undefined): TokenClaims {
    if (!header) throw errors.noAuthorizationHeader();
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    const token = match?.[1];
    if (!token) throw errors.invalidToken();
    const [h, p, s] = token.split('.');
    if (!h || !p || !s || !safeEqual(s, this.signature(`${h}.${p}`))) throw errors.invalidToken();
    let claims: TokenClaims;
    try {
      claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as TokenClaims;
    } catch {
      throw errors.invalidToken();
    }
    const now = Date.now();
    if (claims.exp * 1000 < now) throw errors.expiredToken(new Date(claims.exp * 1000), new Date(now));
    if (Number(claims.uti ?? 0) <= this.expiredUpTo) throw errors.expiredToken(new Date(Math.min(claims.exp * 1000, now)), new Date(now));
    if (!this.principal(claims.appid)) throw errors.invalidToken();
    if (!this.audiences.includes(claims.aud)) throw errors.invalidAudience(claims.aud, this.audiences);
    return claims;
  }

  /** Whether role assignments let the caller do `action` at `scope`; principals without roles may do everything. */
  permits(claims: TokenClaims, action: string, scope: string): boolean {
    const principal = this.principal(claims.appid);
    if (!principal?.roles) return true;
    const a = action.toLowerCase();
    const s = scope.toLowerCase();
    return principal.roles.some(
      (r) => (s === r.scope.toLowerCase() || s.startsWith(r.scope.toLowerCase().replace(/\/$/, '') + '/')) && r.actions.some((x) => actionMatches(x.toLowerCase(), a)),
    );
  }

  // rule: auth.rbac — source: reference/arm-contract.md §6 (403 AuthorizationFailed naming client, object id, action and scope)
  authorize(claims: TokenClaims, action: string, scope: string): void {
    if (this.permits(claims, action, scope)) return;
    const principal = this.principal(claims.appid);
    throw errors.authorizationFailed(principal?.clientId ?? claims.appid, principal?.objectId ?? claims.oid, action, scope);
  }

  // rule: auth.linked — source: Azure/aad-pod-identity#613 (403 LinkedAuthorizationFailed when a write names a resource the caller may not act on)
  authorizeLinked(claims: TokenClaims, action: string, scope: string, linkedAction: string, linkedScope: string): void {
    if (this.permits(claims, linkedAction, linkedScope)) return;
    const principal = this.principal(claims.appid);
    throw errors.linkedAuthorizationFailed(principal?.clientId ?? claims.appid, principal?.objectId ?? claims.oid, action, scope, linkedAction, linkedScope);
  }

  sign(claims: TokenClaims): string {
    const body = `${b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))}.${b64url(JSON.stringify(claims))}`;
    return `${body}.${this.signature(body)}`;
  }

  private signature(data: string): string {
    return createHmac('sha256', this.key).update(data).digest('base64url');
  }
}

function actionMatches(pattern: string, action: string): boolean {
  const re = new RegExp('^' + pattern.split('*').map((x) => x.replace(/[.+?^${}()|[\]\\/]/g, '\\$&')).join('.*') + '$');
  return re.test(action);
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
