// The README's custom Azure role is enough for the sandbox: it converges with the controller signed in as a
// principal holding exactly those actions (each single action removed: test/integration/azure-role.test.ts).
import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { Output } from '../../src/sandbox/output.ts';
import { runSandbox } from '../../src/sandbox/sandbox.ts';
import { readmeRoleActions } from '../support/readme-role.ts';

const ESTATE = new URL('../../estates/seed-story.yaml', import.meta.url);

function estateIds(): { tenantId: string; subscription: string } {
  const estate = parse(readFileSync(ESTATE, 'utf8')) as { tenantId: string; subscriptions: { id: string }[] };
  return { tenantId: estate.tenantId, subscription: `/subscriptions/${estate.subscriptions[0]?.id ?? ''}` };
}

async function sandboxWith(actions: string[], timeout: string): Promise<{ code: number; output: string }> {
  let output = '';
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      output += chunk.toString();
      done();
    },
  });
  const { tenantId, subscription } = estateIds();
  const code = await runSandbox({
    mode: 'non-interactive',
    timeoutMs: Number.parseInt(timeout, 10) * 1000,
    scaleOut: 2,
    out: new Output({ stream, color: false }),
    signal: new AbortController().signal,
    principal: { tenantId, clientId: 'mtopo-controller', clientSecret: 'not-a-secret', roles: [{ scope: subscription, actions }] },
  });
  return { code, output };
}

describe('the Azure role in README.md', () => {
  it('lists what the controller needs to repair the seed-story estate', { timeout: 360_000 }, async () => {
    const actions = readmeRoleActions();
    expect(actions).toContain('Microsoft.Insights/dataCollectionRuleAssociations/write');
    const run = await sandboxWith(actions, '240');
    expect(run.output).not.toContain('AuthorizationFailed');
    expect(run.code, run.output).toBe(0);
    expect(run.output).toMatch(/all 2 new instances associated/);
    expect(run.output).toMatch(/all-compliant: [\d.]+ s after the control plane was up/);
  });
});
