import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

// The folders of src/ are layers. A module imports only from its own layer or a lower one, and no
// import (static, type-only, re-export or dynamic) closes a cycle. The order is the README's
// "Layout" section; a new folder must be placed in it before anything can import it.
const SRC = path.resolve(import.meta.dirname, '../../src');

/** Lowest first. `index.ts` (the public API) is the `api` layer, above everything but the CLI. */
const LAYERS = ['util', 'model', 'parse', 'evidence', 'render', 'config', 'rules', 'engine', 'git', 'gates', 'audit', 'scaffold', 'format', 'github', 'api', 'mcp', 'lsp', 'cli'] as const;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

function layerOf(file: string): string {
  const relative = path.relative(SRC, file).split(path.sep);
  if (relative.length === 1) return relative[0] === 'index.ts' ? 'api' : `(top-level ${relative[0]})`;
  return relative[0]!;
}

// `import x from`, `import type { X } from`, `export { x } from`, `export * from`, `import('...')`.
const IMPORT = /(?:^|[\s;])(?:import|export)\s+(?:type\s+)?(?:[^'";]*?\bfrom\s+)?['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;

/** Every relative import of a file, resolved to the .ts module it names. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  const targets: string[] = [];
  for (const match of text.matchAll(IMPORT)) {
    const specifier = match[1] ?? match[2]!;
    if (!specifier.startsWith('.')) continue;
    targets.push(path.resolve(path.dirname(file), specifier).replace(/\.js$/, '.ts'));
  }
  return targets;
}

const FILES = sourceFiles(SRC);
const GRAPH = new Map(FILES.map((file) => [file, importsOf(file)]));
const rel = (file: string) => path.relative(SRC, file);

/** Strongly connected components with more than one module, or a module importing itself (Tarjan). */
function cycles(graph: Map<string, string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (node: string): void => {
    index.set(node, next);
    low.set(node, next++);
    stack.push(node);
    onStack.add(node);
    for (const target of graph.get(node) ?? []) {
      if (!graph.has(target)) continue;
      if (!index.has(target)) {
        visit(target);
        low.set(node, Math.min(low.get(node)!, low.get(target)!));
      } else if (onStack.has(target)) {
        low.set(node, Math.min(low.get(node)!, index.get(target)!));
      }
    }
    if (low.get(node) !== index.get(node)) return;
    const component: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      component.push(member);
    } while (member !== node);
    if (component.length > 1 || (graph.get(node) ?? []).includes(node)) found.push(component.map(rel).sort());
  };
  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return found;
}

describe('layers', () => {
  it('reads the imports of every module, type-only and dynamic ones included', () => {
    expect(FILES.length).toBeGreaterThan(50);
    const edges = [...GRAPH.values()].reduce((sum, targets) => sum + targets.length, 0);
    expect(edges).toBeGreaterThan(FILES.length);
    // The parser sees the forms the layering depends on.
    const cli = path.join(SRC, 'cli/main.ts');
    expect(GRAPH.get(cli)!.some((target) => target.startsWith(path.join(SRC, 'cli/')))).toBe(true);
  });

  it('places every module in a known layer', () => {
    const unknown = FILES.filter((file) => !(LAYERS as readonly string[]).includes(layerOf(file))).map(rel);
    expect(unknown).toEqual([]);
  });

  it('imports only from the same layer or a lower one', () => {
    const upward: string[] = [];
    for (const [file, targets] of GRAPH) {
      const from = LAYERS.indexOf(layerOf(file) as (typeof LAYERS)[number]);
      for (const target of targets) {
        const to = LAYERS.indexOf(layerOf(target) as (typeof LAYERS)[number]);
        if (to > from) upward.push(`${rel(file)} (${layerOf(file)}) -> ${rel(target)} (${layerOf(target)})`);
      }
    }
    expect(upward).toEqual([]);
  });

  it('has no import cycle', () => {
    expect(cycles(GRAPH)).toEqual([]);
  });

  it('finds a cycle and an upward edge when there is one (the checks can fail)', () => {
    const a = path.join(SRC, 'model/a.ts');
    const b = path.join(SRC, 'model/b.ts');
    expect(cycles(new Map([[a, [b]], [b, [a]]]))).toEqual([['model/a.ts', 'model/b.ts']]);
    expect(LAYERS.indexOf('cli')).toBeGreaterThan(LAYERS.indexOf('format'));
  });
});
