// Bundles the controller for the container image (`npm run build`) and for the bench's capped child: one ES module
// per entry point plus shared chunks, with every dependency inside. Loading the bundle instead of node_modules costs
// the controller about 35 MiB less RSS before it tracks any machine: `@kubernetes/client-node`'s configuration
// module imports every generated API (14 MB of source), of which the controller calls three, and tree shaking keeps
// only those. The SDKs that `src/azure/lazy.ts` loads on first use stay apart, in chunks of their own.
//
//   node hack/bundle.ts [outdir]          the controller's entry point (src/runtime/main.ts), into dist/ by default,
//                                         emptied first
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

// Its own, not chart-tools.ts's: the image's build stage copies this file alone.
const REPO = fileURLToPath(new URL('..', import.meta.url));

export interface BundleRequest {
  /** Entry points, relative to the repository; each becomes `<outdir>/<its path from outbase>.js`. */
  entryPoints: string[];
  outdir: string;
  /** The common root of the entry points' output paths (default: the entry points' own common folder). */
  outbase?: string;
  /** Where shared chunks go, relative to outdir (esbuild's `chunkNames`; default: beside the entries' root). */
  chunkNames?: string;
  /** Source maps beside the chunks (`node --enable-source-maps` reads them). */
  sourcemap?: boolean;
}

/**
 * Bundles as the image ships it: ES modules for Node 24, shared chunks split out, identifiers and class names kept
 * (stack traces and pino's `err.type` read them) but whitespace removed (the source text of every loaded module
 * stays in memory for V8's lazy compilation). Writes the third-party license notices beside the chunks. Returns the
 * packages bundled.
 */
export async function bundle(request: BundleRequest): Promise<string[]> {
  const outdir = resolve(REPO, request.outdir);
  const result = await build({
    absWorkingDir: REPO,
    entryPoints: request.entryPoints,
    outdir,
    ...(request.outbase !== undefined ? { outbase: request.outbase } : {}),
    ...(request.chunkNames !== undefined ? { chunkNames: request.chunkNames } : {}),
    bundle: true,
    splitting: true,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    // A package without an `exports` map (`@azure/arm-hybridcompute` 3) is read through its ES module build: its
    // CommonJS build, bundled apart for the controller's `import()` on first use, would give only a default export.
    mainFields: ['module', 'main'],
    keepNames: true,
    minifyWhitespace: true,
    minifySyntax: true,
    sourcemap: request.sourcemap === true ? 'linked' : false,
    // Maps name the sources' files and lines; the sources themselves are not shipped.
    sourcesContent: false,
    legalComments: 'none',
    metafile: true,
    logLevel: 'warning',
    // CommonJS dependencies (the Azure SDKs' dependencies among them) call `require` for Node's own modules.
    banner: { js: "import { createRequire as __bundleRequire } from 'node:module'; const require = __bundleRequire(import.meta.url);" },
  });
  const packages = bundledPackages(Object.keys(result.metafile.inputs));
  writeFileSync(join(outdir, 'THIRD-PARTY-NOTICES.txt'), notices(packages));
  return packages.map((p) => relative(join(REPO, 'node_modules'), p));
}

/** The package folders (`…/node_modules/name` or `…/node_modules/@scope/name`) the bundle's inputs come from. */
function bundledPackages(inputs: string[]): string[] {
  const out = new Set<string>();
  for (const input of inputs) {
    const m = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input.replace(/\\/g, '/'));
    if (m?.[1] !== undefined) out.add(resolve(REPO, m[1]));
  }
  return [...out].sort();
}

/** Each bundled package's name, version, license and license text, as its own files give them. */
function notices(packages: string[]): string {
  const parts = packages.map((dir) => {
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string; license?: string };
    const file = readdirSync(dir).find((f) => /^(licen[cs]e|copying|notice)(\.|$)/i.test(f));
    const text = file !== undefined ? readFileSync(join(dir, file), 'utf8').trim() : `(no license file; package.json says ${manifest.license ?? 'nothing'})`;
    return `${manifest.name ?? dir}@${manifest.version ?? '?'} (${manifest.license ?? 'unknown'})\n\n${text}\n`;
  });
  return `Third-party software bundled into this build, with the notices its licenses ask to keep.\n\n${parts.join(`\n${'-'.repeat(78)}\n\n`)}`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const outdir = process.argv[2] ?? 'dist';
  // Emptied first: chunk names carry a hash, and an earlier build's chunks would stay beside this one's.
  rmSync(resolve(REPO, outdir), { recursive: true, force: true });
  const packages = await bundle({ entryPoints: ['src/runtime/main.ts'], outdir, sourcemap: true });
  process.stdout.write(`bundled src/runtime/main.ts and ${packages.length} packages into ${relative(process.cwd(), resolve(REPO, outdir)) || '.'}/main.js\n`);
}
