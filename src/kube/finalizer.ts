// The topology's finalizer: added before the controller touches Azure, removed once deletion has been handled.
import { CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { KubeConfig } from '@kubernetes/client-node';
import { FINALIZER, GROUP, PLURAL, VERSION } from '../api/types.ts';
import type { MonitoringTopology } from '../api/types.ts';

export function hasFinalizer(topology: MonitoringTopology): boolean {
  return topology.metadata.finalizers?.includes(FINALIZER) ?? false;
}

export function isDeleting(topology: MonitoringTopology): boolean {
  return Boolean(topology.metadata.deletionTimestamp);
}

export interface FinalizerWriter {
  /** Returns the updated object. */
  add(topology: MonitoringTopology): Promise<MonitoringTopology>;
  remove(topology: MonitoringTopology): Promise<MonitoringTopology>;
}

/** The merge patch that sets `finalizers`; resourceVersion makes it fail on conflict rather than drop another finalizer. */
export function finalizerPatch(topology: MonitoringTopology, finalizers: string[]): Record<string, unknown> {
  const metadata: Record<string, unknown> = { finalizers };
  if (topology.metadata.resourceVersion) metadata.resourceVersion = topology.metadata.resourceVersion;
  return { metadata };
}

export function createFinalizerWriter(kubeConfig: KubeConfig): FinalizerWriter {
  const api = kubeConfig.makeApiClient(CustomObjectsApi);
  const patch = async (topology: MonitoringTopology, finalizers: string[]): Promise<MonitoringTopology> =>
    (await api.patchNamespacedCustomObject(
      {
        group: GROUP,
        version: VERSION,
        plural: PLURAL,
        namespace: topology.metadata.namespace,
        name: topology.metadata.name,
        body: finalizerPatch(topology, finalizers),
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    )) as MonitoringTopology;
  return {
    add: (topology) => patch(topology, [...(topology.metadata.finalizers ?? []), FINALIZER]),
    remove: (topology) => patch(topology, (topology.metadata.finalizers ?? []).filter((f) => f !== FINALIZER)),
  };
}
