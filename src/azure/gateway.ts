// The controller's view of Azure: observe a topology's estate in bulk, list its targets cheaply, act on a plan.
import type { MonitoringTopologySpec } from '../api/types.ts';
import type { Action, ActionOutcome, Snapshot } from '../model/index.ts';

export type { ActionError, ActionOutcome } from '../model/index.ts';

export interface ObserveOptions {
  refresh?: boolean;
}

export interface ArmGateway {
  /**
   * Full read of the Azure state the spec touches, in bulk (lists per rule, per endpoint, per resource group, per scale set).
   * `refresh` re-reads what is otherwise remembered across passes (agent extension settings).
   */
  observe(spec: MonitoringTopologySpec, signal?: AbortSignal, options?: ObserveOptions): Promise<Snapshot>;
  /** The light discovery pass: the ids of the current target machines only. */
  listTargets(spec: MonitoringTopologySpec, signal?: AbortSignal): Promise<string[]>;
  /** Runs actions through the shared budget with bounded parallelism; one failure never blocks the others. */
  act(actions: Action[], signal?: AbortSignal): Promise<ActionOutcome[]>;
}
