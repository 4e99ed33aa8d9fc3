import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { phase, stage, validTree } from '../helpers/documents.js';
import { git, makeRepo, runCli, tempDir } from '../helpers/repo.js';

const SKELETON = 'stages/mvp/01-skeleton.md';
const OPEN = stage({ id: 'P1-S01', order: 1, status: 'in-progress', extra: 'protected: ["schema/**"]\n' });
/** Line and column of the pattern `schema/**` in OPEN: `protected: ["schema/**"]` is line 13, the string starts at column 13. */
const PATTERN_PLACE = `${SKELETON}:13:13`;

function write(repo: string, file: string, text: string): void {
  mkdirSync(path.dirname(path.join(repo, file)), { recursive: true });
  writeFileSync(path.join(repo, file), text);
}

/** Commits without the hook, as `git commit --no-verify` does; returns the short id. */
function commit(repo: string, message: string, files: Record<string, string>): string {
  for (const [file, text] of Object.entries(files)) write(repo, file, text);
  git(repo, 'add', '-A');
  git(repo, 'commit', '-q', '--no-verify', '-m', message);
  return git(repo, 'rev-parse', '--short=7', 'HEAD').trim();
}

/** A repository with P1-S01 open and protecting schema/**, tagged `base`, with the hook installed. */
function protectedRepo(): string {
  const tree = validTree();
  tree[SKELETON] = OPEN;
  tree['schema/users.sql'] = 'create table users();\n';
  // A phase contract whose lists nothing here touches: the replay reads phase documents too.
  tree[PHASE] = phase({ extra: 'protected: [".state/**"]\n' });
  const repo = makeRepo(tree);
  expect(runCli(repo, ['hook', 'install']).code).toBe(0);
  git(repo, 'tag', 'base');
  return repo;
}

const PHASE = 'stages/mvp/phase.md';
/** P1 protects `.state/**` (line 7, the string at column 13) and keeps agents off `schema/**` (line 9, column 21). */
const CONTRACT = 'protected: [".state/**"]\nagents:\n  must_not_modify: ["schema/**"]\n';
const STATE_PLACE = `${PHASE}:7:13`;
const SCHEMA_PLACE = `${PHASE}:9:21`;

/** A repository whose phase P1 has started (P1-S00 in progress) and carries CONTRACT, tagged `base`. */
function phaseRepo(phaseStatus = 'in-progress', stageStatus = 'in-progress'): string {
  const tree = validTree();
  tree[PHASE] = phase({ status: phaseStatus, extra: CONTRACT });
  tree['stages/mvp/00-foundation.md'] = stage({ id: 'P1-S00', order: 0, status: stageStatus });
  tree['schema/users.sql'] = 'create table users();\n';
  tree['.state/results.json'] = '{}\n';
  const repo = makeRepo(tree);
  git(repo, 'tag', 'base');
  return repo;
}

function protectedFindings(repo: string, range = 'base..HEAD'): Array<{ file: string; line: number; column: number; message: string; hint: string }> {
  const result = runCli(repo, ['validate', '--range', range, '--format', 'json', '--no-cache']);
  return JSON.parse(result.stdout).diagnostics.filter((d: { ruleId: string }) => d.ruleId === 'protected-path');
}

