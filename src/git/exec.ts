import { spawn } from 'node:child_process';
import { StagedocsError } from '../model/errors.js';

/**
 * Environment variables handed to git. Other `GIT_*` variables of the caller are dropped (as simple-git 4
 * does), but a pre-commit hook must keep `GIT_INDEX_FILE`: `git commit -a` and `git commit <path>` stage
 * into a temporary index and only that file holds what is being committed.
 */
export const GIT_PASSED_THROUGH = ['GIT_INDEX_FILE', 'GIT_DIR', 'GIT_WORK_TREE', 'GIT_OBJECT_DIRECTORY', 'GIT_ALTERNATE_OBJECT_DIRECTORIES', 'GIT_COMMON_DIR'];

export type Env = Readonly<Record<string, string | undefined>>;

/** The caller's environment filtered for git, with prompts off and output in C locale. */
export function gitEnvironment(env: Env): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (value === undefined) continue;
    if (key.startsWith('GIT_') && !GIT_PASSED_THROUGH.includes(key) && !key.startsWith('GIT_CONFIG') && !key.startsWith('GIT_AUTHOR_') && !key.startsWith('GIT_COMMITTER_')) continue;
    kept[key] = value;
  }
  kept.GIT_TERMINAL_PROMPT = '0';
  kept.LC_ALL = 'C';
  return kept;
}

/**
 * Runs git with binary-safe output and optional input. Used where simple-git falls short: blob bytes
 * (`cat-file --batch` fed on stdin) and large `-z` listings. Arguments are an argv array, never a shell
 * line; callers validate refs and put `--end-of-options` before revisions.
 */
export function runGit(cwd: string, args: readonly string[], options: { env: Env; input?: string | Buffer } = { env: {} }): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', ['-c', 'core.quotePath=false', ...args], { cwd, env: gitEnvironment(options.env), stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', (error) => reject(new StagedocsError(`cannot run git: ${error.message}`, 2, 'Install git and make sure it is on PATH.')));
    child.on('close', (code) => {
      if (code === 0) resolve(Buffer.concat(out));
      else reject(new GitCommandError(args, code ?? -1, Buffer.concat(err).toString('utf8').trim()));
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
  });
}

/** git exited non-zero; the message carries its stderr (the first line is usually enough). */
export class GitCommandError extends StagedocsError {
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
