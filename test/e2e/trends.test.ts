import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { validatorFor } from '../../src/model/ajv.js';
import { runReportSchema } from '../../src/model/report-schema.js';
import { decision } from '../helpers/documents.js';
import { gateRepo, gateStage, readReport, runFolders } from '../helpers/gates.js';
import { git, runCli } from '../helpers/repo.js';

const S00 = 'stages/mvp/00-foundation.md';
const REPORT = 'coverage/coverage-summary.json';
const DECISION = 'D-2026-11-21-001';
const METRICS = 'metrics.json';
const HOSTILE_KEY = 'a|b <b>x</b> @team';

/** An istanbul json-summary as a test runner writes it, with these line and branch percentages. */
const summary = (lines: number, branches: number) => `${JSON.stringify({ total: { lines: { pct: lines }, branches: { pct: branches } } })}\n`;

const at = (minute: number) => ({ env: { STAGEDOCS_NOW: `2026-11-21T10:${String(minute).padStart(2, '0')}:00Z` } });

/**
 * Four real runs of a coverage gate at four states of the repository: lines 68 (below min 70, the
 * run fails), 71 (a rerun under a decision note), 74, then 80 on a working tree with an uncommitted
 * change, a run that is recorded but does not count.
 */
function repoWithFourRuns(): string {
  const dir = gateRepo(
    {
      [S00]: gateStage(
        [
          `  - id: coverage\n    type: coverage\n    coverage: { file: ${REPORT}, min: { lines: 70, branches: 50 } }`,
          // The measurement's name is the metric's path, the stage author's text: it must stay inert.
          `  - id: score\n    type: metric\n    severity: warning\n    metric: { file: ${METRICS}, path: "total.${HOSTILE_KEY}", min: 1 }`,
        ].join('\n'),
      ),
    },
    {
      [REPORT]: summary(68, 60),
      [METRICS]: `${JSON.stringify({ total: { [HOSTILE_KEY]: 3 } })}\n`,
      'decisions/D-2026-11-21-001.md': decision({
        extra: 'stages: [P1-S00]\n',
        body: '## Context\nLine coverage was 68%.\n\n## Decision\nTest the handlers.\n\n## Root cause\nThe handlers had no tests.\n\n## Consequences\nMore tests.\n',
      }),
    },
  );
  const commitReport = (lines: number, branches: number) => {
    writeFileSync(path.join(dir, REPORT), summary(lines, branches));
    git(dir, 'commit', '-qam', `coverage ${lines}`);
  };
  expect(runCli(dir, ['gate', 'run', 'P1-S00'], at(1)).code).toBe(1);
  commitReport(71, 60);
  expect(runCli(dir, ['gate', 'run', 'P1-S00', '--decision', DECISION], at(2)).code).toBe(0);
  commitReport(74, 65);
  expect(runCli(dir, ['gate', 'run', 'P1-S00'], at(3)).code).toBe(0);
  writeFileSync(path.join(dir, REPORT), summary(80, 65));
  expect(runCli(dir, ['gate', 'run', 'P1-S00'], at(4)).code).toBe(0);
  return dir;
}

