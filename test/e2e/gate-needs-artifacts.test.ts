import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { validatorFor } from '../../src/model/ajv.js';
import { runReportSchema } from '../../src/model/report-schema.js';
import { gateRepo, gateStage, readReport, runFolders } from '../helpers/gates.js';
import { git, runCli } from '../helpers/repo.js';

const S00 = 'stages/mvp/00-foundation.md';

describe('gate needs', () => {
  it('runs a gate after the gates it needs, and skips it (failing the run) when one of them fails', () => {
    // `heavy` is written first but needs `preflight`; `after` needs `heavy`; `free` needs nothing.
    const dir = gateRepo({
      [S00]: gateStage(
        [
          '  - id: heavy\n    run: "touch heavy-ran"\n    needs: [preflight]',
          '  - id: after\n    run: "touch after-ran"\n    severity: warning\n    needs: [heavy]',
          '  - id: preflight\n    run: "test -f ready"',
          '  - id: free\n    run: "true"',
        ].join('\n'),
      ),
    });
    const result = runCli(dir, ['gate', 'run', 'P1-S00', '--format', 'json']);
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout);
    expect(validatorFor(runReportSchema)(report)).toBe(true);
    expect(report.gates.map((gate: { id: string; outcome: string }) => `${gate.id} ${gate.outcome}`)).toEqual(['preflight fail', 'heavy skipped', 'after skipped', 'free pass']);
    expect(report.gates[1]).toMatchObject({ summary: 'not run: its prerequisite `preflight` ended fail', duration_ms: 0, details: { skipped_because: 'preflight', prerequisite_outcome: 'fail' }, command: 'touch heavy-ran' });
    expect(report.gates[2]).toMatchObject({ severity: 'warning', summary: 'not run: its prerequisite `heavy` ended skipped' });
    // preflight failed and heavy (blocking) was skipped: two blocking failures; after is a warning.
    expect(report).toMatchObject({ overall_pass: false, blocking_failures: 2, warnings: 1 });
    expect(existsSync(path.join(dir, 'heavy-ran'))).toBe(false);
    expect(existsSync(path.join(dir, 'after-ran'))).toBe(false);
    const [runId] = runFolders(dir);
    const folder = path.join(dir, 'gate_results', runId!);
    expect(readFileSync(path.join(folder, 'report.md'), 'utf8')).toContain('| heavy | run | blocking | skipped | 0.0 s | not run: its prerequisite \\`preflight\\` ended fail |');
    expect(readFileSync(path.join(folder, 'run.log'), 'utf8')).toContain('==== gate heavy skipped: not run: its prerequisite `preflight` ended fail ====');
    const script = readFileSync(path.join(folder, 'command.sh'), 'utf8');
    expect(script.indexOf('# gate preflight')).toBeLessThan(script.indexOf('# gate heavy'));
    expect(script).toContain('# runs only when preflight passed');
  });

  it('runs every gate once the prerequisite passes, in the order needs give', () => {
    const dir = gateRepo({
      ready: '',
      [S00]: gateStage('  - id: heavy\n    run: "echo heavy >> order.txt"\n    needs: [preflight]\n  - id: preflight\n    run: "echo preflight >> order.txt"'),
    });
    const result = runCli(dir, ['gate', 'run', 'P1-S00', '--format', 'json']);
    expect(result.code).toBe(0);
    expect(readFileSync(path.join(dir, 'order.txt'), 'utf8')).toBe('preflight\nheavy\n');
  });

  it('--gate runs the gates the selected one needs first, transitively, and skips it when one fails', () => {
    // heavy needs build, build needs preflight; lint is not needed by heavy and stays out.
    const stages = (ready: boolean) =>
      gateStage(
        [
          '  - id: heavy\n    run: "echo heavy >> order.txt"\n    needs: [build]',
          '  - id: lint\n    run: "echo lint >> order.txt"',
          '  - id: build\n    run: "echo build >> order.txt"\n    needs: [preflight]',
          `  - id: preflight\n    run: "echo preflight >> order.txt && ${ready ? 'true' : 'false'}"`,
        ].join('\n'),
      );
    const failing = gateRepo({ [S00]: stages(false) });
    const failed = runCli(failing, ['gate', 'run', 'P1-S00', '--gate', 'heavy', '--format', 'json']);
    expect(failed.code).toBe(1);
    const refused = JSON.parse(failed.stdout);
    expect(validatorFor(runReportSchema)(refused)).toBe(true);
    expect(refused.gates.map((gate: { id: string; outcome: string }) => `${gate.id} ${gate.outcome}`)).toEqual(['preflight fail', 'build skipped', 'heavy skipped']);
    expect(refused).toMatchObject({ selected_gates: ['heavy'], prerequisite_gates: ['build', 'preflight'], overall_pass: false });
    expect(readFileSync(path.join(failing, 'order.txt'), 'utf8')).toBe('preflight\n');

    const passing = gateRepo({ [S00]: stages(true) });
    const ran = runCli(passing, ['gate', 'run', 'P1-S00', '--gate', 'heavy', '--format', 'json']);
    expect(ran.code).toBe(0);
    expect(readFileSync(path.join(passing, 'order.txt'), 'utf8')).toBe('preflight\nbuild\nheavy\n');
    expect(JSON.parse(ran.stdout)).toMatchObject({ selected_gates: ['heavy'], prerequisite_gates: ['build', 'preflight'] });
    // Selecting a prerequisite too: it is selected, not a prerequisite, and a gate with no needs pulls nothing in.
    const both = JSON.parse(runCli(passing, ['gate', 'run', 'P1-S00', '--gate', 'heavy', '--gate', 'build', '--format', 'json'], { env: { STAGEDOCS_NOW: '2026-11-21T09:31:00Z' } }).stdout);
    expect(both).toMatchObject({ selected_gates: ['heavy', 'build'], prerequisite_gates: ['preflight'] });
    const alone = JSON.parse(runCli(passing, ['gate', 'run', 'P1-S00', '--gate', 'lint', '--format', 'json'], { env: { STAGEDOCS_NOW: '2026-11-21T09:32:00Z' } }).stdout);
    expect(alone.selected_gates).toEqual(['lint']);
    expect(alone.prerequisite_gates).toBeUndefined();
  });

  it('validates needs: an unknown id, a gate that needs itself, a cycle', () => {
    const dir = gateRepo({
      [S00]: gateStage(
        [
          '  - id: a\n    run: "true"\n    needs: [b]',
          '  - id: b\n    run: "true"\n    needs: [a]',
          '  - id: c\n    run: "true"\n    needs: [c, nowhere]',
        ].join('\n'),
      ),
    });
    const result = runCli(dir, ['validate', '--format', 'json']);
    expect(result.code).toBe(1);
    const findings = JSON.parse(result.stdout).diagnostics.filter((finding: { ruleId: string }) => finding.ruleId === 'objective-gate');
    const shown = findings.map((finding: { line: number; column: number; message: string }) => `${finding.line}:${finding.column} ${finding.message}`);
    expect(shown).toEqual([
      expect.stringMatching(/^\d+:\d+ Gate `a` is in a cycle of needs: `a` -> `b` -> `a`$/),
      expect.stringMatching(/^\d+:\d+ Gate `c` needs itself$/),
      expect.stringMatching(/^\d+:\d+ Gate `c` needs `nowhere`, which is not a gate of this stage$/),
    ]);
    const text = readFileSync(path.join(dir, S00), 'utf8').split('\n');
    const nowhere = findings[2];
    expect(text[nowhere.line - 1]!.slice(nowhere.column - 1)).toMatch(/^nowhere\]/);
  });
});

