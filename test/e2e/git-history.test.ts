import { existsSync, rmSync, writeFileSync, appendFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { validTree } from '../helpers/documents.js';
import { git, makeRepo, runCli, tempDir } from '../helpers/repo.js';
import { FREEZE, HEADER, ROW_1, ROW_2, freezeFile } from '../helpers/records.js';
import { runFolder } from '../helpers/runs.js';

/**
 * These tests are about what history proves; their hand-written registry rows and run folders do not
 * agree with each other, which `registry-consistent` (tested in registry.test.ts) would add to the output.
 */
function historyTree(): Record<string, string> {
  return { ...validTree(), 'stagedocs.config.yaml': 'rules:\n  registry-consistent: off\n' };
}

function commitAll(repo: string, message: string): string {
  git(repo, 'add', '-A');
  git(repo, 'commit', '-q', '-m', message);
  return git(repo, 'rev-parse', '--short', 'HEAD').trim();
}

/** Branch `side` appends ROW_2 and `main` appends ROW_1 to the registry; main is checked out. */
function appendOnTwoBranches(repo: string): void {
  git(repo, 'checkout', '-q', '-b', 'side');
  writeFileSync(path.join(repo, 'gate_results/gate_registry.csv'), HEADER + ROW_2);
  commitAll(repo, 'side run');
  git(repo, 'checkout', '-q', 'main');
  writeFileSync(path.join(repo, 'gate_results/gate_registry.csv'), HEADER + ROW_1);
  commitAll(repo, 'main run');
}

function json(result: { stdout: string }): { diagnostics: Array<{ file: string; ruleId: string; message: string; line: number }> } {
  return JSON.parse(result.stdout);
}

describe('history rules in validate', () => {
  it('reports a freeze file edited in a later commit, naming the file and the commit', () => {
    const repo = makeRepo({ ...historyTree(), [FREEZE]: freezeFile('v1') });
    expect(runCli(repo, ['validate']).code).toBe(0);
    writeFileSync(path.join(repo, FREEZE), freezeFile('v2'));
    const sha = commitAll(repo, 'widen the scope');

    const result = runCli(repo, ['validate', '--format', 'json']);
    expect(result.code).toBe(1);
    expect(json(result).diagnostics).toEqual([
      expect.objectContaining({
        file: FREEZE,
        ruleId: 'freeze-immutable',
        line: 1,
        message: `Freeze file \`${FREEZE}\` was changed by commit ${sha} ("widen the scope") after it was committed; freeze files are immutable`,
      }),
    ]);
  });

  it('reports deleted evidence of a gate run', () => {
    const run = runFolder({ stageId: 'P1-S00', timestamp: '20261121T090000Z', commit: null, gates: [{ id: 'tests', outcome: 'pass' }] });
    const repo = makeRepo({ ...historyTree(), ...run.files });
    rmSync(path.join(repo, `gate_results/${run.runId}/run.log`));
    const sha = commitAll(repo, 'tidy up logs');
    const result = runCli(repo, ['validate', '--format', 'json']);
    expect(result.code).toBe(1);
    expect(json(result).diagnostics).toEqual([
      expect.objectContaining({
        file: `gate_results/${run.runId}/run.log`,
        ruleId: 'evidence-immutable',
        message: `Evidence file \`gate_results/${run.runId}/run.log\` was deleted by commit ${sha} ("tidy up logs"); gate evidence is never rewritten`,
      }),
    ]);
  });

  it('does not count a README beside the run folders as evidence', () => {
    const repo = makeRepo({ ...historyTree(), 'gate_results/README.md': '# Gate results\n' });
    writeFileSync(path.join(repo, 'gate_results/README.md'), '# Gate results, explained\n');
    commitAll(repo, 'explain');
    expect(runCli(repo, ['validate']).code).toBe(0);
  });

  it('reports a registry row edited, and accepts rows appended or interleaved (merge=union)', () => {
    const repo = makeRepo({ ...historyTree(), 'gate_results/gate_registry.csv': HEADER + ROW_1 });
    // Appending, even before an existing row, keeps every old line: fine.
    writeFileSync(path.join(repo, 'gate_results/gate_registry.csv'), HEADER + ROW_2 + ROW_1);
    commitAll(repo, 'append a run');
    expect(runCli(repo, ['validate']).code).toBe(0);

    writeFileSync(path.join(repo, 'gate_results/gate_registry.csv'), HEADER + ROW_2 + ROW_1.replace(',true,', ',false,'));
    const sha = commitAll(repo, 'fix a row');
    const result = runCli(repo, ['validate', '--format', 'json']);
    expect(result.code).toBe(1);
    const [diagnostic] = json(result).diagnostics;
    expect(diagnostic).toMatchObject({ file: 'gate_results/gate_registry.csv', ruleId: 'registry-append-only' });
    expect(diagnostic!.message).toContain(`A row of the gate registry \`gate_results/gate_registry.csv\` was removed or edited by commit ${sha} ("fix a row") (first: line 3`);
  });

  it('reports registry rows dropped while resolving a merge conflict', () => {
    const repo = makeRepo({ ...historyTree(), 'gate_results/gate_registry.csv': HEADER });
    appendOnTwoBranches(repo);
    expect(() => git(repo, 'merge', '-q', 'side')).toThrow(); // both appended: a conflict
    writeFileSync(path.join(repo, 'gate_results/gate_registry.csv'), HEADER + ROW_1); // "resolved" by dropping side's row
    const sha = commitAll(repo, 'merge side');
    const result = runCli(repo, ['validate', '--format', 'json']);
    expect(result.code).toBe(1);
    expect(json(result).diagnostics).toEqual([
      expect.objectContaining({ ruleId: 'registry-append-only', message: expect.stringContaining(`by commit ${sha} ("merge side") (first: line 2 \`P1-S01_`) }),
    ]);
  });

  it('accepts a merge=union merge of two branches that both appended rows', () => {
    const repo = makeRepo({ ...historyTree(), '.gitattributes': 'gate_results/gate_registry.csv merge=union\n', 'gate_results/gate_registry.csv': HEADER });
    appendOnTwoBranches(repo);
    git(repo, 'merge', '-q', '--no-edit', 'side');
    expect(readFileSync(path.join(repo, 'gate_results/gate_registry.csv'), 'utf8')).toBe(HEADER + ROW_1 + ROW_2);
    const result = runCli(repo, ['validate']);
    expect(result.stdout).toContain('no problems');
    expect(result.code).toBe(0);
  });

  it('sees a freeze edit on a side branch whose change the merge threw away', () => {
    const repo = makeRepo({ ...historyTree(), [FREEZE]: freezeFile('v1') });
    git(repo, 'checkout', '-q', '-b', 'side');
    writeFileSync(path.join(repo, FREEZE), freezeFile('v2'));
    const sha = commitAll(repo, 'side edits freeze');
    git(repo, 'checkout', '-q', 'main');
    git(repo, 'merge', '-q', '--no-edit', '-s', 'ours', 'side');
    const result = runCli(repo, ['validate', '--format', 'json']);
    expect(result.code).toBe(1);
    expect(json(result).diagnostics.map((d) => d.message)).toEqual([expect.stringContaining(`changed by commit ${sha} ("side edits freeze")`)]);
  });

  it('rejects a staged edit of a committed freeze file before it is committed', () => {
    const repo = makeRepo({ ...historyTree(), [FREEZE]: freezeFile('v1') });
    writeFileSync(path.join(repo, FREEZE), freezeFile('v2'));
    git(repo, 'add', FREEZE);
    const result = runCli(repo, ['validate', '--staged', '--format', 'json']);
    expect(result.code).toBe(1);
    expect(json(result).diagnostics[0]).toMatchObject({ file: FREEZE, ruleId: 'freeze-immutable', message: expect.stringContaining('was changed by the staged changes') });
  });
});

describe('validate --range', () => {
  it('checks only the commits of the range', () => {
    const repo = makeRepo({ ...historyTree(), [FREEZE]: freezeFile('v1') });
    git(repo, 'branch', 'base');
    writeFileSync(path.join(repo, FREEZE), freezeFile('v2'));
    const sha = commitAll(repo, 'edit freeze');
    git(repo, 'branch', 'after-edit');
    writeFileSync(path.join(repo, 'notes.txt'), 'x\n');
    commitAll(repo, 'notes');

    const result = runCli(repo, ['validate', '--range', 'base..HEAD', '--format', 'json']);
    expect(result.code).toBe(1);
    expect(json(result).diagnostics[0]!.message).toContain(`commit ${sha} ("edit freeze")`);
    expect(runCli(repo, ['validate', '--range', 'after-edit..HEAD']).code).toBe(0);
  });

  it('refuses refs that look like git options before they reach git, and creates no file', () => {
    const repo = makeRepo(historyTree());
    const target = path.join(tempDir(), 'x');
    for (const range of [`--output=${target}..HEAD`, `HEAD..--output=${target}`]) {
      const result = runCli(repo, ['validate', `--range=${range}`]);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('is not a valid git ref');
      expect(existsSync(target)).toBe(false);
    }
    const bad = runCli(repo, ['validate', '--range', 'main']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('is not of the form <base>..<head>');
    const unknown = runCli(repo, ['validate', '--range', 'main..nope']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('--range head `nope` does not name a commit');
  });

  it('says "history incomplete" (exit 2) in a shallow clone instead of passing', () => {
    const origin = makeRepo({ ...historyTree(), [FREEZE]: freezeFile('v1') });
    writeFileSync(path.join(origin, FREEZE), freezeFile('v2'));
    commitAll(origin, 'edit freeze');
    appendFileSync(path.join(origin, 'notes.txt'), 'x\n');
    commitAll(origin, 'notes');
    const clone = path.join(tempDir(), 'clone');
    git(tempDir(), 'clone', '-q', '--depth', '1', `file://${origin}`, clone);

    const range = runCli(clone, ['validate', '--range', 'HEAD~0..HEAD']);
    expect(range.code).toBe(2);
    expect(range.stderr).toContain('history incomplete: fetch with fetch-depth: 0');

    // Without --range the documents are still validated, and the skipped history rules are announced.
    const plain = runCli(clone, ['validate']);
    expect(plain.code).toBe(0);
    expect(plain.stderr).toContain('note: history rules skipped: history incomplete');
    expect(readFileSync(path.join(clone, FREEZE), 'utf8')).toContain('v2');
  });
});
