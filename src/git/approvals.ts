import { APPROVAL_TAG_PREFIX, type ApprovalFacts } from '../model/approvals.js';
import { UsageError } from '../model/errors.js';
import { runGit, type Env } from './exec.js';
import { isSha } from './refs.js';
import { tagsUnder, type TagInfo } from './tags.js';

/** What git knows of approvals: their tags, and which run commits each approved commit descends from. */
export interface ApprovalEvidence {
  tags: TagInfo[];
  /** For each commit an approval tag points at, the run commits that are it or its ancestors. */
  reaches: ReadonlyMap<string, ReadonlySet<string>>;
}

/** Every tag under `stagedocs/approvals/`, in one `git for-each-ref`; none outside git. */
export function approvalTags(root: string, env: Env): Promise<TagInfo[]> {
  return tagsUnder(root, APPROVAL_TAG_PREFIX, env);
}

/**
 * Which of `runCommits` each approved commit is at or after: one `git rev-list` per distinct approved
 * commit (there are as many as approvals, not as many as runs), intersected with the run commits. A
 * commit git does not know reaches nothing.
 */
export async function approvalReaches(root: string, env: Env, tags: readonly TagInfo[], runCommits: ReadonlySet<string>): Promise<Map<string, Set<string>>> {
  const commits = [...new Set(tags.map((tag) => tag.commit))].filter(isSha);
  const entries = await Promise.all(
    commits.map(async (commit): Promise<[string, Set<string>]> => {
      const reached = new Set<string>();
      try {
        const out = (await runGit(root, ['rev-list', '--end-of-options', commit, '--'], { env })).toString('utf8');
        for (const line of out.split('\n')) if (runCommits.has(line)) reached.add(line);
      } catch {
        // An approval of a commit this clone lacks approves nothing here.
      }
      return [commit, reached];
    }),
  );
  return new Map(entries);
}

/** Reads the approval tags and their ancestry against the commits of the given runs. */
export async function approvalEvidence(root: string, env: Env, tags: Promise<TagInfo[]>, runCommits: () => ReadonlySet<string>): Promise<ApprovalEvidence> {
  const listed = await tags;
  return { tags: listed, reaches: listed.length === 0 ? new Map() : await approvalReaches(root, env, listed, runCommits()) };
}

/** The facts `tallyApprovals` judges with: HEAD's history and the ancestry read above. */
export function approvalFacts(evidence: ApprovalEvidence, history: ReadonlySet<string> | undefined): ApprovalFacts {
  return {
    inHistory: (commit) => history?.has(commit),
    atOrAfter: (commit, ancestor) => commit === ancestor || evidence.reaches.get(commit)?.has(ancestor) === true,
  };
}

/**
 * Who is approving: the committer identity git would put on a tag (`git var GIT_COMMITTER_IDENT`:
 * GIT_COMMITTER_EMAIL, else user.email), since the tag's tagger is what counts.
 */
export async function approverEmail(root: string, env: Env): Promise<string> {
  let ident: string;
  try {
    ident = (await runGit(root, ['var', 'GIT_COMMITTER_IDENT'], { env })).toString('utf8');
  } catch {
    ident = '';
  }
  const email = /<([^<>]*)>/.exec(ident)?.[1]?.trim() ?? '';
  if (email === '') throw new UsageError('git has no email for you: an approval is recorded under your git identity', 'Set it with `git config user.email you@example.com` (or GIT_COMMITTER_EMAIL).');
  return email;
}
