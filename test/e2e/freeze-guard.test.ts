import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runFolders } from '../helpers/gates.js';
import { performRepair, repairBlocks } from '../helpers/repairs.js';
import { CLI, GIT_ENV, git, makeRepo, runCli } from '../helpers/repo.js';

const OWNER = ['--owner', 'ada@example.com'];
const FREEZE = 'records/freeze/P1-S00.freeze.json';
const S0 = 'stages/study/00-scope-freeze.md';
const S1 = 'stages/study/01-baseline-validation.md';
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

function edit(dir: string, file: string, change: (text: string) => string): void {
  writeFileSync(path.join(dir, file), change(readFileSync(path.join(dir, file), 'utf8')));
}

/** Runs a suggested command line as a user pastes it into a shell, `stagedocs` being the built CLI. */
function runHint(dir: string, line: string) {
  const result = spawnSync('sh', ['-c', `stagedocs() { "${process.execPath}" "${CLI}" "$@"; }; ${line}`], {
    cwd: dir,
    env: { ...GIT_ENV, STAGEDOCS_NOW: '2026-11-21T09:30:00Z' },
    encoding: 'utf8',
  });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/** A research phase (the built-in pattern) in a repository whose freeze folder is `records/freeze`. */
function researchRepo(): { dir: string; hints: string[] } {
  const dir = makeRepo({ '.gitignore': '.stagedocs/\n', 'config/protocol.yaml': 'seed: 42\n' });
  // As a user's machine has it: the hints name no owner.
  git(dir, 'config', 'user.email', 'ada@example.com');
  expect(runCli(dir, ['init', '--yes']).code).toBe(0);
  edit(dir, 'stagedocs.config.yaml', (text) => text.replace(/^ {2}freeze: freeze\b/m, '  freeze: records/freeze'));
  const scaffold = runCli(dir, ['new-phase', 'study', '--pattern', 'research', ...OWNER]);
  expect(scaffold.code, scaffold.stderr).toBe(0);
  const hints = scaffold.stdout.split('Next:\n')[1]!.trim().split('\n').map((line) => line.trim());
  return { dir, hints };
}

/** A decision note for P1-S00, written by new-decision and accepted; returns its tag. */
function acceptedDecision(dir: string, status = 'accepted'): string {
  const written = runCli(dir, ['new-decision', 'Scope of P1-S00', '--stage', 'P1-S00']);
  expect(written.code, written.stderr).toBe(0);
  const file = /wrote (decisions\/(D-[0-9-]+)\.md)/.exec(written.stdout)!;
  edit(dir, file[1]!, (text) => text.replace(/^status: \S+$/m, `status: ${status}`));
  return file[2]!;
}

/** S0 frozen over config/** under decision `tag`, committed, its gates passed, and marked done (not committed). */
function freezeAndPassS0(dir: string, tag: string): void {
    expect(runCli(dir, ['freeze', 'P1-S00', '--input', 'config/**']).code).toBe(0);
    edit(dir, S0, (text) => text.replace('status: not-started', `status: in-progress\ndecision: ${tag}`));
    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', 'freeze the scope');
    expect(runCli(dir, ['gate', 'run', 'P1-S00']).code).toBe(0);
    edit(dir, S0, (text) => text.replace('status: in-progress', 'status: done'));
}

describe('the research pattern with a custom paths.freeze', () => {
  it('scaffolds the configured freeze paths, protects nothing before S0 starts, and its hints run', () => {
    const { dir, hints } = researchRepo();
    const s0 = readFileSync(path.join(dir, S0), 'utf8');
    expect(s0).toContain(`files: ["${FREEZE}"]`);
    expect(s0).toContain(`produces: ["${FREEZE}"]`);
    expect(s0.match(/(?<!records\/)freeze\/P1-S00\.freeze\.json/g)).toBeNull();
    expect(s0).not.toMatch(/^protected:/m);
    expect(hints).toEqual(['stagedocs validate', 'stagedocs new-decision "Scope of P1-S00" --stage P1-S00', "stagedocs freeze P1-S00 --input 'config/**'", 'stagedocs gate run P1-S00']);
    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', 'research phase');
    // Editing the inputs S0 is there to settle is allowed before anything is frozen.
    writeFileSync(path.join(dir, 'config/protocol.yaml'), 'seed: 7\n');
    expect(runCli(dir, ['validate']).code).toBe(0);
    for (const hint of hints.slice(0, 3)) {
      const result = runHint(dir, hint);
      expect(result.code, `${hint}: ${result.stderr}`).toBe(0);
    }
    expect(JSON.parse(readFileSync(path.join(dir, FREEZE), 'utf8')).inputs).toEqual({ 'config/protocol.yaml': sha256('seed: 7\n') });
    edit(dir, S0, (text) => text.replace('status: not-started', 'status: in-progress'));
    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', 'freeze the scope');
    const run = runHint(dir, hints[3]!);
    expect(run.code, run.stderr).toBe(0);
  });
});

describe('a freeze guards the stages that follow it', () => {
  it('refuses S1 before its gates run, and validate, validate --range and the audit pack report the drift', () => {
    const { dir } = researchRepo();
    const tag = acceptedDecision(dir);
    freezeAndPassS0(dir, tag);
    edit(dir, S1, (text) => text.replace('status: not-started', 'status: in-progress').replace(/ {4}run: "make evaluate[^\n]*\n {4}metric:[^\n]*\n/, '    run: "true"\n'));
    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', 'S0 done, S1 started');
    const beforeDrift = git(dir, 'rev-parse', 'HEAD').trim();
    expect(runCli(dir, ['validate']).code).toBe(0);

    writeFileSync(path.join(dir, 'config/protocol.yaml'), 'seed: 43\n');
    const frozen = sha256('seed: 42\n');
    const now = sha256('seed: 43\n');
    // The input's entry in the freeze file: `"config/protocol.yaml": "<sha>"` under `inputs`.
    const freezeLines = readFileSync(path.join(dir, FREEZE), 'utf8').split('\n');
    const line = freezeLines.findIndex((text) => text.includes('"config/protocol.yaml"')) + 1;
    const column = freezeLines[line - 1]!.indexOf('"config/protocol.yaml"') + 1;

    // The hook sees the staged content, not the working tree's: staged drift is refused at the freeze file's entry.
    git(dir, 'add', 'config/protocol.yaml');
    const staged = runCli(dir, ['validate', '--staged', '--format', 'json']);
    expect(staged.code, staged.stderr).toBe(1);
    expect((JSON.parse(staged.stdout).diagnostics as Array<Record<string, unknown>>).filter((diagnostic) => diagnostic.ruleId === 'freeze-drift')).toEqual([
      expect.objectContaining({ file: FREEZE, line, column, severity: 'error', message: `Frozen input \`config/protocol.yaml\` differs from its freeze (frozen sha256 ${frozen} in ${FREEZE}; sha256 in the index ${now}), expected the frozen content` }),
    ]);
    const hook = runCli(dir, ['hook', 'run']);
    expect(hook.code).toBe(1);
    expect(hook.stdout + hook.stderr).toMatch(new RegExp(`${FREEZE.replace(/[./]/g, '\\$&')}:${line}:${column} +error +Frozen input`));
    // Staging the frozen content back clears it, even while the working tree still differs.
    writeFileSync(path.join(dir, 'config/protocol.yaml'), 'seed: 42\n');
    git(dir, 'add', 'config/protocol.yaml');
    writeFileSync(path.join(dir, 'config/protocol.yaml'), 'seed: 43\n');
    expect(runCli(dir, ['validate', '--staged']).code).toBe(0);

    git(dir, 'commit', '-qam', 'tune the seed', '--no-verify');
    const driftCommit = git(dir, 'rev-parse', 'HEAD').trim();

    const refused = runCli(dir, ['gate', 'run', 'P1-S01']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`Stage \`P1-S01\` would run on frozen inputs that changed: config/protocol.yaml (frozen sha256 ${frozen} in ${FREEZE}; sha256 now ${now})`);
    expect(runFolders(dir).filter((run) => run.startsWith('P1-S01'))).toEqual([]);

    const validate = runCli(dir, ['validate', '--format', 'json']);
    expect(validate.code).toBe(1);
    const drift = (JSON.parse(validate.stdout).diagnostics as Array<Record<string, unknown>>).filter((diagnostic) => diagnostic.ruleId === 'freeze-drift');
    expect(drift).toEqual([
      expect.objectContaining({ ruleId: 'freeze-drift', file: FREEZE, line, column, severity: 'error', message: `Frozen input \`config/protocol.yaml\` differs from its freeze (frozen sha256 ${frozen} in ${FREEZE}; sha256 now ${now}), expected the frozen content` }),
    ]);

    const range = runCli(dir, ['validate', '--range', `${beforeDrift}..HEAD`, '--format', 'json']);
    expect(range.code).toBe(1);
    const inRange = (JSON.parse(range.stdout).diagnostics as Array<Record<string, unknown>>).filter((diagnostic) => diagnostic.ruleId === 'freeze-drift');
    expect(inRange).toContainEqual(
      expect.objectContaining({ ruleId: 'freeze-drift', file: FREEZE, line, column, message: `Commit ${driftCommit.slice(0, 12)} changed frozen input \`config/protocol.yaml\` after the freeze was committed (frozen sha256 ${frozen} in ${FREEZE}; sha256 after the commit ${now}), expected the frozen content` }),
    );

    const pack = runCli(dir, ['audit-pack', 'P1-S00', 'P1-S01', '--base', beforeDrift]);
    expect(pack.code).toBe(0);
    const freezeLinesOfPack = pack.stdout.split('\n').filter((text) => text.startsWith('Freeze: '));
    expect(freezeLinesOfPack).toHaveLength(2);
    for (const text of freezeLinesOfPack) {
      expect(text).toContain('FROZEN INPUTS CHANGED when this pack was made: config/protocol.yaml');
      expect(text).not.toContain('verified by run');
    }
    const status = runCli(dir, ['status']);
    expect(status.stdout).toMatch(/P1-S01 +blocked[\s\S]*frozen input `config\/protocol\.yaml` changed/);

    // Restored as docs/rules/freeze-drift.md says: validate is clean, the run goes ahead, and the pack says what was checked when.
    const repaired = performRepair(dir, repairBlocks('freeze-drift').get('')!, { FREEZE, INPUT: 'config/protocol.yaml' });
    expect(repaired.code, repaired.stderr).toBe(0);
    expect(readFileSync(path.join(dir, 'config/protocol.yaml'), 'utf8')).toBe('seed: 42\n');
    expect(runCli(dir, ['validate']).code).toBe(0);
    expect(runCli(dir, ['gate', 'run', 'P1-S01']).code).toBe(0);
    expect(existsSync(path.join(dir, FREEZE))).toBe(true);
    const restored = runCli(dir, ['audit-pack', 'P1-S01', '--base', beforeDrift]).stdout;
    expect(restored).toContain(`Freeze: no freeze file of its own (not required); guarded by ${FREEZE}: every frozen input re-hashed when this pack was made matches`);
  });
});

describe('freeze-drift reads every freeze file validation lists', () => {
  it('reports a drifted input of a nested freeze file, on a run that reused its findings too, and leaves a clean run clean', () => {
    const { dir } = researchRepo();
    writeFileSync(path.join(dir, 'config/other.yaml'), 'x: 1\n');
    expect(runCli(dir, ['freeze', 'P1-S00', '--input', 'config/protocol.yaml']).code).toBe(0);
    // A freeze file in a subfolder of the freeze folder is a document validation lists: its inputs are
    // checked like those of the top-level files (they once were only when a top-level file named them).
    const NESTED = 'records/freeze/archive/P1-S01.freeze.json';
    const nested = JSON.parse(readFileSync(path.join(dir, FREEZE), 'utf8')) as Record<string, unknown>;
    mkdirSync(path.join(dir, 'records/freeze/archive'));
    writeFileSync(path.join(dir, NESTED), `${JSON.stringify({ ...nested, stage: 'P1-S01', inputs: { 'config/other.yaml': sha256('x: 1\n') } }, null, 2)}\n`);
    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', 'freezes');
    const clean = runCli(dir, ['validate', '--format', 'json']);
    expect((JSON.parse(clean.stdout).diagnostics as Array<Record<string, unknown>>).filter((diagnostic) => diagnostic.ruleId === 'freeze-drift')).toEqual([]);

    // The documents did not change: this run reuses the last findings and builds the model only for the drift.
    writeFileSync(path.join(dir, 'config/other.yaml'), 'x: 2\n');
    const drifted = runCli(dir, ['validate', '--format', 'json']);
    expect(drifted.code).toBe(1);
    const line = readFileSync(path.join(dir, NESTED), 'utf8').split('\n').findIndex((text) => text.includes('"config/other.yaml"')) + 1;
    expect((JSON.parse(drifted.stdout).diagnostics as Array<Record<string, unknown>>).filter((diagnostic) => diagnostic.ruleId === 'freeze-drift')).toEqual([
      expect.objectContaining({ file: NESTED, line, message: `Frozen input \`config/other.yaml\` differs from its freeze (frozen sha256 ${sha256('x: 1\n')} in ${NESTED}; sha256 now ${sha256('x: 2\n')}), expected the frozen content` }),
    ]);
    writeFileSync(path.join(dir, 'config/other.yaml'), 'x: 1\n');
    const restored = runCli(dir, ['validate', '--format', 'json']);
    expect((JSON.parse(restored.stdout).diagnostics as Array<Record<string, unknown>>).filter((diagnostic) => diagnostic.ruleId === 'freeze-drift')).toEqual([]);
  });
});

describe('decisions a stage must settle', () => {
  it('research S0 is not done without an accepted decision, nor while another decision naming it is proposed', () => {
    const { dir } = researchRepo();
    const tag = acceptedDecision(dir, 'proposed');
    freezeAndPassS0(dir, tag);
    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', 'S0 done', '--no-verify');

    const statusLine = readFileSync(path.join(dir, S0), 'utf8').split('\n').findIndex((text) => text.startsWith('status: ')) + 1;
    const unaccepted = runCli(dir, ['validate', '--format', 'json']);
    expect(unaccepted.code).toBe(1);
    expect(JSON.parse(unaccepted.stdout).diagnostics).toContainEqual(
      expect.objectContaining({ ruleId: 'decision-unresolved', file: S0, line: statusLine, column: 9, message: `Stage \`P1-S00\` is \`done\` while decision \`${tag}\` (decisions/${tag}.md) is \`proposed\`, expected \`accepted\`` }),
    );
    const refused = runCli(dir, ['sign-off', 'P1-S00']);
    expect(refused.code).toBe(1);
    expect(refused.stdout + refused.stderr).toContain(`decision \`${tag}\` (decisions/${tag}.md) is \`proposed\`, expected \`accepted\``);

    // Accepted, but another decision about the phase is still open: `decisions_resolved: all`.
    edit(dir, `decisions/${tag}.md`, (text) => text.replace('status: proposed', 'status: accepted'));
    const open = 'decisions/D-2026-11-21-900.md';
    writeFileSync(
      path.join(dir, open),
      '---\ndecision_tag: D-2026-11-21-900\nkind: decision\ntitle: Which metric\nowner: ada@example.com\ndate: "2026-11-21"\nstatus: proposed\nstages: [P1-S00]\n---\n# Which metric\n\n## Context\nTwo metrics.\n\n## Decision\nOpen.\n\n## Consequences\nNone yet.\n',
    );
    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', 'accept the scope, open a question', '--no-verify');
    const unresolved = JSON.parse(runCli(dir, ['validate', '--format', 'json']).stdout).diagnostics.filter((diagnostic: { ruleId: string }) => diagnostic.ruleId === 'decision-unresolved');
    expect(unresolved).toEqual([
      expect.objectContaining({ ruleId: 'decision-unresolved', message: `Stage \`P1-S00\` is \`done\` while decision \`D-2026-11-21-900\` (${open}) is \`proposed\`, expected resolved (\`accepted\`, \`rejected\` or \`superseded\`)` }),
    ]);
    expect(runCli(dir, ['sign-off', 'P1-S00']).code).toBe(1);

    edit(dir, open, (text) => text.replace('status: proposed', 'status: rejected'));
    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', 'reject the open question');
    expect(runCli(dir, ['validate']).code).toBe(0);
    const signed = runCli(dir, ['sign-off', 'P1-S00']);
    expect(signed.code, signed.stdout + signed.stderr).toBe(0);
  });
});
