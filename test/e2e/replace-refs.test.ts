import { rmSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { git, runCli } from '../helpers/repo.js';
import { commitAll, flagStage, gateRun, stageFile, verdictRepo } from '../helpers/verdict.js';

/**
 * `git replace` makes a commit read as another without moving any branch: a replacement of HEAD
 * without parents hides the whole history from `git rev-list HEAD`. The verdict reads the commits as
 * they are (GIT_NO_REPLACE_OBJECTS), so a replace ref neither hides a passing run's commit nor makes
 * the cached history (keyed by HEAD) and `--no-cache` disagree.
 */
describe('replace refs', () => {
  it('do not change which runs are in HEAD’s history, with or without the caches', () => {
    const repo = verdictRepo({ [stageFile('P1-S00')]: flagStage('P1-S00', 0) });
    expect(gateRun(repo, 'P1-S00', true).code).toBe(0);
    commitAll(repo, 'passing run');
    commitAll(repo, 'later work');
    const passed = () => JSON.parse(runCli(repo, ['status', '--format', 'json']).stdout).phases[0].stages[0].passed as boolean;
    expect(passed()).toBe(true);
    // A parentless copy of HEAD's tree, put in place of HEAD.
    const orphan = git(repo, 'commit-tree', 'HEAD^{tree}', '-m', 'history rewritten by a replace ref').trim();
    git(repo, 'replace', 'HEAD', orphan);
    expect(git(repo, 'rev-list', 'HEAD').trim().split('\n')).toHaveLength(1);
    expect(passed()).toBe(true);
    // And again with no cache at all (as in a fresh clone).
    rmSync(path.join(repo, git(repo, 'rev-parse', '--git-path', 'stagedocs').trim()), { recursive: true, force: true });
    expect(passed()).toBe(true);
  });
});
