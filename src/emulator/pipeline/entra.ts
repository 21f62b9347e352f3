// The Microsoft Entra endpoints MSAL calls: token, OpenID metadata, instance discovery and signing keys.
import type { ServerResponse } from 'node:http';
import type { Authority } from './authenticate.ts';
import type { Counters } from './counters.ts';
import { send } from './serialize.ts';

/** Serves an Entra endpoint; false when the path is not one. */
export function entra(authority: Authority, counters: Counters, base: string, method: string, path: string, text: string, res: ServerResponse): boolean {
  let m = /^\/([^/]+)\/oauth2\/v2\.0\/token$/i.exec(path);
  if (m && method === 'POST') {
    counters.token();
    const result = authority.issue(decodeURIComponent(m[1] ?? ''), new URLSearchParams(text));
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

/** OpenID metadata MSAL reads before asking for a token. */
export function openIdConfiguration(base: string, tenant: string): Record<string, unknown> {
  return {
    token_endpoint: `${base}/${tenant}/oauth2/v2.0/token`,
    token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
    jwks_uri: `${base}/${tenant}/discovery/v2.0/keys`,
    response_modes_supported: ['query', 'fragment', 'form_post'],
    subject_types_supported: ['pairwise'],
    id_token_signing_alg_values_supported: ['RS256'],
    response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
    scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
    issuer: `${base}/${tenant}/v2.0`,
    request_uri_parameter_supported: false,
    userinfo_endpoint: `${base}/oidc/userinfo`,
    authorization_endpoint: `${base}/${tenant}/oauth2/v2.0/authorize`,
    device_authorization_endpoint: `${base}/${tenant}/oauth2/v2.0/devicecode`,
    http_logout_supported: true,
    frontchannel_logout_supported: true,
    end_session_endpoint: `${base}/${tenant}/oauth2/v2.0/logout`,
    claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'nonce', 'tid'],
    kerberos_endpoint: `${base}/${tenant}/kerberos`,
    tenant_region_scope: 'NA',
    cloud_instance_name: 'microsoftonline.com',
    cloud_graph_host_name: 'graph.windows.net',
    msgraph_host: 'graph.microsoft.com',
  };
}

export function instanceDiscovery(base: string): Record<string, unknown> {
  const host = new URL(base).host;
  return {
    tenant_discovery_endpoint: `${base}/{tenant}/v2.0/.well-known/openid-configuration`,
    'api-version': '1.1',
    metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
  };
}
