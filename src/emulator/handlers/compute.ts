// Microsoft.Compute: virtual machines, scale sets (Flexible membership follows capacity) and VM extensions.
import { errors } from '../errors.ts';
import { nameOf } from '../ids.ts';
import { guid, hex, isObject, keep, props, registerKind, str } from '../kind.ts';
import type { Env, Kind, WriteContext } from '../kind.ts';
import { describeId, newEtag } from '../store.ts';
import type { StoredResource } from '../store.ts';
import type { Json } from '../types.ts';
import { normaliseIdentity } from './identity.ts';
import { vmInstanceView } from './instance-view.ts';

export const COMPUTE_API_VERSIONS = [
  '2021-03-01', '2021-07-01', '2021-11-01', '2022-03-01', '2022-08-01', '2022-11-01', '2023-03-01', '2023-07-01', '2023-09-01',
  '2024-03-01', '2024-07-01', '2024-11-01', '2025-04-01', '2025-11-01', '2026-04-01',
] as const;

export const VM_TYPE = 'Microsoft.Compute/virtualMachines';
export const VMSS_TYPE = 'Microsoft.Compute/virtualMachineScaleSets';
export const EXTENSION_TYPE = 'Microsoft.Compute/virtualMachines/extensions';

function stripReadOnly(input: Json): Json {
  const { id: _i, name: _n, type: _t, etag: _e, resources: _r, ...rest } = input;
  return rest;
}

function computeBody(ctx: WriteContext): Json {
  const body = stripReadOnly(ctx.input);
  const identity = normaliseIdentity(ctx.env, body.identity, keep(ctx.existing, ['identity']));
  if (identity) body.identity = identity;
  else delete body.identity;
  const p = props(body);
  p.provisioningState = 'Succeeded';
  p.timeCreated = keep(ctx.existing, ['properties', 'timeCreated']) ?? new Date().toISOString();
  return body;
}

/** What ARM fills in on create: the OS type from the image or OS configuration, empty disk and secret lists. */
function applyVmDefaults(p: Json): void {
  const storage = (p.storageProfile ??= {}) as Json;
  const osDisk = (storage.osDisk ??= {}) as Json;
  const os = (p.osProfile ?? undefined) as Json | undefined;
  if (osDisk.osType === undefined) {
    const offer = str((storage.imageReference as Json | undefined)?.offer);
    osDisk.osType = os?.windowsConfiguration !== undefined || /windows/i.test(offer) ? 'Windows' : 'Linux';
  }
  storage.dataDisks ??= [];
  if (os) {
    os.secrets ??= [];
    if (osDisk.osType === 'Windows') os.windowsConfiguration ??= { provisionVMAgent: true, enableAutomaticUpdates: true, patchSettings: { patchMode: 'AutomaticByOS', assessmentMode: 'ImageDefault' } };
    else os.linuxConfiguration ??= { disablePasswordAuthentication: false, provisionVMAgent: true, patchSettings: { patchMode: 'ImageDefault', assessmentMode: 'ImageDefault' } };
  }
}

const filterPattern = /^\s*'?virtualMachineScaleSet\/id'?\s+eq\s+'([^']+)'\s*$/i;



const virtualMachines: Kind = {
  type: VM_TYPE,
  apiVersions: COMPUTE_API_VERSIONS,
  locationRequired: true,
  putLro: true,
  patchLro: true,
  deleteLro: true,
  patch: true,
  list: 'paged',
  etagInBody: true,
  build(ctx) {
    const body = computeBody(ctx);
    const p = props(body);
    p.vmId = keep(ctx.existing, ['properties', 'vmId']) ?? guid();
    applyVmDefaults(p);
    const vmss = (p.virtualMachineScaleSet as Json | undefined)?.id;
    if (typeof vmss === 'string' && !ctx.env.store.get(vmss)) {
      throw errors.badRequest('InvalidParameter', `The Virtual Machine Scale Set '${vmss}' referenced by the VM was not found.`);
    }
    return body;
  },
  view(env, resource, query, listed) {
    const extensions = env.store.list(resource.id, EXTENSION_TYPE);
    const body: Json = { ...resource.body };
    // As in ARM: a VM GET carries its extensions in full, a VM list only their ids.
    if (extensions.length > 0) body.resources = extensions.map((e) => (listed ? { id: e.body.id } : e.body));
    if (query?.get('$expand')?.toLowerCase() === 'instanceview') body.properties = { ...(body.properties as Json), instanceView: vmInstanceView(env, resource, EXTENSION_TYPE) };
    return body;
  },
  beforeDelete(env, resource) {
    const vmssId = ((resource.body.properties as Json | undefined)?.virtualMachineScaleSet as Json | undefined)?.id;
    const vmss = typeof vmssId === 'string' ? env.store.get(vmssId) : undefined;
    if (!vmss) return;
    const body = structuredClone(vmss.body);
    const sku = (body.sku ?? {}) as Json;
    sku.capacity = Math.max(0, Number(sku.capacity ?? 1) - 1);
    body.sku = sku;
    env.store.put(body, newEtag());
  },
  listFrom(env, parentId, query, subscriptionWide) {
    const filter = query.get('$filter');
    if (filter === null) return undefined;
    const m = filterPattern.exec(filter);
    if (!m?.[1]) throw errors.badRequest('InvalidParameter', `The value '${filter}' of parameter '$filter' is not valid. Allowed value is 'virtualMachineScaleSet/id' eq '<scale set id>'.`);
    const scope = parentId.toLowerCase();
    return env.store.byIndex('vmss', m[1]).filter((r) => (subscriptionWide ? r.subscriptionKey : r.parentKey) === scope);
  },
};

