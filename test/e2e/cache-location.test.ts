import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { validTree } from '../helpers/documents.js';
import { cacheFile, git, makeRepo, runCli, tempDir } from '../helpers/repo.js';
import { FREEZE, HEADER, REGISTRY, RUN_LOG, freezeFile } from '../helpers/records.js';
import { commitAll, flagStage, gateRun, stageFile, verdictRepo } from '../helpers/verdict.js';

const FACTS = 'validate-cache.json';
const documentsIn = (root: string) => Object.keys(JSON.parse(readFileSync(cacheFile(root, FACTS), 'utf8')).entries).sort();
const json = (cwd: string, args: string[] = []) => runCli(cwd, ['validate', '--format', 'json', ...args]);

describe('where the caches live', () => {
  it('in the git directory, never in the work tree', () => {
    const repo = makeRepo(validTree());
    expect(json(repo).code).toBe(0);
    expect(existsSync(path.join(repo, '.stagedocs'))).toBe(false);
    const gitPath = path.resolve(repo, git(repo, 'rev-parse', '--git-path', 'stagedocs').trim());
    expect(path.dirname(cacheFile(repo))).toBe(gitPath);
    expect(documentsIn(repo)).toEqual(Object.keys(validTree()).sort());
    expect(git(repo, 'status', '--porcelain', '--ignored')).toBe('');
  });

  it('apart for two stagedocs roots of one repository', () => {
    const config = 'paths: { stages: stages }\n';
    const prefixed = (prefix: string) => Object.fromEntries(Object.entries({ 'stagedocs.config.yaml': config, ...validTree() }).map(([file, text]) => [`${prefix}/${file}`, text]));
    const repo = makeRepo({ ...prefixed('a'), ...prefixed('b') });
    const [a, b] = [path.join(repo, 'a'), path.join(repo, 'b')];
    // b is broken: if a shared its caches, one of them would see the other's documents or findings.
    const broken = readFileSync(path.join(b, 'stages/mvp/01-skeleton.md'), 'utf8').replace('estimate: 2', 'estimat: 2');
    writeFileSync(path.join(b, 'stages/mvp/01-skeleton.md'), broken);
    for (const run of [1, 2]) {
      expect(json(a).code, `a, run ${run}`).toBe(0);
      expect(json(b).code, `b, run ${run}`).toBe(1);
    }
    expect(json(a).stdout).toBe(json(a, ['--no-cache']).stdout);
    expect(json(b).stdout).toBe(json(b, ['--no-cache']).stdout);
    expect(cacheFile(a)).not.toBe(cacheFile(b));
    expect(documentsIn(a)).toEqual(Object.keys(validTree()).sort());
    expect(documentsIn(b)).toEqual(Object.keys(validTree()).sort());
    expect(readFileSync(cacheFile(a, FACTS), 'utf8')).not.toBe(readFileSync(cacheFile(b, FACTS), 'utf8'));
  });

  it('per linked worktree: `git worktree add` gets its own cache, and both work', () => {
    const repo = makeRepo(validTree());
    expect(json(repo).code).toBe(0);
    const worktree = path.join(tempDir(), 'linked');
    git(repo, 'worktree', 'add', '-q', '-b', 'other', worktree);
    const before = readFileSync(cacheFile(repo, FACTS));
    const inWorktree = json(worktree);
    expect(inWorktree.code).toBe(0);
    expect(inWorktree.stderr).toBe('');
    expect(inWorktree.stdout).toBe(json(worktree, ['--no-cache']).stdout);
    expect(cacheFile(worktree)).toContain(`${path.sep}.git${path.sep}worktrees${path.sep}linked${path.sep}stagedocs${path.sep}`);
    expect(existsSync(cacheFile(worktree, FACTS))).toBe(true);
    expect(readFileSync(cacheFile(repo, FACTS)).equals(before)).toBe(true);
    for (const dir of [repo, worktree]) expect(runCli(dir, ['status']).code).toBe(0);
  });
});

