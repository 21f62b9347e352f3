import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CRD_PATH, renderCrd } from '../../hack/generate-crd.ts';
import { monitoringTopologySchema, specSchema } from '../../src/api/schema.ts';

type Node = Record<string, unknown>;

/** Every schema node below `node`, with its path (`spec.targets.virtualMachines[]`). */
function* walk(node: Node, path: string): Generator<[string, Node]> {
  yield [path, node];
  const properties = node.properties as Record<string, Node> | undefined;
  for (const [name, child] of Object.entries(properties ?? {})) yield* walk(child, path ? `${path}.${name}` : name);
  if (node.items) yield* walk(node.items as Node, `${path}[]`);
  if (typeof node.additionalProperties === 'object') yield* walk(node.additionalProperties as Node, `${path}{}`);
}

const nodes = [...walk(monitoringTopologySchema as unknown as Node, '')].filter(
  ([path]) => path.startsWith('spec') || path.startsWith('status'),
);

describe('CRD manifest', () => {
  it('is what hack/generate-crd.ts renders from src/api/schema.ts (run `npm run generate:crd`)', () => {
    expect(readFileSync(CRD_PATH, 'utf8')).toBe(renderCrd());
  });

  it('describes every field, so kubectl explain teaches the API', () => {
    const missing = nodes.filter(([, n]) => typeof n.description !== 'string' || n.description === '');
    expect(missing.map(([p]) => p)).toEqual([]);
  });

  it('bounds every list, map and string, so CEL cost estimates stay within budget', () => {
    const unbounded = nodes.filter(([, n]) => {
      if (n.type === 'array') return n.maxItems === undefined;
      if (n.type === 'object' && n.additionalProperties) return n.maxProperties === undefined;
      if (n.type === 'string') return n.maxLength === undefined && n.enum === undefined && n.format !== 'date-time';
      return false;
    });
    expect(unbounded.map(([p]) => p)).toEqual([]);
  });

  it('gives every CEL rule a message', () => {
    const rules = nodes.flatMap(([p, n]) =>
      ((n['x-kubernetes-validations'] as { rule: string; message?: string }[] | undefined) ?? []).map((r) => ({
        p,
        ...r,
      })),
    );
    expect(rules.length).toBeGreaterThan(15);
    expect(rules.filter((r) => !r.message)).toEqual([]);
  });

  it('declares the names, printer columns and status subresource', () => {
    const crd = parse(readFileSync(CRD_PATH, 'utf8')) as {
      spec: {
        names: { shortNames: string[]; categories: string[] };
        versions: { subresources: object; additionalPrinterColumns: { name: string; priority?: number }[] }[];
      };
    };
    const [version] = crd.spec.versions;
    expect(crd.spec.names.shortNames).toEqual(['mtopo']);
    expect(version?.subresources).toEqual({ status: {} });
    expect(version?.additionalPrinterColumns.filter((c) => !c.priority).map((c) => c.name.toUpperCase())).toEqual([
      'READY',
      'MODE',
      'INSTANCES',
      'COMPLIANT',
      'FINDINGS',
      'AGE',
    ]);
    // Wide output adds the Ready reason and, for topologies with spec.evidence, the machines delivering data.
    expect(version?.additionalPrinterColumns.filter((c) => c.priority === 1).map((c) => c.name.toUpperCase())).toEqual(['REASON', 'DELIVERING']);
  });
});

describe('examples', () => {
  it('complete.yaml sets every spec field', () => {
    const example = parse(readFileSync(new URL('../../examples/complete.yaml', import.meta.url), 'utf8')) as Node;
    const missing: string[] = [];
    const visit = (schema: Node, value: unknown, path: string): void => {
      if (value === undefined) return void missing.push(path);
      if (schema.type === 'array' && Array.isArray(value)) return visit(schema.items as Node, value[0], `${path}[]`);
      const properties = schema.properties as Record<string, Node> | undefined;
      for (const [name, child] of Object.entries(properties ?? {})) {
        visit(child, (value as Node)[name], `${path}.${name}`);
      }
    };
    visit(specSchema, example.spec, 'spec');
    expect(missing).toEqual([]);
  });
});
