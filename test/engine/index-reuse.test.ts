import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { validate } from '../../src/api/validate.js';
import { FactsCache } from '../../src/engine/facts-cache.js';
import { phase, stage, validTree } from '../helpers/documents.js';
import { cacheFile, git, GIT_ENV, makeRepo } from '../helpers/repo.js';

const PROTECTING = 'stages/mvp/00-foundation.md';
const OTHER = 'stages/mvp/01-skeleton.md';
const PHASE = 'stages/mvp/phase.md';

afterEach(() => {
  vi.restoreAllMocks();
});

function write(repo: string, file: string, text: string): void {
  mkdirSync(path.dirname(path.join(repo, file)), { recursive: true });
  writeFileSync(path.join(repo, file), text);
}

function edit(repo: string, file: string, change: (text: string) => string): void {
  write(repo, file, change(readFileSync(path.join(repo, file), 'utf8')));
}

/**
 * The hook's answer (`validate --staged`) with the caches, whether it reused the last run's findings
 * (a full run opens the facts cache; a reuse over the index needs neither it nor a model), and the
 * answer of a run without any cache, which it must equal finding for finding.
 */
async function hook(repo: string): Promise<{ reused: boolean; diagnostics: unknown[]; fresh: unknown[] }> {
  const open = vi.spyOn(FactsCache, 'open');
  const report = await validate({ root: repo, env: GIT_ENV, staged: true });
  const reused = open.mock.calls.length === 0;
  open.mockRestore();
  const fresh = await validate({ root: repo, env: GIT_ENV, staged: true, cache: false });
  return { reused, diagnostics: report.diagnostics, fresh: fresh.diagnostics };
}

function ruleIds(diagnostics: unknown[]): string[] {
  return (diagnostics as Array<{ ruleId: string }>).map((d) => d.ruleId);
}

// The pre-commit hook validates the index, whose files have blob ids and no stamps: its last run's
// findings are kept by blob id and reused for a commit that changes nothing the cross-file rules
// read, and the protected-path check reads the kept states of the stage and phase documents. Each
// answer must be the one a run without caches gives.
describe('the hook reuses its last run over the index', () => {
  it('gives what a run without caches gives, reusing only when nothing the rules read changed', async () => {
    const tree = validTree();
    tree[PROTECTING] = stage({ id: 'P1-S00', order: 0, status: 'in-progress', extra: 'protected: ["src/**"]\n' });
    tree[PHASE] = phase({ extra: 'agents:\n  must_not_modify: ["generated/**"]\n' });
    const repo = makeRepo({ ...tree, 'src/app.ts': 'export {};\n', 'generated/out.txt': 'one\n' });

    const steps: Array<[string, () => void, { reused: boolean; rules: string[] }]> = [
      ['first run', () => {}, { reused: false, rules: [] }],
      ['nothing new staged', () => {}, { reused: true, rules: [] }],
      ['an estimate staged', () => edit(repo, OTHER, (text) => text.replace('estimate: 2', 'estimate: 3')), { reused: true, rules: [] }],
      ['a protected path staged', () => write(repo, 'src/app.ts', 'export const x = 1;\n'), { reused: true, rules: ['protected-path'] }],
      ['the protecting stage\'s body staged as well', () => edit(repo, PROTECTING, (text) => `${text}\nMore notes.\n`), { reused: true, rules: ['protected-path'] }],
      // No rule reads where the list is: reused, and the finding points at the pattern's new line.
      ['a comment above the protected list', () => edit(repo, PROTECTING, (text) => text.replace('protected:', '# guarded while open\nprotected:')), { reused: true, rules: ['protected-path'] }],
      ['a path agents must not modify staged', () => write(repo, 'generated/out.txt', 'two\n'), { reused: true, rules: ['protected-path', 'protected-path'] }],
      // The working tree differs from the index: the hook judges what is staged.
      ['the working tree only', () => {}, { reused: true, rules: ['protected-path', 'protected-path'] }],
      // `status` is read by the cross-file rules: a full run, and the stage's protection ends with it.
      ['the protecting stage done', () => edit(repo, PROTECTING, (text) => text.replace('status: in-progress', 'status: done')), { reused: false, rules: ['protected-path'] }],
      ['a schema error staged', () => edit(repo, OTHER, (text) => text.replace('estimate: 3', 'estimate: soon')), { reused: false, rules: ['frontmatter-schema', 'protected-path'] }],
      ['back to a number', () => edit(repo, OTHER, (text) => text.replace('estimate: soon', 'estimate: 4')), { reused: false, rules: ['protected-path'] }],
      ['a new stage staged', () => write(repo, 'stages/mvp/02-data.md', stage({ id: 'P1-S02', order: 2 })), { reused: false, rules: ['protected-path'] }],
      ['the new stage\'s estimate', () => edit(repo, 'stages/mvp/02-data.md', (text) => text.replace('estimate: 2', 'estimate: 1')), { reused: true, rules: ['protected-path'] }],
    ];
    // A developer's own validate first: the hook's first run borrows the digests of its result.
    await validate({ root: repo, env: GIT_ENV });
    for (const [label, change, expected] of steps) {
      change();
      if (label === 'the working tree only') edit(repo, OTHER, (text) => text.replace(/^id: P1-S01$/m, 'id: P1-S00'));
      else git(repo, 'add', '-A');
      const { reused, diagnostics, fresh } = await hook(repo);
      expect({ label, reused, rules: ruleIds(diagnostics).sort() }).toEqual({ label, ...expected });
      expect(diagnostics, label).toEqual(fresh);
      if (label === 'the working tree only') git(repo, 'checkout', '--', OTHER);
    }
  });

  it('runs in full over a damaged or foreign result file, and never reports what it holds', async () => {
    const repo = makeRepo(validTree());
    edit(repo, OTHER, (text) => text.replace('estimate: 2', 'estimate: 3'));
    git(repo, 'add', '-A');
    expect((await hook(repo)).reused).toBe(false);
    const file = cacheFile(repo, 'validate-result-index.json');
    const saved = JSON.parse(readFileSync(file, 'utf8'));
    const forged = { file: OTHER, ruleId: 'required-sections', line: 1, column: 1, message: 'FORGED' };
    const damaged = [
      '{',
      JSON.stringify({ ...saved, findings: [forged], key: 'other' }),
      JSON.stringify({ ...saved, findings: [forged], witnesses: 'stamp' }),
      JSON.stringify({ ...saved, findings: [forged], files: { ...saved.files, witnesses: saved.files.witnesses.slice(1) } }),
      JSON.stringify({ ...saved, findings: [forged], files: { ...saved.files, paths: saved.files.paths.replace(OTHER, 'stages/mvp/01-other.md') } }),
      JSON.stringify({ ...saved, findings: [forged], contractStates: [[0, 'stage', 'P1-S00']] }),
      JSON.stringify({ ...saved, findings: [forged], contractStates: [[99, 'stage', 'P1-S00', 'done', null]] }),
    ];
    for (const text of damaged) {
      writeFileSync(file, text);
      const { reused, diagnostics, fresh } = await hook(repo);
      expect(reused).toBe(false);
      expect(diagnostics).toEqual(fresh);
      expect(JSON.stringify(diagnostics)).not.toContain('FORGED');
    }
  });
});
