import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { GIT_ENV, runCli, tempDir, writeTree, type CliResult } from '../helpers/repo.js';

/**
 * The stagedocs root is the folder of the nearest configuration, below the git top level. A repository
 * whose configuration lives in `sub/` (run from `sub/` and from a folder below it) must behave exactly
 * like one whose configuration is at the top: every command, the pre-commit hook included.
 */

/** Fixed dates: the commits of the three repositories differ only in their trees. */
const ENV: NodeJS.ProcessEnv = { GIT_AUTHOR_DATE: '2026-11-21T09:00:00Z', GIT_COMMITTER_DATE: '2026-11-21T09:00:00Z' };

/** A configuration made by `init` (in a scratch repository), written where the layout wants it before anything runs. */
function configText(): string {
  const scratch = tempDir();
  gitIn(scratch, ['init', '-q', '-b', 'main']);
  expect(runCli(scratch, ['init']).code).toBe(0);
  return readFileSync(path.join(scratch, 'stagedocs.config.yaml'), 'utf8');
}

function gitIn(cwd: string, args: string[]): { code: number; out: string } {
  const result = spawnSync('git', args, { cwd, env: { ...GIT_ENV, ...ENV }, encoding: 'utf8' });
  return { code: result.status ?? -1, out: `${result.stdout}${result.stderr}` };
}

interface Layout {
  /** The git work tree. */
  repo: string;
  /** The stagedocs root (holds the configuration). */
  root: string;
  /** Where the commands are started. */
  cwd: string;
  /** The same folder as `root`, as a path relative to `cwd` (for arguments that are cwd-relative). */
  toRoot: string;
}

function layout(where: 'top' | 'sub', from: 'root' | 'deeper', config: string): Layout {
  const repo = tempDir();
  gitIn(repo, ['init', '-q', '-b', 'main']);
  const root = where === 'top' ? repo : path.join(repo, 'sub');
  // Files outside the stagedocs root are no concern of its commands.
  if (where === 'sub') writeTree(repo, { 'outside/app.txt': 'not documentation\n', 'README.md': '# a monorepo\n' });
  writeTree(root, { 'stagedocs.config.yaml': config, 'inputs/scope.txt': 'scope v1\n', 'notes/deeper/keep.md': 'notes\n' });
  const cwd = from === 'root' ? root : path.join(root, 'notes/deeper');
  mkdirSync(cwd, { recursive: true });
  return { repo, root, cwd, toRoot: path.relative(cwd, root) || '.' };
}

/** One command's result with what legitimately differs (folders, SHAs) replaced by placeholders. */
function normalized(result: CliResult | { code: number; out: string }, where: Layout): string {
  const text = 'out' in result ? result.out : `${result.stdout}\n--- stderr\n${result.stderr}`;
  return `exit ${result.code}\n${text}`
    .replaceAll(path.join(where.repo, '.git'), '<GIT>')
    .replaceAll(where.root, '<ROOT>')
    .replaceAll(where.repo, '<REPO>')
    .replace(/\b[0-9a-f]{7,64}\b/g, '<sha>')
    .replace(/"duration_ms": \d+/g, '"duration_ms": <n>')
    .replace(/\b\d+ ?ms\b/g, '<n> ms')
    .replace(/\(\d+(\.\d+)?s\)/g, '(<n>s)')
    // A gate's progress line (`[1/1] tests pass 0.1s exit 0`): its duration is the machine's, not the layout's.
    .replace(/ \d+\.\d+s exit /g, ' <n>s exit ');
}

