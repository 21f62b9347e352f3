// Microsoft.Compute virtual machines: the kind, its instance view and the list by location.
import { checkApiVersion } from '../../arm/api-version.ts';
import { errors } from '../../arm/errors.ts';
import { guid, keep, props, str } from '../../arm/json.ts';
import type { Kind } from '../../arm/kind.ts';
import { listResponse } from '../../arm/paging.ts';
import { render } from '../../arm/render.ts';
import type { Route } from '../../arm/kind.ts';
import { requireReadable } from '../../arm/resources.ts';
import { newEtag } from '../../arm/store.ts';
import type { Json } from '../../types.ts';
import { COMPUTE_API_VERSIONS, computeBody, EXTENSION_TYPE, VM_TYPE } from './common.ts';
import { vmInstanceView } from './instance-view.ts';

/** What ARM fills in on create: the OS type from the image or OS configuration, empty disk and secret lists. */
// rule: compute.vm.defaults — source: saved examples VirtualMachine_Get.json and VirtualMachine_Create_*.json (osType, dataDisks, secrets and OS configuration are filled in)
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

// rule: compute.vm.filter — source: reference/arm-contract.md §4 ($filter='virtualMachineScaleSet/id' eq '<id>' on List and ListAll)
const filterPattern = /^\s*'?virtualMachineScaleSet\/id'?\s+eq\s+'([^']+)'\s*$/i;

/** `virtualMachines/{name}/instanceView`. */
// rule: compute.vm.instance-view — source: reference/arm-contract.md §4 and VirtualMachine_Get_InstanceView.json (statuses ProvisioningState/succeeded, PowerState/running)
const instanceView: Route = {
  match(env, req, parsed) {
    const t = parsed?.types.map((x) => x.toLowerCase()) ?? [];
    if (!parsed || req.method !== 'GET' || parsed.namespace?.toLowerCase() !== 'microsoft.compute' || t.length !== 2 || t[0] !== 'virtualmachines' || t[1] !== 'instanceview' || parsed.names.length !== 1) return undefined;
    const vmId = `${parsed.scope}/providers/${parsed.namespace}/${parsed.types[0] ?? ''}/${parsed.names[0] ?? ''}`;
    return {
      operation: 'GET Microsoft.Compute/virtualMachines/instanceView',
      run: () => {
        checkApiVersion(req, COMPUTE_API_VERSIONS, 'virtualMachines/instanceView');
        return { status: 200, body: vmInstanceView(env, requireReadable(env, req, parsed, vmId), EXTENSION_TYPE) };
      },
    };
  },
};

/** `/subscriptions/{id}/providers/Microsoft.Compute/locations/{location}/virtualMachines`. */
const listByLocation: Route = {
  match(env, req, parsed) {
    const t = parsed?.types.map((x) => x.toLowerCase()) ?? [];
    if (!parsed || req.method !== 'GET' || parsed.namespace?.toLowerCase() !== 'microsoft.compute' || t.length !== 2 || t[0] !== 'locations' || t[1] !== 'virtualmachines') return undefined;
    if (parsed.names.length !== 1 || parsed.resourceGroup !== undefined) return undefined;
    return {
      operation: 'LIST Microsoft.Compute/virtualMachines/byLocation',
      run: () => {
        checkApiVersion(req, COMPUTE_API_VERSIONS, 'locations/virtualMachines');
        if (!env.store.hasSubscription(parsed.subscriptionId)) throw errors.subscriptionNotFound(parsed.subscriptionId);
        req.authorize('Microsoft.Compute/virtualMachines/read', `/subscriptions/${parsed.subscriptionId}`);
        const location = (parsed.names[0] ?? '').toLowerCase().replace(/\s+/g, '');
        const vms = env.store.listInSubscription(parsed.subscriptionId, VM_TYPE).filter((r) => String(r.body.location).toLowerCase().replace(/\s+/g, '') === location);
        return listResponse(env, req, vms, (r) => render(env, virtualMachines, r, req.query));
      },
    };
  },
};

// rule: compute.lro — source: reference/arm-contract.md §4 (VM, scale set and extension PUT/PATCH/DELETE are long-running)
export const virtualMachines: Kind = {
  type: VM_TYPE,
  apiVersions: COMPUTE_API_VERSIONS,
  locationRequired: true,
  putLro: true,
  patchLro: true,
  deleteLro: true,
  patch: true,
  list: 'paged',
  etagInBody: true,
  // rule: compute.vm.conditional — source: reference/arm-contract.md §4 (VirtualMachines_CreateOrUpdate declares If-Match and If-None-Match)
  conditional: true,
  routes: [instanceView, listByLocation],
  index(r) {
    const id = ((r.body.properties as Json | undefined)?.virtualMachineScaleSet as Json | undefined)?.id;
    return typeof id === 'string' ? [['vmss', id]] : [];
  },
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
    // rule: compute.vm.extensions-view — source: reference/arm-contract.md §4 and VirtualMachine_Get.json (resources[] holds the extensions); ids only in lists is invented from field observation
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
