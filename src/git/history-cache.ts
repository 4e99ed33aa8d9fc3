import path from 'node:path';
import { HEAD_HISTORY_FILE } from '../engine/cache-files.js';
import { runGit, type Env } from './exec.js';
import { readKept, writeKept } from './kept-per-head.js';

const FORMAT = 'stagedocs-head-history/2';

/**
 * Every commit reachable from `head` (HEAD first), kept in the cache folder with the commit it is the
 * history of. At the same HEAD it is read back; at a HEAD that descends from the kept one (the usual
 * commit, pull or merge) only the new commits are asked for, with `git rev-list --parents kept..head`:
 * the history of the new HEAD is exactly those plus the kept one's. That the kept HEAD is an ancestor
 * is read from the same output (one of the listed commits has it as a parent; git lists none such
 * otherwise), so a reset, a rebase or a checkout of another branch is a miss and `full` asks for the
 * whole history. At 100,000 commits the whole `rev-list` is about half a second of git per run.
 *
 * `key` must name everything else the history depends on (the code, the shallow and graft files);
 * without a cache folder `full` is asked every time. A failed write only loses the cache.
 */
export async function headHistory(root: string, cacheDir: string | undefined, head: string, key: string, env: Env, full: () => Promise<string[] | null>): Promise<string[] | null> {
  if (cacheDir === undefined) return full();
  const file = path.join(cacheDir, HEAD_HISTORY_FILE);
  const kept = readKept(file, FORMAT, key, isHistory);
  if (kept?.head === head) return kept.value;
  const commits = (kept && (await extended(root, env, kept, head))) ?? (await full());
  if (commits && commits[0] === head) await writeKept(file, FORMAT, key, head, commits);
  return commits;
}

/** The history of `head` from the kept one and the commits git lists since; undefined unless `head` descends from it. */
async function extended(root: string, env: Env, kept: { head: string; value: string[] }, head: string): Promise<string[] | undefined> {
  let output: string;
  try {
    output = (await runGit(root, ['rev-list', '--parents', '--end-of-options', `${kept.head}..${head}`, '--'], { env })).toString('utf8');
  } catch {
    return undefined;
  }
  const lines = output.split('\n').filter((line) => line !== '').map((line) => line.split(' '));
  if (lines[0]?.[0] !== head || !lines.some((shas) => shas.indexOf(kept.head) > 0)) return undefined;
  return [...lines.map((shas) => shas[0]!), ...kept.value];
}

/** HEAD first, as `git rev-list HEAD` prints it. */
function isHistory(value: unknown, head: string): value is string[] {
  return Array.isArray(value) && value[0] === head && value.every((sha) => typeof sha === 'string');
}
