// Microsoft.Network/privateDnsZones: zones, A record sets and virtual network links (arm-contract-wave2.md §8).
import { errors } from '../../arm/errors.ts';
import { key, nameOf } from '../../arm/ids.ts';
import { guid, isObject, keep, props, str } from '../../arm/json.ts';
import type { Kind, WriteContext } from '../../arm/kind.ts';
import { describeId } from '../../arm/store.ts';
import type { Json } from '../../types.ts';

// rule: privatedns.api-versions — source: reference/arm-contract-wave2.md §8 (private DNS api-versions; PrivateZoneGet.json is still sent with 2020-06-01)
export const PRIVATE_DNS_API_VERSIONS = ['2018-09-01', '2020-01-01', '2020-06-01', '2024-06-01'] as const;

export const ZONE_TYPE = 'Microsoft.Network/privateDnsZones';
export const A_RECORD_TYPE = 'Microsoft.Network/privateDnsZones/A';
export const ZONE_LINK_TYPE = 'Microsoft.Network/privateDnsZones/virtualNetworkLinks';

function base(ctx: WriteContext): Json {
  const { id: _i, name: _n, type: _t, etag: _e, ...rest } = ctx.input;
  return rest;
}

export const zones: Kind = {
  type: ZONE_TYPE,
  apiVersions: PRIVATE_DNS_API_VERSIONS,
  locationRequired: true,
  // rule: privatedns.zone.lro — source: reference/arm-contract-wave2.md §8 table (zone PUT, PATCH and DELETE are long-running)
  putLro: true,
  patchLro: true,
  deleteLro: true,
  patch: true,
  list: 'paged',
  etagInBody: true,
  build(ctx) {
    const body = base(ctx);
    // rule: privatedns.zone.global — source: PrivateZoneGet.json (location "global"): zones are global resources
    if (str(body.location).toLowerCase() !== 'global') throw errors.badRequest('InvalidLocation', `The location '${str(body.location)}' is not valid for a private DNS zone; use 'global'.`);
    body.location = 'global';
    const p = props(body);
    p.internalId = keep(ctx.existing, ['properties', 'internalId']) ?? guid();
    p.provisioningState = 'Succeeded';
    return body;
  },
  // rule: privatedns.zone.counts — source: PrivateZoneGet.json (read-only counts and limits 5000 / 100 / 50 follow the zone's children)
  view(env, resource) {
    const links = env.store.list(resource.id, ZONE_LINK_TYPE);
    const p: Json = {
      ...(resource.body.properties as Json),
      maxNumberOfRecordSets: 5000,
      // rule: privatedns.zone.soa-count — invented: Azure counts the SOA record set every zone holds; the example shows 1 for a fresh zone
      numberOfRecordSets: env.store.list(resource.id, A_RECORD_TYPE).length + 1,
      maxNumberOfVirtualNetworkLinks: 100,
      numberOfVirtualNetworkLinks: links.length,
      maxNumberOfVirtualNetworkLinksWithRegistration: 50,
      numberOfVirtualNetworkLinksWithRegistration: links.filter((l) => (l.body.properties as Json | undefined)?.registrationEnabled === true).length,
    };
    return { ...resource.body, properties: p };
  },
  beforeDelete(env, resource) {
    // rule: privatedns.zone.delete-with-links — invented: the error code; a zone with virtual network links cannot be deleted per reference/arm-contract-wave2.md §8 quirks
    if (env.store.list(resource.id, ZONE_LINK_TYPE).length > 0) {
      throw errors.badRequest('CannotDeleteResource', `Cannot delete zone ${nameOf(resource.id)} while it has virtual network links.`);
    }
  },
};

export const aRecords: Kind = {
  type: A_RECORD_TYPE,
  apiVersions: PRIVATE_DNS_API_VERSIONS,
  parentType: ZONE_TYPE,
  // rule: privatedns.record.sync — source: reference/arm-contract-wave2.md §8 table (record sets are not long-running)
  patch: true,
  list: 'paged',
  etagInBody: true,
  build(ctx) {
    const body = base(ctx);
    const p = props(body);
    const records = p.aRecords ?? [];
    if (!Array.isArray(records) || !records.every((r) => isObject(r) && typeof r.ipv4Address === 'string' && /^\d{1,3}(\.\d{1,3}){3}$/.test(r.ipv4Address))) {
      throw errors.badRequest('BadRequest', "Each entry of 'aRecords' needs an 'ipv4Address' in dotted IPv4 form.");
    }
    p.aRecords = records;
    if (p.ttl === undefined) p.ttl = 3600;
    // rule: privatedns.record.fqdn — source: RecordSetAGet.json (fqdn ends with a dot; isAutoRegistered is read-only)
    p.fqdn = `${ctx.name.toLowerCase()}.${nameOf(describeId(ctx.id).parent).toLowerCase()}.`;
    p.isAutoRegistered = false;
    if (!isObject(p.metadata)) delete p.metadata;
    return body;
  },
};

export const links: Kind = {
  type: ZONE_LINK_TYPE,
  apiVersions: PRIVATE_DNS_API_VERSIONS,
  parentType: ZONE_TYPE,
  locationRequired: true,
  // rule: privatedns.link.lro — source: reference/arm-contract-wave2.md §8 table (link PUT, PATCH and DELETE are long-running)
  putLro: true,
  patchLro: true,
  deleteLro: true,
  patch: true,
  list: 'paged',
  etagInBody: true,
  build(ctx) {
    const body = base(ctx);
    body.location = 'global';
    const p = props(body);
    const vnet = isObject(p.virtualNetwork) ? p.virtualNetwork.id : undefined;
    if (typeof vnet !== 'string' || !vnet.startsWith('/')) throw errors.badRequest('BadRequest', "The property 'virtualNetwork.id' is required.");
    const before = keep(ctx.existing, ['properties', 'virtualNetwork', 'id']);
    // rule: privatedns.link.vnet-fixed — source: Learn: az network private-dns link vnet update ("does not modify virtual network within the link")
    if (typeof before === 'string' && key(before) !== key(vnet)) throw errors.badRequest('BadRequest', 'The virtual network of a link cannot be changed.');
    if (p.registrationEnabled === undefined) p.registrationEnabled = false;
    // rule: privatedns.link.resolution-policy — source: VirtualNetworkLinkList.json (resolutionPolicy arrived with the 2024-06-01 revision)
    if (ctx.apiVersion >= '2024-06-01' && p.resolutionPolicy === undefined) p.resolutionPolicy = 'Default';
    p.virtualNetworkLinkState = 'Completed';
    p.provisioningState = 'Succeeded';
    return body;
  },
};

