import { cpSync, rmSync } from 'node:fs';
import path from 'node:path';
import { git, runCli, tempDir, writeTree, type Tree } from './repo.js';
import { phase, stage, STAGE_SECTIONS } from './documents.js';
import { makeRepo } from './repo.js';

/**
 * Repositories for the verdict tests: real git, real `gate run` of the built CLI. Gate commands test
 * for flag files under the git-ignored `flags/` (switching a gate between pass and fail does not make
 * the tree dirty).
 */
export function verdictRepo(stages: Record<string, string>, extra: Tree = {}): string {
  return makeRepo({ '.gitignore': '.stagedocs/\nflags/\n', 'stages/mvp/phase.md': phase(), ...stages, ...extra });
}

/** A stage whose one gate passes while `flags/<flag>` exists. */
export function flagStage(id: string, order: number, options: { status?: string; flag?: string; extra?: string } = {}): string {
  const flag = options.flag ?? id;
  return stage({ id, order, status: options.status ?? 'in-progress', gates: `gates:\n  - id: check\n    run: test -f flags/${flag}`, extra: options.extra ?? '', body: STAGE_SECTIONS });
}

export function stageFile(id: string): string {
  return `stages/mvp/${id.toLowerCase()}.md`;
}

let clock = 0;
/** Runs the gates of a stage with its own clock (distinct run ids); the flag file decides pass or fail. */
export function gateRun(dir: string, id: string, pass: boolean, args: string[] = [], env: NodeJS.ProcessEnv = {}) {
  const flag = path.join(dir, 'flags', id);
  if (pass) writeTree(dir, { [`flags/${id}`]: '' });
  else rmSync(flag, { force: true });
  const at = new Date(Date.UTC(2026, 10, 21, 10, 0, 0) + clock++ * 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  return runCli(dir, ['gate', 'run', id, ...args], { env: { STAGEDOCS_NOW: at, ...env } });
}

export function commitAll(dir: string, message: string): void {
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '--allow-empty', '-m', message);
}

/** What each command says of one stage. */
export interface StageVerdicts {
  /** validate: no `done-needs-passing-run` finding for the stage (undefined: the stage is not done, the rule does not judge it). */
  validate: boolean | undefined;
  statusPassed: boolean;
  statusSignOff: boolean;
  packPassed: boolean;
  packSignOff: boolean;
  packDoneWithoutPass: boolean;
  statusDoneWithoutPass: boolean;
  /** sign-off, run on a copy of the repository: did it tag. */
  signedOff: boolean;
  signOffReasons: string[];
  /** gate run of `next` (a stage depending on this one), on a copy: refused for want of this dependency. */
  nextRefused: boolean | undefined;
}

/** A throwaway copy of the repository, work tree, untracked files and .git alike. */
function copyOf(dir: string): string {
  const copy = path.join(tempDir('stagedocs-copy-'), 'repo');
  cpSync(dir, copy, { recursive: true });
  return copy;
}

/** Asks validate, status, audit-pack, sign-off and gate run about every given stage. */
export function verdictsOf(dir: string, stages: Record<string, { next?: string; done: boolean }>): Record<string, StageVerdicts> {
  const validate = JSON.parse(runCli(dir, ['validate', '--format', 'json']).stdout) as { diagnostics: Array<{ file: string; ruleId: string }> };
  const status = JSON.parse(runCli(dir, ['status', '--format', 'json']).stdout) as {
    phases: Array<{ stages: Array<{ id: string; passed: boolean; sign_off_allowed: boolean; next_action: string }> }>;
  };
  const ids = Object.keys(stages);
  const packResult = runCli(dir, ['audit-pack', ...ids, '--format', 'json']);
  const pack = JSON.parse(packResult.stdout) as { stages: Array<{ id: string; outcome: { passed: boolean; sign_off_allowed: boolean; blocker_details: Array<{ cause: string }> } }> };
  const result: Record<string, StageVerdicts> = {};
  for (const [id, { next, done }] of Object.entries(stages)) {
    const row = status.phases.flatMap((phase) => phase.stages).find((candidate) => candidate.id === id)!;
    const packed = pack.stages.find((candidate) => candidate.id === id)!;
    const signCopy = copyOf(dir);
    const signOff = runCli(signCopy, ['sign-off', id, '--format', 'json']);
    const outcome = JSON.parse(signOff.stdout).outcomes[0] as { signed: boolean; reasons: string[] };
    let nextRefused: boolean | undefined;
    if (next) {
      const runCopy = copyOf(dir);
      writeTree(runCopy, { [`flags/${next}`]: '' });
      const run = runCli(runCopy, ['gate', 'run', next], { env: { STAGEDOCS_NOW: '2027-01-01T00:00:00Z' } });
      nextRefused = run.code === 1 && run.stderr.includes(`depends on \`${id}\``);
    }
    result[id] = {
      validate: done ? !validate.diagnostics.some((d) => d.ruleId === 'done-needs-passing-run' && d.file.endsWith(`${id.toLowerCase()}.md`)) : undefined,
      statusPassed: row.passed,
      statusSignOff: row.sign_off_allowed,
      statusDoneWithoutPass: row.next_action.includes('marked done without a passing run'),
      packPassed: packed.outcome.passed,
      packSignOff: packed.outcome.sign_off_allowed,
      packDoneWithoutPass: packed.outcome.blocker_details.some((blocker) => blocker.cause === 'done-without-pass'),
      signedOff: outcome.signed,
      signOffReasons: outcome.reasons,
      nextRefused,
    };
  }
  return result;
}
