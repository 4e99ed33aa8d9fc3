import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cacheDirOf, gitDirectoriesOf, GIT_CACHE_FOLDER } from '../../src/util/cache-location.js';
import { git, makeRepo, tempDir } from '../helpers/repo.js';

/** What git itself answers in `dir`, made absolute. */
function gitAnswers(dir: string) {
  const [top, gitDir, commonDir, cachePath] = git(dir, 'rev-parse', '--show-toplevel', '--absolute-git-dir', '--git-common-dir', '--git-path', GIT_CACHE_FOLDER).trimEnd().split('\n');
  return { top: top!, gitDir: gitDir!, commonDir: path.resolve(dir, commonDir!), cachePath: path.resolve(dir, cachePath!) };
}

/** Reads `.git` in code: the answers must be git's own, or the caches would be looked for where git does not keep them. */
describe('the cache location', () => {
  it('is git-path stagedocs of the work tree: the repository, a subfolder, a linked worktree and a submodule', () => {
    const repo = makeRepo({ 'docs/readme.md': 'x\n' });
    const worktree = path.join(tempDir(), 'linked');
    git(repo, 'worktree', 'add', '-q', '-b', 'other', worktree);
    const outer = makeRepo({ 'readme.md': 'outer\n' });
    git(outer, '-c', 'protocol.file.allow=always', 'submodule', 'add', '-q', repo, 'sub');
    const submodule = path.join(outer, 'sub');
    for (const dir of [repo, path.join(repo, 'docs'), worktree, submodule]) {
      const answers = gitAnswers(dir);
      expect(gitDirectoriesOf(dir), dir).toEqual({ top: answers.top, gitDir: answers.gitDir, commonDir: answers.commonDir });
      expect(path.dirname(cacheDirOf(dir)!), dir).toBe(answers.cachePath);
    }
    // A linked worktree and a submodule keep their own caches, apart from the repository's.
    expect(new Set([repo, worktree, submodule].map((dir) => cacheDirOf(dir))).size).toBe(3);
  });

  it('gives each stagedocs root of a repository its own folder, and none outside git', () => {
    const repo = makeRepo({ 'a/readme.md': 'a\n', 'b/readme.md': 'b\n' });
    const folders = [repo, path.join(repo, 'a'), path.join(repo, 'b')].map((dir) => cacheDirOf(dir)!);
    expect(new Set(folders).size).toBe(3);
    for (const folder of folders) expect(path.dirname(folder)).toBe(path.join(repo, '.git', GIT_CACHE_FOLDER));
    const outside = tempDir();
    mkdirSync(path.join(outside, 'nested'));
    expect(cacheDirOf(path.join(outside, 'nested'))).toBeUndefined();
    expect(gitDirectoriesOf(outside)).toBeUndefined();
  });
});