/** A git on PATH that logs the subcommand of every call, then runs the real one. */
function loggingGit(): { env: NodeJS.ProcessEnv; calls: () => string[] } {
  const bin = tempDir();
  const log = path.join(bin, 'calls.log');
  const real = execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim();
  writeFileSync(path.join(bin, 'git'), `#!/bin/sh\nprintf '%s\\n' "$*" >> '${log}'\nexec '${real}' "$@"\n`, { mode: 0o755 });
  return {
    env: { PATH: `${bin}${path.delimiter}${process.env.PATH}` },
    calls: () => {
      const lines = existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter((line) => line !== '') : [];
      writeFileSync(log, '');
      return lines;
    },
  };
}
describe("HEAD's history, kept per HEAD", () => {
  const revLists = (calls: string[]) => calls.filter((call) => / rev-list /.test(` ${call} `));
  /** A call as stagedocs makes it, without the option every call of its own git helper gives. */
  const withoutQuotePath = (call: string) => call.replace(/^-c core\.quotePath=false /, '');

  it('a warm validate at an unchanged HEAD spawns no rev-list; a new commit is seen', () => {
    const repo = makeRepo(validTree());
    const { env, calls } = loggingGit();
    const validate = () => runCli(repo, ['validate', '--format', 'json'], { env });
    expect(validate().code).toBe(0);
    expect(revLists(calls())).toHaveLength(1);
    const warm = validate();
    expect(warm.code).toBe(0);
    const warmCalls = calls();
    expect(revLists(warmCalls)).toEqual([]);
    expect(warmCalls.filter((call) => call.includes('rev-parse --verify --quiet HEAD^{commit}'))).toHaveLength(1);
    // A new HEAD is a miss: the history is asked for again, and holds the new commit.
    git(repo, 'commit', '-q', '--allow-empty', '-m', 'next');
    expect(validate().code).toBe(0);
    expect(revLists(calls())).toHaveLength(1);
    const history = JSON.parse(readFileSync(cacheFile(repo, 'head-history-commits.json'), 'utf8'));
    expect(history.value[0]).toBe(git(repo, 'rev-parse', 'HEAD').trim());
    // --no-cache asks git every time.
    runCli(repo, ['validate', '--no-cache'], { env });
    expect(revLists(calls())).toHaveLength(1);
  });

  it('after a commit asks git only for the commits since the kept HEAD, and for the whole history when HEAD does not descend from it', () => {
    const repo = verdictRepo({ [stageFile('P1-S00')]: flagStage('P1-S00', 0) });
    expect(gateRun(repo, 'P1-S00', true).code).toBe(0);
    commitAll(repo, 'evidence');
    writeFileSync(path.join(repo, stageFile('P1-S00')), readFileSync(path.join(repo, stageFile('P1-S00')), 'utf8').replace('status: in-progress', 'status: done'));
    commitAll(repo, 'P1-S00 done');
    const { env, calls } = loggingGit();
    const passingRunFindings = (result: ReturnType<typeof json>) => (JSON.parse(result.stdout).diagnostics as Array<{ ruleId: string }>).filter((d) => d.ruleId === 'done-needs-passing-run');
    const sameAsWithoutCache = () => {
      const warm = runCli(repo, ['validate', '--format', 'json'], { env });
      expect(warm).toEqual(json(repo, ['--no-cache']));
      return warm;
    };
    expect(passingRunFindings(sameAsWithoutCache())).toEqual([]);
    calls();

    const kept = git(repo, 'rev-parse', 'HEAD').trim();
    git(repo, 'commit', '-q', '--allow-empty', '-m', 'next');
    git(repo, 'commit', '-q', '--allow-empty', '-m', 'and the next');
    expect(passingRunFindings(sameAsWithoutCache())).toEqual([]);
    expect(revLists(calls()).map(withoutQuotePath)).toEqual([`rev-list --parents --end-of-options ${kept}..${git(repo, 'rev-parse', 'HEAD').trim()} --`]);
    const history = JSON.parse(readFileSync(cacheFile(repo, 'head-history-commits.json'), 'utf8'));
    expect(history.value).toEqual(git(repo, 'rev-list', 'HEAD').trim().split('\n'));

    // Back to an ancestor: not a descendant of the kept HEAD, so the whole history is asked for.
    git(repo, 'reset', '-q', '--hard', 'HEAD~1');
    sameAsWithoutCache();
    expect(revLists(calls())).toHaveLength(2);

    // Another history with the same files: the run's commit is not in it, so the run no longer counts
    // (the kept history, which holds that commit, must not be added to the new one).
    git(repo, 'checkout', '-q', '--orphan', 'other');
    commitAll(repo, 'the same files, another history');
    expect(passingRunFindings(sameAsWithoutCache())).toHaveLength(1);
    expect(revLists(calls()).map(withoutQuotePath).some((call) => call === 'rev-list --end-of-options HEAD --')).toBe(true);

    // A damaged file (a commit left out, its hash unchanged) is never trusted.
    git(repo, 'checkout', '-q', 'main');
    sameAsWithoutCache();
    calls();
    const file = cacheFile(repo, 'head-history-commits.json');
    const damaged = JSON.parse(readFileSync(file, 'utf8'));
    damaged.value.pop();
    writeFileSync(file, JSON.stringify(damaged));
    sameAsWithoutCache();
    expect(revLists(calls()).map(withoutQuotePath)).toEqual(['rev-list --end-of-options HEAD --']);
  });
});