const scaleSets: Kind = {
  type: VMSS_TYPE,
  apiVersions: COMPUTE_API_VERSIONS,
  locationRequired: true,
  putLro: true,
  patchLro: true,
  deleteLro: true,
  patch: true,
  list: 'paged',
  etagInBody: true,
  build(ctx) {
    const body = computeBody(ctx);
    const p = props(body);
    p.uniqueId = keep(ctx.existing, ['properties', 'uniqueId']) ?? guid();
    const mode = p.orchestrationMode;
    if (mode !== undefined && mode !== 'Flexible' && mode !== 'Uniform') {
      throw errors.badRequest('InvalidParameter', `The value '${str(mode)}' of parameter 'orchestrationMode' is not valid.`);
    }
    const before = keep(ctx.existing, ['properties', 'orchestrationMode']);
    if (ctx.existing && before !== undefined && mode !== before) {
      throw errors.badRequest('PropertyChangeNotAllowed', "Changing property 'orchestrationMode' is not allowed.");
    }
    return body;
  },
  afterWrite(env, resource) {
    reconcileMembers(env, resource);
  },
  beforeDelete(env, resource) {
    for (const member of env.store.byIndex('vmss', resource.id)) env.store.delete(member.id);
  },
};

/** Creates or deletes Flexible members so their count matches `sku.capacity`. */
export function reconcileMembers(env: Env, vmss: StoredResource): void {
  const p = (vmss.body.properties ?? {}) as Json;
  if (p.orchestrationMode !== 'Flexible') return;
  const capacity = Math.max(0, Number((vmss.body.sku as Json | undefined)?.capacity ?? 0));
  const members = env.store.byIndex('vmss', vmss.id);
  for (let i = members.length; i < capacity; i++) createMember(env, vmss);
  if (members.length > capacity) {
    const newestFirst = members.sort((a, b) => str(props(b.body).timeCreated).localeCompare(str(props(a.body).timeCreated)));
    for (const m of newestFirst.slice(0, members.length - capacity)) env.store.delete(m.id);
  }
}

function createMember(env: Env, vmss: StoredResource): void {
  const rg = describeId(vmss.id).parent;
  const name = `${nameOf(vmss.id)}_${hex(8)}`;
  const id = `${rg}/providers/Microsoft.Compute/virtualMachines/${name}`;
  const p = (vmss.body.properties ?? {}) as Json;
  const profile = (p.virtualMachineProfile ?? {}) as Json;
  const osType = (((profile.storageProfile as Json | undefined)?.osDisk as Json | undefined)?.osType as string | undefined) ?? 'Linux';
  const body: Json = { id, name, type: VM_TYPE, location: vmss.body.location };
  if (vmss.body.tags) body.tags = structuredClone(vmss.body.tags);
  if (vmss.body.zones) body.zones = structuredClone(vmss.body.zones);
  const identity = vmss.body.identity as Json | undefined;
  if (identity) {
    const copy = structuredClone(identity);
    if (/systemassigned/i.test(str(copy.type))) copy.principalId = guid();
    body.identity = copy;
  }
  body.properties = {
    vmId: guid(),
    virtualMachineScaleSet: { id: vmss.id },
    hardwareProfile: { vmSize: (vmss.body.sku as Json | undefined)?.name ?? 'Standard_D2s_v5' },
    storageProfile: { osDisk: { osType, createOption: 'FromImage', caching: 'ReadWrite', managedDisk: { storageAccountType: 'Premium_LRS' } } },
    osProfile: { computerName: name.replace(/_/g, '').slice(0, 15) },
    provisioningState: 'Succeeded',
    timeCreated: new Date().toISOString(),
  };
  env.store.put(body);
  const extensions = ((profile.extensionProfile as Json | undefined)?.extensions ?? []) as Json[];
  for (const ext of extensions) {
    if (!isObject(ext) || typeof ext.name !== 'string') continue;
    env.store.put({
      id: `${id}/extensions/${ext.name}`,
      name: ext.name,
      type: EXTENSION_TYPE,
      location: vmss.body.location,
      properties: { ...structuredClone((ext.properties ?? {}) as Json), provisioningState: 'Succeeded' },
    });
  }
}

/** Sets capacity as a completed scale-set update would. */
export function scaleVmss(env: Env, id: string, capacity: number): void {
  const vmss = env.store.get(id);
  if (!vmss) throw new Error(`scale set not found: ${id}`);
  const body = structuredClone(vmss.body);
  body.sku = { ...((body.sku ?? {}) as Json), capacity };
  reconcileMembers(env, env.store.put(body, newEtag()));
}

const extensions: Kind = {
  type: EXTENSION_TYPE,
  apiVersions: COMPUTE_API_VERSIONS,
  parentType: VM_TYPE,
  putLro: true,
  patchLro: true,
  deleteLro: true,
  patch: true,
  list: 'plain',
  build(ctx) {
    const body = stripReadOnly(ctx.input);
    if (body.location === undefined) body.location = ctx.env.store.get(describeId(ctx.id).parent)?.body.location;
    const p = props(body);
    if (typeof p.publisher !== 'string' || typeof p.type !== 'string') {
      if (!ctx.existing) throw errors.badRequest('InvalidParameter', "Required parameter 'publisher' and 'type' are missing (null).");
    }
    p.provisioningState = 'Succeeded';
    return body;
  },
};

export function registerCompute(): void {
  registerKind(virtualMachines);
  registerKind(scaleSets);
  registerKind(extensions);
}

