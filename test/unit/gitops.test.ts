import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CHART, REPO } from '../../hack/chart-tools.ts';

const script = readFileSync(join(CHART, 'files', 'health.lua'), 'utf8');

/** A Lua interpreter from PATH (Debian: lua5.4); undefined when none is installed. */
function findLua(): string | undefined {
  for (const bin of ['lua5.4', 'lua', 'lua5.3', 'lua5.1']) {
    if (spawnSync(bin, ['-v'], { stdio: 'ignore' }).status === 0) return bin;
  }
  return undefined;
}
const lua = findLua();
if (!lua) {
  process.stderr.write('gitops.test.ts: no Lua interpreter on PATH (apt-get install lua5.4); skipping the runs of health.lua\n');
}

/** A JSON value as a Lua table constructor, the shape Argo CD hands the script as `obj`. */
function toLua(v: unknown): string {
  if (v === null || v === undefined) return 'nil';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `{${v.map(toLua).join(', ')}}`;
  return `{${Object.entries(v as Record<string, unknown>).map(([k, x]) => `[${JSON.stringify(k)}] = ${toLua(x)}`).join(', ')}}`;
}

function health(obj: unknown): { status: string; message: string } {
  // Argo CD runs the script as a chunk with `obj` in scope; a function body is the same thing.
  const program = `local obj = ${toLua(obj)}\nlocal function check(obj)\n${script}\nend\nlocal hs = check(obj)\nio.write(hs.status, "\\n", hs.message or "")\n`;
  const out = execFileSync(lua as string, ['-'], { input: program, encoding: 'utf8' });
  const [status = '', ...rest] = out.split('\n');
  return { status, message: rest.join('\n') };
}

const cond = (type: string, status: string, reason = 'R', message = 'm') => ({ type, status, reason, message, lastTransitionTime: '2026-01-01T00:00:00Z' });
const topology = (generation: number, status?: unknown) => ({
  apiVersion: 'monitoring.ampls.dev/v1alpha1',
  kind: 'MonitoringTopology',
  metadata: { name: 't', namespace: 'n', generation },
  ...(status ? { status } : {}),
});

describe('GitOps health check', () => {
  it('is the same script in the chart and in docs/gitops.md', () => {
    const doc = readFileSync(join(REPO, 'docs', 'gitops.md'), 'utf8');
    const block = /```lua\n([\s\S]*?)```/.exec(doc)?.[1];
    expect(block).toBe(script);
    // The argocd-cm example embeds it too, indented under the customization key.
    const indented = script.split('\n').map((l) => (l ? `    ${l}` : l)).join('\n');
    expect(doc).toContain(`resource.customizations.health.monitoring.ampls.dev_MonitoringTopology: |\n${indented}`);
  });

  describe.skipIf(!lua)(`runs under ${lua ?? 'lua (absent)'}`, () => {
    it.each([
      ['no status yet', topology(1), 'Progressing', /Waiting for the controller/],
      ['an older generation observed', topology(3, { observedGeneration: 2, conditions: [cond('Ready', 'True')] }), 'Progressing', /generation 3/],
      [
        'Ready and current',
        topology(2, { observedGeneration: 2, conditions: [cond('Ready', 'True', 'Converged', 'All 12 machines compliant'), cond('Reconciling', 'False'), cond('Stalled', 'False')] }),
        'Healthy',
        /All 12 machines compliant/,
      ],
      [
        'Reconciling',
        topology(2, { observedGeneration: 2, conditions: [cond('Ready', 'False', 'Progressing'), cond('Reconciling', 'True', 'ChangesApplied', '3 associations created')] }),
        'Progressing',
        /ChangesApplied: 3 associations created/,
      ],
      [
        'Stalled (even while Reconciling)',
        topology(2, { observedGeneration: 2, conditions: [cond('Reconciling', 'True'), cond('Stalled', 'True', 'AuthorizationFailed', 'no permission on the scope')] }),
        'Degraded',
        /AuthorizationFailed: no permission on the scope/,
      ],
      ['Ready=False with nothing in flight', topology(1, { observedGeneration: 1, conditions: [cond('Ready', 'False', 'FindingsPresent', '2 machines failing')] }), 'Degraded', /FindingsPresent/],
      ['conditions without Ready', topology(1, { observedGeneration: 1, conditions: [cond('PrivateLinkScopeReady', 'True')] }), 'Progressing', /Ready condition/],
    ])('%s', (_name, obj, status, message) => {
      const hs = health(obj);
      expect(hs.status).toBe(status);
      expect(hs.message).toMatch(message);
    });
  });
});
