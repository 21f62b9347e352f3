// What a plan reads besides the snapshot: the spec, the inventory, and what the registry knows of the other topologies.
import type { MonitoringTopology } from '../api/types.ts';
import { runSync } from '../findings/index.ts';
import type { Work } from '../findings/index.ts';
import { isDeleting } from '../kube/finalizer.ts';
import type { Snapshot } from '../model/index.ts';
import { specLinks } from '../plan/index.ts';
import type { PlanInput } from '../plan/types.ts';
import type { Pass } from './pass.ts';
import type { TopologyRegistry } from './registry.ts';

export interface PlanInputDeps {
  registry: TopologyRegistry;
  /** Every topology in the informer cache (what the others' specs need, before they have run a pass). */
  list?: () => MonitoringTopology[];
}

/** Everything the full plan reads besides the snapshot: what the registry knows of the other topologies. */
export function planInput(deps: PlanInputDeps, pass: Pass, snapshot: Snapshot): PlanInput {
  return runSync(planInputWork(deps, pass, snapshot));
}

/** What every plan input holds: the spec, its owner, the snapshot and what earlier passes left. */
function common(pass: Pass, snapshot: Snapshot): Pick<PlanInput, 'spec' | 'owner' | 'snapshot' | 'ownedScopedResources' | 'planned'> {
  return { spec: pass.topology.spec, owner: pass.owner, snapshot, ownedScopedResources: pass.inventory, ...(pass.planned ? { planned: pass.planned } : {}) };
}

export function* planInputWork(deps: PlanInputDeps, pass: Pass, snapshot: Snapshot): Work<PlanInput> {
  const spec = pass.topology.spec;
  const { registry } = deps;
  const machines = snapshot.machines.map((m) => m.id);
  return {
    ...common(pass, snapshot),
    competingEndpoints: yield* registry.competingEndpointsWork(pass.key, machines, spec.configurationEndpoint.resourceId),
    sharedDeclarations: registry.sharedDeclarations(pass.key),
    competingIdentities: yield* registry.competingIdentitiesWork(pass.key, machines, spec.agent?.userAssignedIdentity),
    linksNeededByOthers: linksNeededByOthers(deps, pass.key),
  };
}

/** What the other Enforce topologies' last plans wanted, and what their specs name (for those that have not run a pass yet). */
function linksNeededByOthers(deps: PlanInputDeps, key: string): { scopeId: string; linkedResourceId: string }[] {
  const fromSpecs = (deps.list?.() ?? []).flatMap((t) =>
    t.metadata.namespace === undefined || `${t.metadata.namespace}/${t.metadata.name ?? ''}` === key || isDeleting(t) || t.spec.mode === 'Audit' ? [] : specLinks(t.spec),
  );
  return [...deps.registry.linksNeededByOthers(key), ...fromSpecs];
}

/** What planning a chunk's machines needs: their rivals in other topologies, not the topology-wide parts. */
export function machinesInput(deps: PlanInputDeps, pass: Pass, snapshot: Snapshot): PlanInput {
  const spec = pass.topology.spec;
  const machines = snapshot.machines.map((m) => m.id);
  return {
    ...common(pass, snapshot),
    competingEndpoints: deps.registry.competingEndpoints(pass.key, machines, spec.configurationEndpoint.resourceId),
    competingIdentities: deps.registry.competingIdentities(pass.key, machines, spec.agent?.userAssignedIdentity),
  };
}