describe('validate --range judges protected-path for every commit, as the hook would have', () => {
  it('catches a --no-verify commit of a protected path, naming the commit, the path, the stage and the place of its pattern (json, text, github, sarif)', () => {
    const repo = protectedRepo();
    const sha = commit(repo, 'add a column', { 'schema/users.sql': 'create table users(id int);\n' });
    commit(repo, 'unrelated', { 'notes.txt': 'hello\n' });

    const [finding, ...rest] = protectedFindings(repo);
    expect(rest).toEqual([]);
    expect(finding).toMatchObject({ file: 'schema/users.sql', line: 1, column: 1 });
    expect(finding!.message).toBe(
      `\`schema/users.sql\` changed by commit ${sha} ("add a column") is protected by stage P1-S01 (${PATTERN_PLACE}, pattern \`schema/**\`, status in-progress); it may not change while the stage is open`,
    );
    expect(finding!.hint).toContain(`git rebase --onto ${sha}~1 ${sha}`);

    const text = runCli(repo, ['validate', '--range', 'base..HEAD', '--no-cache']);
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(new RegExp(`schema/users\\.sql:1:1 +error +\`schema/users\\.sql\` changed by commit ${sha}`));
    expect(text.stdout).toContain('protected-path');

    const github = runCli(repo, ['validate', '--range', 'base..HEAD', '--format', 'github', '--no-cache'], { env: { GITHUB_STEP_SUMMARY: '' } });
    expect(github.code).toBe(1);
    expect(github.stdout).toMatch(new RegExp(`::error file=schema/users\\.sql,line=1,col=1,[^\\n]*protected-path[^\\n]*::[^\\n]*commit ${sha}`));

    const sarif = runCli(repo, ['validate', '--range', 'base..HEAD', '--format', 'sarif', '--no-cache']);
    expect(sarif.code).toBe(1);
    const [run] = JSON.parse(sarif.stdout).runs;
    const results = run.results.filter((r: { ruleId: string }) => r.ruleId === 'protected-path');
    expect(results).toHaveLength(1);
    expect(results[0].message.text).toContain(`commit ${sha}`);
    expect(results[0].locations[0].physicalLocation.artifactLocation.uri).toBe('schema/users.sql');

    // The hook agrees: the same change, staged, is refused.
    write(repo, 'schema/users.sql', 'create table users(id bigint);\n');
    git(repo, 'add', 'schema/users.sql');
    expect(runCli(repo, ['validate', '--staged']).code).toBe(1);
  });

  it('does not report a commit that closes the stage and touches the path, nor later commits while the stage is done', () => {
    const repo = protectedRepo();
    commit(repo, 'close P1-S01 with the migration', { [SKELETON]: OPEN.replace('status: in-progress', 'status: done'), 'schema/users.sql': 'create table users(id int);\n' });
    commit(repo, 'change the schema after the stage closed', { 'schema/users.sql': 'create table users(id bigint);\n' });
    expect(protectedFindings(repo)).toEqual([]);
  });

  it('judges each commit by the stages at that commit: a change before the stage protects the path passes, one after fails', () => {
    const tree = validTree();
    tree[SKELETON] = stage({ id: 'P1-S01', order: 1, status: 'in-progress' });
    tree['schema/users.sql'] = 'create table users();\n';
    const repo = makeRepo(tree);
    git(repo, 'tag', 'base');
    commit(repo, 'change before protection', { 'schema/users.sql': 'v1\n' });
    commit(repo, 'protect schema', { [SKELETON]: OPEN });
    const late = commit(repo, 'change after protection', { 'schema/users.sql': 'v2\n' });
    expect(protectedFindings(repo).map((f) => f.message.match(/commit (\w+)/)![1])).toEqual([late]);
  });

  it('takes the stricter of a stage before and after a commit that changes its protected list: dropping a pattern does not license the change in the same commit', () => {
    const repo = protectedRepo();
    const sha = commit(repo, 'unprotect and change', { [SKELETON]: OPEN.replace('protected: ["schema/**"]\n', ''), 'schema/users.sql': 'v1\n' });
    const [finding, ...rest] = protectedFindings(repo);
    expect(rest).toEqual([]);
    expect(finding!.message).toContain(`commit ${sha}`);
    expect(finding!.message).toContain(`${PATTERN_PLACE}, pattern \`schema/**\`, removed from the list by this same commit`);
    // The hook judges the same way.
    write(repo, 'schema/users.sql', 'v2\n');
    write(repo, SKELETON, OPEN);
    git(repo, 'add', '-A');
    git(repo, 'commit', '-q', '--no-verify', '-m', 'protect again');
    write(repo, SKELETON, OPEN.replace('protected: ["schema/**"]\n', ''));
    write(repo, 'schema/users.sql', 'v3\n');
    git(repo, 'add', '-A');
    const staged = runCli(repo, ['validate', '--staged', '--format', 'json']);
    expect(staged.code).toBe(1);
    expect(JSON.parse(staged.stdout).diagnostics[0].message).toContain('removed from the list by this same commit');
    // Once the list changed in its own commit, the next commit may change the path.
    git(repo, 'reset', '-q');
    git(repo, 'add', SKELETON);
    git(repo, 'commit', '-q', '--no-verify', '-m', 'unprotect');
    git(repo, 'tag', 'unprotected');
    commit(repo, 'change', { 'schema/users.sql': 'v4\n' });
    expect(protectedFindings(repo, 'unprotected..HEAD')).toEqual([]);
  });

  it('sees a protection that a merge brings in from outside the range', () => {
    const tree = validTree();
    tree[SKELETON] = stage({ id: 'P1-S01', order: 1, status: 'in-progress' });
    tree['schema/users.sql'] = 'create table users();\n';
    const repo = makeRepo(tree);
    git(repo, 'checkout', '-q', '-b', 'pr');
    commit(repo, 'change before the protection exists', { 'schema/users.sql': 'v1\n' });
    git(repo, 'checkout', '-q', 'main');
    commit(repo, 'protect schema', { [SKELETON]: OPEN });
    git(repo, 'checkout', '-q', 'pr');
    git(repo, 'merge', '-q', '--no-edit', 'main');
    const late = commit(repo, 'change after merging the protection', { 'schema/users.sql': 'v2\n' });
    expect(protectedFindings(repo, 'main..pr').map((f) => f.message.match(/commit (\w+)/)![1])).toEqual([late]);
  });

  it('a deleted stage document still protects in the commit that deletes it', () => {
    const repo = protectedRepo();
    git(repo, 'rm', '-q', SKELETON);
    write(repo, 'schema/users.sql', 'v1\n');
    git(repo, 'add', '-A');
    git(repo, 'commit', '-q', '--no-verify', '-m', 'drop the stage');
    expect(protectedFindings(repo)).toHaveLength(1);
  });

  it('reads the stages of a 200-commit range with as many git processes as a 2-commit range', () => {
    const repo = protectedRepo();
    // A `git` first on PATH that logs each start (stagedocs drops GIT_TRACE from git's environment).
    const bin = tempDir();
    const log = path.join(bin, 'git.log');
    const realGit = spawnSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).stdout.trim();
    writeFileSync(path.join(bin, 'git'), `#!/bin/sh\necho started >> '${log}'\nexec '${realGit}' "$@"\n`);
    chmodSync(path.join(bin, 'git'), 0o755);
    const gitProcesses = (range: string): number => {
      writeFileSync(log, '');
      const result = runCli(repo, ['validate', '--range', range, '--format', 'json', '--no-cache'], { env: { PATH: `${bin}:${process.env.PATH}` } });
      expect(JSON.parse(result.stdout).diagnostics.filter((d: { ruleId: string }) => d.ruleId === 'protected-path')).toHaveLength(1);
      return readFileSync(log, 'utf8').split('\n').filter(Boolean).length;
    };
    commit(repo, 'note', { 'notes/first.txt': 'first\n' });
    commit(repo, 'sneak', { 'schema/users.sql': 'v1\n' });
    git(repo, 'tag', 'short');
    const few = gitProcesses('base..short');
    for (let index = 0; index < 200; index++) commit(repo, `note ${index}`, { [`notes/${index}.txt`]: `${index}\n` });
    expect(few).toBeGreaterThan(0);
    expect(gitProcesses('base..HEAD')).toBe(few);
  }, 120_000);
});

