// Requests set off and answered one per event-loop turn when several fall due at once. The first pass sets off as
// many requests as the queues allow in one go, each opening its TLS connection there and then (380 ms in one block
// for 80 of them, measured by `bench/probe.ts 10000 never`), and answers that arrive together would be converted back
// to back. Spread over turns, timers (lease renewal), probes and metric scrapes get their turn between two requests.
import type { PipelinePolicy, PipelineRequest, PipelineResponse, SendRequest } from '@azure/core-rest-pipeline';

/** Lets one caller through per event-loop turn once a turn has had one; the rest wait, in order, for later turns. */
export class TurnGate {
  #used = false;
  readonly #waiting: (() => void)[] = [];
  #head = 0;
  #scheduled = false;

  /** Undefined (go now) when nothing went through in this turn and nobody waits; otherwise a promise of a later turn. */
  pass(): Promise<void> | undefined {
    if (!this.#used && this.#head === this.#waiting.length) {
      this.#used = true;
      this.#schedule();
      return undefined;
    }
    const turn = new Promise<void>((resolve) => this.#waiting.push(resolve));
    this.#schedule();
    return turn;
  }

  /** How many wait (for tests). */
  get waiting(): number {
    return this.#waiting.length - this.#head;
  }

  // setImmediate runs after this turn's I/O callbacks; one scheduled from it runs in the next turn, after timers.
  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      this.#used = false;
      const next = this.#waiting[this.#head];
      if (next === undefined) return;
      this.#head++;
      if (this.#head === this.#waiting.length) {
        this.#waiting.length = 0;
        this.#head = 0;
      }
      this.#used = true;
      next();
      this.#schedule();
    });
  }
}

/** The process's gate: the event loop is the process's, whichever client a request goes through. */
const gate = new TurnGate();

/** Waits for a turn of its own before a request is set off and before its answer is handed back (innermost policy). */
export function turnTakingPolicy(turns: TurnGate = gate): PipelinePolicy {
  return {
    name: 'turnTaking',
    async sendRequest(request: PipelineRequest, next: SendRequest): Promise<PipelineResponse> {
      await turns.pass();
      const response = await next(request);
      await turns.pass();
      return response;
    },
  };
}
