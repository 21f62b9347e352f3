import { describe, expect, it } from 'vitest';
import { createHttpHeaders, createPipelineRequest } from '@azure/core-rest-pipeline';
import type { PipelineResponse } from '@azure/core-rest-pipeline';
import { TurnGate, turnTakingPolicy } from '../../src/azure/policy-turns.ts';

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('TurnGate', () => {
  it('lets the first caller of a turn through at once and the others one per later turn, in order', async () => {
    const gate = new TurnGate();
    expect(gate.pass()).toBeUndefined();
    const order: number[] = [];
    const all = [1, 2, 3].map((i) => (gate.pass() as Promise<void>).then(() => order.push(i)));
    expect(gate.waiting).toBe(3);
    await turn();
    expect(order).toEqual([1]);
    await turn();
    expect(order).toEqual([1, 2]);
    await turn();
    expect(order).toEqual([1, 2, 3]);
    await Promise.all(all);
    // A new turn with nobody waiting: through at once again.
    await turn();
    expect([gate.pass(), gate.waiting]).toEqual([undefined, 0]);
  });

  it('sets off requests that fall due together in turns of their own, and hands their answers back so', async () => {
    const gate = new TurnGate();
    const policy = turnTakingPolicy(gate);
    let sent = 0;
    const next = (): Promise<PipelineResponse> => {
      sent++;
      return Promise.resolve({ status: 200, headers: createHttpHeaders(), request: createPipelineRequest({ url: 'https://management.azure.com/' }) });
    };
    const requests = [1, 2, 3, 4].map(() => policy.sendRequest(createPipelineRequest({ url: 'https://management.azure.com/' }), next));
    await Promise.resolve();
    await Promise.resolve();
    expect(sent).toBe(1);
    let answered = 0;
    for (const r of requests) void r.then(() => answered++);
    // Four requests, each set off and answered in a turn: never more than two of those events in one turn.
    for (let i = 0; i < 10 && answered < 4; i++) {
      const before = sent + answered;
      await turn();
      expect(sent + answered - before).toBeLessThanOrEqual(2);
    }
    expect([sent, answered]).toEqual([4, 4]);
  });
});
