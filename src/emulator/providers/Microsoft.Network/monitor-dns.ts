// The names an Azure Monitor private endpoint serves, and which of them share one private IP.
import { key } from '../../arm/ids.ts';
import { isObject, str } from '../../arm/json.ts';
import type { Env } from '../../arm/kind.ts';
import type { Json } from '../../types.ts';

// rule: network.monitor.zone-names — source: reference/arm-contract-wave2.md §9 (the AMPLS private link resource's requiredZoneNames)
export const MONITOR_ZONES = [
  'privatelink.monitor.azure.com',
  'privatelink.oms.opinsights.azure.com',
  'privatelink.ods.opinsights.azure.com',
  'privatelink.agentsvc.azure-automation.net',
  'privatelink.blob.core.windows.net',
] as const;

// rule: network.monitor.global-names — source: reference/arm-contract-wave2.md §10 table; global.handler.control from MicrosoftDocs/azure-docs#102647
const SHARED = [
  'api.monitor.azure.com',
  'global.in.ai.monitor.azure.com',
  'profiler.monitor.azure.com',
  'live.monitor.azure.com',
  'snapshot.monitor.azure.com',
  'diagservices-query.monitor.azure.com',
  'global.handler.control.monitor.azure.com',
  'scadvisorcontentpl.blob.core.windows.net',
];

// rule: network.monitor.workspace-names — source: reference/arm-contract-wave2.md §10 (the workspace GUID in three zones)
const WORKSPACE_SUFFIXES = ['oms.opinsights.azure.com', 'ods.opinsights.azure.com', 'agentsvc.azure-automation.net'];

export interface ServedName {
  fqdn: string;
  /** Names with one ipKey share one private IP (endpoint compression); every other name has its own. */
  ipKey: string;
}

const host = (url: unknown): string | undefined => (typeof url === 'string' ? /^https?:\/\/([^/]+)/i.exec(url)?.[1]?.toLowerCase() : undefined);

/** Every FQDN a private endpoint connected to the scope serves: shared names, then one set per scoped resource. */
export function servedNames(env: Env, scopeId: string): ServedName[] {
  const out: ServedName[] = SHARED.map((fqdn) => ({ fqdn, ipKey: fqdn }));
  for (const link of env.store.list(scopeId, 'Microsoft.Insights/privateLinkScopes/scopedResources')) {
    const linked = str((link.body.properties as Json | undefined)?.linkedResourceId);
    const resource = env.store.get(linked);
    if (!resource) continue;
    const p = (resource.body.properties ?? {}) as Json;
    if (key(resource.type) === 'microsoft.operationalinsights/workspaces' && typeof p.customerId === 'string') {
      const region = str(resource.body.location).toLowerCase().replace(/\s+/g, '');
      // rule: network.monitor.compression — source: reference/arm-contract-wave2.md §10 (endpoint compression: per-workspace records of one region share one IP per zone)
      for (const suffix of WORKSPACE_SUFFIXES) out.push({ fqdn: `${p.customerId.toLowerCase()}.${suffix}`, ipKey: `${suffix}|${region}` });
    } else if (key(resource.type) === 'microsoft.insights/datacollectionendpoints') {
      // rule: network.monitor.dce-hosts — source: reference/arm-contract-wave2.md §10 (a DCE adds its three endpoint hosts, each with its own IP; DCEs are not compressed)
      for (const field of ['configurationAccess', 'logsIngestion', 'metricsIngestion']) {
        const h = host(isObject(p[field]) ? p[field].endpoint : undefined);
        if (h) out.push({ fqdn: h, ipKey: h });
      }
    }
  }
  return out;
}

/** The record-set name of `fqdn` inside a privatelink zone, or undefined when the name is not in that zone. */
export function recordNameIn(zoneName: string, fqdn: string): string | undefined {
  const suffix = '.' + zoneName.toLowerCase().replace(/^privatelink\./, '');
  const f = fqdn.toLowerCase();
  return f.endsWith(suffix) && f.length > suffix.length ? f.slice(0, -suffix.length) : undefined;
}
