import { spawn } from 'node:child_process';
import { StagedocsError } from '../model/errors.js';

/**
 * `GIT_*` variables handed to git; every other `GIT_*` variable of the caller is dropped (as simple-git
 * 4 does). A pre-commit hook must keep `GIT_INDEX_FILE`: `git commit -a` and `git commit <path>` stage
 * into a temporary index and only that file holds what is being committed. (Gate commands are not git:
 * they never get `GIT_INDEX_FILE`, see gates/process.ts.)
 */
const GIT_PASSED_THROUGH = ['GIT_INDEX_FILE', 'GIT_DIR', 'GIT_WORK_TREE', 'GIT_OBJECT_DIRECTORY', 'GIT_ALTERNATE_OBJECT_DIRECTORIES', 'GIT_COMMON_DIR'];

/** Identity and configuration `GIT_*` variables: which user and which config files git reads. */
const GIT_IDENTITY_AND_CONFIG = /^GIT_(AUTHOR_|COMMITTER_|CONFIG)/;

/**
 * Variables that make git start programs (editors, pagers, password prompts, ssh). Nothing stagedocs
 * asks of git needs one, and simple-git refuses to run with them, so no git process gets them.
 */
const STARTS_PROGRAMS = /^(EDITOR|VISUAL|PAGER|PREFIX|SSH_ASKPASS)$/;

/**
 * Configuration-location variables simple-git refuses unless its unsafe `allowUnsafeConfigPaths` /
 * `allowUnsafeConfigEnvCount` options are on, which stagedocs never turns on (RELIABILITY.md).
 */
const SIMPLE_GIT_REFUSES = /^GIT_CONFIG(_GLOBAL|_SYSTEM|_COUNT|_PARAMETERS|_KEY_\d+|_VALUE_\d+)?$/;

export type Env = Readonly<Record<string, string | undefined>>;

/**
 * THE environment policy of every git process stagedocs starts, plain (`runGit`) or through
 * simple-git (`openGit`): the caller's environment without the `GIT_*` variables outside
 * `GIT_PASSED_THROUGH` and the identity/config ones, without the variables that start programs, with
 * prompts off and output in the C locale. For simple-git (`client: 'simple-git'`) the configuration
 * locations simple-git refuses are dropped too; the commands that go through it (hashing a file,
 * reading HEAD and the status) do not depend on them.
 */
export function gitEnvironment(env: Env, client: 'process' | 'simple-git' = 'process'): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (value === undefined || STARTS_PROGRAMS.test(key)) continue;
    if (key.startsWith('GIT_') && !GIT_PASSED_THROUGH.includes(key) && !GIT_IDENTITY_AND_CONFIG.test(key)) continue;
    if (client === 'simple-git' && SIMPLE_GIT_REFUSES.test(key)) continue;
    kept[key] = value;
  }
  kept.GIT_TERMINAL_PROMPT = '0';
  // Replace refs (`git replace`) change what a commit's history reads as without moving any branch: the
  // verdict's HEAD history (and its cache, keyed by HEAD) must be the commits as they are, for every run.
  kept.GIT_NO_REPLACE_OBJECTS = '1';
  kept.LC_ALL = 'C';
  return kept;
}

/**
 * Runs git with binary-safe output and optional input. Used where simple-git falls short: blob bytes
 * (`cat-file --batch` fed on stdin) and large `-z` listings. Arguments are an argv array, never a shell
 * line; callers validate refs and put `--end-of-options` before revisions.
 */
export function runGit(cwd: string, args: readonly string[], options: { env: Env; input?: string | Buffer } = { env: {} }): Promise<Buffer> {
  return runGitWithStderr(cwd, args, options).then((result) => result.stdout);
}

/** `runGit`, with what git wrote on stderr when it succeeded too (`verify-tag` says who signed there). */
export function runGitWithStderr(cwd: string, args: readonly string[], options: { env: Env; input?: string | Buffer } = { env: {} }): Promise<{ stdout: Buffer; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', ['-c', 'core.quotePath=false', ...args], { cwd, env: gitEnvironment(options.env), stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', (error) => reject(new StagedocsError(`cannot run git: ${error.message}`, 2, 'Install git and make sure it is on PATH.')));
    child.on('close', (code) => {
      if (code === 0) resolve({ stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString('utf8') });
      else reject(new GitCommandError(args, code ?? -1, Buffer.concat(err).toString('utf8').trim()));
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
  });
}

/** git exited non-zero; the message carries its stderr (the first line is usually enough). */
class GitCommandError extends StagedocsError {
  constructor(
    readonly args: readonly string[],
    readonly code: number,
    readonly stderr: string,
  ) {
    super(`git ${args[0] ?? ''} failed (exit ${code}): ${stderr.split('\n')[0] ?? ''}`, 2);
    this.name = 'GitCommandError';
  }
}

/** Runs git and returns its output as text. */
export async function gitText(cwd: string, args: readonly string[], env: Env): Promise<string> {
  return (await runGit(cwd, args, { env })).toString('utf8');
}