describe('gate artifacts', () => {
  it('copies the files a gate leaves into the run folder with their sha256, and registry --check verifies them', () => {
    const dir = gateRepo({
      '.gitignore': '.stagedocs/\nresults/\n',
      [S00]: gateStage('  - id: results\n    run: "mkdir -p results && echo \'{\\"passed\\": 12}\' > results/unit.json && echo \'{\\"passed\\": 3}\' > results/e2e.json && echo noise > results/notes.txt && ln -s /etc/passwd results/passwd.json"\n    artifacts: ["results/*.json"]'),
    });
    const result = runCli(dir, ['gate', 'run', 'P1-S00', '--format', 'json']);
    expect(result.code).toBe(0);
    const [runId] = runFolders(dir);
    const folder = path.join(dir, 'gate_results', runId!);
    const report = readReport(dir, runId!);
    expect(validatorFor(runReportSchema)(report)).toBe(true);
    const unit = readFileSync(path.join(dir, 'results/unit.json'));
    expect(report.gates[0].artifacts).toEqual([
      { path: 'results/e2e.json', sha256: createHash('sha256').update(readFileSync(path.join(dir, 'results/e2e.json'))).digest('hex'), bytes: 14 },
      { path: 'results/unit.json', sha256: createHash('sha256').update(unit).digest('hex'), bytes: unit.length },
    ]);
    expect(readFileSync(path.join(folder, 'artifacts/results/unit.json'))).toEqual(unit);
    expect(existsSync(path.join(folder, 'artifacts/results/notes.txt'))).toBe(false);
    // A symbolic link could point at any file of the machine: never copied.
    expect(existsSync(path.join(folder, 'artifacts/results/passwd.json'))).toBe(false);
    expect(JSON.stringify(report.gates[0].artifacts)).not.toContain('passwd');
    const reportMd = readFileSync(path.join(folder, 'report.md'), 'utf8');
    expect(reportMd).toContain('## Kept artifacts');
    expect(reportMd).toContain(`| results | \`artifacts/results/unit.json\` | ${unit.length} | \`${report.gates[0].artifacts[1].sha256}\` |`);
    expect(runCli(dir, ['registry', '--check']).code).toBe(0);

    // The next run overwrites results/; the kept copy of the first run is what its report vouches for.
    writeFileSync(path.join(dir, 'results/unit.json'), '{"passed": 0}\n');
    expect(readFileSync(path.join(folder, 'artifacts/results/unit.json'))).toEqual(unit);

    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', 'evidence');
    const pack = runCli(dir, ['audit-pack', '--base', 'HEAD~1']);
    expect(pack.stdout).toContain(`kept: results/e2e.json (sha256 ${report.gates[0].artifacts[0].sha256.slice(0, 12)}, 14 B), results/unit.json`);

    writeFileSync(path.join(folder, 'artifacts/results/unit.json'), '{"passed": 99}\n');
    const check = runCli(dir, ['registry', '--check']);
    expect(check.code).toBe(1);
    expect(check.stdout + check.stderr).toContain(`run \`${runId}\` kept artifact gate_results/${runId}/artifacts/results/unit.json of gate \`results\` hashes to`);
    expect(check.stdout + check.stderr).toContain('(the artifact was changed)');
  });
});

