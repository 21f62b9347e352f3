import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { cycles, folderOf, importGraph, importSpecifiers } from '../../hack/import-graph.ts';

const graph = importGraph(fileURLToPath(new URL('../../src', import.meta.url)));

function importsOf(folder: string): string[] {
  return [...(graph.folders.get(folder) ?? [])].sort();
}

// The controller's side of the project: the emulator checks it, so neither may import the other.
const CONTROLLER_SIDE = ['api', 'model', 'plan', 'findings', 'azure', 'kube', 'controller', 'runtime'];

// The emulator's request routing still loops through these files; the emulator restructure removes the loop.
describe('import graph reader', () => {
  it('finds static, type-only, re-export, side-effect and dynamic imports', () => {
    const source = [
      "import { a } from './a.ts';",
      "import type { B } from '../b/index.ts';",
      "export { c } from './c.ts';",
      "export * from './d.ts';",
      "import './e.ts';",
      "const f = await import('./f.ts');",
      'import {',
      '  g,',
      "} from './g.ts';",
      "const text = 'import nothing from here';",
    ].join('\n');
    expect(importSpecifiers(source)).toEqual(['./a.ts', '../b/index.ts', './c.ts', './d.ts', './e.ts', './f.ts', './g.ts']);
  });

  it('finds every cycle, and none in a graph without one', () => {
    const g = new Map([
      ['a', new Set(['b'])],
      ['b', new Set(['c'])],
      ['c', new Set(['a', 'd'])],
      ['d', new Set<string>()],
      ['e', new Set(['e'])],
    ]);
    expect(cycles(g)).toEqual([['a', 'b', 'c'], ['e']]);
    expect(cycles(new Map([['a', new Set(['b'])], ['b', new Set<string>()]]))).toEqual([]);
  });

  it('reads the real source tree', () => {
    expect(graph.files.size).toBeGreaterThan(50);
    expect(graph.files.get('controller/reconciler.ts')?.has('controller/pass.ts')).toBe(true);
    expect(folderOf('model/ids.ts')).toBe('model');
  });
});

describe('architecture of src/', () => {
  it('has no folder cycle', () => {
    expect(cycles(graph.folders)).toEqual([]);
  });

  it('has no file cycle', () => {
    expect(cycles(graph.files)).toEqual([]);
  });

  it('keeps the domain model at the centre: model imports only api', () => {
    expect(importsOf('model')).toEqual(['api']);
    expect(importsOf('api')).toEqual([]);
  });

  it('keeps the checks pure: findings imports only api and model', () => {
    expect(importsOf('findings').filter((f) => !['api', 'model'].includes(f))).toEqual([]);
  });

  it('keeps the plan pure: plan imports only api, model and the checks in findings', () => {
    expect(importsOf('plan').filter((f) => !['api', 'model', 'findings'].includes(f))).toEqual([]);
  });

  it('keeps the edges out of the centre: nothing in model, findings or plan reaches azure, kube or controller', () => {
    for (const centre of ['model', 'findings', 'plan']) {
      expect(importsOf(centre).filter((f) => ['azure', 'kube', 'controller', 'runtime'].includes(f))).toEqual([]);
    }
  });

  it('keeps the emulator and the controller apart: neither imports the other', () => {
    expect(importsOf('emulator').filter((f) => CONTROLLER_SIDE.includes(f))).toEqual([]);
    for (const folder of CONTROLLER_SIDE) expect(importsOf(folder)).not.toContain('emulator');
    for (const folder of CONTROLLER_SIDE) expect(importsOf(folder)).not.toContain('sandbox');
  });
});
