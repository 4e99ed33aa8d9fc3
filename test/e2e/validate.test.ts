import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeRepo, runCli, tempDir } from '../helpers/repo.js';
import { decision, stage, validTree } from '../helpers/documents.js';

describe('stagedocs validate', () => {
  it('passes a valid repository with exit 0', () => {
    const repo = makeRepo(validTree());
    const result = runCli(repo, ['validate']);
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain('3 files checked, no problems');
    expect(result.code).toBe(0);
  });

  it('finds the documents of the configured folders at any depth, and nothing else', () => {
    const tree = {
      'stagedocs.config.yaml': 'paths:\n  stages: docs/work/\n  decisions: notes\n',
      'docs/work/mvp/phase.md': validTree()['stages/mvp/phase.md']!,
      'docs/work/mvp/00-foundation.md': stage({ id: 'P1-S00', order: 0 }),
      'docs/work/mvp/deeper/01-skeleton.md': stage({ id: 'P1-S01', order: 1 }),
      'docs/work/README.md': '# About these stages\n',
      'docs/work/mvp/notes.txt': 'not markdown',
      'docs/work/.drafts/02-draft.md': 'not a document: in a dot-folder',
      'docs/work/mvp/.03-hidden.md': 'not a document: a dot-file',
      'notes/D-2026-01-01-001.md': decision(),
      'stages/mvp/00-elsewhere.md': 'not a document: `stages` is not the configured folder',
    };
    const repo = makeRepo(tree);
    // A symlink out of the repository is never followed, and says so (path-inside-repository).
    const outside = tempDir();
    writeFileSync(path.join(outside, 'secret.md'), 'outside the repository');
    symlinkSync(path.join(outside, 'secret.md'), path.join(repo, 'docs/work/mvp/04-link.md'));
    mkdirSync(path.join(repo, 'docs/work/linked'), { recursive: true });
    symlinkSync(outside, path.join(repo, 'docs/work/linked/folder'));
    const result = runCli(repo, ['validate', '--format', 'json']);
    expect(result.stderr).toBe('');
    const report = JSON.parse(result.stdout);
    expect(report).toMatchObject({ errorCount: 2, fileCount: 4 });
    expect(report.diagnostics.map((d: { file: string; ruleId: string }) => [d.file, d.ruleId])).toEqual([
      ['docs/work/linked/folder', 'path-inside-repository'],
      ['docs/work/mvp/04-link.md', 'path-inside-repository'],
    ]);
  });

  it('reports a missing section with file, line, column and exit 1', () => {
    const tree = validTree();
    tree['stages/mvp/01-skeleton.md'] = stage({ id: 'P1-S01', order: 1 }).replace('## Rollback Plan\nRevert the merge commit.\n\n', '');
    const repo = makeRepo(tree);
    const result = runCli(repo, ['validate']);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('stages/mvp/01-skeleton.md:14:1  error    Missing required section `Rollback Plan`  required-sections');
  });

  it('prints only JSON in the contract shape with --format json', () => {
    const tree = validTree();
    tree['stages/mvp/01-skeleton.md'] = stage({ id: 'P1-S01', order: 1, extra: 'depends-on: [P1-S00]\n' });
    const result = runCli(makeRepo(tree), ['validate', '--format', 'json']);
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout);
    expect(Object.keys(report)).toEqual(['diagnostics', 'errorCount', 'warningCount', 'fileCount']);
    expect(report.diagnostics).toEqual([
      expect.objectContaining({
        file: 'stages/mvp/01-skeleton.md',
        line: 13,
        column: 1,
        ruleId: 'frontmatter-schema',
        severity: 'error',
        message: 'Unknown key `depends-on`',
      }),
    ]);
    expect(report.errorCount).toBe(1);
    expect(report.fileCount).toBe(3);
  });

  it('prints GitHub workflow annotations with --format github', () => {
    const tree = validTree();
    tree['stages/mvp/01-skeleton.md'] = stage({ id: 'P1-S01', order: 1, status: 'done' });
    const result = runCli(makeRepo(tree), ['validate', '--format', 'github']);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^::error file=stages\/mvp\/01-skeleton\.md,line=7,col=9,title=stagedocs linear-progression::Stage `P1-S01` is `done`/m);
  });

  it('prints SARIF 2.1.0 with --format sarif', () => {
    const tree = validTree();
    tree['stages/mvp/01-skeleton.md'] = stage({ id: 'P1-S01', order: 1, extra: 'estimate: 9\n' }).replace('estimate: 2\n', '');
    const result = runCli(makeRepo(tree), ['validate', '--format', 'sarif']);
    expect(result.code).toBe(0);
    const sarif = JSON.parse(result.stdout);
    expect(sarif.version).toBe('2.1.0');
    expect(sarif.runs[0].results[0]).toMatchObject({
      ruleId: 'stage-size',
      level: 'warning',
      locations: [{ physicalLocation: { artifactLocation: { uri: 'stages/mvp/01-skeleton.md' }, region: { startLine: 12, startColumn: 11 } } }],
    });
  });

  it('fails on warnings above --max-warnings', () => {
    const tree = validTree();
    tree['stages/mvp/01-skeleton.md'] = stage({ id: 'P1-S01', order: 1 }).replace('estimate: 2', 'estimate: 9');
    const repo = makeRepo(tree);
    expect(runCli(repo, ['validate']).code).toBe(0);
    expect(runCli(repo, ['validate', '--max-warnings', '0']).code).toBe(1);
    expect(runCli(repo, ['validate', '--max-warnings', 'x']).code).toBe(2);
  });

  it('says where it looked when there are no documents, and suggests init', () => {
    const repo = makeRepo();
    const result = runCli(repo, ['validate']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('No stagedocs documents found');
    expect(result.stderr).toContain('stages/**/*.md');
    expect(result.stderr).toContain('stagedocs init');
  });

  it('reports only on the given paths and refuses paths outside the repository', () => {
    const tree = validTree();
    tree['stages/mvp/01-skeleton.md'] = stage({ id: 'P1-S01', order: 1, extra: 'bogus: 1\n' });
    const repo = makeRepo(tree);
    expect(runCli(repo, ['validate', 'stages/mvp/00-foundation.md']).code).toBe(0);
    expect(runCli(repo, ['validate', 'stages/mvp/01-skeleton.md']).code).toBe(1);
    const outside = runCli(repo, ['validate', tempDir()]);
    expect(outside.code).toBe(2);
    expect(outside.stderr).toContain('outside the repository');
    expect(outside.stderr).not.toContain('    at ');
  });

  it('exits 2 on an unknown flag and on a bad configuration, naming file, line and key', () => {
    const tree = { ...validTree(), 'stagedocs.config.yaml': 'paths:\n  stages: stages\nrulez: {}\n' };
    const repo = makeRepo(tree);
    expect(runCli(repo, ['validate', '--bogus']).code).toBe(2);
    const bad = runCli(repo, ['validate']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('stagedocs.config.yaml:3:1: Unknown key `rulez`');
    expect(bad.stderr).toContain('Did you mean `rules`?');
  });
});
