import { runGit, type Env } from './exec.js';
import { isSha } from './refs.js';
import { rootRelative } from './root.js';

/** How a commit (or the staged changes) changed one file; blob ids are full, zeros when absent. */
export interface FileChange {
  status: 'A' | 'M' | 'D' | 'T';
  path: string;
  oldBlob: string;
  newBlob: string;
  /**
   * For a merge: the blob of every parent the result differs from (the first is `oldBlob`), and
   * whether it differs from all of them, i.e. the merge itself made the change (a conflict resolution or
   * an "evil" merge) rather than bringing in a change made on one side.
   */
  parentBlobs?: string[];
  byMerge?: boolean;
}

/** A commit with the changes it made to the paths asked about. */
export interface CommitChanges {
  sha: string;
  shortSha: string;
  /** Full SHAs of the parents; more than one for a merge. */
  parents: string[];
  subject: string;
  /** Committer date, ISO 8601 as git prints it. */
  date: string;
  changes: FileChange[];
}

const RECORD = '\x1e';
const FIELD = '\x1f';

/** Which commits to look at: the whole history of `head`, or `base..head`. Both must be resolved SHAs. */
export interface HistorySpan {
  head: string;
  base?: string;
}

/**
 * Every commit of a span that changed one of `paths` (folders included), newest first, with old and new
 * blob ids of each change, from ONE `git log --raw` process. Renames are reported as delete + add, so a
 * moved freeze file counts as deleted. `--full-history` keeps side branches whose changes a merge threw
 * away, and each merge is diffed against every parent (`--diff-merges=separate`), so a conflict resolution
 * that drops the registry rows of one side is seen; see `FileChange.byMerge`.
 */
export async function fileHistory(root: string, span: HistorySpan, paths: readonly string[], env: Env): Promise<CommitChanges[]> {
  if (paths.length === 0) return [];
  return logChanges(root, span, ['--relative', '--full-history', '--diff-merges=separate'], ['--', ...paths], env);
}

/**
 * Every commit of a span (newest first) with every file it changed, from ONE `git log` process: an audit
 * pack over ten thousand commits must not start a process per stage or per commit. Merge commits list no
 * changes (git shows no diff for them by default); the commits they bring in are listed on their own.
 */
export async function commitsInSpan(root: string, span: HistorySpan, env: Env): Promise<CommitChanges[]> {
  return logChanges(root, span, [], [], env);
}

/**
 * Every commit of a span (newest first) with every file it changed under the stagedocs root, paths
 * relative to it, from ONE `git log` process (`validate --range` judges each commit's paths against
 * the `protected` globs, which are root-relative). Merges list no changes, as in `commitsInSpan`.
 */
export async function changesUnderRoot(root: string, span: HistorySpan, env: Env): Promise<CommitChanges[]> {
  return logChanges(root, span, ['--relative'], [], env);
}

/**
 * The commits of `commitsInSpan` (whose paths git gives relative to the top level) with their changes
 * made relative to the stagedocs root; changes outside the root are left out (`prefix` from
 * `resolveRoot`). The commits themselves are all kept.
 */
export function underRoot(commits: CommitChanges[], prefix: string): CommitChanges[] {
  if (prefix === '') return commits;
  return commits.map((commit) => ({
    ...commit,
    changes: commit.changes.flatMap((change) => {
      const file = rootRelative(prefix, change.path);
      return file === undefined ? [] : [{ ...change, path: file }];
    }),
  }));
}

/** `git log --raw` over a span with the header `parseRawLog` reads; the two callers add their options and paths. */
async function logChanges(root: string, span: HistorySpan, options: readonly string[], pathspec: readonly string[], env: Env): Promise<CommitChanges[]> {
  for (const sha of [span.head, span.base]) {
    if (sha !== undefined && !isSha(sha)) throw new Error(`git history needs resolved SHAs, got \`${sha.slice(0, 80)}\``);
  }
  const revision = span.base === undefined ? span.head : `${span.base}..${span.head}`;
  const output = await runGit(
    root,
    ['--literal-pathspecs', 'log', '--no-color', '--raw', '--no-renames', '--no-abbrev', '-z', ...options, `--format=${RECORD}%H${FIELD}%P${FIELD}%s${FIELD}%cI`, '--end-of-options', revision, ...pathspec],
    { env },
  );
  return parseRawLog(output.toString('utf8'));
}

