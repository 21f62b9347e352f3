// Microsoft.Compute virtual machine scale sets; a Flexible set's member VMs follow its capacity.
import { errors } from '../../arm/errors.ts';
import { nameOf } from '../../arm/ids.ts';
import { guid, hex, isObject, keep, props, str } from '../../arm/json.ts';
import type { Env, Kind } from '../../arm/kind.ts';
import { describeId, newEtag } from '../../arm/store.ts';
import type { StoredResource } from '../../arm/store.ts';
import type { Json } from '../../types.ts';
import { COMPUTE_API_VERSIONS, computeBody, EXTENSION_TYPE, VM_TYPE, VMSS_TYPE } from './common.ts';

export const scaleSets: Kind = {
  type: VMSS_TYPE,
  apiVersions: COMPUTE_API_VERSIONS,
  locationRequired: true,
  putLro: true,
  patchLro: true,
  deleteLro: true,
  patch: true,
  list: 'paged',
  etagInBody: true,
  // rule: compute.vmss.conditional — invented: the scale set spec was not read for its headers; assumed to match VirtualMachines_CreateOrUpdate's If-Match/If-None-Match
  conditional: true,
  build(ctx) {
    const body = computeBody(ctx);
    const p = props(body);
    p.uniqueId = keep(ctx.existing, ['properties', 'uniqueId']) ?? guid();
    const mode = p.orchestrationMode;
    if (mode !== undefined && mode !== 'Flexible' && mode !== 'Uniform') {
      throw errors.badRequest('InvalidParameter', `The value '${str(mode)}' of parameter 'orchestrationMode' is not valid.`);
    }
    const before = keep(ctx.existing, ['properties', 'orchestrationMode']);
    // rule: compute.vmss.orchestration-immutable — invented: orchestrationMode cannot change after creation (PropertyChangeNotAllowed wording assumed)
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
// rule: compute.vmss.flexible-members — source: seeds/000 (Flexible scale set instances are VMs that inherit the set's identity and extension profile, never its associations)
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
