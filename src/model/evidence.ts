// Delivery evidence as the centre sees it: what Log Analytics holds per workspace, read by src/azure.

export type DeliveryState = 'Delivering' | 'HeartbeatOnly' | 'Silent' | 'NotExpected' | 'Unknown';
export const DELIVERY_STATES: readonly DeliveryState[] = ['Delivering', 'HeartbeatOnly', 'Silent', 'NotExpected', 'Unknown'];

export interface Seen {
  /** Latest record time (ISO 8601). */
  last: string;
  /** Inside the freshness window, judged by the service's own clock. */
  fresh: boolean;
}

export type EvidenceFailure = 'Forbidden' | 'Throttled' | 'Failed';

export type WorkspaceEvidence =
  | {
      workspaceId: string;
      ok: true;
      /** Latest heartbeat per machine, keyed by lower-cased `_ResourceId`. */
      heartbeats: Map<string, Seen>;
      /** Latest record per `${table}|${lower-cased _ResourceId}`. */
      records: Map<string, Seen>;
    }
  | { workspaceId: string; ok: false; failure: EvidenceFailure; message: string };

/** The Log Analytics table a stream lands in: `Microsoft-Perf` → `Perf`, `Custom-App_CL` → `App_CL`. */
export function tableOfStream(stream: string): string {
  if (stream.startsWith('Microsoft-')) return stream.slice('Microsoft-'.length);
  if (stream.startsWith('Custom-')) return stream.slice('Custom-'.length);
  return stream;
}
