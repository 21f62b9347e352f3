// The import graph of src/, read from the source text, for the architecture test and `npm run deps`.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

export interface ImportGraph {
  /** file (relative to root, posix) -> files it imports (relative to root). */
  readonly files: ReadonlyMap<string, ReadonlySet<string>>;
  /** folder (first path segment under root) -> folders it imports. */
  readonly folders: ReadonlyMap<string, ReadonlySet<string>>;
}

// Static imports and re-exports (`import x from`, `import type`, `export * from`), side-effect imports, and dynamic imports.
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)['"]([^'"]+)['"]/gm;

export function importSpecifiers(source: string): string[] {
  const out: string[] = [];
  for (const match of source.matchAll(SPECIFIER)) {
    if (match[1] !== undefined) out.push(match[1]);
  }
  return out;
}

function listTs(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listTs(path));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

const posix = (path: string): string => path.split(sep).join('/');

/** The top-level folder of a file under root ('.' for a file directly in root). */
export function folderOf(file: string): string {
  const slash = file.indexOf('/');
  return slash < 0 ? '.' : file.slice(0, slash);
}

export function importGraph(root: string): ImportGraph {
  const absRoot = resolve(root);
  const files = new Map<string, Set<string>>();
  const folders = new Map<string, Set<string>>();
  for (const path of listTs(absRoot)) {
    const from = posix(relative(absRoot, path));
    const targets = new Set<string>();
    for (const spec of importSpecifiers(readFileSync(path, 'utf8'))) {
      if (!spec.startsWith('.')) continue;
      const target = posix(relative(absRoot, resolve(dirname(path), spec)));
      if (target.startsWith('..')) continue;
      targets.add(target);
    }
    files.set(from, targets);
    const folder = folderOf(from);
    const deps = folders.get(folder) ?? new Set<string>();
    for (const target of targets) {
      const to = folderOf(target);
      if (to !== folder) deps.add(to);
    }
    folders.set(folder, deps);
  }
  return { files, folders };
}

/** Every cycle's members (strongly connected components of more than one node, or a node importing itself). */
export function cycles(graph: ReadonlyMap<string, ReadonlySet<string>>): string[][] {
  // Tarjan's algorithm, iterative enough for a source tree's depth.
  let index = 0;
  const indices = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (node: string): void => {
    indices.set(node, index);
    low.set(node, index);
    index += 1;
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!graph.has(next)) continue;
      if (!indices.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node) ?? 0, low.get(next) ?? 0));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node) ?? 0, indices.get(next) ?? 0));
      }
    }
    if (low.get(node) === indices.get(node)) {
      const component: string[] = [];
      let member: string | undefined;
      do {
        member = stack.pop();
        if (member === undefined) break;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1 || graph.get(node)?.has(node) === true) found.push(component.sort());
    }
  };
  for (const node of [...graph.keys()].sort()) if (!indices.has(node)) visit(node);
  return found;
}

/** The folder graph as text: one line per folder with what it imports, then its cycles. */
export function formatFolders(graph: ImportGraph): string {
  const lines: string[] = [];
  for (const [folder, deps] of [...graph.folders].sort(([a], [b]) => a.localeCompare(b))) {
    lines.push(`${folder} -> ${[...deps].sort().join(', ') || '(nothing)'}`);
  }
  const folderCycles = cycles(graph.folders);
  const fileCycles = cycles(graph.files);
  lines.push('');
  lines.push(`folder cycles: ${folderCycles.length === 0 ? 'none' : folderCycles.map((c) => c.join(' <-> ')).join('; ')}`);
  lines.push(`file cycles: ${fileCycles.length === 0 ? 'none' : ''}`);
  for (const cycle of fileCycles) lines.push(`  ${cycle.join(' <-> ')}`);
  return lines.join('\n');
}
