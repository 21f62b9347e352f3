// Per-machine diagnosis in the field report's order: the first failing lifecycle stage is the one to fix.
import { LIFECYCLE_STAGES } from '../api/types.ts';
import type { Finding, LifecycleStage } from '../api/types.ts';
import { IdMap } from '../model/index.ts';
import { compareFindings } from './sort.ts';
import { eachWork, runSync } from './work.ts';
import type { Work } from './work.ts';

export interface MachineDiagnosis {
  machineId: string;
  /** The first lifecycle stage with an Error or Warning finding. */
  stage: LifecycleStage;
  /** The most severe finding at that stage. */
  primary: Finding;
  /** Every Error/Warning finding at that stage (including `primary`), sorted. */
  atStage: Finding[];
}

function failing(f: Finding): boolean {
  return f.severity === 'Error' || f.severity === 'Warning';
}

/** Diagnosis of one machine from its findings; undefined when nothing fails. */
export function diagnoseMachine(machineId: string, findings: readonly Finding[]): MachineDiagnosis | undefined {
  const bad = findings.filter(failing);
  for (const stage of LIFECYCLE_STAGES) {
    const atStage = bad.filter((f) => f.stage === stage).sort(compareFindings);
    const primary = atStage[0];
    if (primary) return { machineId, stage, primary, atStage };
  }
  return undefined;
}

/**
 * Findings as status shows them: for each machine, only the Error/Warning findings of its first failing
 * stage (later stages cannot be judged until that one is fixed) plus its Info findings; other findings as they are.
 */
export function* primaryFindingsWork(findings: readonly Finding[], machineIds: Iterable<string>): Work<Finding[]> {
  const perMachine = new IdMap<Finding[]>();
  yield* eachWork(machineIds, (id) => perMachine.set(id, []));
  const out: Finding[] = [];
  yield* eachWork(findings, (f) => {
    const list = perMachine.get(f.resourceId);
    if (list) list.push(f);
    else out.push(f);
  });
  yield* eachWork(perMachine.values(), (list) => {
    const first = list[0];
    if (first === undefined) return;
    const diagnosis = diagnoseMachine(first.resourceId, list);
    for (const f of list) {
      if (!failing(f) || (diagnosis !== undefined && f.stage === diagnosis.stage)) out.push(f);
    }
  });
  return out;
}

export function primaryFindings(findings: readonly Finding[], machineIds: Iterable<string>): Finding[] {
  return runSync(primaryFindingsWork(findings, machineIds));
}
