import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

// What npm installs must work: every file package.json points at exists once built (`npm test` builds first).
const ROOT = path.resolve(import.meta.dirname, '../..');
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  bin: Record<string, string>;
  main: string;
  types: string;
  exports: Record<string, string | Record<string, string>>;
  files: string[];
  engines: { node: string };
  type: string;
};

describe('package.json', () => {
  it('points only at files that exist after the build', () => {
    const exported = Object.values(pkg.exports).flatMap((target) => (typeof target === 'string' ? [target] : Object.values(target)));
    const targets = [...Object.values(pkg.bin), pkg.main, pkg.types, ...exported, ...pkg.files];
    expect(exported).toContain('./dist/index.js');
    for (const target of targets) expect(existsSync(path.join(ROOT, target)), target).toBe(true);
  });

  it('has a stagedocs bin with a node shebang (npm makes it executable when it installs it)', () => {
    expect(readFileSync(path.join(ROOT, pkg.bin.stagedocs!), 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
  });

  it('is an ES module package for Node 20 or newer', () => {
    expect(pkg.type).toBe('module');
    expect(pkg.engines.node).toBe('>=20');
  });
});
