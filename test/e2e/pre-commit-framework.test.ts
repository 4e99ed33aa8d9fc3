import { spawnSync } from 'node:child_process';
import { readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { stage, validTree } from '../helpers/documents.js';
import { git, GIT_ENV, makeRepo, PROJECT_ROOT, tempDir } from '../helpers/repo.js';

// The real pre-commit framework (Debian's `pre-commit` package; .ci/run installs it) with this
// checkout as the hook repository: its manifest, its `language: node` install (npm install, npm pack,
// npm install -g of the tarball), a commit through the hook and `pre-commit run --all-files`.

const GOOD = stage({ id: 'P1-S01', order: 1 });
/** Missing its Rollback Plan section: required-sections fails. */
const BAD = GOOD.replace('## Rollback Plan\nRevert the merge commit.\n\n', '');
const SKELETON = 'stages/mvp/01-skeleton.md';

function preCommitVersion(): string | undefined {
  const result = spawnSync('pre-commit', ['--version'], { encoding: 'utf8' });
  return result.status === 0 ? result.stdout.trim() : undefined;
}

const VERSION = preCommitVersion();
const TIMEOUT = 600_000;

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): { code: number; output: string; stdout: string } {
  const result = spawnSync(command, args, { cwd, env, encoding: 'utf8', timeout: TIMEOUT });
  return { code: result.status ?? -1, output: `${result.stdout}${result.stderr}${result.error ? String(result.error) : ''}`, stdout: result.stdout };
}

/** A clone of what is committed in this checkout: the hook repository pre-commit installs from. */
function hookRepository(): { dir: string; rev: string } {
  const dir = path.join(tempDir('stagedocs-hook-repo-'), 'stagedocs');
  const clone = spawnSync('git', ['clone', '-q', '--no-local', PROJECT_ROOT, dir], { env: GIT_ENV, encoding: 'utf8' });
  if (clone.status !== 0) throw new Error(`git clone failed: ${clone.stderr}`);
  return { dir, rev: git(dir, 'rev-parse', 'HEAD').trim() };
}

describe('npm pack', () => {
  it('prints only the tarball name on stdout (what pre-commit reads), the build logs go to stderr', () => {
    const { dir } = hookRepository();
    // The build needs the devDependencies; this checkout's are the same as the lock file's.
    symlinkSync(path.join(PROJECT_ROOT, 'node_modules'), path.join(dir, 'node_modules'));
    const result = spawnSync('npm', ['pack', '--pack-destination', tempDir()], { cwd: dir, encoding: 'utf8', timeout: TIMEOUT, env: { ...process.env, npm_config_foreground_scripts: undefined } });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^stagedocs-\d+\.\d+\.\d+\.tgz\n$/);
  }, TIMEOUT);
});

describe('an install from git', () => {
  it('builds dist/ on prepare and gets the stagedocs binary', () => {
    const { dir, rev } = hookRepository();
    const consumer = tempDir();
    // npm 11 runs a git dependency's prepare only when allowed (allowScripts).
    writeFileSync(path.join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true, allowScripts: { stagedocs: true } }));
    const install = run('npm', ['install', '--no-audit', '--no-fund', `git+file://${dir}#${rev}`], consumer, process.env);
    expect(install.code, install.output).toBe(0);
    const version = run(path.join(consumer, 'node_modules/.bin/stagedocs'), ['--version'], consumer, process.env);
    expect(version.code, version.output).toBe(0);
    expect(version.stdout.trim()).toBe(JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')).version);
  }, TIMEOUT);
});

