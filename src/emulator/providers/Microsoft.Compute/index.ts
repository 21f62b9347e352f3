// Microsoft.Compute: virtual machines, scale sets (Flexible membership follows capacity) and VM extensions.
import type { Provider } from '../../arm/kind.ts';
import { extensions } from './extensions.ts';
import { computeLimits } from './limits.ts';
import { scaleSets } from './scale-sets.ts';
import { virtualMachines } from './virtual-machines.ts';

export { EXTENSION_TYPE, VM_TYPE, VMSS_TYPE } from './common.ts';
export { scaleVmss } from './scale-sets.ts';

export const compute: Provider = { namespace: 'Microsoft.Compute', kinds: [virtualMachines, scaleSets, extensions], limits: computeLimits };
