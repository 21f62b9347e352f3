// Microsoft.Network/privateDnsZones: zones, A record sets and virtual network links (arm-contract-wave2.md §8).
import { errors } from '../../arm/errors.ts';
import { key, nameOf } from '../../arm/ids.ts';
import { guid, isObject, keep, props, str } from '../../arm/json.ts';
import type { Kind, WriteContext } from '../../arm/kind.ts';
import { describeId } from '../../arm/store.ts';
import type { Json } from '../../types.ts';

// The private DNS api-versions (wave2 §8); PrivateZoneGet.json is still sent with 2020-06-01.
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
  // Zone PUT, PATCH and DELETE are long-running (wave2 §8 table).
  putLro: true,
  patchLro: true,
  deleteLro: true,
  patch: true,
  list: 'paged',
  etagInBody: true,
  build(ctx) {
    const body = base(ctx);
    // Zones are global resources (PrivateZoneGet.json: location "global").
    if (str(body.location).toLowerCase() !== 'global') throw errors.badRequest('InvalidLocation', `The location '${str(body.location)}' is not valid for a private DNS zone; use 'global'.`);
    body.location = 'global';
    const p = props(body);
    p.internalId = keep(ctx.existing, ['properties', 'internalId']) ?? guid();
    p.provisioningState = 'Succeeded';
    return body;
  },
  // Counts and limits are read-only and follow the zone's children (PrivateZoneGet.json: 5000 / 100 / 50).
  view(env, resource) {
    const links = env.store.list(resource.id, ZONE_LINK_TYPE);
    const p: Json = {
      ...(resource.body.properties as Json),
      maxNumberOfRecordSets: 5000,
      // The SOA record set every zone holds counts too (invented: Azure counts it, the example shows 1 for a fresh zone).
      numberOfRecordSets: env.store.list(resource.id, A_RECORD_TYPE).length + 1,
      maxNumberOfVirtualNetworkLinks: 100,
      numberOfVirtualNetworkLinks: links.length,
      maxNumberOfVirtualNetworkLinksWithRegistration: 50,
      numberOfVirtualNetworkLinksWithRegistration: links.filter((l) => (l.body.properties as Json | undefined)?.registrationEnabled === true).length,
    };
    return { ...resource.body, properties: p };
  },
  beforeDelete(env, resource) {
    // The zone delete description: a zone with virtual network links cannot be deleted (wave2 §8 quirks; code invented).
    if (env.store.list(resource.id, ZONE_LINK_TYPE).length > 0) {
      throw errors.badRequest('CannotDeleteResource', `Cannot delete zone ${nameOf(resource.id)} while it has virtual network links.`);
    }
  },
};

export const aRecords: Kind = {
  type: A_RECORD_TYPE,
  apiVersions: PRIVATE_DNS_API_VERSIONS,
  parentType: ZONE_TYPE,
  // Record sets are not long-running (wave2 §8 table).
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
    // fqdn ends with a dot and isAutoRegistered is read-only (RecordSetAGet.json).
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
  // Link PUT, PATCH and DELETE are long-running (wave2 §8 table).
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
    // The update command "does not modify virtual network within the link" (Learn: az network private-dns link vnet update).
    if (typeof before === 'string' && key(before) !== key(vnet)) throw errors.badRequest('BadRequest', 'The virtual network of a link cannot be changed.');
    if (p.registrationEnabled === undefined) p.registrationEnabled = false;
    // resolutionPolicy arrived with the newer 2024-06-01 revision (VirtualNetworkLinkList.json).
    if (ctx.apiVersion >= '2024-06-01' && p.resolutionPolicy === undefined) p.resolutionPolicy = 'Default';
    p.virtualNetworkLinkState = 'Completed';
    p.provisioningState = 'Succeeded';
    return body;
  },
};