describe('trends of measured requirements', () => {
  const dir = repoWithFourRuns();
  const runs = runFolders(dir);

  it('records every metric the coverage gate measured in report.json, in the one measurements shape', () => {
    expect(runs).toEqual(['P1-S00_20261121T100100Z', 'P1-S00_20261121T100200Z', 'P1-S00_20261121T100300Z', 'P1-S00_20261121T100400Z']);
    const first = readReport(dir, runs[0]!);
    expect(validatorFor(runReportSchema)(first)).toBe(true);
    expect(first.gates[0].measurements).toEqual([
      { name: 'lines', value: 68, unit: '%', target: { min: 70 }, met: false },
      { name: 'branches', value: 60, unit: '%', target: { min: 50 }, met: true },
    ]);
    expect(readReport(dir, runs[3]!).dirty).toBe(true);
  });

  it('report.md lists what each gate measured, with its target', () => {
    const markdown = readFileSync(path.join(dir, 'gate_results', runs[0]!, 'report.md'), 'utf8');
    expect(markdown).toContain('## Measurements\n\n| Gate | Measured | Value | Target | |\n|---|---|---|---|---|\n');
    expect(markdown).toMatch(/\| lines \| 68% \| min 70% \| not met \|\n\| [^|]+ \| branches \| 60% \| min 50% \| met \|/);
  });

  it('status --stage prints each requirement across the runs, the uncounted run marked', () => {
    const result = runCli(dir, ['status', '--stage', 'P1-S00']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const lines = result.stdout.split('\n');
    expect(lines).toContain('Measured requirements (oldest run first):');
    expect(lines).toContain('  coverage.lines  68% -> 71% -> 74% -> 80% (not counted: dirty)  (min 70%: met, up)');
    expect(lines).toContain('  coverage.branches  60% -> 60% -> 65% -> 65% (not counted: dirty)  (min 50%: met, up)');
    expect(lines).toContain(`  score.total.${HOSTILE_KEY}  3 -> 3 -> 3 -> 3 (not counted: dirty)  (min 1: met, flat)`);
  });

  it('status --stage --format json carries the full series, and only JSON is on stdout', () => {
    const result = runCli(dir, ['status', '--stage', 'P1-S00', '--format', 'json']);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.stage).toMatchObject({ id: 'P1-S00', phase: 'P1', file: S00 });
    expect(report.trends.map((trend: { gate: string; name: string }) => `${trend.gate}.${trend.name}`)).toEqual(['coverage.lines', 'coverage.branches', `score.total.${HOSTILE_KEY}`]);
    const lines = report.trends[0];
    const commits = git(dir, 'log', '--format=%H', '--reverse').trim().split('\n');
    expect(lines.series).toEqual([
      { run_id: runs[0], commit: commits[0], finished_at: '2026-11-21T10:01:00.000Z', value: 68, target: { min: 70 }, met: false, outcome: 'fail', counts: true, not_counted: [] },
      { run_id: runs[1], commit: commits[1], finished_at: '2026-11-21T10:02:00.000Z', value: 71, target: { min: 70 }, met: true, outcome: 'pass', counts: true, not_counted: [] },
      { run_id: runs[2], commit: commits[2], finished_at: '2026-11-21T10:03:00.000Z', value: 74, target: { min: 70 }, met: true, outcome: 'pass', counts: true, not_counted: [] },
      { run_id: runs[3], commit: commits[2], finished_at: '2026-11-21T10:04:00.000Z', value: 80, target: { min: 70 }, met: true, outcome: 'pass', counts: false, not_counted: ['dirty'] },
    ]);
    expect(lines).toMatchObject({ unit: '%', met: true, direction: 'up', target: { min: 70 }, latest_counted: { run_id: runs[2], value: 74 } });
  });

  it('the audit pack shows the series as a table in the stage section, and in its JSON', () => {
    const pack = runCli(dir, ['audit-pack', 'P1-S00']);
    expect(pack.code).toBe(0);
    expect(pack.stdout).toContain(
      [
        "Measured requirements across all of the stage's runs, oldest first (the newest 10 of each):",
        '',
        '| Requirement | Values | Target | Newest counted run | Trend |',
        '|---|---|---|---|---|',
        '| coverage.lines | 68% -&gt; 71% -&gt; 74% -&gt; 80% (not counted: dirty) | min 70% | met | up |',
        '| coverage.branches | 60% -&gt; 60% -&gt; 65% -&gt; 65% (not counted: dirty) | min 50% | met | up |',
        '| score.total.a\\|b &lt;b&gt;x&lt;/b&gt; @&#8203;team | 3 -&gt; 3 -&gt; 3 -&gt; 3 (not counted: dirty) | min 1 | met | flat |',
      ].join('\n'),
    );
    expect(pack.stdout).not.toContain('<b>x');
    const json = JSON.parse(runCli(dir, ['audit-pack', 'P1-S00', '--format', 'json']).stdout);
    expect(json.stages[0].evidence.trends[0].series.map((point: { value: number }) => point.value)).toEqual([68, 71, 74, 80]);
  });

  it('an unknown stage is a usage error (exit 2) naming it, without a stack trace', () => {
    const result = runCli(dir, ['status', '--stage', 'P1-S99']);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('No stage has the id `P1-S99`');
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});
