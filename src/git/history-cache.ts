import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { HEAD_HISTORY_FILE } from '../engine/cache-files.js';
import { CACHE_WRITE, writeAtomic } from '../util/write-atomic.js';
import { runGit, type Env } from './exec.js';

/** HEAD's history as the cache folder keeps it: the commit it is the history of, and every commit reachable from it. */
interface KeptHistory {
  format: typeof FORMAT;
  /** The code's fingerprint and the shallow and graft boundaries, hashed: another one is a miss. */
  key: string;
  head: string;
  /** HEAD first, as `git rev-list HEAD` prints it. */
  commits: string[];
  /** SHA-1 of the JSON text of `commits`, checked on every read: a damaged file is never trusted. */
  hash: string;
}

const FORMAT = 'stagedocs-head-history/1';

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
  const kept = keptHistory(file, key);
  if (kept?.head === head) return kept.commits;
  const commits = (kept && (await extended(root, env, kept, head))) ?? (await full());
  if (commits && commits[0] === head) await keep(file, key, head, commits);
  return commits;
}

/** The history of `head` from the kept one and the commits git lists since; undefined unless `head` descends from it. */
async function extended(root: string, env: Env, kept: KeptHistory, head: string): Promise<string[] | undefined> {
  let output: string;
  try {
    output = (await runGit(root, ['rev-list', '--parents', '--end-of-options', `${kept.head}..${head}`, '--'], { env })).toString('utf8');
  } catch {
    return undefined;
  }
  const lines = output.split('\n').filter((line) => line !== '').map((line) => line.split(' '));
  if (lines[0]?.[0] !== head || !lines.some((shas) => shas.indexOf(kept.head) > 0)) return undefined;
  return [...lines.map((shas) => shas[0]!), ...kept.commits];
}

function keptHistory(file: string, key: string): KeptHistory | undefined {
  try {
    const kept = JSON.parse(readFileSync(file, 'utf8')) as Partial<KeptHistory>;
    if (
      kept.format === FORMAT &&
      kept.key === key &&
      typeof kept.head === 'string' &&
      Array.isArray(kept.commits) &&
      kept.commits[0] === kept.head &&
      kept.commits.every((sha) => typeof sha === 'string') &&
      kept.hash === hashOf(kept.commits)
    ) {
      return kept as KeptHistory;
    }
  } catch {
    // Missing, unreadable or not JSON: a miss.
  }
  return undefined;
}

async function keep(file: string, key: string, head: string, commits: string[]): Promise<void> {
  try {
    await mkdir(path.dirname(file), { recursive: true });
    const body: KeptHistory = { format: FORMAT, key, head, commits, hash: hashOf(commits) };
    await writeAtomic(file, JSON.stringify(body), CACHE_WRITE);
  } catch {
    // A read-only git directory: the whole history is asked for next time.
  }
}

function hashOf(commits: readonly string[]): string {
  return createHash('sha1').update(JSON.stringify(commits)).digest('hex');
}
