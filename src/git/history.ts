import { runGit, type Env } from './exec.js';
import { isSha } from './refs.js';

/** How a commit (or the staged changes) changed one file; blob ids are full, zeros when absent. */
export interface FileChange {
  status: 'A' | 'M' | 'D' | 'T';
  path: string;
  oldBlob: string;
  newBlob: string;
}

/** A commit with the changes it made to the paths asked about. */
export interface CommitChanges {
  sha: string;
  shortSha: string;
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
 * moved freeze file counts as deleted. Merge commits show no changes of their own (git's default); the
 * commits they bring in are listed themselves.
 */
export async function fileHistory(root: string, span: HistorySpan, paths: readonly string[], env: Env): Promise<CommitChanges[]> {
  for (const sha of [span.head, span.base]) {
    if (sha !== undefined && !isSha(sha)) throw new Error(`fileHistory needs resolved SHAs, got \`${sha.slice(0, 80)}\``);
  }
  if (paths.length === 0) return [];
  const revision = span.base === undefined ? span.head : `${span.base}..${span.head}`;
  const output = await runGit(
    root,
    ['--literal-pathspecs', 'log', '--no-color', '--relative', '--raw', '--no-renames', '--no-abbrev', '-z', `--format=${RECORD}%H${FIELD}%s${FIELD}%cI`, '--end-of-options', revision, '--', ...paths],
    { env },
  );
  return parseRawLog(output.toString('utf8'));
}

/** Parses `git log --raw -z` output with the RECORD/FIELD header of `fileHistory`. Exported for tests. */
export function parseRawLog(output: string): CommitChanges[] {
  const commits: CommitChanges[] = [];
  for (const record of output.split(RECORD)) {
    if (record === '') continue;
    const headerEnd = record.indexOf('\0');
    const header = headerEnd === -1 ? record.replace(/\n$/, '') : record.slice(0, headerEnd);
    const [sha = '', subject = '', date = ''] = header.split(FIELD);
    const changes = headerEnd === -1 ? [] : parseRawChanges(record.slice(headerEnd + 1).replace(/^\n/, ''));
    // `%h` would be unabbreviated too under --no-abbrev (needed for the blob ids), so cut it here.
    commits.push({ sha, shortSha: sha.slice(0, 7), subject, date, changes });
  }
  return commits;
}

/** Parses `--raw -z` entries: `:<mode> <mode> <old> <new> <status>\0<path>\0`. */
export function parseRawChanges(text: string): FileChange[] {
  const fields = text.split('\0');
  const changes: FileChange[] = [];
  for (let index = 0; index + 1 < fields.length; index += 2) {
    const meta = fields[index]!.replace(/^\n/, '');
    if (!meta.startsWith(':')) continue;
    const [, , oldBlob = '', newBlob = '', status = ''] = meta.slice(1).split(' ');
    const letter = status.charAt(0);
    if (letter === 'A' || letter === 'M' || letter === 'D' || letter === 'T') changes.push({ status: letter, path: fields[index + 1]!, oldBlob, newBlob });
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
