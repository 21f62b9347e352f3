// Microsoft.HybridCompute/machines: Azure Arc-enabled servers, as the connected-machine agent registers them.
import { errors } from '../../arm/errors.ts';
import { guid, isObject, keep, props, str } from '../../arm/json.ts';
import type { Env, Kind, WriteContext } from '../../arm/kind.ts';
import type { StoredResource } from '../../arm/store.ts';
import type { Json } from '../../types.ts';
import { EXTENSION_TYPE } from './extensions.ts';

// 2021-05-20: the version @azure/arm-hybridcompute 3.0.0 sends (stable/2021-05-20/HybridCompute.json);
// 2025-01-13: newest stable in the reference (arm-contract-wave2.md §13).
export const HYBRID_COMPUTE_API_VERSIONS = ['2021-05-20', '2025-01-13'] as const;

export const MACHINE_TYPE = 'Microsoft.HybridCompute/machines';

/** Agent states of `properties.status` (StatusTypes, HybridCompute.json; arm-contract-wave2.md §13). */
export const MACHINE_STATUSES = ['Connected', 'Disconnected', 'Error'] as const;

// `machineName` pattern `^[a-zA-Z0-9-_\.]{1,54}$` (HybridCompute.json 2025-01-13, Machines_Get).
const NAME_PATTERN = /^[a-zA-Z0-9-_.]{1,54}$/;

/** Properties the agent reports and ARM clients cannot set (readOnly in HybridCompute.json). */
const AGENT_REPORTED = [
  'status', 'lastStatusChange', 'agentVersion', 'errorDetails', 'osName', 'osType', 'osVersion', 'osSku', 'displayName',
  'machineFqdn', 'vmUuid', 'domainName', 'adFqdn', 'dnsFqdn', 'detectedProperties',
] as const;

function identity(env: Env, input: unknown, existing: unknown): Json | undefined {
  if (!isObject(input)) return undefined;
  const type = str(input.type);
  if (type === '' || type === 'None') return undefined;
  // The Identity type enum has one value, SystemAssigned (HybridCompute.json 2021-05-20 and 2025-01-13 `Identity`).
  // rule: hybridcompute.identity — source: HybridCompute.json 2021-05-20 and 2025-01-13 (Identity type enum: SystemAssigned only)
  if (type !== 'SystemAssigned') {
    throw errors.badRequest('InvalidIdentityType', `The identity type '${type}' is not supported for Azure Arc-enabled servers. The supported type is 'SystemAssigned'.`);
  }
  const principalId = isObject(existing) && typeof existing.principalId === 'string' ? existing.principalId : guid();
  return { type: 'SystemAssigned', principalId, tenantId: env.tenantId };
}

/** The OS kind the agent reports, `windows` or `linux` (Azure Policy alias Microsoft.HybridCompute/machines/osName equals 'linux'). */
function osKind(v: unknown): string {
  return str(v).toLowerCase() === 'windows' ? 'windows' : 'linux';
}

function build(ctx: WriteContext): Json {
  // rule: hybridcompute.machine.name — source: HybridCompute.json 2025-01-13 Machines_Get (machineName pattern ^[a-zA-Z0-9-_\.]{1,54}$)
  if (!NAME_PATTERN.test(ctx.name)) {
    throw errors.badRequest('InvalidParameter', `The machine name '${ctx.name}' is invalid. It must match '^[a-zA-Z0-9-_\\.]{1,54}$'.`);
  }
  const { id: _i, name: _n, type: _t, etag: _e, resources: _r, ...body } = ctx.input;
  const sent = props(body);
  const p: Json = { ...sent };
  // rule: hybridcompute.machine.agent-reported — source: HybridCompute.json 2025-01-13 (status, os*, detectedProperties, computerName are readOnly: the agent reports them)
  if (!ctx.fromEstate) for (const k of AGENT_REPORTED) delete p[k];
  for (const k of AGENT_REPORTED) if (p[k] === undefined && keep(ctx.existing, ['properties', k]) !== undefined) p[k] = keep(ctx.existing, ['properties', k]);
  // rule: hybridcompute.machine.onboarding — invented: a client PUT stands for the agent's onboarding (azcmagent connect): Connected, with what the agent detects
  p.status ??= 'Connected';
  if (!MACHINE_STATUSES.includes(str(p.status) as (typeof MACHINE_STATUSES)[number])) {
    throw errors.badRequest('InvalidParameter', `The machine status '${str(p.status)}' is not one of ${MACHINE_STATUSES.join(', ')}.`);
  }
  p.lastStatusChange ??= new Date().toISOString();
  p.agentVersion ??= '1.47.02904.1920';
  const kind = osKind(p.osType ?? p.osName);
  // 2021-05-20 carries osName only; later versions add osType with the same value (Machines_Get examples of each).
  p.osName = kind;
  p.osType = kind;
  // computerName is the agent's; the Windows/Linux patch settings are the client's (OSProfile, HybridCompute.json 2025-01-13).
  const osProfile = isObject(sent.osProfile) ? sent.osProfile : {};
  p.osProfile = { ...osProfile, computerName: keep(ctx.existing, ['properties', 'osProfile', 'computerName']) ?? (ctx.fromEstate && typeof osProfile.computerName === 'string' ? osProfile.computerName : ctx.name) };
  p.detectedProperties ??= { cloudprovider: 'N/A', manufacturer: 'Emulator', model: 'Virtual Machine' };
  p.displayName ??= ctx.name;
  p.vmId = keep(ctx.existing, ['properties', 'vmId']) ?? sent.vmId ?? guid();
  p.provisioningState = 'Succeeded';
  const scope = p.privateLinkScopeResourceId;
  // rule: hybridcompute.machine.scope-exists — invented: a machine bound to an Arc private link scope that does not exist is refused (wording assumed)
  if (scope !== undefined && scope !== null && (typeof scope !== 'string' || !ctx.env.store.get(scope))) {
    throw errors.badRequest('InvalidParameter', `The private link scope '${str(scope)}' was not found.`);
  }
  body.properties = p;
  const id = identity(ctx.env, body.identity, keep(ctx.existing, ['identity']));
  if (id) body.identity = id;
  else delete body.identity;
  return body;
}

export const machines: Kind = {
  type: MACHINE_TYPE,
  apiVersions: HYBRID_COMPUTE_API_VERSIONS,
  locationRequired: true,
  patch: true,
  // rule: hybridcompute.machine.create-status — source: reference/arm-contract-wave2.md §13 (Machines_CreateOrUpdate answers 200 only, on create too)
  createStatus: 200,
  // rule: hybridcompute.machine.list-null-next — source: Machines_ListByResourceGroup.json (pages with nextLink, `"nextLink": null` on the last page)
  list: 'paged',
  lastPageNextLink: 'null',
  build,
  view(env, resource, _query, listed) {
    if (listed) return resource.body;
    // rule: hybridcompute.machine.extensions-view — source: Machines_Get.json (a machine GET lists its extensions in `resources`)
    return { ...resource.body, resources: env.store.list(resource.id, EXTENSION_TYPE).map((e: StoredResource) => e.body) };
  },
};

