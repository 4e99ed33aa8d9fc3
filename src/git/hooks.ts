import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { shellQuote } from '../util/shell-quote.js';
import { writeAtomic } from '../util/write-atomic.js';
import { StagedocsError } from '../model/errors.js';
import { runGit, type Env } from './exec.js';

/** The line that marks a hook as ours: only a hook carrying it is ever overwritten or removed. */
const HOOK_MARKER = '# stagedocs-managed-hook';
/** Where a hook that was there before ours is kept; ours runs it first, uninstall puts it back. */
const CHAINED_SUFFIX = '.local';
const HOOK_NAME = 'pre-commit';

/** The folder git runs hooks from: `git rev-parse --git-path hooks` honours core.hooksPath and worktrees. */
async function hooksDirectory(root: string, env: Env): Promise<string> {
  const relative = (await runGit(root, ['rev-parse', '--git-path', 'hooks'], { env })).toString('utf8').replace(/\n$/, '');
  return path.resolve(root, relative);
}

/**
 * The hook script. It prefers the repository's own stagedocs (node_modules/.bin), then the node and
 * CLI that installed it, then `stagedocs` on PATH; without any it says how to install and fails, so a
 * commit is never let through unchecked by accident.
 *
 * git runs hooks at the top of the work tree. When the stagedocs root is a subfolder (`prefix`, as
 * `resolveRoot` gives it) the hook runs stagedocs with `--cwd` on that folder, and looks for the
 * folder's own node_modules/.bin before the top level's. (A relative GIT_INDEX_FILE, as `git commit`
 * sets it, is relative to the top level for git wherever it runs, so it needs no change.)
 */
export function hookScript(fallback: { node: string; cli: string } | undefined, prefix = ''): string {
  const folder = prefix.replace(/\/+$/, '');
  const cwd = folder === '' ? '' : ' --cwd "$stagedocs_root"';
  const fallbackBlock = fallback
    ? `stagedocs_node=${shellQuote(fallback.node)}
stagedocs_cli=${shellQuote(fallback.cli)}
if [ -x "$stagedocs_node" ] && [ -f "$stagedocs_cli" ]; then
  exec "$stagedocs_node" "$stagedocs_cli"${cwd} hook run
fi
`
    : '';
  const local =
    folder === ''
      ? ''
      : `stagedocs_root="$root"/${shellQuote(folder)}
if [ -x "$stagedocs_root/node_modules/.bin/stagedocs" ]; then
  exec "$stagedocs_root/node_modules/.bin/stagedocs"${cwd} hook run
fi
`;
  return `#!/bin/sh
${HOOK_MARKER}: written by \`stagedocs hook install\`; \`stagedocs hook uninstall\` removes it.
# A pre-commit hook that was here before is kept as ${HOOK_NAME}${CHAINED_SUFFIX} and runs first.
hook_dir=$(dirname "$0")
if [ -x "$hook_dir/${HOOK_NAME}${CHAINED_SUFFIX}" ]; then
  "$hook_dir/${HOOK_NAME}${CHAINED_SUFFIX}" "$@" || exit $?
fi
root=$(git rev-parse --show-toplevel) || exit 1
${local}if [ -x "$root/node_modules/.bin/stagedocs" ]; then
  exec "$root/node_modules/.bin/stagedocs"${cwd} hook run
fi
${fallbackBlock}if command -v stagedocs >/dev/null 2>&1; then
  exec stagedocs${cwd} hook run
fi
echo "stagedocs pre-commit hook: stagedocs was not found (not in node_modules/.bin, not on PATH)." >&2
echo "  Install it with \\\`npm install --save-dev stagedocs\\\`, or remove this hook with \\\`npx stagedocs hook uninstall\\\`." >&2
exit 1
`;
}

export function isOurHook(text: string): boolean {
  return text.split('\n').some((line) => line.startsWith(HOOK_MARKER));
}

interface InstallResult {
  hookPath: string;
  /** Where a foreign hook was moved to, when there was one. */
  chained?: string;
  /** True when our own hook was already there and has been rewritten. */
  updated: boolean;
}

/**
 * Writes our pre-commit hook where git runs hooks. A hook we did not write is never overwritten: it is
 * moved to `pre-commit.local` and run first by ours. When `pre-commit.local` is taken too, nothing is
 * changed and the error explains what to do.
 */
export async function installHook(root: string, env: Env, fallback: { node: string; cli: string } | undefined, prefix = ''): Promise<InstallResult> {
  const dir = await hooksDirectory(root, env);
  const hookPath = path.join(dir, HOOK_NAME);
  const chainedPath = `${hookPath}${CHAINED_SUFFIX}`;
  // husky 9 points core.hooksPath at `.husky/_`, a folder it rewrites on every install: a hook written
  // there would silently disappear. Its own `.husky/pre-commit` is where the command belongs.
  if (path.basename(dir) === '_' && path.basename(path.dirname(dir)) === '.husky') {
    throw new StagedocsError(
      `${dir} is managed by husky, which rewrites it; stagedocs did not write a hook there`,
      1,
      'Add the line `npx stagedocs hook run` to .husky/pre-commit instead (see docs/hooks.md).',
    );
  }
  await mkdir(dir, { recursive: true });
  const existing = await readIfExists(hookPath);
  let chained: string | undefined;
  if (existing !== undefined && !isOurHook(existing)) {
    if (existsSync(chainedPath)) {
      throw new StagedocsError(
        `${hookPath} is a pre-commit hook stagedocs did not write, and ${chainedPath} already exists; nothing was changed`,
        1,
        'Merge the two yourself, then add `npx stagedocs hook run` to your hook (see docs/hooks.md), or move one of them away and run `stagedocs hook install` again.',
      );
    }
    await rename(hookPath, chainedPath);
    chained = chainedPath;
  }
  await writeAtomic(hookPath, hookScript(fallback, prefix), { mode: 0o755 });
  return { hookPath, chained, updated: existing !== undefined && isOurHook(existing) };
}

interface UninstallResult {
  hookPath: string;
  removed: boolean;
  /** The chained hook put back in place, when there was one. */
  restored?: string;
}

/** Removes our hook only, and puts a chained one back. A foreign hook is left alone (exit 1). */
export async function uninstallHook(root: string, env: Env): Promise<UninstallResult> {
  const dir = await hooksDirectory(root, env);
  const hookPath = path.join(dir, HOOK_NAME);
  const chainedPath = `${hookPath}${CHAINED_SUFFIX}`;
  const existing = await readIfExists(hookPath);
  if (existing === undefined) return { hookPath, removed: false };
  if (!isOurHook(existing)) {
    throw new StagedocsError(`${hookPath} was not written by stagedocs; it was left as it is`, 1, 'Remove the `stagedocs hook run` line from it yourself if you added one.');
  }
  await rm(hookPath);
  if (existsSync(chainedPath)) {
    await rename(chainedPath, hookPath);
    return { hookPath, removed: true, restored: hookPath };
  }
  return { hookPath, removed: true };
}

async function readIfExists(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new StagedocsError(`cannot read ${file}: ${(error as Error).message}`, 2);
  }
}