describe("what the record-integrity rules found in HEAD's history, kept per HEAD", () => {
  const row = (n: number) => `P1-S00_20261121T09000${n}Z,P1-S00,Stage P1-S00,P1,2026-11-21T09:00:00Z,2026-11-21T09:00:01Z,1000,true,0,0,,abc,false,gate_results/P1-S00_20261121T09000${n}Z/report.json,00\n`;
  const write = (repo: string, file: string, text: string) => writeFileSync(path.join(repo, file), text);
  const commit = (repo: string, message: string) => {
    git(repo, 'add', '-A');
    git(repo, 'commit', '-q', '--no-verify', '-m', message);
    return git(repo, 'rev-parse', 'HEAD').trim();
  };
  /**
   * The revision of each `git log` over the record folders a call list holds (`<kept>..<head>` when
   * extended). The first is the one that reads the changes; when something was found, the repairs at
   * HEAD are weighed over the whole history (a second log: clean histories never pay for it).
   */
  const recordLogs = (calls: string[]) => calls.filter((call) => call.includes(' log ') && call.includes('--full-history')).map((call) => call.split('--end-of-options ')[1]!.split(' ')[0]!);
  const HISTORY_RULES = ['freeze-immutable', 'evidence-immutable', 'registry-append-only'];

  function setup() {
    const repo = makeRepo({
      ...validTree(),
      'stagedocs.config.yaml': 'rules:\n  registry-consistent: off\n',
      [RUN_LOG]: 'line one\n',
      [FREEZE]: freezeFile('v1'),
      [REGISTRY]: HEADER + row(0) + row(1),
    });
    const { env, calls } = loggingGit();
    /** validate with the cache, checked against --no-cache; returns the history rules' messages. */
    const check = () => {
      const cached = runCli(repo, ['validate', '--format', 'json'], { env });
      const uncached = runCli(repo, ['validate', '--format', 'json', '--no-cache']);
      expect(cached.stdout).toBe(uncached.stdout);
      return (JSON.parse(cached.stdout).diagnostics as Array<{ ruleId: string; message: string }>).filter((d) => HISTORY_RULES.includes(d.ruleId)).map((d) => `${d.ruleId}: ${d.message}`);
    };
    return { repo, calls, check, head: () => git(repo, 'rev-parse', 'HEAD').trim() };
  }

  it('after commits, a merge of an older side branch and a revert reads only the commits since the kept HEAD, and finds what a full run finds', () => {
    const { repo, calls, check, head } = setup();
    const first = head();
    expect(check()).toEqual([]);
    expect(recordLogs(calls())).toEqual([first]);
    // A clean history: one log, of the new commit alone.
    write(repo, 'notes.txt', 'x\n');
    const clean = commit(repo, 'a note');
    expect(check()).toEqual([]);
    expect(recordLogs(calls())).toEqual([`${first}..${clean}`]);

    // A side branch from here deletes a run's evidence; main edits the freeze file meanwhile, so the
    // merge brings in a commit older than the kept HEAD.
    git(repo, 'checkout', '-q', '-b', 'side');
    git(repo, 'rm', '-q', RUN_LOG);
    commit(repo, 'side: drop the run log');
    git(repo, 'checkout', '-q', 'main');
    write(repo, FREEZE, freezeFile('v2'));
    const edit = commit(repo, 'edit the freeze file');
    expect(check()).toEqual([expect.stringMatching(/^freeze-immutable: Freeze file `freeze\/P1-S00\.freeze\.json` was changed by commit/)]);
    expect(recordLogs(calls())[0]).toBe(`${clean}..${edit}`);

    git(repo, 'merge', '-q', '--no-edit', '--no-verify', 'side');
    const merged = check();
    expect(merged).toHaveLength(2);
    expect(merged.some((message) => message.startsWith('evidence-immutable: Evidence file `gate_results/P1-S00_20261121T090000Z/run.log` was deleted'))).toBe(true);
    expect(recordLogs(calls())[0]).toBe(`${edit}..${head()}`);

    // The documented repair: the revert makes the freeze file whole again at HEAD.
    const before = head();
    git(repo, 'revert', '--no-edit', edit);
    expect(check()).toHaveLength(1);
    expect(recordLogs(calls())[0]).toBe(`${before}..${head()}`);

    // A registry row edited away.
    write(repo, REGISTRY, HEADER + row(0));
    commit(repo, 'drop a registry row');
    expect(check().filter((message) => message.startsWith('registry-append-only'))).toHaveLength(1);
    // At an unchanged HEAD the per-HEAD findings stand: no log at all.
    calls();
    check();
    expect(recordLogs(calls())).toEqual([]);
  }, 60_000);

  it('sees a merge that takes the side branch\'s registry and so drops rows the kept HEAD added', () => {
    const { repo, calls, check, head } = setup();
    git(repo, 'branch', 'side');
    write(repo, REGISTRY, HEADER + row(0) + row(1) + row(2));
    const kept = commit(repo, 'a third row');
    expect(check()).toEqual([]);
    calls();
    git(repo, 'checkout', '-q', 'side');
    write(repo, 'notes.txt', 'side work\n');
    commit(repo, 'side work');
    git(repo, 'checkout', '-q', 'main');
    // Merged with the side's registry taken whole: the merge is the same as one parent (the side) on
    // the record folders, and differs from the kept HEAD, which the log from it must still list.
    git(repo, 'merge', '-q', '--no-commit', 'side');
    git(repo, 'checkout', 'side', '--', REGISTRY);
    git(repo, 'commit', '-q', '--no-verify', '-m', 'merge side, its registry');
    expect(check()).toEqual([expect.stringMatching(/^registry-append-only: A row of the gate registry `gate_results\/gate_registry\.csv` was removed or edited by commit [0-9a-f]{7} \("merge side, its registry"\)/)]);
    expect(recordLogs(calls())[0]).toBe(`${kept}..${head()}`);
  }, 60_000);

  it('reads the whole history again after a reset, an amend or a damaged file, with the right findings', () => {
    const { repo, calls, check, head } = setup();
    check();
    write(repo, FREEZE, freezeFile('v2'));
    commit(repo, 'edit the freeze file');
    expect(check()).toHaveLength(1);
    calls();

    // Back before the edit: the kept HEAD is no ancestor of the new one.
    git(repo, 'reset', '-q', '--hard', 'HEAD~1');
    expect(check()).toEqual([]);
    expect(recordLogs(calls())[0]).toBe(head());

    // An amended commit replaces the kept HEAD.
    write(repo, 'notes.txt', 'x\n');
    commit(repo, 'a note');
    check();
    calls();
    git(repo, 'rm', '-q', RUN_LOG);
    git(repo, 'commit', '-q', '--amend', '--no-edit', '--no-verify');
    expect(check()).toHaveLength(1);
    expect(recordLogs(calls())[0]).toBe(head());

    // A damaged kept file is a miss, never trusted.
    const file = cacheFile(repo, 'record-history-changes.json');
    const damaged = JSON.parse(readFileSync(file, 'utf8'));
    damaged.value.files = [];
    writeFileSync(file, JSON.stringify(damaged));
    git(repo, 'commit', '-q', '--allow-empty', '--no-verify', '-m', 'next');
    expect(check()).toHaveLength(1);
    expect(recordLogs(calls())[0]).toBe(head());
  }, 60_000);
});
