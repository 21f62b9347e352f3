// The README's custom Azure role is enough: the sandbox converges with the controller signed in as a
// principal holding exactly those actions, and a missing write shows up as AuthorizationFailed, not a hang.
import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { Output } from '../../src/sandbox/output.ts';
import { runSandbox } from '../../src/sandbox/sandbox.ts';

const README = new URL('../../README.md', import.meta.url);
const ESTATE = new URL('../../estates/seed-story.yaml', import.meta.url);

/** The JSON block under the `azure-role` marker of the README. */
function readmeRoleActions(): string[] {
  const text = readFileSync(README, 'utf8');
  const at = text.indexOf('<!-- azure-role');
  const block = /```json\n([\s\S]*?)\n```/.exec(text.slice(at));
  if (at < 0 || !block?.[1]) throw new Error('README.md has no azure-role JSON block');
  return (JSON.parse(block[1]) as { Actions: string[] }).Actions;
}

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
  it('lists what the controller needs to repair the seed-story estate and read its delivery evidence', { timeout: 480_000 }, async () => {
    const actions = readmeRoleActions();
    expect(actions).toContain('Microsoft.Insights/dataCollectionRuleAssociations/write');
    expect(actions).toContain('Microsoft.OperationalInsights/workspaces/query/read');
    const run = await sandboxWith(actions, '360');
    expect(run.output).not.toContain('AuthorizationFailed');
    expect(run.code, run.output).toBe(0);
    expect(run.output).toMatch(/all 2 new instances associated/);
    expect(run.output).toMatch(/all-compliant: [\d.]+ s after the control plane was up/);
    expect(run.output).toMatch(/all \d+ machines Delivering, Ready=True/);
  });

  it('without the association write, reports AuthorizationFailed and does not converge', { timeout: 240_000 }, async () => {
    const actions = readmeRoleActions().filter((a) => a !== 'Microsoft.Insights/dataCollectionRuleAssociations/write');
    // Long enough for the first pass to reach its writes on a loaded machine; the run ends at this limit by design.
    const run = await sandboxWith(actions, '30');
    expect(run.code, run.output).toBe(1);
    expect(run.output).toMatch(/✗ AuthorizationFailed/);
    expect(run.output).toMatch(/Microsoft\.Insights\/dataCollectionRuleAssociations\/write/);
    expect(run.output).toContain('Timed out after 30.0 s without converging to all-compliant');
  });
});
