import { existsSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCsv } from '../../src/util/csv.js';
import { validatorFor } from '../../src/model/ajv.js';
import { CURRENT_COLUMNS } from '../../src/evidence/registry.js';
import { runReportSchema } from '../../src/model/report-schema.js';
import { decision } from '../helpers/documents.js';
import { gateRepo, gateStage, readReport, registryText, runFolders, sleep, startCli, waitFor, waitForProcessGone } from '../helpers/gates.js';
import { git, runCli } from '../helpers/repo.js';

const S00 = 'stages/mvp/00-foundation.md';

describe('stagedocs gate run', () => {
  it('passes: writes the whole evidence folder and one registry row', () => {
    const dir = gateRepo({ [S00]: gateStage('  - id: hello\n    run: "echo hello from the gate"\n    severity: blocking') });
    const result = runCli(dir, ['gate', 'run', 'P1-S00']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/\[1\/1\] hello pass/);
    expect(result.stdout).toMatch(/PASS P1-S00/);
    const [runId] = runFolders(dir);
    expect(runId).toBe('P1-S00_20261121T093000Z');
    expect(readdirSync(path.join(dir, 'gate_results', runId!)).sort()).toEqual(['command.sh', 'environment.json', 'report.json', 'report.md', 'run.log']);
    const report = readReport(dir, runId!);
    expect(validatorFor(runReportSchema)(report)).toBe(true);
    expect(report).toMatchObject({ overall_pass: true, blocking_failures: 0, warnings: 0, stage_id: 'P1-S00', phase_id: 'P1', branch: 'main', dirty: false, decision_tag: null });
    expect(report.commit).toBe(git(dir, 'rev-parse', 'HEAD').trim());
    expect(report.gates[0]).toMatchObject({ id: 'hello', type: 'run', outcome: 'pass', exit_code: 0, command: 'echo hello from the gate' });
    const log = readFileSync(path.join(dir, 'gate_results', runId!, 'run.log'), 'utf8');
    expect(log).toMatch(/==== gate hello \(run, blocking\) started/);
    expect(log).toContain('hello from the gate\n');
    expect(readFileSync(path.join(dir, 'gate_results', runId!, 'command.sh'), 'utf8')).toContain("sh -c 'echo hello from the gate'");
    const environment = JSON.parse(readFileSync(path.join(dir, 'gate_results', runId!, 'environment.json'), 'utf8'));
    expect(environment).toMatchObject({ stagedocs: expect.any(String), node: expect.stringMatching(/^v\d+/), git: { branch: 'main', dirty: false } });
    expect(readFileSync(path.join(dir, 'gate_results', runId!, 'report.md'), 'utf8')).toMatch(/# Gate run P1-S00\\_20261121T093000Z: PASS/);
    const rows = parseCsv(registryText(dir));
    expect(rows.map((row) => row.cells.length)).toEqual([16, 16]);
    expect(rows[0]!.cells).toEqual([...CURRENT_COLUMNS]);
    expect(rows[1]!.cells.slice(0, 8)).toEqual([runId, 'P1-S00', 'Stage P1-S00', 'P1', '2026-11-21T09:30:00.000Z', '2026-11-21T09:30:00.000Z', expect.stringMatching(/^\d+$/), 'true']);
    expect(runCli(dir, ['registry', '--check']).code).toBe(0);
  });

  it('fails on a blocking gate (exit 1) and keeps the failed run', () => {
    const dir = gateRepo({ [S00]: gateStage('  - id: build\n    run: "echo building; exit 4"\n  - id: after\n    run: "true"') });
    const result = runCli(dir, ['gate', 'run', 'P1-S00', '--format', 'json']);
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout);
    expect(report).toMatchObject({ overall_pass: false, blocking_failures: 1, warnings: 0 });
    expect(report.gates[0]).toMatchObject({ id: 'build', outcome: 'fail', exit_code: 4, summary: 'exit 4, expected 0' });
    expect(report.gates[1]).toMatchObject({ id: 'after', outcome: 'pass' });
    expect(parseCsv(registryText(dir))[1]!.cells[7]).toBe('false');
  });

  it('shows the last output lines of a failing gate, redacted, in the terminal and in report.md', () => {
    const command = 'seq 1 30; echo \\"token=$DEPLOY_TOKEN\\"; echo \\"error: cannot find module foo\\" >&2; exit 3';
    const dir = gateRepo({ [S00]: gateStage(`  - id: build\n    run: "${command}"\n  - id: fine\n    run: "echo all good"`) });
    const result = runCli(dir, ['gate', 'run', 'P1-S00'], { env: { DEPLOY_TOKEN: 's3cr3t-value-1234' } });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('Last output of build (exit 3, expected 0):\n');
    expect(result.stdout).toContain('  error: cannot find module foo\n');
    expect(result.stdout).not.toContain('Last output of fine');
    const [runId] = runFolders(dir);
    const report = readReport(dir, runId!);
    const tail = report.gates[0].details.output_tail as string[];
    // The last twelve non-empty lines only (stdout and stderr arrive through separate pipes, so their
    // relative order is not asserted), the secret redacted everywhere.
    expect(tail).toHaveLength(12);
    expect(tail).toContain('30');
    expect(tail).toContain('error: cannot find module foo');
    expect(tail).not.toContain('19');
    expect(report.gates[1].details).toBeUndefined();
    const reportMd = readFileSync(path.join(dir, 'gate_results', runId!, 'report.md'), 'utf8');
    expect(reportMd).toMatch(/```text\n(?:.+\n){12}```\n/);
    for (const text of [result.stdout, reportMd, JSON.stringify(report)]) expect(text).not.toContain('s3cr3t-value-1234');
  });

  it('honours expect_exit', () => {
    const dir = gateRepo({ [S00]: gateStage('  - id: refuses\n    run: "exit 3"\n    expect_exit: 3') });
    expect(runCli(dir, ['gate', 'run', 'P1-S00']).code).toBe(0);
  });

  it('reports a failing warning gate without failing the run', () => {
    const dir = gateRepo({ [S00]: gateStage('  - id: lint\n    run: "exit 2"\n    severity: warning\n  - id: tests\n    run: "true"') });
    const result = runCli(dir, ['gate', 'run', 'P1-S00']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/lint fail \(warning\)/);
    expect(readReport(dir, runFolders(dir)[0]!)).toMatchObject({ overall_pass: true, blocking_failures: 0, warnings: 1 });
  });

  it('kills the whole process group on timeout, grandchildren included', async () => {
    // The grandchild ignores SIGTERM and would write late.txt 6 s after it started: SIGKILL must get it first.
    const dir = gateRepo({
      [S00]: gateStage(`  - id: hangs\n    run: "(trap '' TERM; sh -c 'echo $$ > grandchild.pid; sleep 6; echo late > late.txt') & sleep 60"\n    timeout: 1`),
    });
    const result = runCli(dir, ['gate', 'run', 'P1-S00']);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/hangs timeout/);
    const report = readReport(dir, runFolders(dir)[0]!);
    expect(report.gates[0]).toMatchObject({ outcome: 'timeout', exit_code: null });
    const pid = Number(readFileSync(path.join(dir, 'grandchild.pid'), 'utf8'));
    await waitForProcessGone(pid);
    await sleep(5000);
    expect(existsSync(path.join(dir, 'late.txt'))).toBe(false);
  }, 30_000);

  it('kills what a passing gate leaves running in the background', async () => {
    const dir = gateRepo({ [S00]: gateStage(`  - id: leaves\n    run: "(sleep 2; echo late > late.txt) & echo started"`) });
    expect(runCli(dir, ['gate', 'run', 'P1-S00']).code).toBe(0);
    await sleep(3500);
    expect(existsSync(path.join(dir, 'late.txt'))).toBe(false);
  }, 20_000);

  it('caps huge output with a truncation note', () => {
    const dir = gateRepo({
      'stagedocs.config.yaml': 'gates:\n  max_log_bytes: 4096\n',
      [S00]: gateStage('  - id: noisy\n    run: "yes 0123456789 | head -n 200000"\n  - id: next\n    run: "echo next gate"'),
    });
    const result = runCli(dir, ['gate', 'run', 'P1-S00']);
    expect(result.code).toBe(0);
    const runId = runFolders(dir)[0]!;
    const log = readFileSync(path.join(dir, 'gate_results', runId, 'run.log'), 'utf8');
    expect(statSync(path.join(dir, 'gate_results', runId, 'run.log')).size).toBeLessThan(4096 + 2048);
    expect(log).toMatch(/output truncated: run\.log reached gates\.max_log_bytes \(4096 bytes\); \d+ bytes of this gate's output were dropped/);
    expect(log).toMatch(/==== gate next \(run, blocking\) started/);
    expect(readReport(dir, runId).gates[0].details.log_bytes_dropped).toBeGreaterThan(2_000_000);
    expect(result.stdout).toMatch(/run\.log was capped at 4096 bytes/);
  });

  it('redacts secrets in every file it writes', () => {
    const token = `ghp_${'A1b2C3d4E5'.repeat(4)}`;
    const dir = gateRepo({
      'stagedocs.config.yaml': 'gates:\n  redact: ["internal-[0-9]+"]\n',
      [S00]: gateStage(`  - id: leaky\n    run: "echo key=$DEPLOY_API_KEY; echo ${token}; echo Authorization: Bearer abcdefghijklmnop; echo internal-4242; exit 1"`),
    });
    const result = runCli(dir, ['gate', 'run', 'P1-S00', '--format', 'json'], { env: { DEPLOY_API_KEY: 'hunter2-very-secret' } });
    expect(result.code).toBe(1);
    const runId = runFolders(dir)[0]!;
    const log = readFileSync(path.join(dir, 'gate_results', runId, 'run.log'), 'utf8');
    expect(log).toContain('key=[REDACTED:DEPLOY_API_KEY]');
    expect(log).toContain('[REDACTED:github-token]');
    expect(log).toContain('Authorization: [REDACTED:bearer]');
    expect(log).toContain('[REDACTED]');
    const everything = [
      result.stdout,
      registryText(dir),
      ...readdirSync(path.join(dir, 'gate_results', runId)).map((name) => readFileSync(path.join(dir, 'gate_results', runId, name), 'utf8')),
    ].join('\n');
    for (const secret of ['hunter2-very-secret', token, 'abcdefghijklmnop', 'internal-4242']) expect(everything).not.toContain(secret);
    expect(runCli(dir, ['registry', '--check']).code).toBe(0);
  });

  it('does not pass GIT_INDEX_FILE to gate commands', () => {
    const dir = gateRepo({ [S00]: gateStage('  - id: env\n    run: "test -z \\"$GIT_INDEX_FILE\\""') });
    expect(runCli(dir, ['gate', 'run', 'P1-S00'], { env: { GIT_INDEX_FILE: '/tmp/some-index' } }).code).toBe(0);
  });

  it('fails a metric below its threshold, and a missing value clearly', () => {
    const dir = gateRepo({
      [S00]: gateStage(
        [
          '  - id: coverage',
          `    run: "mkdir -p coverage && echo '{\\"total\\":{\\"lines\\":{\\"pct\\":64.2}}}' > coverage/coverage-summary.json"`,
          '    metric: { file: coverage/coverage-summary.json, path: total.lines.pct, min: 70 }',
          '  - id: branches',
          '    metric: { file: coverage/coverage-summary.json, path: total.branches.pct, min: 50 }',
          '    severity: warning',
        ].join('\n'),
      ),
    });
    const result = runCli(dir, ['gate', 'run', 'P1-S00', '--format', 'json']);
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout);
    expect(report.gates[0]).toMatchObject({ type: 'metric', outcome: 'fail', summary: 'total.lines.pct 64.2 < min 70', measured: { value: 64.2, min: 70 } });
    expect(report.gates[1]).toMatchObject({ outcome: 'fail', summary: 'metric file coverage/coverage-summary.json has no value at `total.branches.pct`' });
  });

  it('fails a metric whose file the command did not write (stale numbers)', () => {
    const dir = gateRepo({
      'coverage.json': '{"pct": 95}',
      [S00]: gateStage('  - id: coverage\n    run: "echo coverage disabled"\n    metric: { file: coverage.json, path: pct, min: 70 }'),
    });
    utimesSync(path.join(dir, 'coverage.json'), new Date('2020-01-01T00:00:00Z'), new Date('2020-01-01T00:00:00Z'));
    const result = runCli(dir, ['gate', 'run', 'P1-S00', '--format', 'json']);
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout).gates[0].summary).toBe('metric file coverage.json was not written by the command (last modified 2020-01-01T00:00:00.000Z, before the gate started)');
  });

  it('passes a metric within its bounds', () => {
    const dir = gateRepo({
      'metrics.json': '{"latency": {"p95": 120}}',
      [S00]: gateStage('  - id: latency\n    metric: { file: metrics.json, path: latency.p95, max: 200 }'),
    });
    expect(runCli(dir, ['gate', 'run', 'P1-S00']).code).toBe(0);
  });

  it('detects stubs and names the worst files', () => {
    const dir = gateRepo({
      'src/a.ts': "export function a() {\n  throw new Error('not implemented');\n}\n// TODO: later\n",
      'src/b.ts': 'export function b() {\n  return res.status(501).end();\n}\n',
      'src/c.ts': 'export const c = 1;\n',
      'src/d.ts': 'export const d = 2; // the word TODO is allowed here: stagedocs-allow-stub\n',
      'src/generated/e.ts': '// TODO generated\n',
      [S00]: gateStage('  - id: stubs\n    type: no-stubs\n    include: ["src/**/*.ts"]\n    exclude: ["src/generated/**"]\n    max_rate: 0.25'),
    });
    const result = runCli(dir, ['gate', 'run', 'P1-S00', '--format', 'json']);
    expect(result.code).toBe(1);
    const gate = JSON.parse(result.stdout).gates[0];
    expect(gate).toMatchObject({ outcome: 'fail', measured: { value: 0.5, max: 0.25 }, summary: '2 of 4 files hold stubs (50%), max 25%; worst: src/a.ts (2)' });
    expect(gate.details.worst.map((hit: { file: string }) => hit.file)).toEqual(['src/a.ts', 'src/b.ts']);
    expect(gate.details.allowed_lines).toBe(1);
  });

  it('fails no-stubs when nothing matches, and traces requirements', () => {
    const dir = gateRepo({
      'docs/prd.md': '# PRD\n\n- REQ-1 login\n- REQ-2 logout\n- REQ-12 audit\n',
      'src/auth.ts': '// implements REQ-1, REQ-2 and REQ-12\n',
      // REQ-2 is named in code only: without a test that names it, it is not implemented.
      'test/auth.test.ts': '// checks REQ-1 and REQ-12\n',
      [S00]: gateStage(
        '  - id: stubs\n    type: no-stubs\n    include: ["lib/**/*.ts"]\n  - id: trace\n    type: prd-trace\n    document: docs/prd.md\n    include: ["src/**", "docs/**"]\n    min_rate: 0.8\n  - id: docs\n    type: produces\n    files: [docs/prd.md, docs/api.md]',
      ),
    });
    const result = runCli(dir, ['gate', 'run', 'P1-S00', '--format', 'json']);
    expect(result.code).toBe(1);
    const [stubs, trace, produces] = JSON.parse(result.stdout).gates;
    expect(stubs.summary).toMatch(/no file matched lib\/\*\*\/\*\.ts/);
    expect(trace).toMatchObject({ outcome: 'fail', summary: '2 of 3 requirements referenced from code and a test (66.7%), min 80%; unreferenced: REQ-2', details: { unreferenced: ['REQ-2'], missing_from: { 'REQ-2': ['test'] } } });
    expect(produces).toMatchObject({ outcome: 'fail', summary: '1 of 2 declared files exist; missing: docs/api.md' });
  });

  it('refuses a rerun after a failure without a new decision with a root cause', () => {
    const dir = gateRepo(
      { [S00]: gateStage('  - id: flaky\n    run: "test -f fixed"') },
      {
        // Both notes are about P1-S00 (a rerun note must list the stage): only the root cause differs.
        'decisions/D-2026-11-21-001.md': decision({ tag: 'D-2026-11-21-001', extra: 'stages: [P1-S00]\n' }),
        'decisions/D-2026-11-21-002.md': decision({ tag: 'D-2026-11-21-002', extra: 'stages: [P1-S00]\n', body: '## Context\nx\n\n## Decision\ny\n\n## Consequences\nz\n\n## Root cause\nThe fixture file was missing.\n' }),
      },
    );
    expect(runCli(dir, ['gate', 'run', 'P1-S00']).code).toBe(1);
    expect(runFolders(dir)).toHaveLength(1);
    const registryBefore = registryText(dir);

    const bare = runCli(dir, ['gate', 'run', 'P1-S00']);
    expect(bare.code).toBe(1);
    expect(bare.stderr).toMatch(/The last run of `P1-S00` \(P1-S00_20261121T093000Z\) failed; a rerun needs --decision <tag>/);
    const noRootCause = runCli(dir, ['gate', 'run', 'P1-S00', '--decision', 'D-2026-11-21-001']);
    expect(noRootCause.code).toBe(1);
    expect(noRootCause.stderr).toMatch(/has no `Root cause` section/);
    expect(runCli(dir, ['gate', 'run', 'P1-S00', '--decision', 'D-9999-01-01-001']).code).toBe(2);
    expect(runFolders(dir)).toHaveLength(1);
    expect(registryText(dir)).toBe(registryBefore);

    // A decision with a root cause allows the rerun; it fails again, so the same decision is not enough.
    expect(runCli(dir, ['gate', 'run', 'P1-S00', '--decision', 'D-2026-11-21-002']).code).toBe(1);
    expect(runFolders(dir)).toHaveLength(2);
    expect(readReport(dir, runFolders(dir)[1]!).decision_tag).toBe('D-2026-11-21-002');
    const same = runCli(dir, ['gate', 'run', 'P1-S00', '--decision', 'D-2026-11-21-002']);
    expect(same.code).toBe(1);
    expect(same.stderr).toMatch(/under decision `D-2026-11-21-002`; a rerun needs a different decision note/);
    expect(runFolders(dir)).toHaveLength(2);
  });

  it('refuses a stage whose dependency has no passing run', () => {
    const dir = gateRepo({
      [S00]: gateStage('  - id: fails\n    run: "false"'),
      'stages/mvp/01-skeleton.md': gateStage('  - id: ok\n    run: "true"', { id: 'P1-S01', order: 1, status: 'not-started' }),
    });
    const refused = runCli(dir, ['gate', 'run', 'P1-S01']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/Stage `P1-S01` depends on `P1-S00`, which has no passing gate run/);
    expect(runFolders(dir)).toEqual([]);
    expect(runCli(dir, ['gate', 'run', 'P1-S00', '--gate', 'fails']).code).toBe(1);
    expect(runCli(dir, ['gate', 'run', 'P1-S01']).code).toBe(1);
  });

  it('does not count a --gate subset as the stage passing', () => {
    const dir = gateRepo({
      [S00]: gateStage('  - id: a\n    run: "true"\n  - id: b\n    run: "true"'),
      'stages/mvp/01-skeleton.md': gateStage('  - id: ok\n    run: "true"', { id: 'P1-S01', order: 1, status: 'not-started' }),
    });
    expect(runCli(dir, ['gate', 'run', 'P1-S00', '--gate', 'b']).code).toBe(0);
    expect(readReport(dir, runFolders(dir)[0]!).selected_gates).toEqual(['b']);
    expect(runCli(dir, ['gate', 'run', 'P1-S01']).code).toBe(1);
    expect(runCli(dir, ['gate', 'run', 'P1-S00']).code).toBe(0);
    expect(runCli(dir, ['gate', 'run', 'P1-S01']).code).toBe(0);
  });

  it('exits 2 on usage errors', () => {
    const dir = gateRepo({ [S00]: gateStage('  - id: a\n    run: "true"') });
    expect(runCli(dir, ['gate', 'run', 'P9-S99']).stderr).toMatch(/No stage has the id `P9-S99`/);
    expect(runCli(dir, ['gate', 'run', 'P9-S99']).code).toBe(2);
    expect(runCli(dir, ['gate', 'run', '--', '--output=x']).code).toBe(2);
    expect(runCli(dir, ['gate', 'run', 'P1-S00', '--gate', 'nope']).code).toBe(2);
    expect(runCli(dir, ['gate', 'run', 'P1-S00', '--timeout', '0']).code).toBe(2);
    const notGit = runCli(dir, ['gate', 'run', 'P1-S00', '--cwd', '/']);
    expect(notGit.code).toBe(2);
    expect(notGit.stderr).toMatch(/is not inside a git repository/);
    expect(runFolders(dir)).toEqual([]);
  });

  it('writes two intact rows for two concurrent runs', async () => {
    const dir = gateRepo({ [S00]: gateStage('  - id: slow\n    run: "sleep 1; echo done"') });
    const [first, second] = await Promise.all([startCli(dir, ['gate', 'run', 'P1-S00']).done, startCli(dir, ['gate', 'run', 'P1-S00']).done]);
    expect([first.code, second.code]).toEqual([0, 0]);
    expect(runFolders(dir)).toEqual(['P1-S00_20261121T093000Z', 'P1-S00_20261121T093000Z-2']);
    const rows = parseCsv(registryText(dir));
    expect(rows).toHaveLength(3);
    expect(rows.slice(1).map((row) => row.cells[0]).sort()).toEqual(runFolders(dir));
    expect(rows.every((row) => row.cells.length === CURRENT_COLUMNS.length)).toBe(true);
    expect(runCli(dir, ['registry', '--check']).code).toBe(0);
  }, 30_000);

  it('survives a run killed with SIGKILL: unfinished, not corruption, and the next run works', async () => {
    const dir = gateRepo(
      { [S00]: gateStage('  - id: maybe-hangs\n    run: "test -f fast || (echo $$ > gate.pid; sleep 60)"') },
      {
        'decisions/D-2026-11-21-001.md': decision({
          tag: 'D-2026-11-21-001',
          extra: 'stages: [P1-S00]\n',
          body: '## Context\nThe run was killed.\n\n## Decision\nRun again.\n\n## Consequences\nNone.\n\n## Root cause\nThe gate hung and stagedocs was killed.\n',
        }),
      },
    );
    writeFileSync(path.join(dir, 'fast'), '');
    expect(runCli(dir, ['gate', 'run', 'P1-S00']).code).toBe(0);
    rmSync(path.join(dir, 'fast'));

    const { child, done } = startCli(dir, ['gate', 'run', 'P1-S00'], { STAGEDOCS_NOW: '2026-11-21T10:00:00Z' });
    await waitFor(() => existsSync(path.join(dir, 'gate.pid')) && readFileSync(path.join(dir, 'gate.pid'), 'utf8').trim() !== '', 'the gate to start');
    child.kill('SIGKILL');
    await done;
    // stagedocs was killed, not the gate: its process group survives stagedocs and is cleaned up here.
    const gatePid = Number(readFileSync(path.join(dir, 'gate.pid'), 'utf8'));
    try {
      process.kill(-gatePid, 'SIGKILL');
    } catch {
      // already gone
    }

    const killedRun = 'P1-S00_20261121T100000Z';
    expect(runFolders(dir)).toContain(killedRun);
    expect(existsSync(path.join(dir, 'gate_results', killedRun, 'report.json'))).toBe(false);
    expect(parseCsv(registryText(dir))).toHaveLength(2);
    const check = runCli(dir, ['registry', '--check']);
    expect(check.code).toBe(0);
    expect(check.stdout).toContain(`unfinished gate_results/${killedRun}/ has no report.json`);

    writeFileSync(path.join(dir, 'fast'), '');
    // An unfinished last run counts as a failure: the next run needs a decision note with its root cause.
    const bare = runCli(dir, ['gate', 'run', 'P1-S00'], { env: { STAGEDOCS_NOW: '2026-11-21T11:00:00Z' } });
    expect(bare.code).toBe(1);
    expect(bare.stderr).toContain(killedRun);
    expect(runCli(dir, ['gate', 'run', 'P1-S00', '--decision', 'D-2026-11-21-001'], { env: { STAGEDOCS_NOW: '2026-11-21T11:00:00Z' } }).code).toBe(0);
    const rows = parseCsv(registryText(dir));
    expect(rows).toHaveLength(3);
    expect(rows.every((row) => row.cells.length === CURRENT_COLUMNS.length)).toBe(true);
    expect(runCli(dir, ['registry', '--check']).code).toBe(0);
    expect(runCli(dir, ['validate']).stdout).not.toMatch(/registry-consistent/);
  }, 60_000);

  it('stops the gate process group when stagedocs is interrupted, and records the run as interrupted', async () => {
    const dir = gateRepo({ [S00]: gateStage(`  - id: hangs\n    run: "sh -c 'echo $$ > child.pid; sleep 60' & wait"\n  - id: never\n    run: "touch never-ran"`) });
    const { child, done } = startCli(dir, ['gate', 'run', 'P1-S00']);
    await waitFor(() => existsSync(path.join(dir, 'child.pid')) && readFileSync(path.join(dir, 'child.pid'), 'utf8').trim() !== '', 'the gate to start');
    child.kill('SIGTERM');
    const result = await done;
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/INTERRUPTED P1-S00/);
    const pid = Number(readFileSync(path.join(dir, 'child.pid'), 'utf8'));
    await waitForProcessGone(pid);
    expect(existsSync(path.join(dir, 'never-ran'))).toBe(false);
    const report = readReport(dir, 'P1-S00_20261121T093000Z');
    expect(report).toMatchObject({ interrupted: true, overall_pass: false, gates: [{ id: 'hangs', outcome: 'interrupted' }] });
    expect(report.gates).toHaveLength(1);
    expect(readFileSync(path.join(dir, 'gate_results/P1-S00_20261121T093000Z/run.log'), 'utf8')).toMatch(/interrupted during gate hangs/);
    expect(parseCsv(registryText(dir))).toHaveLength(2);
    expect(runCli(dir, ['registry', '--check']).code).toBe(0);
  }, 30_000);
});