if (VERSION === undefined) {
  describe('the pre-commit framework', () => {
    if (process.env.CI) {
      it('is installed (CI must have it: .ci/run installs Debian\'s pre-commit)', () => {
        throw new Error('pre-commit is not installed, and CI is set: install it with `apt-get install -y pre-commit`');
      });
    } else {
      it.skip('skipped: pre-commit is not installed (apt-get install -y pre-commit)', () => {});
    }
  });
} else {
  describe(`the pre-commit framework (${VERSION})`, () => {
    let home: string;
    let hook: { dir: string; rev: string };
    let env: NodeJS.ProcessEnv;

    /** A repository that uses the hook: `.pre-commit-config.yaml` pointing at the clone, hook installed. */
    function project(tree: Record<string, string>): string {
      const repo = makeRepo({
        ...tree,
        '.pre-commit-config.yaml': `repos:\n  - repo: ${hook.dir}\n    rev: ${hook.rev}\n    hooks:\n      - id: stagedocs\n`,
      });
      const install = run('pre-commit', ['install'], repo, env);
      expect(install.code, install.output).toBe(0);
      return repo;
    }

    beforeAll(() => {
      home = tempDir('stagedocs-pre-commit-home-');
      hook = hookRepository();
      env = { ...GIT_ENV, PRE_COMMIT_HOME: home, PRE_COMMIT_COLOR: 'never' };
      // Installing the hook's environment once (npm install, npm pack, npm install -g): the manifest
      // must be accepted by this pre-commit, and `npm pack`'s stdout must be the tarball's name.
      const repo = project(validTree());
      const result = run('pre-commit', ['install-hooks'], repo, env);
      expect(result.code, result.output).toBe(0);
      expect(result.output).not.toMatch(/\[WARNING\]|Expected one of/);
    }, TIMEOUT);

    it('accepts the manifest and installs the hook environment (no warnings)', () => {
      const repo = project(validTree());
      const result = run('pre-commit', ['install-hooks'], repo, env);
      expect(result.code, result.output).toBe(0);
      expect(result.output).not.toMatch(/\[WARNING\]|\[ERROR\]/);
    });

    it('rejects a commit of a broken stage and accepts the fixed one', () => {
      const repo = project(validTree());
      writeFileSync(path.join(repo, SKELETON), BAD);
      git(repo, 'add', SKELETON);
      const rejected = run('git', ['commit', '-m', 'broken stage'], repo, env);
      expect(rejected.code, rejected.output).not.toBe(0);
      expect(rejected.output).toContain('required-sections');
      expect(rejected.output).toContain(SKELETON);
      expect(git(repo, 'log', '--format=%s')).not.toContain('broken stage');

      writeFileSync(path.join(repo, SKELETON), GOOD.replace('Revert the merge commit.', 'Revert the merge commit, then redeploy.'));
      git(repo, 'add', SKELETON);
      const accepted = run('git', ['commit', '-m', 'fixed stage'], repo, env);
      expect(accepted.code, accepted.output).toBe(0);
      expect(accepted.output).toMatch(/stagedocs.*Passed/);
      expect(git(repo, 'log', '-1', '--format=%s').trim()).toBe('fixed stage');
    });

    it('checks the staged content on a commit, not the working tree', () => {
      const repo = project(validTree());
      writeFileSync(path.join(repo, SKELETON), BAD);
      git(repo, 'add', SKELETON);
      // Fixed in the working tree only: what would be committed is still broken.
      writeFileSync(path.join(repo, SKELETON), GOOD.replace('Revert the merge commit.', 'Revert it.'));
      const rejected = run('git', ['commit', '-m', 'broken in the index'], repo, env);
      expect(rejected.code, rejected.output).not.toBe(0);
      expect(rejected.output).toContain('required-sections');
    });

    it('`pre-commit run --all-files` validates the whole repository: fails a broken one, passes a fixed one', () => {
      const tree = validTree();
      tree[SKELETON] = BAD;
      // Committed past the hook (as a merge or `--no-verify` would): CI runs --all-files to catch it.
      const repo = project(tree);
      const broken = run('pre-commit', ['run', '--all-files'], repo, env);
      expect(broken.code, broken.output).toBe(1);
      expect(broken.output).toContain('required-sections');
      expect(broken.output).toContain(SKELETON);
      expect(broken.output).not.toContain('0 files checked');

      writeFileSync(path.join(repo, SKELETON), GOOD);
      git(repo, 'commit', '-q', '-am', 'fix', '--no-verify');
      const fixed = run('pre-commit', ['run', '--all-files'], repo, env);
      expect(fixed.code, fixed.output).toBe(0);
      expect(fixed.output).toMatch(/stagedocs.*Passed/);
      // The hook's own output (shown with --verbose) says how much it checked.
      const verbose = run('pre-commit', ['run', '--all-files', '--verbose'], repo, env);
      expect(verbose.output).toContain('3 files checked, no problems');
    });
  });
}

// The manifest is what pre-commit reads from the hook repository: keep it free of stage names that
// one of the supported versions rejects or deprecates.
describe('.pre-commit-hooks.yaml', () => {
  it('names no stage that pre-commit 3.0/3.1 rejects or 4.x deprecates', () => {
    const manifest = readFileSync(path.join(PROJECT_ROOT, '.pre-commit-hooks.yaml'), 'utf8');
    expect(manifest).not.toMatch(/^\s*stages:/m);
    expect(manifest).toMatch(/^\s*minimum_pre_commit_version: '3\.0\.0'$/m);
    expect(manifest).toMatch(/^\s*entry: stagedocs hook run --pre-commit-framework$/m);
  });
});
