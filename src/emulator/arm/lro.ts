// Long-running operations: status records polled through Azure-AsyncOperation and Location URLs.
import { randomUUID } from 'node:crypto';
import type { ArmError } from './errors.ts';

export interface Operation {
  id: string;
  subscriptionId: string;
  /** Resource the operation acts on; the Location URL returns it when done (PUT) or 204 (DELETE). */
  resourceId: string;
  kind: 'put' | 'delete';
  status: 'InProgress' | 'Succeeded' | 'Failed' | 'Canceled';
  startTime: string;
  endTime?: string;
  error?: ArmError;
}

export class Operations {
  private readonly ops = new Map<string, Operation>();
  private readonly timers = new Set<NodeJS.Timeout>();

  /** Starts an operation that runs `complete` after `delayMs` (0: before the response is written). */
  start(subscriptionId: string, resourceId: string, kind: 'put' | 'delete', delayMs: number, complete: () => void): Operation {
    const op: Operation = { id: randomUUID(), subscriptionId, resourceId, kind, status: 'InProgress', startTime: new Date().toISOString() };
    this.ops.set(op.id, op);
    const finish = (): void => {
      try {
        complete();
        op.status = 'Succeeded';
      } catch (e) {
        op.status = 'Failed';
        op.error = e as ArmError;
      }
      op.endTime = new Date().toISOString();
    };
    if (delayMs <= 0) {
      queueMicrotask(finish);
    } else {
      const t = setTimeout(() => {
        this.timers.delete(t);
        finish();
      }, delayMs);
      this.timers.add(t);
    }
    return op;
  }

  get(id: string): Operation | undefined {
    return this.ops.get(id.toLowerCase());
  }

  close(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}