describe('paths of the new gate keys stay inside the repository', () => {
  it('refuses an artifacts glob, a coverage report and a build folder outside it, at run time and in validate', () => {
    const dir = gateRepo({
      [S00]: gateStage(
        [
          '  - id: keeps\n    run: "true"\n    artifacts: ["../*.json"]',
          '  - id: coverage\n    type: coverage\n    coverage: { file: ../lcov.info, min: { lines: 1 } }',
          '  - id: builds\n    type: build\n    tool: make\n    cwd: /tmp',
        ].join('\n'),
      ),
    });
    const result = runCli(dir, ['gate', 'run', 'P1-S00', '--format', 'json']);
    expect(result.code).toBe(1);
    const [keeps, coverage, builds] = JSON.parse(result.stdout).gates;
    expect(keeps).toMatchObject({ outcome: 'pass', artifacts: [], details: { artifacts_refused: ['../*.json: climbs out of the repository with `..`'] } });
    expect(coverage).toMatchObject({ outcome: 'fail', summary: 'coverage report `../lcov.info` climbs out of the repository with `..`, expected a path inside the repository; nothing outside it was read' });
    expect(builds).toMatchObject({ outcome: 'fail', summary: '`cwd` `/tmp` is an absolute path, expected a folder inside the repository; nothing ran' });
    const validate = JSON.parse(runCli(dir, ['validate', '--format', 'json']).stdout);
    const fields = validate.diagnostics.filter((finding: { ruleId: string }) => finding.ruleId === 'path-inside-repository').map((finding: { message: string }) => finding.message);
    expect(fields).toHaveLength(3);
    expect(fields.join('\n')).toMatch(/`artifacts\[0\]`[\s\S]*`coverage\.file`[\s\S]*`cwd`/);
  });
});
