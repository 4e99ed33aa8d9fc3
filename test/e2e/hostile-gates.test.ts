import { cpSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { parseCsv, decodeCell } from '../../src/util/csv.js';
import { alive, gateRepo, gateStage, readReport, registryText, runFolders, startCli, waitFor, waitForProcessGone } from '../helpers/gates.js';
import { GIT_ENV, PROJECT_ROOT, runCli, tempDir } from '../helpers/repo.js';
import { decision, stage, STAGE_SECTIONS } from '../helpers/documents.js';

/** The gate-process, secrets and CSV parts of the hostile-input issue, against the built CLI. */
const S00 = 'stages/mvp/00-s.md';
const RUN = 'P1-S00_20261121T093000Z';

const pidIn = (dir: string, file: string) => Number(readFileSync(path.join(dir, file), 'utf8').trim());

describe('gate processes that escape or hold the pipes', () => {
  it('a child in its own session is ended at the timeout, and the run finishes', async () => {
    // The child leaves the process group and the session, and keeps stdout open.
    const dir = gateRepo({ [S00]: gateStage(`  - id: escapes\n    run: "setsid sh -c 'echo $$ > escaped.pid; exec sleep 1000' & sleep 1000"\n    timeout: 3`) });
    const started = Date.now();
    const { done } = startCli(dir, ['gate', 'run', 'P1-S00']);
    const result = await done;
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(result.code).toBe(1);
    expect(readReport(dir, RUN).gates[0]).toMatchObject({ id: 'escapes', outcome: 'timeout' });
    await waitForProcessGone(pidIn(dir, 'escaped.pid'));
    expect(parseCsv(registryText(dir))).toHaveLength(2);
  }, 60_000);

  it('a shell that exits while an escaped child holds the output pipes does not make stagedocs wait', async () => {
    const dir = gateRepo({ [S00]: gateStage(`  - id: leaves\n    run: "setsid sh -c 'echo $$ > escaped.pid; exec sleep 1000' & while [ ! -s escaped.pid ]; do sleep 0.1; done; echo done"\n    timeout: 600`) });
    const started = Date.now();
    const result = await startCli(dir, ['gate', 'run', 'P1-S00']).done;
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(result.code).toBe(0);
    expect(readFileSync(path.join(dir, 'gate_results', RUN, 'run.log'), 'utf8')).toContain('done');
    await waitForProcessGone(pidIn(dir, 'escaped.pid'));
  }, 60_000);

  it('SIGTERM to stagedocs ends an escaped child too and records the run as interrupted', async () => {
    const dir = gateRepo({ [S00]: gateStage(`  - id: hangs\n    run: "setsid sh -c 'echo $$ > escaped.pid; exec sleep 1000' & sleep 1000"\n  - id: later\n    run: "touch later-ran"`) });
    const { child, done } = startCli(dir, ['gate', 'run', 'P1-S00']);
    await waitFor(() => existsSync(path.join(dir, 'escaped.pid')) && readFileSync(path.join(dir, 'escaped.pid'), 'utf8').trim() !== '', 'the gate to start');
    const escaped = pidIn(dir, 'escaped.pid');
    expect(alive(escaped)).toBe(true);
    child.kill('SIGTERM');
    const result = await done;
    expect(result.code).toBe(1);
    await waitForProcessGone(escaped);
    const report = readReport(dir, RUN);
    expect(report).toMatchObject({ interrupted: true, overall_pass: false, gates: [{ id: 'hangs', outcome: 'interrupted' }] });
    expect(existsSync(path.join(dir, 'later-ran'))).toBe(false);
    const rows = parseCsv(registryText(dir));
    expect(rows).toHaveLength(2);
    expect(rows[1]!.cells[7]).toBe('false');
    // An interrupted run did not prove the stage: like a failure, the next run needs a decision note.
    writeFileSync(path.join(dir, S00), gateStage(`  - id: quick\n    run: "true"`));
    const refused = runCli(dir, ['gate', 'run', 'P1-S00'], { env: { STAGEDOCS_NOW: '2026-11-21T10:00:00Z' } });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(RUN);
    mkdirSync(path.join(dir, 'decisions'), { recursive: true });
    writeFileSync(
      path.join(dir, 'decisions/D-2026-11-21-001.md'),
      decision({ tag: 'D-2026-11-21-001', extra: 'stages: [P1-S00]\n', body: '## Context\nThe run was interrupted.\n\n## Decision\nRun again.\n\n## Consequences\nNone.\n\n## Root cause\nThe gate waited on a child that never ended.\n' }),
    );
    expect(runCli(dir, ['gate', 'run', 'P1-S00', '--decision', 'D-2026-11-21-001'], { env: { STAGEDOCS_NOW: '2026-11-21T10:00:00Z' } }).code).toBe(0);
  }, 60_000);

  it('refuses a timeout that would overflow the timer, on the flag and in the configuration', () => {
    const dir = gateRepo({ [S00]: gateStage(`  - id: quick\n    run: "true"`) });
    const flag = runCli(dir, ['gate', 'run', 'P1-S00', '--timeout', '1e9']);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toMatch(/expected at most 604800 seconds/);
    expect(runFolders(dir)).toEqual([]);
    writeFileSync(path.join(dir, 'stagedocs.config.yaml'), 'gates:\n  default_timeout: 1000000000\n');
    const config = runCli(dir, ['validate']);
    expect(config.code).toBe(2);
    expect(`${config.stdout}${config.stderr}`).toMatch(/stagedocs\.config\.yaml:2:\d+/);
    writeFileSync(path.join(dir, 'stagedocs.config.yaml'), '');
    writeFileSync(path.join(dir, S00), gateStage(`  - id: quick\n    run: "true"\n    timeout: 1e9`));
    const stageCheck = runCli(dir, ['validate', '--format', 'json']);
    expect(stageCheck.code).toBe(1);
    expect(JSON.parse(stageCheck.stdout).diagnostics).toEqual(expect.arrayContaining([expect.objectContaining({ file: S00, line: 13, column: 14, ruleId: 'frontmatter-schema', message: expect.stringMatching(/timeout/) })]));
  }, 60_000);

  it('finishes and records the run when a gate deletes node_modules (stagedocs installed there)', () => {
    const dir = gateRepo({ [S00]: gateStage(`  - id: npm-ci\n    run: "rm -rf node_modules && exit 1"`) }, { '.gitignore': '.stagedocs/\nnode_modules/\n' });
    const installed = path.join(dir, 'node_modules', 'stagedocs');
    mkdirSync(installed, { recursive: true });
    for (const entry of ['dist', 'templates', 'package.json']) cpSync(path.join(PROJECT_ROOT, entry), path.join(installed, entry), { recursive: true });
    symlinkSync(path.join(PROJECT_ROOT, 'node_modules'), path.join(installed, 'node_modules'));
    const result = spawnSync(process.execPath, [path.join(installed, 'dist/cli/bin.js'), 'gate', 'run', 'P1-S00'], {
      cwd: dir,
      env: { ...GIT_ENV, STAGEDOCS_NOW: '2026-11-21T09:30:00Z' },
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(existsSync(installed)).toBe(false);
    expect(result.stderr).not.toMatch(/Template .* not found|internal error/);
    expect(result.status).toBe(1);
    expect(readReport(dir, RUN)).toMatchObject({ overall_pass: false, gates: [{ id: 'npm-ci', outcome: 'fail' }] });
    expect(readFileSync(path.join(dir, 'gate_results', RUN, 'report.md'), 'utf8')).toContain('npm-ci');
    expect(parseCsv(registryText(dir))).toHaveLength(2);
  }, 120_000);
});

describe('secrets in gate output', () => {
  it('redacts a token straddling the 64 KB capture boundary, keeps UTF-8 whole, and knows MY_PAT', () => {
    const pat = 'pat-0123456789abcdefghij';
    // 65,530 bytes of 'é' (2 bytes each) and 'x', then the token, on one line: the token crosses 64 KB.
    const script = `node -e "process.stdout.write('é'.repeat(32760) + 'xxxx' + process.env.MY_PAT + '€'.repeat(40000) + '\\\\n')"`;
    const dir = gateRepo({ [S00]: gateStage(`  - id: prints\n    run: ${JSON.stringify(script)}`) });
    const result = runCli(dir, ['gate', 'run', 'P1-S00'], { env: { MY_PAT: pat } });
    expect(result.code).toBe(0);
    const log = readFileSync(path.join(dir, 'gate_results', RUN, 'run.log'), 'utf8');
    expect(log).not.toContain(pat.slice(0, 10));
    expect(log).toContain('[REDACTED:MY_PAT]');
    expect(log).not.toContain('\uFFFD');
    expect(log).toContain('€'.repeat(40000));
  }, 60_000);

  it('a secret that looks like a JSON fragment cannot corrupt report.json', () => {
    const dir = gateRepo({ [S00]: gateStage(`  - id: fails\n    run: "echo failing; exit 3"`) });
    const result = runCli(dir, ['gate', 'run', 'P1-S00'], { env: { ODD_SECRET: '": false,', OTHER_TOKEN: '": true,\n' } });
    expect(result.stderr).not.toMatch(/internal error|^\s+at /m);
    expect(result.code).toBe(1);
    expect(readReport(dir, RUN)).toMatchObject({ overall_pass: false });
    expect(parseCsv(registryText(dir))).toHaveLength(2);
    expect(runCli(dir, ['registry', '--check']).code).toBe(0);
  }, 60_000);

  it('an invalid gates.redact pattern is a configuration error at its key, for validate too', () => {
    const dir = gateRepo({ [S00]: gateStage(`  - id: quick\n    run: "true"`), 'stagedocs.config.yaml': 'gates:\n  redact:\n    - "(unclosed"\n' });
    const result = runCli(dir, ['validate']);
    expect(result.code).toBe(2);
    expect(`${result.stdout}${result.stderr}`).toMatch(/stagedocs\.config\.yaml:3:7: `gates\.redact\[0\]` is `\(unclosed`, expected a valid regular expression/);
  }, 60_000);
});

describe('the registry CSV', () => {
  it('quotes and neutralises a cell for `;`- and tab-separated readers', () => {
    const dir = gateRepo({ [S00]: stage({ id: 'P1-S00', order: 0, status: 'in-progress', extra: '', body: STAGE_SECTIONS }).replace('title: Stage P1-S00', 'title: "a;=1+1;@SUM(A1),-2"') });
    expect(runCli(dir, ['gate', 'run', 'P1-S00']).code).toBe(0);
    const text = registryText(dir);
    expect(text).toContain(`"a;'=1+1;'@SUM(A1),'-2"`);
    const row = parseCsv(text)[1]!;
    expect(decodeCell(row.cells[2]!)).toBe('a;=1+1;@SUM(A1),-2');
    // A reader that splits on `;` or tab sees no cell that starts a formula.
    for (const cell of text.split(/[;\t,\r\n]/)) expect(cell.replace(/^"/, '')).not.toMatch(/^[=+@]/);
    expect(runCli(dir, ['registry', '--check']).code).toBe(0);
  }, 60_000);

  it('a NUL or another control character in a title or owner is refused by validate with a hint', () => {
    const dir = gateRepo({ [S00]: gateStage(`  - id: quick\n    run: "true"`).replace('title: Stage P1-S00', 'title: "bad\\0title"').replace('owner: alice@example.com', 'owner: "al\\u001bice"') });
    const result = runCli(dir, ['validate', '--format', 'json']);
    expect(result.code).toBe(1);
    const diagnostics = JSON.parse(result.stdout).diagnostics as Array<{ file: string; line: number; message: string; hint?: string }>;
    const title = diagnostics.find((d) => d.file === S00 && /`title`/.test(d.message));
    expect(title).toMatchObject({ line: 4, message: expect.stringMatching(/expected text without control characters/), hint: expect.stringMatching(/control characters/) });
    expect(runCli(dir, ['gate', 'run', 'P1-S00']).code).not.toBe(0);
    expect(existsSync(path.join(dir, 'gate_results', 'gate_registry.csv')) ? readFileSync(path.join(dir, 'gate_results', 'gate_registry.csv')).includes(0) : false).toBe(false);
  }, 60_000);

  it('rebuilding with a truncated report.json fails loudly, names the run and writes nothing', () => {
    const dir = gateRepo({ [S00]: gateStage(`  - id: quick\n    run: "true"`) });
    expect(runCli(dir, ['gate', 'run', 'P1-S00']).code).toBe(0);
    const before = registryText(dir);
    const report = path.join(dir, 'gate_results', RUN, 'report.json');
    writeFileSync(report, readFileSync(report, 'utf8').slice(0, 200));
    const result = runCli(dir, ['registry']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`gate_results/${RUN}/report.json`);
    expect(result.stderr).toMatch(/nothing was written/);
    expect(registryText(dir)).toBe(before);
  }, 60_000);

  it('registry --check outside a repository is a usage error, not "ok, 0 rows"', () => {
    for (const cwd of ['/', tempDir()]) {
      const result = runCli(PROJECT_ROOT, ['registry', '--check', '--cwd', cwd]);
      expect(result.code, cwd).toBe(2);
      expect(result.stderr).toMatch(/is not in a stagedocs repository/);
    }
  }, 60_000);
});
