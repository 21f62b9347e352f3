// Compute's own request limits: per-subscription, per-region token buckets refilled per minute, applied after
// ARM's, with Compute's remaining-resource header and its 429 body.
import { TokenBuckets } from '../../arm/buckets.ts';
import { errors } from '../../arm/errors.ts';
import { parsePath } from '../../arm/ids.ts';
import { str } from '../../arm/json.ts';
import type { ProviderLimits } from '../../arm/kind.ts';
import type { ComputeLimitsConfig, EmulatorSettings, MinuteBucketConfig } from '../../types.ts';

// rule: compute.limits.buckets — source: Learn "Compute throttling limits" (azure-compute-docs rev 1a043fb3, reference/arm-contract-wave2.md §14): VM Low Cost Get 8,000/24,000, VM High Cost Get 300/900, VMSS High Cost Get 360/1,080 per subscription and region
export const DEFAULT_COMPUTE_LIMITS: Required<{ [K in keyof ComputeLimitsConfig]: MinuteBucketConfig }> = {
  vmGet: { burst: 24_000, perMinute: 8_000 },
  vmList: { burst: 900, perMinute: 300 },
  scaleSetList: { burst: 1_080, perMinute: 360 },
};

// rule: compute.limits.policy-names — source: Learn "Troubleshooting API throttling errors" (policy names LowCostGet3Min, HighCostGet3Min, HighCostGetVMScaleSet3Min; the 2024 per-minute scheme documents no new names)
const POLICY: Record<keyof ComputeLimitsConfig, string> = {
  vmGet: 'LowCostGet3Min',
  vmList: 'HighCostGet3Min',
  scaleSetList: 'HighCostGetVMScaleSet3Min',
};

/** Which bucket a Compute operation (by its counter name) draws from. */
function policyOf(operation: string): keyof ComputeLimitsConfig | undefined {
  switch (operation) {
    case 'GET Microsoft.Compute/virtualMachines':
    case 'GET Microsoft.Compute/virtualMachines/instanceView':
    case 'GET Microsoft.Compute/virtualMachines/extensions':
    case 'LIST Microsoft.Compute/virtualMachines/extensions':
      return 'vmGet';
    case 'LIST Microsoft.Compute/virtualMachines':
    case 'LIST Microsoft.Compute/virtualMachines/byLocation':
      return 'vmList';
    case 'LIST Microsoft.Compute/virtualMachineScaleSets':
      return 'scaleSetList';
    default:
      return undefined;
  }
}

export function computeLimits(settings: EmulatorSettings): ProviderLimits | undefined {
  const config = settings.computeLimits;
  if (config === false) return undefined;
  const scale = settings.throttling ? (settings.throttling.scale ?? 1) : 1;
  const buckets = new TokenBuckets();
  const window = new Map<string, { start: number; count: number }>();
  return {
    take(env, req, operation, now) {
      const policy = policyOf(operation);
      const cfg = policy === undefined ? undefined : config?.[policy] === false ? undefined : (config?.[policy] ?? DEFAULT_COMPUTE_LIMITS[policy]);
      if (!policy || !cfg) return undefined;
      const parsed = parsePath(req.path);
      // rule: compute.limits.region — invented: lists have no resource to take a region from; a VM read is keyed by the VM's location, lists by the location in the path or 'all'
      const vmId = policy === 'vmGet' ? /^.*\/providers\/Microsoft\.Compute\/virtualMachines\/[^/]+/i.exec(req.path)?.[0] : undefined;
      const vm = vmId === undefined ? undefined : env.store.get(vmId);
      const region = (vm ? str(vm.body.location) : operation.endsWith('byLocation') ? (parsed?.names[0] ?? '') : 'all').toLowerCase();
      const key = `${policy}|${parsed?.subscriptionId.toLowerCase() ?? ''}|${region}`;
      const taken = buckets.take(key, cfg.burst, (cfg.perMinute / 60) * scale, now);
      const name = `Microsoft.Compute/${POLICY[policy]}`;
      const w = window.get(key);
      const current = w && now - w.start < 60_000 ? w : { start: now, count: 0 };
      current.count++;
      window.set(key, current);
      // rule: compute.limits.header — source: Learn "Troubleshooting API throttling errors" (x-ms-ratelimit-remaining-resource: Microsoft.Compute/<policy>;<remaining>, with x-ms-request-charge)
      const headers = { 'x-ms-ratelimit-remaining-resource': `${name};${taken.remaining}`, 'x-ms-request-charge': '1' };
      if (taken.allowed) return { headers };
      // rule: compute.limits.429 — source: Learn "Troubleshooting API throttling errors" (429 OperationNotAllowed, details[0] TooManyRequests naming the policy, not wrapped in "error"; Retry-After always sent)
      const refused = errors.computeThrottled(POLICY[policy], cfg.perMinute, current.count, new Date(current.start).toISOString(), new Date(current.start + 60_000).toISOString(), taken.retryAfterSeconds);
      return { headers, refused };
    },
  };
}
