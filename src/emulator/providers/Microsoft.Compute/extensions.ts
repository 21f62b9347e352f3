// Microsoft.Compute virtual machine extensions (the agent and its settings live here).
import { errors } from '../../arm/errors.ts';
import { props, withoutReadOnly } from '../../arm/json.ts';
import type { Kind } from '../../arm/kind.ts';
import { describeId } from '../../arm/store.ts';
import { COMPUTE_API_VERSIONS, EXTENSION_TYPE, VM_TYPE } from './common.ts';

export const extensions: Kind = {
  type: EXTENSION_TYPE,
  apiVersions: COMPUTE_API_VERSIONS,
  parentType: VM_TYPE,
  putLro: true,
  patchLro: true,
  deleteLro: true,
  patch: true,
  list: 'plain',
  build(ctx) {
    const body = withoutReadOnly(ctx.input);
    if (body.location === undefined) body.location = ctx.env.store.get(describeId(ctx.id).parent)?.body.location;
    const p = props(body);
    // rule: compute.extension.required — invented: publisher and type are needed to create an extension (wording assumed)
    if (typeof p.publisher !== 'string' || typeof p.type !== 'string') {
      if (!ctx.existing) throw errors.badRequest('InvalidParameter', "Required parameter 'publisher' and 'type' are missing (null).");
    }
    p.provisioningState = 'Succeeded';
    return body;
  },
};
