import path from 'node:path';
import { runGit, type Env } from '../git/exec.js';

/** The commits an audit pack is about, resolved to full SHAs, and the repository they were resolved in. */
export interface ResolvedRange {
  /** The work tree's top folder, as git prints it (symbolic links resolved). */
  toplevel: string;
  headSha: string;
  baseSha: string | undefined;
  /** What HEAD (the checked-out commit, whose working tree the documents come from) is. */
  currentSha: string;
}

/**
 * Resolves the range in ONE `git rev-parse`, for the usual case where all is well: `dir` is in a
 * full (not shallow) clone with commits, and `head` and `base` (checked against the ref allowlist by
 * the caller) name commits. Anything else, including a git that prints something unexpected, gives
 * undefined: the caller then makes its checks one by one, and they say what is wrong.
 */
export async function resolveRangeAtOnce(dir: string, refs: { head: string; base: string | undefined }, env: Env): Promise<ResolvedRange | undefined> {
  const revisions = ['HEAD', refs.head, ...(refs.base === undefined ? [] : [refs.base])].map((ref) => `${ref}^{commit}`);
  let output: string;
  try {
    output = (await runGit(dir, ['rev-parse', '--show-toplevel', '--is-shallow-repository', '--end-of-options', ...revisions], { env })).toString('utf8');
  } catch {
    return undefined;
  }
  const lines = output.split('\n');
  if (lines.at(-1) === '') lines.pop();
  // Older gits echo `--end-of-options` back, as rev-parse does with arguments it passes through.
  const [toplevel = '', shallow = '', ...rest] = lines;
  const shas = rest[0] === '--end-of-options' ? rest.slice(1) : rest;
  if (!path.isAbsolute(toplevel) || shallow !== 'false' || shas.length !== revisions.length || !shas.every((sha) => /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/.test(sha))) return undefined;
  const [currentSha = '', headSha = '', baseSha] = shas;
  return { toplevel, headSha, baseSha, currentSha };
}
