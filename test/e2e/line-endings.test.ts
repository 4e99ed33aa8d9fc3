import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { decision } from '../helpers/documents.js';
import { gateRepo, gateStage, readReport } from '../helpers/gates.js';
import { git, runCli, tempDir } from '../helpers/repo.js';

/**
 * Issue 13 item 6: the sha256 that stagedocs records and compares (report.json in the registry,
 * freeze inputs) is of the content as git stores it, so a checkout made with `core.autocrlf=true` or
 * with `.gitattributes` `eol=crlf` verifies like the LF checkout it was recorded on, a file committed
 * with CRLF bytes is not "changed", and a real edit is still caught.
 */
const S00 = 'stages/mvp/00-foundation.md';
const FIRST = 'P1-S00_20261121T093000Z';

/** A repository with a freeze file, a passing gate run and its registry row, all committed. */
function recordedRepo(extra: Record<string, string> = {}): string {
  const dir = gateRepo(
    { [S00]: gateStage('  - id: ok\n    run: "true"', { extra: 'freeze: required\n' }) },
    {
      'config/protocol.yaml': 'seed: 42\nsamples: 1000\n',
      // Committed with CRLF bytes and no conversion, as a Windows editor leaves it.
      'config/legacy.txt': 'line one\r\nline two\r\n',
      'decisions/D-2026-11-21-001.md': decision(),
      ...extra,
    },
  );
  expect(runCli(dir, ['freeze', 'P1-S00', '--input', 'config/*']).code).toBe(0);
  git(dir, 'add', '-A');
  git(dir, 'commit', '-qm', 'freeze');
  const run = runCli(dir, ['gate', 'run', 'P1-S00']);
  expect(run.code, run.stderr).toBe(0);
  git(dir, 'add', '-A');
  git(dir, 'commit', '-qm', 'gate run');
  return dir;
}

/** A fresh clone of `source` made with the given `git clone -c` settings (git status is clean there). */
function cloneWith(source: string, ...settings: string[]): string {
  const target = path.join(tempDir(), 'clone');
  git(source, 'clone', '-q', ...settings.flatMap((setting) => ['-c', setting]), source, target);
  expect(git(target, 'status', '--porcelain')).toBe('');
  return target;
}

/** The run folders, registry and freeze of the clone verify, and a new run's freeze is verified. */
function expectVerifies(clone: string): void {
  const check = runCli(clone, ['registry', '--check']);
  expect(check.stdout + check.stderr, 'registry --check').not.toMatch(/mismatch|hashes to/);
  expect(check.code).toBe(0);
  const validate = runCli(clone, ['validate', '--no-cache']);
  expect(validate.stdout).not.toMatch(/error/);
  expect(validate.code).toBe(0);
  const again = runCli(clone, ['gate', 'run', 'P1-S00'], { env: { STAGEDOCS_NOW: '2026-11-21T10:00:00Z' } });
  expect(again.stderr).toBe('');
  expect(again.code).toBe(0);
  expect(readReport(clone, 'P1-S00_20261121T100000Z').freeze).toEqual({ file: 'freeze/P1-S00.freeze.json', verified: true, changed: [], missing: [] });
  expect(runCli(clone, ['registry', '--check']).code).toBe(0);
}

describe('hashes follow what git stores, whatever the checkout did to line ends', () => {
  it('core.autocrlf=true: the CRLF checkout verifies, the CRLF-committed file is unchanged, edits are caught', () => {
    const source = recordedRepo();
    const clone = cloneWith(source, 'core.autocrlf=true');
    // The checkout really has CRLF where git stores LF.
    expect(readFileSync(path.join(clone, 'gate_results', FIRST, 'report.json'), 'utf8')).toContain('\r\n');
    expect(readFileSync(path.join(clone, 'config/protocol.yaml'), 'utf8')).toBe('seed: 42\r\nsamples: 1000\r\n');
    expect(readFileSync(path.join(clone, 'config/legacy.txt'), 'utf8')).toBe('line one\r\nline two\r\n');
    expectVerifies(clone);

    // A real edit of a frozen input is still drift, and an edited report still differs from its row.
    writeFileSync(path.join(clone, 'config/legacy.txt'), 'line one\r\nline 2\r\n');
    const drifted = runCli(clone, ['gate', 'run', 'P1-S00'], { env: { STAGEDOCS_NOW: '2026-11-21T11:00:00Z' } });
    expect(drifted.code).toBe(1);
    expect(drifted.stderr).toMatch(/config\/legacy\.txt \(changed\)/);
    const reportFile = path.join(clone, 'gate_results', FIRST, 'report.json');
    writeFileSync(reportFile, readFileSync(reportFile, 'utf8').replace('"duration_ms": ', '"duration_ms": 1'));
    const check = runCli(clone, ['registry', '--check']);
    expect(check.code).toBe(1);
    expect(check.stdout + check.stderr).toMatch(new RegExp(`run \`${FIRST}\` report_sha256 is`));
  });

  it('core.autocrlf=input and false verify as well', () => {
    const source = recordedRepo();
    expectVerifies(cloneWith(source, 'core.autocrlf=input'));
    expectVerifies(cloneWith(source, 'core.autocrlf=false'));
  });

  it('.gitattributes `* text eol=crlf`: every text file is CRLF in the checkout, and everything verifies', () => {
    const source = recordedRepo({ '.gitattributes': '* text eol=crlf\ngate_results/gate_registry.csv merge=union\n' });
    const clone = cloneWith(source);
    expect(readFileSync(path.join(clone, 'gate_results', FIRST, 'report.json'), 'utf8')).toContain('\r\n');
    expectVerifies(clone);
    writeFileSync(path.join(clone, 'config/protocol.yaml'), 'seed: 43\r\nsamples: 1000\r\n');
    const drifted = runCli(clone, ['gate', 'run', 'P1-S00'], { env: { STAGEDOCS_NOW: '2026-11-21T11:00:00Z' } });
    expect(drifted.code).toBe(1);
    expect(drifted.stderr).toMatch(/config\/protocol\.yaml \(changed\)/);
  });
});
