// The status subresource: conditions that keep their transition time, bounded findings, and a patch that is
// sent only when something a reader can see has changed.
//
// lastSyncTime is the one field that would change on every pass. It is refreshed when anything else changed,
// or when the previous value is older than half the resync interval: so a resync writes status at most once
// per resyncInterval, and discovery-triggered passes that change nothing write nothing.
import { CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { KubeConfig } from '@kubernetes/client-node';
import { GROUP, PLURAL, VERSION } from '../api/types.ts';
import { boundFindingsWork } from '../findings/sort.ts';
import { filterWork, runSync } from '../findings/work.ts';
import type { Work } from '../findings/work.ts';
import { ShardedMap, joinedHash53 } from '../model/index.ts';
import type {
  Condition,
  ConditionStatus,
  Finding,
  MonitoringTopology,
  MonitoringTopologyStatus,
} from '../api/types.ts';

export const MAX_FINDINGS = 50;

export interface ConditionInput {
  type: string;
  status: ConditionStatus;
  reason: string;
  message: string;
}

/** Sets conditions, keeping lastTransitionTime of those whose status did not change; order follows `next`. */
export function mergeConditions(
  previous: Condition[] | undefined,
  next: ConditionInput[],
  observedGeneration: number | undefined,
  now: Date,
): Condition[] {
  return next.map((c) => {
    const prev = previous?.find((p) => p.type === c.type);
    const lastTransitionTime = prev && prev.status === c.status ? prev.lastTransitionTime : now.toISOString();
    const out: Condition = { ...c, lastTransitionTime };
    if (observedGeneration !== undefined) out.observedGeneration = observedGeneration;
    return out;
  });
}

export function findCondition(conditions: Condition[] | undefined, type: string): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

/** Deduplicated findings, most severe first, cut to `max`, with the count before the cut. */
export function boundStatusFindings(findings: readonly Finding[], max = MAX_FINDINGS): { findings: Finding[]; count: number } {
  return runSync(boundStatusFindingsWork(findings, max));
}

/** `boundStatusFindings` in slices: one pass over a finding per machine, no sort of them all. */
export function* boundStatusFindingsWork(findings: readonly Finding[], max = MAX_FINDINGS): Work<{ findings: Finding[]; count: number }> {
  // Found by a hash of `findingKey`, checked in full with the message: a Set of those strings would copy each finding's
  // id and message (100,000 of them a pass) and rehash in blocks of ~100 ms. The message is not hashed: reading it
  // would flatten each machine's joined message into a copy (`machineFinding`); only findings of one code on one
  // resource compare their messages.
  const seen = new ShardedMap<Finding | Finding[]>();
  const same = (a: Finding, b: Finding): boolean => a.code === b.code && a.message === b.message && (a.resourceId === b.resourceId || a.resourceId.toLowerCase() === b.resourceId.toLowerCase());
  const unique = yield* filterWork(findings, (f) => {
    const h = findingHash(f);
    const held = seen.get(h);
    if (held === undefined) {
      seen.set(h, f);
      return true;
    }
    const list = Array.isArray(held) ? held : [held];
    if (list.some((g) => same(g, f))) return false;
    seen.set(h, [...list, f]);
    return true;
  });
  return { findings: yield* boundFindingsWork(unique, max), count: unique.length };
}

/** Identity of a finding across passes (for "new finding" events). */
export function findingKey(f: Pick<Finding, 'code' | 'resourceId'>): string {
  return `${f.code}|${f.resourceId.toLowerCase()}`;
}

/**
 * `findingKey` (code and resource id, case-insensitive) as a 53-bit hash: an Audit topology over 100,000 machines
 * remembers 100,000 findings between passes, a number each instead of a lower-case copy of the id.
 */
export function findingHash(f: Pick<Finding, 'code' | 'resourceId'>): number {
  return joinedHash53([f.code, f.resourceId], 0b10);
}

/** Canonical JSON (sorted keys) so equal statuses compare equal whatever the key order. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      const o = v as Record<string, unknown>;
      return Object.fromEntries(
        Object.keys(o)
          .filter((k) => o[k] !== undefined && o[k] !== null)
          .sort()
          .map((k) => [k, o[k]]),
      );
    }
    return v;
  });
}

/** True when the statuses differ in anything but lastSyncTime. */
export function statusChanged(
  previous: MonitoringTopologyStatus | undefined,
  next: MonitoringTopologyStatus,
): boolean {
  const strip = (s: MonitoringTopologyStatus | undefined): MonitoringTopologyStatus => ({
    ...(s ?? {}),
    lastSyncTime: undefined,
  });
  return canonical(strip(previous)) !== canonical(strip(next));
}

/** The lastSyncTime to write: now when content changed or the last sync is older than half the resync interval. */
export function nextSyncTime(
  previous: MonitoringTopologyStatus | undefined,
  changed: boolean,
  resyncMs: number,
  now: Date,
): string {
  const last = previous?.lastSyncTime ? Date.parse(previous.lastSyncTime) : NaN;
  if (changed || Number.isNaN(last) || now.getTime() - last >= resyncMs / 2) return now.toISOString();
  return previous?.lastSyncTime ?? now.toISOString();
}

/** Writes the status subresource of MonitoringTopology objects. */
export interface StatusWriter {
  patchStatus(topology: MonitoringTopology, status: MonitoringTopologyStatus): Promise<void>;
}

/** A merge patch of the whole status: absent optional fields are sent as null so they are removed. */
export function statusPatchBody(status: MonitoringTopologyStatus): Record<string, unknown> {
  const fields: (keyof MonitoringTopologyStatus)[] = [
    'observedGeneration',
    'lastSyncTime',
    'conditions',
    'instances',
    'findings',
    'findingCount',
    'plan',
    'inventory',
    'delivery',
    'dnsBoundaries',
  ];
  const body: Record<string, unknown> = Object.fromEntries(fields.map((f) => [f, status[f] ?? null]));
  // A merge patch merges nested objects: the optional count must be nulled too, or it outlives spec.evidence.
  if (status.instances) body.instances = { ...status.instances, delivering: status.instances.delivering ?? null };
  return { status: body };
}

export function createStatusWriter(kubeConfig: KubeConfig): StatusWriter {
  const api = kubeConfig.makeApiClient(CustomObjectsApi);
  return {
    async patchStatus(topology, status) {
      await api.patchNamespacedCustomObjectStatus(
        {
          group: GROUP,
          version: VERSION,
          plural: PLURAL,
          namespace: topology.metadata.namespace,
          name: topology.metadata.name,
          body: statusPatchBody(status),
        },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
    },
  };
}
