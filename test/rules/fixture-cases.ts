import { defaultConfig, type Config } from '../../src/model/config.js';
import { parseConfig } from '../../src/engine/config.js';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Diagnostic } from '../../src/model/diagnostic.js';
import { workingTreeSource, type DocumentSource } from '../../src/engine/source.js';
import { validateRepository } from '../../src/engine/validate.js';
import type { RepositoryEvidence } from '../../src/model/repository.js';
import { loadEvidence } from '../../src/evidence/load.js';

/** Golden fixtures: `test/fixtures/rules/<rule-id>/{ok,not-ok}-<name>{.md,.json,/}`. */
export const FIXTURES_ROOT = fileURLToPath(new URL('../fixtures/rules/', import.meta.url));
export const DOCS_ROOT = fileURLToPath(new URL('../../docs/rules/', import.meta.url));

export interface FixtureCase {
  ruleId: string;
  name: string;
  /** Absolute path of the fixture: one document, or a folder holding a repository tree. */
  fixture: string;
  kind: 'file' | 'tree';
  expectation: 'ok' | 'not-ok';
  /** Where a failing fixture's expected output lives (`<name>.expected` next to it). */
  expectedFile: string;
}

export function fixtureCases(ruleId: string): FixtureCase[] {
  const dir = path.join(FIXTURES_ROOT, ruleId);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((entry) => /^(ok|not-ok)-/.test(entry) && !entry.endsWith('.expected'))
    .sort()
    .map((entry) => {
      const fixture = path.join(dir, entry);
      const kind = statSync(fixture).isDirectory() ? 'tree' : 'file';
      const name = kind === 'tree' ? entry : entry.replace(/\.(md|json)$/, '');
      return {
        ruleId,
        name,
        fixture,
        kind,
        expectation: entry.startsWith('not-ok-') ? 'not-ok' : 'ok',
        expectedFile: path.join(dir, `${name}.expected`),
      } satisfies FixtureCase;
    });
}

/**
 * Where a single-document fixture sits in the virtual repository: its declared kind decides the
 * folder, as `stagedocs new-*` would have placed it.
 */
export function virtualPath(fileName: string, bytes: Uint8Array): string {
  if (fileName.endsWith('.json')) return `freeze/${fileName.replace(/\.json$/, '')}.freeze.json`;
  const head = Buffer.from(bytes.subarray(0, 400)).toString('utf8');
  if (/^kind:\s*phase\s*$/m.test(head)) return 'stages/fixture/phase.md';
  if (/^kind:\s*decision\s*$/m.test(head)) return `decisions/${fileName}`;
  return `stages/fixture/${fileName}`;
}

function singleFileSource(relativePath: string, bytes: Uint8Array): DocumentSource {
  return {
    list: async () => [relativePath],
    read: async () => bytes,
    exists: (target) => target === relativePath || relativePath.startsWith(`${target}/`),
  };
}

export interface FixtureRun {
  diagnostics: Diagnostic[];
  /** The diagnostics as `[path:]line:column ruleId message` lines, with hints indented below. */
  output: string;
}

/**
 * Runs one fixture through the library as `stagedocs validate` would, with the fixture's own config if
 * it has one. A single document has no repository around it, so it has no evidence either.
 */
export async function runFixture(fixture: FixtureCase): Promise<FixtureRun> {
  let config: Config = defaultConfig();
  let source: DocumentSource;
  let root: string;
  let evidence: RepositoryEvidence | undefined;
  if (fixture.kind === 'tree') {
    root = fixture.fixture;
    const configFile = path.join(root, 'stagedocs.config.yaml');
    if (existsSync(configFile)) config = parseConfig('stagedocs.config.yaml', readFileSync(configFile, 'utf8'));
    source = workingTreeSource(root, config);
    // As `stagedocs validate` does: the tree's gate_results/ (runs and registry) feed the evidence rules.
    evidence = await loadEvidence(root, config.paths.gate_results);
  } else {
    root = path.dirname(fixture.fixture);
    const bytes = readFileSync(fixture.fixture);
    source = singleFileSource(virtualPath(path.basename(fixture.fixture), bytes), bytes);
  }
  const result = await validateRepository({ root, config, configHash: 'fixture', toolVersion: 'fixture', source, cacheDir: undefined, evidence });
  const lines = result.diagnostics
    .filter((d) => d.ruleId === fixture.ruleId)
    .flatMap((d) => [
      `${fixture.kind === 'tree' ? `${d.file}:` : ''}${d.line}:${d.column} ${d.ruleId} ${d.message}`,
      ...(d.hint ? [`  hint: ${d.hint}`] : []),
    ]);
  return { diagnostics: result.diagnostics, output: lines.length > 0 ? `${lines.join('\n')}\n` : '' };
}
