// Microsoft.HybridCompute/machines/extensions: extensions the connected-machine agent installs, children of a machine.
import { errors } from '../../arm/errors.ts';
import { props, str } from '../../arm/json.ts';
import type { Kind } from '../../arm/kind.ts';
import { describeId } from '../../arm/store.ts';

export const EXTENSION_TYPE = 'Microsoft.HybridCompute/machines/extensions';

export const extensions: Kind = {
  type: EXTENSION_TYPE,
  // The versions of the parent machine (HybridCompute.json 2021-05-20 and 2025-01-13).
  apiVersions: ['2021-05-20', '2025-01-13'],
  parentType: 'Microsoft.HybridCompute/machines',
  // rule: hybridcompute.extension.lro — source: reference/arm-contract-wave2.md §13 (MachineExtensions_CreateOrUpdate / _Update / _Delete are long-running)
  putLro: true,
  patchLro: true,
  deleteLro: true,
  patch: true,
  // MachineExtensions_List is pageable (nextLink), unlike Compute's VM extension list; the example omits nextLink.
  list: 'paged',
  build(ctx) {
    const { id: _i, name: _n, type: _t, etag: _e, ...body } = ctx.input;
    if (body.location === undefined) body.location = ctx.env.store.get(describeId(ctx.id).parent)?.body.location;
    const p = props(body);
    // rule: hybridcompute.extension.required — invented: publisher and type are needed to create an extension (wording assumed, as for Compute)
    if ((typeof p.publisher !== 'string' || typeof p.type !== 'string') && !ctx.existing) {
      throw errors.badRequest('InvalidParameter', "Required parameter 'publisher' and 'type' are missing (null).");
    }
    // rule: hybridcompute.extension.instance-view — invented: the instance view is what the agent last reported (shape of Extension_Get.json); an estate may set it, a client never does
    if (!ctx.fromEstate) delete p.instanceView;
    p.instanceView ??= {
      name: ctx.name,
      type: str(p.type),
      typeHandlerVersion: str(p.typeHandlerVersion),
      status: { code: 'success', level: 'Information', displayStatus: 'Provisioning succeeded', message: 'Enable succeeded', time: new Date().toISOString() },
    };
    p.provisioningState = 'Succeeded';
    return body;
  },
};

