import { existsSync, readFileSync, statSync, writeFileSync, mkdirSync, chmodSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { phase, stage, validTree } from '../helpers/documents.js';
import { tryGit } from '../helpers/git-commit.js';
import { git, makeRepo, runCli, tempDir } from '../helpers/repo.js';

const GOOD = stage({ id: 'P1-S01', order: 1 });
/** Missing its Rollback Plan section: required-sections fails. */
const BAD = GOOD.replace('## Rollback Plan\nRevert the merge commit.\n\n', '');
const SKELETON = 'stages/mvp/01-skeleton.md';

function installed(): string {
  const repo = makeRepo(validTree());
  const result = runCli(repo, ['hook', 'install']);
  expect(result.code).toBe(0);
  return repo;
}

function write(repo: string, file: string, text: string): void {
  mkdirSync(path.dirname(path.join(repo, file)), { recursive: true });
  writeFileSync(path.join(repo, file), text);
}

function commitOutput(result: { stdout: string; stderr: string }): string {
  return result.stdout + result.stderr;
}

describe('stagedocs hook install / uninstall', () => {
  it('writes an executable hook with our marker where git runs hooks, and removes it again', () => {
    const repo = makeRepo(validTree());
    const result = runCli(repo, ['hook', 'install']);
    expect(result.code).toBe(0);
    const hook = path.join(repo, '.git/hooks/pre-commit');
    expect(result.stdout).toContain(`Installed the stagedocs pre-commit hook: ${hook}`);
    expect(readFileSync(hook, 'utf8')).toContain('# stagedocs-managed-hook');
    expect(statSync(hook).mode & 0o111).not.toBe(0);
    // The fallback to the CLI that installed it, quoted for the shell.
    expect(readFileSync(hook, 'utf8')).toContain(`stagedocs_node='${process.execPath}'`);

    expect(runCli(repo, ['hook', 'install']).stdout).toContain('Updated the stagedocs pre-commit hook');
    const removed = runCli(repo, ['hook', 'uninstall']);
    expect(removed.code).toBe(0);
    expect(existsSync(hook)).toBe(false);
    expect(runCli(repo, ['hook', 'uninstall']).stdout).toContain('nothing to remove');
  });

  it('keeps a foreign hook intact: chained as pre-commit.local, run first, restored on uninstall', () => {
    const repo = makeRepo(validTree());
    const hook = path.join(repo, '.git/hooks/pre-commit');
    const foreign = '#!/bin/sh\ntouch "$(git rev-parse --git-dir)/foreign-ran"\n';
    writeFileSync(hook, foreign);
    chmodSync(hook, 0o755);

    const result = runCli(repo, ['hook', 'install']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Kept the existing pre-commit hook as');
    expect(readFileSync(`${hook}.local`, 'utf8')).toBe(foreign);

    write(repo, 'notes.txt', 'hello\n');
    git(repo, 'add', 'notes.txt');
    expect(tryGit(repo, ['commit', '-q', '-m', 'notes']).code).toBe(0);
    expect(existsSync(path.join(repo, '.git/foreign-ran'))).toBe(true);

    expect(runCli(repo, ['hook', 'uninstall']).stdout).toContain('restored the hook it had kept');
    expect(readFileSync(hook, 'utf8')).toBe(foreign);
    expect(existsSync(`${hook}.local`)).toBe(false);
  });

  it('refuses (exit 1, nothing changed) when both pre-commit and pre-commit.local are taken, and never removes a foreign hook', () => {
    const repo = makeRepo(validTree());
    const hook = path.join(repo, '.git/hooks/pre-commit');
    writeFileSync(hook, '#!/bin/sh\nexit 0\n');
    writeFileSync(`${hook}.local`, '#!/bin/sh\nexit 0\n');
    const result = runCli(repo, ['hook', 'install']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('already exists; nothing was changed');
    expect(readFileSync(hook, 'utf8')).toBe('#!/bin/sh\nexit 0\n');

    const uninstall = runCli(repo, ['hook', 'uninstall']);
    expect(uninstall.code).toBe(1);
    expect(uninstall.stderr).toContain('was not written by stagedocs; it was left as it is');
    expect(existsSync(hook)).toBe(true);
  });

  it("follows husky's core.hooksPath", () => {
    const repo = makeRepo(validTree());
    git(repo, 'config', 'core.hooksPath', '.husky');
    const result = runCli(repo, ['hook', 'install']);
    expect(result.code).toBe(0);
    expect(existsSync(path.join(repo, '.husky/pre-commit'))).toBe(true);
    expect(existsSync(path.join(repo, '.git/hooks/pre-commit'))).toBe(false);
    write(repo, SKELETON, BAD);
    git(repo, 'add', SKELETON);
    const commit = tryGit(repo, ['commit', '-q', '-m', 'bad']);
    expect(commit.code).not.toBe(0);
    expect(commitOutput(commit)).toContain('required-sections');
  });

  it("refuses husky 9's managed .husky/_ folder and says where the command belongs", () => {
    const repo = makeRepo(validTree());
    git(repo, 'config', 'core.hooksPath', '.husky/_');
    const result = runCli(repo, ['hook', 'install']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('is managed by husky');
    expect(result.stderr).toContain('`npx stagedocs hook run` to .husky/pre-commit');
    expect(existsSync(path.join(repo, '.husky/_/pre-commit'))).toBe(false);
  });

  it('is a usage error outside a git repository', () => {
    const result = runCli(tempDir(), ['hook', 'install']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('is not inside a git repository');
  });
});

describe('the installed hook validates what is being committed', () => {
  it('rejects bad staged content even when the working tree is good', () => {
    const repo = installed();
    write(repo, SKELETON, BAD);
    git(repo, 'add', SKELETON);
    write(repo, SKELETON, GOOD);
    const commit = tryGit(repo, ['commit', '-q', '-m', 'partial']);
    expect(commit.code).not.toBe(0);
    expect(commitOutput(commit)).toContain(`${SKELETON}:`);
    expect(commitOutput(commit)).toContain('Missing required section `Rollback Plan`');
    expect(git(repo, 'rev-list', '--count', 'HEAD').trim()).toBe('1');
  });

  it('accepts good staged content even when the working tree is bad', () => {
    const repo = installed();
    write(repo, SKELETON, GOOD.replace('Serve the resource API.', 'Serve the resource API well.'));
    git(repo, 'add', SKELETON);
    write(repo, SKELETON, BAD);
    const commit = tryGit(repo, ['commit', '-q', '-m', 'partial']);
    expect(commitOutput(commit)).toContain('1 file checked, no problems');
    expect(commit.code).toBe(0);
    expect(git(repo, 'rev-list', '--count', 'HEAD').trim()).toBe('2');
  });

  it('checks `git commit -a` (a temporary index) and not the real index', () => {
    const repo = installed();
    write(repo, SKELETON, BAD);
    const rejected = tryGit(repo, ['commit', '-a', '-q', '-m', 'all']);
    expect(rejected.code).not.toBe(0);
    expect(commitOutput(rejected)).toContain('required-sections');

    write(repo, SKELETON, GOOD.replace('Serve the resource API.', 'Serve it.'));
    expect(tryGit(repo, ['commit', '-a', '-q', '-m', 'all']).code).toBe(0);
  });

  it('checks `git commit <path>` (the path from the working tree over HEAD)', () => {
    const repo = installed();
    // The real index holds good content; the working tree of the committed path is bad.
    write(repo, SKELETON, BAD);
    const rejected = tryGit(repo, ['commit', '-q', '-m', 'one path', '--', SKELETON]);
    expect(rejected.code).not.toBe(0);
    expect(commitOutput(rejected)).toContain('required-sections');

    // Bad content staged in the index, good content committed by path: accepted.
    git(repo, 'add', SKELETON);
    write(repo, SKELETON, GOOD.replace('Serve the resource API.', 'Serve it.'));
    const accepted = tryGit(repo, ['commit', '-q', '-m', 'one path', '--', SKELETON]);
    expect(commitOutput(accepted)).toContain('1 file checked, no problems');
    expect(accepted.code).toBe(0);
  });

  it('works for the first commit of a repository', () => {
    const repo = makeRepo(validTree(), { commit: false });
    expect(runCli(repo, ['hook', 'install']).code).toBe(0);
    git(repo, 'add', '-A');
    expect(tryGit(repo, ['commit', '-q', '-m', 'first']).code).toBe(0);

    const empty = makeRepo({ 'stages/mvp/phase.md': phase(), [SKELETON]: BAD }, { commit: false });
    runCli(empty, ['hook', 'install']);
    git(empty, 'add', '-A');
    const rejected = tryGit(empty, ['commit', '-q', '-m', 'first']);
    expect(rejected.code).not.toBe(0);
    expect(commitOutput(rejected)).toContain('required-sections');
  });

  it('works in a linked worktree (a .git file, hooks in the common directory)', () => {
    const repo = installed();
    const worktree = path.join(tempDir(), 'linked tree');
    git(repo, 'worktree', 'add', '-q', '-b', 'side', worktree);
    write(worktree, SKELETON, BAD);
    git(worktree, 'add', SKELETON);
    const rejected = tryGit(worktree, ['commit', '-q', '-m', 'bad']);
    expect(rejected.code).not.toBe(0);
    expect(commitOutput(rejected)).toContain('required-sections');
  });
});

describe('stagedocs validate --staged', () => {
  it('reports only the staged documents, with paths holding spaces and unicode', () => {
    const tree = validTree();
    const repo = makeRepo(tree);
    const odd = 'stages/mvp/02 über stage.md';
    write(repo, odd, stage({ id: 'P1-S02', order: 2 }).replace('## Rollback Plan\nRevert the merge commit.\n\n', ''));
    write(repo, 'stages/mvp/00-foundation.md', BAD.replace(/P1-S01/g, 'P1-S00').replace('order: 1', 'order: 0'));
    git(repo, 'add', odd);
    const result = runCli(repo, ['validate', '--staged', '--format', 'json']);
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout);
    expect(report.fileCount).toBe(1);
    expect(report.diagnostics.map((d: { file: string; ruleId: string }) => `${d.file} ${d.ruleId}`)).toEqual([`${odd} required-sections`]);
  });

  it('passes with exit 0 when no document is staged', () => {
    const repo = makeRepo(validTree());
    write(repo, 'README.md', '# hi\n');
    git(repo, 'add', 'README.md');
    const result = runCli(repo, ['validate', '--staged']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });

  it('rejects a staged change to a path an open stage protects, naming the path and the stage', () => {
    const tree = validTree();
    tree[SKELETON] = stage({ id: 'P1-S01', order: 1, status: 'in-progress', extra: 'protected: ["schema/**"]\n' });
    tree['schema/users.sql'] = 'create table users();\n';
    const repo = makeRepo(tree);
    write(repo, 'schema/users.sql', 'create table users(id int);\n');
    git(repo, 'add', 'schema/users.sql');
    const result = runCli(repo, ['validate', '--staged', '--format', 'json']);
    expect(result.code).toBe(1);
    const [diagnostic] = JSON.parse(result.stdout).diagnostics;
    expect(diagnostic).toMatchObject({ file: 'schema/users.sql', ruleId: 'protected-path', severity: 'error' });
    expect(diagnostic.message).toContain('`schema/users.sql` is protected by stage P1-S01');
    expect(diagnostic.message).toContain(SKELETON);

    // Closing the stage in the same commit lifts the protection.
    write(repo, SKELETON, tree[SKELETON]!.toString().replace('status: in-progress', 'status: done'));
    git(repo, 'add', SKELETON);
    const closed = runCli(repo, ['validate', '--staged', '--format', 'json']);
    expect(JSON.parse(closed.stdout).diagnostics.filter((d: { ruleId: string }) => d.ruleId === 'protected-path')).toEqual([]);
  });

  it('refuses paths together with --staged', () => {
    const result = runCli(makeRepo(validTree()), ['validate', '--staged', 'stages']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--staged validates the whole index');
  });
});

describe('which stagedocs the hook runs', () => {
  it("prefers the repository's node_modules/.bin/stagedocs", () => {
    const repo = installed();
    write(repo, 'node_modules/.bin/stagedocs', '#!/bin/sh\necho "local stagedocs $*" > "$(git rev-parse --git-dir)/local-ran"\n');
    chmodSync(path.join(repo, 'node_modules/.bin/stagedocs'), 0o755);
    write(repo, '.gitignore', 'node_modules/\n');
    git(repo, 'add', '.gitignore');
    expect(tryGit(repo, ['commit', '-q', '-m', 'ignore']).code).toBe(0);
    expect(readFileSync(path.join(repo, '.git/local-ran'), 'utf8')).toBe('local stagedocs hook run\n');
  });
});