/** Parses `git log --raw -z` output with the RECORD/FIELD header of `logChanges`. Exported for tests. */
export function parseRawLog(output: string): CommitChanges[] {
  const commits: CommitChanges[] = [];
  const perParent = new Map<string, FileChange[][]>();
  for (const record of output.split(RECORD)) {
    if (record === '') continue;
    const headerEnd = record.indexOf('\0');
    const header = headerEnd === -1 ? record.replace(/\n$/, '') : record.slice(0, headerEnd);
    const [sha = '', parents = '', subject = '', date = ''] = header.split(FIELD);
    const changes = headerEnd === -1 ? [] : parseRawChanges(record.slice(headerEnd + 1));
    // A merge diffed against each parent comes as one record per parent, one after the other.
    const diffs = perParent.get(sha);
    if (diffs) {
      diffs.push(changes);
      continue;
    }
    perParent.set(sha, [changes]);
    // `%h` would be unabbreviated too under --no-abbrev (needed for the blob ids), so cut it here.
    commits.push({ sha, shortSha: sha.slice(0, 7), parents: parents.split(' ').filter(Boolean), subject, date, changes });
  }
  for (const commit of commits) {
    if (commit.parents.length > 1) commit.changes = mergeChanges(perParent.get(commit.sha)!, commit.parents.length);
  }
  return commits;
}

/** Folds a merge's per-parent diffs into one change per path. */
function mergeChanges(diffs: FileChange[][], parentCount: number): FileChange[] {
  const byPath = new Map<string, FileChange[]>();
  for (const change of diffs.flat()) byPath.set(change.path, [...(byPath.get(change.path) ?? []), change]);
  return [...byPath.values()].map((changes) => {
    const first = changes[0]!;
    const status = changes.every((change) => change.status === 'A') ? 'A' : /^0+$/.test(first.newBlob) ? 'D' : 'M';
    return { status, path: first.path, oldBlob: first.oldBlob, newBlob: first.newBlob, parentBlobs: changes.map((change) => change.oldBlob), byMerge: changes.length === parentCount };
  });
}

/** Parses `--raw -z` entries: `:<mode> <mode> <old> <new> <status>\0<path>\0`. */
function parseRawChanges(text: string): FileChange[] {
  const fields = text.split('\0');
  const changes: FileChange[] = [];
  for (let index = 0; index < fields.length - 1; index++) {
    const meta = fields[index]!.replace(/^\n/, '');
    if (!meta.startsWith(':')) continue;
    const file = fields[++index]!;
    const [, , oldBlob = '', newBlob = '', status = ''] = meta.slice(1).split(' ');
    const letter = status.charAt(0);
    if (letter === 'A' || letter === 'M' || letter === 'D' || letter === 'T') changes.push({ status: letter, path: file, oldBlob, newBlob });
  }
  return changes;
}

/**
 * The changes staged for the next commit (`GIT_INDEX_FILE` honoured), against HEAD. Not for a
 * repository without commits: there everything in the index is an addition.
 */
export async function stagedChanges(root: string, env: Env): Promise<FileChange[]> {
  const output = await runGit(root, ['diff', '--cached', '--relative', '--raw', '-z', '--no-renames', '--no-abbrev', '--no-ext-diff'], { env });
  return parseRawChanges(output.toString('utf8'));
}

/** Whether `ancestor` is in the history of `descendant` (both resolved SHAs). */
export async function isAncestor(root: string, ancestor: string, descendant: string, env: Env): Promise<boolean> {
  if (!isSha(ancestor) || !isSha(descendant)) return false;
  try {
    await runGit(root, ['merge-base', '--is-ancestor', '--end-of-options', ancestor, descendant], { env });
    return true;
  } catch {
    return false;
  }
}

/**
 * The blob id of each path at each commit asked about, from ONE `git cat-file --batch-check`, keyed by
 * `blobKey(commit, path)`; a path that is no file at that commit is left out. Paths are relative to
 * `root` (asked as `<commit>:./<path>`, which git reads from the working directory), so this works in a
 * subfolder root. Paths holding a newline cannot be asked on git's line-based input and are left out.
 */
export async function blobsAt(root: string, wanted: ReadonlyArray<{ commit: string; path: string }>, env: Env): Promise<Map<string, string>> {
  const questions = wanted.filter(({ commit, path: file }) => isSha(commit) && !file.includes('\n'));
  const found = new Map<string, string>();
  if (questions.length === 0) return found;
  const input = questions.map(({ commit, path: file }) => `${commit}:./${file}`).join('\n');
  const answers = (await runGit(root, ['cat-file', '--batch-check=%(objectname) %(objecttype)', '--buffer'], { env, input: `${input}\n` })).toString('utf8').split('\n');
  questions.forEach(({ commit, path: file }, index) => {
    const match = /^([0-9a-f]{40,64}) blob$/.exec(answers[index] ?? '');
    if (match) found.set(blobKey(commit, file), match[1]!);
  });
  return found;
}

export function blobKey(commit: string, file: string): string {
  return `${commit}\0${file}`;
}
