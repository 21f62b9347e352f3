// Offline JSON schemas for kubeconform: Kubernetes kinds from an API server's /openapi/v2, plus our CRDs.
// Usage: npx node hack/kube-schemas.ts OUT_DIR [CRD_FILE...]   (reads the cluster from KUBECONFIG)
// Then:  kubeconform -strict -schema-location 'OUT_DIR/{{ .ResourceKind }}{{ .KindSuffix }}.json' ...
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';

type Schema = Record<string, unknown>;

interface Gvk {
  group: string;
  version: string;
  kind: string;
}

const REF_PREFIX = '#/definitions/';
const INT_OR_STRING = 'io.k8s.apimachinery.pkg.util.intstr.IntOrString';
const QUANTITY = 'io.k8s.apimachinery.pkg.api.resource.Quantity';

function isSchema(v: unknown): v is Schema {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** kubeconform's file name for a kind: `deployment-apps-v1`, `service-v1`, `clusterrole-rbac-v1`. */
export function schemaFileName(gvk: Gvk): string {
  const apiVersion = gvk.group ? `${gvk.group}/${gvk.version}` : gvk.version;
  const [first = '', second] = apiVersion.split('/');
  const suffix = `-${(first.split('.')[0] ?? '').toLowerCase()}${second ? `-${second.toLowerCase()}` : ''}`;
  return `${gvk.kind.toLowerCase()}${suffix}.json`;
}

/**
 * Rewrites one schema node for strict validation, as openapi2jsonschema --strict does: objects with
 * declared properties refuse unknown ones; int-or-string and nullable become JSON-schema unions.
 */
function strictify(node: unknown, refs: Set<string>): unknown {
  if (Array.isArray(node)) return node.map((n) => strictify(n, refs));
  if (!isSchema(node)) return node;
  const out: Schema = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === 'properties' && isSchema(v)) {
      out[k] = Object.fromEntries(Object.entries(v).map(([p, s]) => [p, strictify(s, refs)]));
    } else if (k === 'description' || k === 'example' || k.startsWith('x-kubernetes-validations')) {
      continue;
    } else {
      out[k] = strictify(v, refs);
    }
  }
  if (typeof out.$ref === 'string' && out.$ref.startsWith(REF_PREFIX)) refs.add(out.$ref.slice(REF_PREFIX.length));
  if (out['x-kubernetes-int-or-string'] === true) {
    delete out.type;
    out.anyOf = [{ type: 'integer' }, { type: 'string' }];
  }
  if (out.nullable === true && typeof out.type === 'string') out.type = [out.type, 'null'];
  const open = out['x-kubernetes-preserve-unknown-fields'] === true;
  if (isSchema(out.properties) && out.additionalProperties === undefined && !open) out.additionalProperties = false;
  return out;
}

/** One standalone schema per kind that the OpenAPI v2 document names, each with the definitions it reaches. */
export function schemasFromOpenApi(openapi: { definitions?: Record<string, unknown> }): Map<string, Schema> {
  const raw = openapi.definitions ?? {};
  const defs = new Map<string, { schema: Schema; refs: Set<string> }>();
  for (const [name, schema] of Object.entries(raw)) {
    const refs = new Set<string>();
    let converted = strictify(schema, refs) as Schema;
    if (name === INT_OR_STRING) converted = { anyOf: [{ type: 'integer' }, { type: 'string' }] };
    if (name === QUANTITY) converted = { anyOf: [{ type: 'number' }, { type: 'string' }] };
    defs.set(name, { schema: converted, refs });
  }
  const files = new Map<string, Schema>();
  for (const [name, def] of defs) {
    const gvks = (raw[name] as Schema)['x-kubernetes-group-version-kind'];
    if (!Array.isArray(gvks)) continue;
    // The closure of definitions this kind reaches, so each file stands alone.
    const reached = new Set<string>();
    const stack = [...def.refs];
    while (stack.length) {
      const next = stack.pop() ?? '';
      if (reached.has(next) || !defs.has(next)) continue;
      reached.add(next);
      stack.push(...(defs.get(next)?.refs ?? []));
    }
    const definitions = Object.fromEntries([...reached].sort().map((r) => [r, defs.get(r)?.schema]));
    for (const gvk of gvks as Gvk[]) {
      files.set(schemaFileName(gvk), { $schema: 'http://json-schema.org/draft-07/schema#', ...def.schema, definitions });
    }
  }
  return files;
}

/** Schemas for each served version of the CRDs in a YAML file. */
export function schemasFromCrd(yamlText: string): Map<string, Schema> {
  const files = new Map<string, Schema>();
  for (const doc of parseAllDocuments(yamlText)) {
    const crd = doc.toJS() as unknown;
    if (!isSchema(crd) || crd.kind !== 'CustomResourceDefinition' || !isSchema(crd.spec)) continue;
    const group = String(crd.spec.group);
    const kind = String((crd.spec.names as Schema).kind);
    for (const version of (crd.spec.versions as Schema[] | undefined) ?? []) {
      const v3 = (version.schema as Schema | undefined)?.openAPIV3Schema;
      if (!isSchema(v3)) continue;
      const schema = strictify(v3, new Set()) as Schema;
      const props = (schema.properties ?? {}) as Schema;
      // The API server adds these to every object; a CRD schema need not declare them.
      schema.properties = {
        apiVersion: { type: 'string', enum: [`${group}/${String(version.name)}`] },
        kind: { type: 'string', enum: [kind] },
        metadata: { type: 'object' },
        ...props,
      };
      schema.additionalProperties = false;
      files.set(schemaFileName({ group, version: String(version.name), kind }), {
        $schema: 'http://json-schema.org/draft-07/schema#',
        ...schema,
      });
    }
  }
  return files;
}

export function writeSchemas(outDir: string, ...sets: Map<string, Schema>[]): number {
  mkdirSync(outDir, { recursive: true });
  let n = 0;
  for (const set of sets) {
    for (const [file, schema] of set) {
      writeFileSync(join(outDir, file), JSON.stringify(schema));
      n++;
    }
  }
  return n;
}

/** The API server's OpenAPI v2 document, read through kubectl with the current kubeconfig. */
export async function fetchOpenApiV2(kubeconfig?: string): Promise<{ definitions?: Record<string, unknown> }> {
  const args = [...(kubeconfig ? ['--kubeconfig', kubeconfig] : []), 'get', '--raw', '/openapi/v2'];
  const { stdout } = await promisify(execFile)('kubectl', args, { maxBuffer: 256 * 1024 * 1024 });
  return JSON.parse(stdout) as { definitions?: Record<string, unknown> };
}

if (import.meta.main) {
  const [outDir, ...crdFiles] = process.argv.slice(2);
  if (!outDir) {
    process.stderr.write('usage: kube-schemas.ts OUT_DIR [CRD_FILE...]\n');
    process.exit(2);
  }
  const sets = [schemasFromOpenApi(await fetchOpenApiV2()), ...crdFiles.map((f) => schemasFromCrd(readFileSync(f, 'utf8')))];
  process.stdout.write(`wrote ${writeSchemas(outDir, ...sets)} schemas to ${outDir}\n`);
}
