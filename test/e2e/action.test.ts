import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { phase, stage } from '../helpers/documents.js';
import { commitFiles, resetCommitClock, runFolder, runReport } from '../helpers/evidence.js';
import { CLI, GIT_ENV, PROJECT_ROOT, git, makeRepo, tempDir } from '../helpers/repo.js';

interface Step {
  id?: string;
  name?: string;
  run?: string;
  env?: Record<string, string>;
}
const steps = (parse(readFileSync(path.join(PROJECT_ROOT, 'action.yml'), 'utf8')) as { runs: { steps: Step[] } }).runs.steps;

/** Runs one step's script with bash as the runner would, its `${{ }}` env values replaced by ours (the node: this one). */
function runStep(name: string, cwd: string, env: Record<string, string>): { code: number; stdout: string; stderr: string } {
  const step = steps.find((candidate) => candidate.name === name);
  if (!step?.run) throw new Error(`no step ${name}`);
  const result = spawnSync('bash', ['-e', '-c', step.run], { cwd, env: { ...GIT_ENV, STAGEDOCS_NOW: '2026-11-21T09:30:00Z', STAGEDOCS_NODE: process.execPath, ...env }, encoding: 'utf8' });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

describe('the action, step by step on a pull request of a fork', () => {
  it('renders the pack for base..head and, with a fork, writes it to the job summary', () => {
    resetCommitClock();
    const repo = makeRepo({}, { commit: false });
    const base = commitFiles(repo, { 'stages/mvp/phase.md': phase(), 'stages/mvp/00-foundation.md': stage({ id: 'P1-S00', order: 0 }) }, 'Scaffold');
    git(repo, 'checkout', '-q', '-b', 'pr');
    const head = commitFiles(repo, { 'stages/mvp/00-foundation.md': stage({ id: 'P1-S00', order: 0, status: 'in-progress' }) }, 'Start');
    commitFiles(repo, runFolder(runReport({ stage: 'P1-S00', at: '20261121T100000Z', pass: true, commit: head })), 'Run');
    const headSha = git(repo, 'rev-parse', 'HEAD').trim();

    const runner = tempDir();
    const output = path.join(runner, 'output');
    const summary = path.join(runner, 'summary');
    writeFileSync(output, '');
    writeFileSync(summary, '');
    const validate = runStep('Validate the pull request\'s range', repo, { STAGEDOCS: CLI, BASE: base, HEAD: headSha, GITHUB_OUTPUT: output });
    expect(validate.code).toBe(0);
    expect(readFileSync(output, 'utf8')).toMatch(/^exit-code=\d+$/m);

    const render = runStep('Render the audit pack', repo, {
      STAGEDOCS: CLI,
      BASE: base,
      HEAD: headSha,
      MAX_CHARS: '65000',
      LINK_BASE: `https://github.com/octo/repo/blob/${headSha}/`,
      RUNNER_TEMP: runner,
      GITHUB_OUTPUT: output,
    });
    expect(render).toMatchObject({ code: 0, stderr: '' });
    const packFile = path.join(runner, 'stagedocs-audit-pack.md');
    expect(readFileSync(output, 'utf8')).toContain(`file=${packFile}`);
    const pack = readFileSync(packFile, 'utf8');
    expect(pack).toContain(`[report.md](https://github.com/octo/repo/blob/${headSha}/gate_results/P1-S00_20261121T100000Z/report.md)`);

    const post = runStep('Post the audit pack', repo, {
      STAGEDOCS_PACK_FILE: packFile,
      STAGEDOCS_TOKEN: 'unused',
      STAGEDOCS_PR_NUMBER: '7',
      STAGEDOCS_FROM_FORK: 'true',
      GITHUB_REPOSITORY: 'octo/repo',
      GITHUB_STEP_SUMMARY: summary,
      POST_COMMENT: path.join(PROJECT_ROOT, 'dist/github/post-comment.js'),
    });
    expect(post.stdout).toContain('written to the job summary: the pull request comes from a fork');
    expect(readFileSync(summary, 'utf8')).toBe(`${pack}\n`);
  });
});
