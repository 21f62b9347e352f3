// The shape of a finding as the centre passes it around: the status type, and whether a planned action fixes it.
import type { Finding } from '../api/types.ts';

export type { Finding, FindingCode, LifecycleStage, Severity } from '../api/types.ts';

/** A finding about one machine, and whether a planned action fixes it (pending) or not (failing). */
export interface AssessedFinding {
  finding: Finding;
  fixable: boolean;
}
