import type { SimpleGit } from 'simple-git';
import { isSha } from './refs.js';

/** One commit of a range, with the files it added, modified or deleted (renames as delete + add). */
export interface RangeCommit {
  sha: string;
  shortSha: string;
  subject: string;
  /** Committer date, ISO 8601 as git prints it. */
  date: string;
  files: Array<{ status: 'A' | 'M' | 'D' | 'T'; path: string }>;
}

/** A tag and the commit it points at (peeled through annotated tags). */
export interface TagRef {
  name: string;
  commit: string;
}

const RECORD = '\x1e';
const FIELD = '\x1f';

/**
 * Every commit in `base..head` (newest first) with the files it touched, from ONE `git log` process:
 * an audit pack over ten thousand commits must not start a process per stage or per commit. Both
 * ends must already be full SHAs from `resolveCommit`; `--end-of-options` keeps them revisions.
 * `base` undefined means the whole history of `head`. Merge commits list no files (git shows no diff
 * for them by default); the commits they bring in are listed on their own.
 */
export async function commitsInRange(git: SimpleGit, base: string | undefined, head: string): Promise<RangeCommit[]> {
  for (const sha of [base, head]) {
    if (sha !== undefined && !isSha(sha)) throw new Error(`commitsInRange needs resolved SHAs, got \`${sha}\``);
  }
  const revision = base === undefined ? head : `${base}..${head}`;
  const output = await git.raw([
    '-c',
    'core.quotePath=false',
    'log',
    '--no-color',
    '--no-renames',
    '--name-status',
    '-z',
    `--format=${RECORD}%H${FIELD}%h${FIELD}%s${FIELD}%cI`,
    '--end-of-options',
    revision,
  ]);
  return parseLog(output);
}

/** Parses the `git log -z --name-status` output of `commitsInRange`. Exported for tests. */
export function parseLog(output: string): RangeCommit[] {
  const commits: RangeCommit[] = [];
  for (const record of output.split(RECORD)) {
    if (record === '') continue;
    const headerEnd = record.indexOf('\0');
    const header = headerEnd === -1 ? record.replace(/\n$/, '') : record.slice(0, headerEnd);
    const [sha = '', shortSha = '', subject = '', date = ''] = header.split(FIELD);
    const fields = headerEnd === -1 ? [] : record.slice(headerEnd + 1).replace(/^\n/, '').split('\0');
    const files: RangeCommit['files'] = [];
    for (let index = 0; index + 1 < fields.length; index += 2) {
      const status = fields[index]!.trim().charAt(0);
      const file = fields[index + 1]!;
      if (file !== '' && (status === 'A' || status === 'M' || status === 'D' || status === 'T')) files.push({ status, path: file });
    }
    commits.push({ sha, shortSha, subject, date, files });
  }
  return commits;
}

/**
 * Every tag under `refs/tags/<prefix>` with the commit it points at, from one `git for-each-ref`.
 * `prefix` is our own configuration's fixed part (e.g. `stagedocs/`), never user input from a stage.
 */
export async function tagsUnder(git: SimpleGit, prefix: string): Promise<TagRef[]> {
  const pattern = `refs/tags/${prefix.replace(/^\/+/, '')}`;
  let output: string;
  try {
    output = await git.raw(['for-each-ref', '--format=%(refname:strip=2)%00%(objectname)%00%(*objectname)', '--end-of-options', pattern]);
  } catch {
    return [];
  }
  return output
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const [name = '', object = '', peeled = ''] = line.split('\0');
      return { name, commit: peeled || object };
    })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * The part of the process environment git needs to find itself and its configuration. simple-git
 * refuses to start git with variables it considers unsafe (EDITOR, PAGER, SSH commands...), and
 * reading commands need none of them, so only these pass to `openGit`.
 */
export function gitEnvironment(env: Readonly<Record<string, string | undefined>>): Record<string, string | undefined> {
  return Object.fromEntries(
    Object.entries(env).filter(([key]) => /^(PATH|HOME|USERPROFILE|SYSTEMROOT|TMPDIR|TEMP|TMP|LANG|LC_[A-Z]+|XDG_CONFIG_HOME|GIT_[A-Z_]+)$/.test(key)),
  );
}