describe("validate --range and the hook judge a phase's protected and agents.must_not_modify paths per commit", () => {
  it('reports each commit that changes them without a gate run of the phase, at the pattern in the phase file, and lets a gate run commit change them', () => {
    const repo = phaseRepo();
    const direct = commit(repo, 'edit the state by hand', { '.state/results.json': '{"ok":true}\n' });
    const schema = commit(repo, 'change the schema', { 'schema/users.sql': 'create table users(id int);\n' });
    // A gate run's own commit: the outputs together with the run's evidence.
    commit(repo, 'gate run of P1-S00', { '.state/results.json': '{"ok":false}\n', 'gate_results/P1-S00_20261121T093000Z/report.json': '{}\n' });
    const findings = protectedFindings(repo);
    expect(findings.map(({ file, line, column, message }) => ({ file, line, column, message }))).toEqual([
      {
        file: '.state/results.json',
        line: 1,
        column: 1,
        message: `\`.state/results.json\` changed by commit ${direct} ("edit the state by hand") is protected by phase P1 (${STATE_PLACE}, pattern \`.state/**\`, status in-progress); it may change only together with the evidence of a gate run of the phase or one of its stages`,
      },
      {
        file: 'schema/users.sql',
        line: 1,
        column: 1,
        message: `\`schema/users.sql\` changed by commit ${schema} ("change the schema") is in \`agents.must_not_modify\` of phase P1 (${SCHEMA_PLACE}, pattern \`schema/**\`, status in-progress); it may change only together with the evidence of a gate run of the phase or one of its stages`,
      },
    ]);
    expect(findings[1]!.hint).toContain(`git rebase --onto ${schema}~1 ${schema}`);
    const sarif = JSON.parse(runCli(repo, ['validate', '--range', 'base..HEAD', '--format', 'sarif', '--no-cache']).stdout);
    expect(sarif.runs[0].results.filter((r: { ruleId: string }) => r.ruleId === 'protected-path').map((r: { message: { text: string } }) => r.message.text.includes(SCHEMA_PLACE))).toEqual([false, true]);

    // The hook refuses the same change at commit, for everyone: a commit does not say whether an agent made it.
    write(repo, 'schema/users.sql', 'create table users(id bigint);\n');
    git(repo, 'add', 'schema/users.sql');
    const staged = runCli(repo, ['validate', '--staged', '--format', 'json']);
    expect(staged.code).toBe(1);
    expect(JSON.parse(staged.stdout).diagnostics).toEqual([
      expect.objectContaining({ ruleId: 'protected-path', file: 'schema/users.sql', line: 1, column: 1, message: expect.stringContaining(`is in \`agents.must_not_modify\` of phase P1 (${SCHEMA_PLACE}`) }),
    ]);
  });

  it('holds after the phase is done, not before it starts, and not dropped by the commit that changes the path', () => {
    const before = phaseRepo('not-started', 'not-started');
    commit(before, 'settle the schema before the phase starts', { 'schema/users.sql': 'v0\n' });
    expect(protectedFindings(before)).toEqual([]);

    const done = phaseRepo('done', 'done');
    const late = commit(done, 'edit the state after the phase closed', { '.state/results.json': '[]\n' });
    expect(protectedFindings(done).map((finding) => finding.message)).toEqual([expect.stringContaining(`commit ${late} ("edit the state after the phase closed") is protected by phase P1 (${STATE_PLACE}, pattern \`.state/**\`, status done)`)]);

    const dropped = phaseRepo();
    const sha = commit(dropped, 'unlist and change', { [PHASE]: phase({ extra: 'protected: [".state/**"]\n' }), 'schema/users.sql': 'v1\n' });
    expect(protectedFindings(dropped).map((finding) => finding.message)).toEqual([expect.stringContaining(`commit ${sha} ("unlist and change") is in \`agents.must_not_modify\` of phase P1 (${SCHEMA_PLACE}, pattern \`schema/**\`, removed from the list by this same commit, status in-progress)`)]);
    // The hook takes both versions too.
    write(dropped, PHASE, phase({ extra: CONTRACT }));
    git(dropped, 'add', '-A');
    git(dropped, 'commit', '-q', '--no-verify', '-m', 'list again');
    write(dropped, PHASE, phase());
    write(dropped, '.state/results.json', '{"again":1}\n');
    git(dropped, 'add', '-A');
    const staged = runCli(dropped, ['validate', '--staged', '--format', 'json']);
    expect(staged.code).toBe(1);
    expect(JSON.parse(staged.stdout).diagnostics.map((d: { message: string }) => d.message)).toEqual([expect.stringContaining(`is protected by phase P1 (${STATE_PLACE}, pattern \`.state/**\`, removed from the list by this same commit`)]);
  });
});
