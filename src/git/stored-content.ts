import { createHash } from 'node:crypto';
import { EXIT_FAILED, StagedocsError } from '../model/errors.js';
import { openGit } from './client.js';
import type { Env } from './exec.js';

/**
 * sha256 of what git stores for each file asked about: the blob after the path's clean filters and
 * end-of-line conversion (`core.autocrlf`, `.gitattributes` `text`/`eol`, filter drivers such as LFS).
 * A file is passed through `git hash-object -w --path=<path>`, which applies exactly those, and the
 * stored blob is read back with `git cat-file blob`. So a CRLF checkout of an LF-committed file hashes
 * like the committed file, and a freeze made on Windows verifies on Linux. Paths are relative to `root`;
 * one simple-git client serves every call.
 */
export function storedContentHasher(root: string, env: Env): (relativePath: string) => Promise<string> {
  const git = openGit(root, env);
  return async (relativePath) => {
    const blob = (await git.raw(['hash-object', '-w', `--path=${relativePath}`, '--', relativePath])).trim();
    if (!/^[0-9a-f]{40,64}$/.test(blob)) throw new StagedocsError(`git hash-object gave \`${blob}\` for ${relativePath}, expected an object id`, EXIT_FAILED);
    const bytes = await git.binaryCatFile(['blob', blob]);
    return createHash('sha256').update(bytes).digest('hex');
  };
}