/** Runs every command once, in order, and returns their normalized outputs by step. */
function scenario(where: Layout): Record<string, string> {
  const out: Record<string, string> = {};
  const cli = (step: string, args: string[]) => {
    const result = runCli(where.cwd, args, { env: ENV });
    out[step] = normalized(result, where);
    return result;
  };
  const commit = (step: string, message: string) => {
    gitIn(where.cwd, ['add', '-A']);
    out[step] = normalized(gitIn(where.cwd, ['commit', '-q', '-m', message]), where);
  };

  cli('init', ['init', '--yes']);
  commit('commit init (hook)', 'init');
  cli('new-phase', ['new-phase', 'mvp', '--pattern', 'empty', '--owner', 'alice@example.com']);
  // The gate proves it runs in the stagedocs root.
  cli('new-stage', ['new-stage', 'Scope lock', '--phase', 'P1', '--gate', 'test -f stagedocs.config.yaml && test -f inputs/scope.txt', '--owner', 'alice@example.com']);
  cli('new-decision', ['new-decision', 'Scope of P1-S00', '--stage', 'P1-S00', '--owner', 'alice@example.com']);
  cli('freeze', ['freeze', 'P1-S00', '--input', 'inputs/*.txt', '--protocol', '1']);
  cli('validate', ['validate']);
  commit('commit documents (hook)', 'documents');

  // A broken staged stage is refused by the hook and by validate --staged, naming the root-relative path.
  const stageFile = path.join(where.root, 'stages/mvp/00-scope-lock.md');
  const good = readFileSync(stageFile, 'utf8');
  writeFileSync(stageFile, good.replace(/## Rollback Plan[\s\S]*?(?=## Versioning)/, ''));
  gitIn(where.cwd, ['add', '-A']);
  cli('validate --staged (bad)', ['validate', '--staged']);
  cli('hook run (bad)', ['hook', 'run']);
  out['commit refused (hook)'] = normalized(gitIn(where.cwd, ['commit', '-q', '-m', 'broken']), where);
  writeFileSync(stageFile, good);
  gitIn(where.cwd, ['add', '-A']);
  cli('validate --staged (good)', ['validate', '--staged']);

  cli('status before', ['status', '--format', 'json']);
  const run = cli('gate run', ['gate', 'run', 'P1-S00', '--format', 'json']);
  const report = JSON.parse(run.stdout) as { commit: string | null; dirty: boolean };
  out['gate run git'] = JSON.stringify({ commit: report.commit === gitIn(where.cwd, ['rev-parse', 'HEAD']).out.trim(), dirty: report.dirty });
  cli('registry --check', ['registry', '--check']);
  commit('commit evidence (hook)', 'evidence');
  // A change outside the root does not make the stagedocs root dirty.
  if (where.root !== where.repo) writeFileSync(path.join(where.repo, 'outside/app.txt'), 'changed, uncommitted\n');

  cli('validate --range', ['validate', '--range', 'HEAD~2..HEAD', '--format', 'json']);
  cli('validate (history)', ['validate', '--no-cache']);
  cli('status', ['status']);
  cli('audit-pack', ['audit-pack', '--base', 'HEAD~2', '--format', 'json']);
  // Sign-off needs the stage `done`: mark it, commit (the hook validates: its passing run counts), sign off.
  writeFileSync(stageFile, readFileSync(stageFile, 'utf8').replace(/^status: .*$/m, 'status: done'));
  commit('commit done (hook)', 'P1-S00 done');
  cli('sign-off', ['sign-off', 'P1-S00']);
  cli('trace', ['trace', 'P1-S00', '--format', 'json']);
  cli('hook install', ['hook', 'install']);
  cli('schema', ['schema', '--out', path.join(where.toRoot, 'schemas')]);
  return out;
}

describe('a stagedocs root in a subfolder of the git repository', () => {
  it('gives every command the same result from sub/ and from a folder below it as at the top', () => {
    const config = configText();
    const top = scenario(layout('top', 'root', config));
    // The reference itself must be right, or "the same" proves nothing.
    expect(top['gate run git']).toBe('{"commit":true,"dirty":false}');
    expect(top['commit init (hook)']).toBe('exit 0\n');
    expect(top['commit refused (hook)']).toMatch(/^exit 1\n[\s\S]*stages\/mvp\/00-scope-lock\.md/);
    expect(top['validate --staged (good)']).toMatch(/^exit 0/);
    expect(top['sign-off']).toMatch(/^exit 0\nSigned off stage P1-S00/);
    expect(top['trace']).toContain('"path": "freeze/P1-S00.freeze.json"');
    expect(top['audit-pack']).toContain('stages/mvp/00-scope-lock.md');
    expect(top['hook install']).toContain('Updated the stagedocs pre-commit hook: <GIT>/hooks/pre-commit');

    for (const from of ['root', 'deeper'] as const) {
      const sub = scenario(layout('sub', from, config));
      for (const step of Object.keys(top)) expect({ from, step, output: sub[step] }).toEqual({ from, step, output: top[step] });
    }
  });

  it('finds no configuration above the git top level, and uses the top level without one', () => {
    const outer = tempDir();
    writeTree(outer, { 'stagedocs.config.yaml': 'paths: { stages: elsewhere }\n' });
    const repo = path.join(outer, 'repo');
    mkdirSync(path.join(repo, 'a/b'), { recursive: true });
    gitIn(repo, ['init', '-q', '-b', 'main']);
    const result = runCli(path.join(repo, 'a/b'), ['validate']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`No stagedocs documents found in ${repo} (looked for stages/`);
  });

  it('refuses a folder outside the work tree git names', () => {
    const repo = tempDir();
    gitIn(repo, ['init', '-q', '-b', 'main']);
    const elsewhere = tempDir();
    const result = runCli(elsewhere, ['gate', 'run', 'P1-S00'], { env: { GIT_DIR: path.join(repo, '.git'), GIT_WORK_TREE: repo } });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${elsewhere} is not inside the git work tree ${repo}`);
  });
});
