import { APPROVAL_TAG_PREFIX, type ApprovalFacts } from '../model/approvals.js';
import { UsageError } from '../model/errors.js';
import { runGit, runGitWithStderr, type Env } from './exec.js';
import { isSafeRef, isSha } from './refs.js';
import { tagsUnder, type TagInfo } from './tags.js';

/** What git knows of approvals: their tags, and which run commits each approved commit descends from. */
export interface ApprovalEvidence {
  tags: TagInfo[];
  /** For each commit an approval tag points at, the run commits that are it or its ancestors. */
  reaches: ReadonlyMap<string, ReadonlySet<string>>;
  /** Who signed each tag whose signature `git verify-tag` accepted (checked only for the ids that require signed approvals). */
  signers: ReadonlyMap<string, string>;
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

/**
 * Reads the approval tags, their ancestry against the commits of the given runs, and, for the ids
 * whose `approvals.signed` is true, which signatures verify (one `git verify-tag` per such tag).
 */
export async function approvalEvidence(root: string, env: Env, tags: Promise<TagInfo[]>, runCommits: () => ReadonlySet<string>, signedIds: ReadonlySet<string>): Promise<ApprovalEvidence> {
  const listed = await tags;
  if (listed.length === 0) return { tags: listed, reaches: new Map(), signers: new Map() };
  const toVerify = listed.filter((tag) => tag.annotated && signedIds.has(tag.name.slice(APPROVAL_TAG_PREFIX.length).split('/')[0]!));
  const [reaches, signers] = await Promise.all([approvalReaches(root, env, listed, runCommits()), Promise.all(toVerify.map(async (tag): Promise<[string, string | undefined]> => [tag.name, await tagSigner(root, env, tag.name)]))]);
  return { tags: listed, reaches, signers: new Map(signers.filter((entry): entry is [string, string] => entry[1] !== undefined)) };
}

/**
 * Who signed a tag, when `git verify-tag --raw` accepts its signature with the repository's trust
 * settings (the gpg keyring, or gpg.ssh.allowedSignersFile): the SSH principal, or the email of the gpg
 * key's user id; undefined when it does not verify. git does not compare the signer with the tagger,
 * so the caller must. `name` is one for-each-ref listed under our prefix, passed as its full ref so it
 * can never read as an option.
 */
export async function tagSigner(root: string, env: Env, name: string): Promise<string | undefined> {
  if (!isSafeRef(name)) return undefined;
  try {
    const { stderr } = await runGitWithStderr(root, ['verify-tag', '--raw', `refs/tags/${name}`], { env });
    const ssh = /^Good "git" signature for (\S+) with /m.exec(stderr);
    // A gpg signature counts only from a key the keyring trusts fully (git's own floor accepts any key
    // it has), and its user id must hold one email, so that a crafted user id cannot name another.
    const gpg = /^\[GNUPG:\] GOODSIG \S+ [^<>\n]*<([^<>\s]+)>$/m.exec(stderr);
    const trusted = /^\[GNUPG:\] TRUST_(FULLY|ULTIMATE)\b/m.test(stderr);
    return ssh?.[1] ?? (trusted ? gpg?.[1] : undefined);
  } catch {
    return undefined;
  }
}

/** The facts `tallyApprovals` judges with: HEAD's history and the ancestry read above. */
export function approvalFacts(evidence: ApprovalEvidence, history: ReadonlySet<string> | undefined): ApprovalFacts {
  return {
    inHistory: (commit) => history?.has(commit),
    atOrAfter: (commit, ancestor) => commit === ancestor || evidence.reaches.get(commit)?.has(ancestor) === true,
    signer: (tag) => evidence.signers.get(tag),
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
