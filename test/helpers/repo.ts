import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll } from 'vitest';
import { cacheDirOf } from '../../src/util/cache-location.js';

/** The built CLI: end-to-end tests drive exactly what users run. `npm test` builds before testing. */
export const CLI = fileURLToPath(new URL('../../dist/cli/bin.js', import.meta.url));
export const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export type Tree = Record<string, string | Uint8Array>;

const created: string[] = [];
afterAll(() => {
  for (const dir of created.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A git environment independent of the machine's global configuration. */
export const GIT_ENV: NodeJS.ProcessEnv = {
  ...process.env,
  GIT_AUTHOR_NAME: 'Test Author',
  GIT_AUTHOR_EMAIL: 'author@example.com',
  GIT_COMMITTER_NAME: 'Test Author',
  GIT_COMMITTER_EMAIL: 'author@example.com',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  NO_COLOR: '1',
};

/** Writes a tree of files into a new temporary folder. */
export function writeTree(dir: string, tree: Tree): void {
  for (const [file, content] of Object.entries(tree)) {
    const target = path.join(dir, file);
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, content);
  }
}

/** A temporary directory, removed after the test file. */
export function tempDir(prefix = 'stagedocs-test-'): string {
  const dir = realpathSync(mkdtempSync(path.join(tmpdir(), prefix)));
  created.push(dir);
  return dir;
}

/**
 * A real git repository holding `tree`, committed on branch main unless `commit` is false.
 */
export function makeRepo(tree: Tree = {}, options: { commit?: boolean; message?: string } = {}): string {
  const dir = tempDir();
  git(dir, 'init', '-q', '-b', 'main');
  writeTree(dir, tree);
  if (options.commit !== false && Object.keys(tree).length > 0) {
    git(dir, 'add', '-A');
    git(dir, 'commit', '-q', '-m', options.message ?? 'initial');
  }
  return dir;
}

/** Runs git in a repository, failing the test on a non-zero exit. Returns stdout. */
export function git(cwd: string, ...args: string[]): string {
  const result = spawnSync('git', args, { cwd, env: GIT_ENV, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`git ${args.join(' ')} failed: ${result.stderr}`);
  return result.stdout;
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI as a user would, with colours off and a fixed clock unless told otherwise. */
export function runCli(cwd: string, args: string[], options: { env?: NodeJS.ProcessEnv; input?: string } = {}): CliResult {
  const spawnOptions: SpawnSyncOptions = {
    cwd,
    env: { ...GIT_ENV, STAGEDOCS_NOW: '2026-11-21T09:30:00Z', ...options.env },
    encoding: 'utf8',
    input: options.input ?? '',
    timeout: 120_000,
  };
  const result = spawnSync(process.execPath, [CLI, ...args], spawnOptions);
  return { code: result.status ?? -1, stdout: String(result.stdout), stderr: String(result.stderr) };
}

/**
 * A file of the caches of the stagedocs root `root` (inside its git directory, see
 * util/cache-location.ts), or the cache folder itself without a name.
 */
export function cacheFile(root: string, name = ''): string {
  const dir = cacheDirOf(root);
  if (dir === undefined) throw new Error(`${root} is not in a git work tree: it has no cache folder`);
  return path.join(dir, name);
}
