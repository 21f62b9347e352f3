// Every rule the emulator applies is tagged in the code and listed in docs/emulator-fidelity.md with its source
// and a test; this keeps the two in step.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';

const ROOT = new URL('../../', import.meta.url).pathname;
const TAG = /\/\/ rule: (\S+) — (source|invented): (.+)$/;

interface Tagged {
  id: string;
  kind: 'source' | 'invented';
  text: string;
  file: string;
}

function tagged(): Tagged[] {
  const dir = join(ROOT, 'src/emulator');
  const out: Tagged[] = [];
  for (const file of readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'))) {
    for (const line of readFileSync(join(dir, file), 'utf8').split('\n')) {
      if (!line.includes('// rule:')) continue;
      const m = TAG.exec(line.trim());
      expect(m, `${file}: a rule comment must read '// rule: <id> — source: …' or '— invented: …': ${line.trim()}`).not.toBeNull();
      if (m?.[1] && m[3]) out.push({ id: m[1], kind: m[2] as Tagged['kind'], text: m[3], file });
    }
  }
  return out;
}

function rows(): Map<string, { source: string; test: string }> {
  const doc = readFileSync(join(ROOT, 'docs/emulator-fidelity.md'), 'utf8');
  const out = new Map<string, { source: string; test: string }>();
  for (const line of doc.split('\n')) {
    const m = /^\| `([^`]+)` \| (.+?) \| (.+) \| `([^`]+)` \|$/.exec(line);
    if (m?.[1] && m[3] && m[4]) {
      expect(out.has(m[1]), `duplicate row ${m[1]}`).toBe(false);
      out.set(m[1], { source: m[3], test: m[4] });
    }
  }
  return out;
}

describe('emulator fidelity table', () => {
  const code = tagged();
  const doc = rows();

  test('the emulator tags its rules, each id once', () => {
    expect(code.length).toBeGreaterThanOrEqual(80);
    const ids = code.map((r) => r.id);
    expect(ids.filter((id, i) => ids.indexOf(id) !== i)).toEqual([]);
  });

  test('every tagged rule has a row, and every row a rule', () => {
    expect(code.map((r) => r.id).filter((id) => !doc.has(id))).toEqual([]);
    expect([...doc.keys()].filter((id) => !code.some((r) => r.id === id))).toEqual([]);
  });

  test('rows and code agree on what is invented; every row names a test that exists', () => {
    for (const rule of code) {
      const row = doc.get(rule.id);
      if (!row) continue;
      expect(row.source.startsWith('**invented:**'), `${rule.id}: doc and ${rule.file} disagree on invented`).toBe(rule.kind === 'invented');
      expect(existsSync(join(ROOT, row.test)), `${rule.id}: ${row.test}`).toBe(true);
    }
  });

  test('sources name something a reader can open', () => {
    for (const rule of code.filter((r) => r.kind === 'source')) {
      expect(rule.text, rule.id).toMatch(/reference\/|seeds\/|learn|Learn|[\w-]+\/[\w.-]+#\d+|Azure\/azure-resource-manager-rpc|saved examples?|\.json/);
    }
  });
});
