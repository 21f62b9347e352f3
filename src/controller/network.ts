// The network step: after the estate has been acted on, read the network it depends on and conclude. Nothing is
// written: DNS and networking belong to the people who own them; the findings say what to change.
import type { DnsBoundaryStatus } from '../api/types.ts';
import type { ArmGateway } from '../azure/gateway.ts';
import { idKey, sameId } from '../model/index.ts';
import { assessNetwork, readErrorFindings } from '../findings/index.ts';
import type { Finding } from '../api/types.ts';
import type { ActionOutcome } from '../azure/gateway.ts';
import type { MonitoringTopologySpec } from '../api/types.ts';
import type { ReadError, Snapshot } from '../model/index.ts';

export interface NetworkResult {
  findings: Finding[];
  boundaries: DnsBoundaryStatus[];
  /** A read that failed for a reason worth retrying (throttled, server error): the pass is retried with backoff. */
  failedRead?: ReadError;
}

/** What the scope links once this pass's changes are in: what was read, plus what was linked, minus what was unlinked. */
export function linkedAfter(snapshot: Snapshot, outcomes: readonly ActionOutcome[]): string[] {
  const scopeId = snapshot.scope?.id ?? '';
  const linked = new Map((snapshot.scope?.scopedResources ?? []).map((r) => [idKey(r.linkedResourceId), r.linkedResourceId]));
  for (const { action, ok } of outcomes) {
    if (!ok || (action.kind !== 'AddScopedResource' && action.kind !== 'RemoveScopedResource') || !sameId(action.scopeId, scopeId)) continue;
    if (action.kind === 'AddScopedResource') linked.set(idKey(action.linkedResourceId), action.linkedResourceId);
    else linked.delete(idKey(action.linkedResourceId));
  }
  return [...linked.values()];
}

export async function networkStep(gateway: ArmGateway, spec: MonitoringTopologySpec, snapshot: Snapshot, outcomes: readonly ActionOutcome[]): Promise<NetworkResult | undefined> {
  // Without the scope there is nothing to hold the network against; its read error is already a finding.
  if (!snapshot.scope) return undefined;
  const network = await gateway.observeNetwork(spec, snapshot);
  const assessment = assessNetwork({
    scopeId: snapshot.scope.id,
    ingestionAccessMode: snapshot.scope.ingestionAccessMode,
    linkedResourceIds: linkedAfter(snapshot, outcomes),
    ...(spec.privateLinkScope.dnsBoundary ? { declaredBoundary: spec.privateLinkScope.dnsBoundary } : {}),
    network,
  });
  // A missing resource is reported by the main read already; permissions and failures are reported here.
  const errors = readErrorFindings(network.errors.filter((e) => e.code !== 'NotFound'));
  const failedRead = network.errors.find((e) => e.code === 'Failed');
  return { findings: [...assessment.findings, ...errors], boundaries: assessment.boundaries, ...(failedRead ? { failedRead } : {}) };
}
