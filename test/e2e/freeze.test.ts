import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { decision } from '../helpers/documents.js';
import { gateRepo, gateStage, readReport, runFolders } from '../helpers/gates.js';
import { git, runCli } from '../helpers/repo.js';

const S00 = 'stages/mvp/00-foundation.md';
const FREEZE = 'freeze/P1-S00.freeze.json';
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

function frozenRepo(extraStage = 'freeze: required\n') {
  return gateRepo(
    { [S00]: gateStage('  - id: ok\n    run: "true"', { extra: extraStage }) },
    {
      'config/protocol.yaml': 'seed: 42\nsamples: 1000\n',
      'config/thresholds.yaml': 'min: 0.8\n',
      'decisions/D-2026-11-21-001.md': decision(),
    },
  );
}

describe('stagedocs freeze', () => {
  it('is suggested, wherever a freeze file is missing, as a command that runs (freeze needs an --input)', () => {
    const dir = frozenRepo();
    const status = JSON.parse(runCli(dir, ['status', '--format', 'json']).stdout) as { phases: Array<{ stages: Array<{ id: string; next_action: string }> }> };
    const next = status.phases[0]!.stages.find((entry) => entry.id === 'P1-S00')!.next_action;
    expect(next).toContain('stagedocs freeze P1-S00 --input <glob>');
    const plan = runCli(dir, ['gate', 'plan', '--format', 'json']);
    expect(plan.stdout).toContain('stagedocs freeze P1-S00 --input <glob>');
    // The suggested command, with a real glob for `<glob>`, is one `freeze` accepts.
    expect(runCli(dir, ['freeze', 'P1-S00', '--input', 'config/*.yaml']).code).toBe(0);
  });

  it('writes the freeze file with the contract fields, exclusively', () => {
    const dir = frozenRepo();
    const result = runCli(dir, ['freeze', 'P1-S00', '--input', 'config/*.yaml', '--decision', 'D-2026-11-21-001', '--scope', 'dataset=v3', '--scope', 'seed=42']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const freeze = JSON.parse(readFileSync(path.join(dir, FREEZE), 'utf8'));
    expect(freeze).toEqual({
      commit: git(dir, 'rev-parse', 'HEAD').trim(),
      created_at: '2026-11-21T09:30:00Z',
      decision_tag: 'D-2026-11-21-001',
      inputs: { 'config/protocol.yaml': sha256('seed: 42\nsamples: 1000\n'), 'config/thresholds.yaml': sha256('min: 0.8\n') },
      protocol_version: '1',
      scope: { dataset: 'v3', seed: '42' },
      stage: 'P1-S00',
    });
    const before = readFileSync(path.join(dir, FREEZE), 'utf8');
    const again = runCli(dir, ['freeze', 'P1-S00', '--input', 'config/protocol.yaml']);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/freeze\/P1-S00\.freeze\.json already exists; a freeze file is never overwritten/);
    expect(readFileSync(path.join(dir, FREEZE), 'utf8')).toBe(before);
    // The file it wrote is a valid freeze document.
    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', 'freeze');
    expect(runCli(dir, ['validate']).stdout).not.toMatch(/freeze/);
  });

  it('refuses bad input with exit 2', () => {
    const dir = frozenRepo();
    expect(runCli(dir, ['freeze', 'P1-S00']).code).toBe(2);
    expect(runCli(dir, ['freeze', 'P1-S00', '--input', 'nothing/*.txt']).stderr).toMatch(/--input `nothing\/\*\.txt` matches no file/);
    expect(runCli(dir, ['freeze', 'P1-S00', '--input', 'config/*.yaml', '--scope', '__proto__=x']).code).toBe(2);
    expect(runCli(dir, ['freeze', 'P1-S00', '--input', 'config/*.yaml', '--decision', 'D-0000']).code).toBe(2);
    expect(existsSync(path.join(dir, FREEZE))).toBe(false);
  });

  it('blocks a run without the required freeze file, and a run whose frozen inputs changed', () => {
    const dir = frozenRepo();
    const unfrozen = runCli(dir, ['gate', 'run', 'P1-S00']);
    expect(unfrozen.code).toBe(1);
    expect(unfrozen.stderr).toMatch(/has `freeze: required` but freeze\/P1-S00\.freeze\.json does not exist/);
    expect(runFolders(dir)).toEqual([]);

    expect(runCli(dir, ['freeze', 'P1-S00', '--input', 'config/*.yaml']).code).toBe(0);
    expect(runCli(dir, ['gate', 'run', 'P1-S00']).code).toBe(0);
    expect(readReport(dir, runFolders(dir)[0]!).freeze).toEqual({ file: FREEZE, verified: true, changed: [], missing: [] });

    writeFileSync(path.join(dir, 'config/protocol.yaml'), 'seed: 43\nsamples: 1000\n');
    rmSync(path.join(dir, 'config/thresholds.yaml'));
    const drifted = runCli(dir, ['gate', 'run', 'P1-S00', '--timeout', '5']);
    expect(drifted.code).toBe(1);
    expect(drifted.stderr).toMatch(/Frozen inputs of `P1-S00` differ from freeze\/P1-S00\.freeze\.json: config\/protocol\.yaml \(changed\), config\/thresholds\.yaml \(missing\)/);
    expect(runFolders(dir)).toHaveLength(1);
  });

  it('hashes what git stores, so a CRLF checkout under core.autocrlf=true is not drift', () => {
    const dir = frozenRepo('');
    expect(runCli(dir, ['freeze', 'P1-S00', '--input', 'config/protocol.yaml']).code).toBe(0);
    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', 'freeze');
    git(dir, 'config', 'core.autocrlf', 'true');
    rmSync(path.join(dir, 'config/protocol.yaml'));
    git(dir, 'checkout', '--', 'config/protocol.yaml');
    expect(readFileSync(path.join(dir, 'config/protocol.yaml'), 'utf8')).toBe('seed: 42\r\nsamples: 1000\r\n');
    const result = runCli(dir, ['gate', 'run', 'P1-S00']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(readReport(dir, runFolders(dir)[0]!).freeze.verified).toBe(true);
  });
});
