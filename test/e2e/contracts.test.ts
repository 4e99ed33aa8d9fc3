import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { phase, stage, STAGE_SECTIONS } from '../helpers/documents.js';
import { freePort, gateRepo, runFolders } from '../helpers/gates.js';
import { git, makeRepo, runCli, writeTree } from '../helpers/repo.js';
import { BLOCKED_OUTCOMES, FIXED_PROJECT, NOT_IMPLEMENTED, STUB_PROJECT } from '../helpers/stub-project.js';
import { commitAll, verdictsOf } from '../helpers/verdict.js';

const S00 = 'stages/mvp/p1-s00.md';
const S01 = 'stages/mvp/p1-s01.md';
const CONTRACT = 'contracts/implementation_v1.yaml';
/**
 * Issue 15's implementation_v1 expressed in stagedocs: BUILD_SUCCESS twice (backend and frontend),
 * NO_STUBS at most 5%, FUNCTIONAL as the API answering every route, PRD_TRACEABILITY and QUALITY_SLO
 * as warnings.
 */
function implementationV1(port: number, maxStubRate = 0.05): string {
  return `contract_id: implementation_v1
title: The implementation is real
description: Both packages build, at most 5% of the files are stubs, the API answers, the PRD is traced and covered.
requirements:
  - id: backend_builds
    type: build
    tool: npm
    cwd: backend
  - id: frontend_builds
    type: build
    tool: npm
    cwd: frontend
  - id: no_stubs
    type: no-stubs
    include: ["src/**/*.mjs"]
    max_rate: ${maxStubRate}
  - id: functional_code
    type: http
    start: "node server.mjs ${port}"
    ready: { url: "http://127.0.0.1:${port}/healthz", timeout: 20 }
    no_status: [${NOT_IMPLEMENTED}]
    requests:
      - { path: /healthz, expect: { status: 200, body_matches: ok } }
      - { path: /orders, expect: { status: 200 } }
      - { path: /refunds, expect: { status: 200 } }
  - id: prd_features
    type: prd-trace
    severity: warning
    document: docs/prd.md
    include: ["src/**"]
    min_rate: 0.8
  - id: quality_slo
    type: coverage
    severity: warning
    run: "mkdir -p coverage && node --test --experimental-test-coverage --test-reporter=lcov --test-reporter-destination=coverage/lcov.info test/"
    coverage: { file: coverage/lcov.info, min: { lines: 95 } }
slo_thresholds:
  build_success_rate: 1.0
  stub_rate: ${maxStubRate}
  feature_coverage: 0.8
  overall_quality: 0.95
`;
}

/** A stage held to contracts, with no gates of its own unless given. */
function contractStage(id: string, order: number, contracts: string, options: { status?: string; gates?: string } = {}): string {
  return stage({ id, order, status: options.status ?? 'in-progress', gates: `contracts: ${contracts}${options.gates ? `\ngates:\n${options.gates}` : ''}`, body: STAGE_SECTIONS });
}

const outcomesOf = (report: { gates: Array<{ id: string; outcome: string; severity: string }> }) => Object.fromEntries(report.gates.map((gate) => [gate.id, `${gate.severity} ${gate.outcome}`]));

describe('outcome contracts as files', () => {
  it('implementation_v1 blocks two stub routes and no build script (4 blocking failures, 2 warnings), passes once fixed, and editing the contract turns both done stages into "needs a new run"', async () => {
    const port = await freePort();
    const dir = gateRepo(
      {
        [S00]: contractStage('P1-S00', 0, '[implementation_v1]'),
        // The second stage overrides the contract's coverage requirement by its id.
        [S01]: contractStage('P1-S01', 1, '[implementation_v1]', { status: 'not-started', gates: '  - id: quality_slo\n    run: "true"\n    severity: warning' }),
      },
      { ...STUB_PROJECT, [CONTRACT]: implementationV1(port) },
    );
    const valid = runCli(dir, ['validate']);
    expect(valid.stdout).toContain('no problems');
    expect(valid.code).toBe(0);
    // The working contract names where each gate comes from.
    const context = JSON.parse(runCli(dir, ['context', 'P1-S01', '--format', 'json']).stdout);
    expect(context.gates.map((gate: { id: string; contract?: string }) => `${gate.id}:${gate.contract ?? 'stage'}`)).toEqual([
      'backend_builds:implementation_v1',
      'frontend_builds:implementation_v1',
      'no_stubs:implementation_v1',
      'functional_code:implementation_v1',
      'prd_features:implementation_v1',
      'quality_slo:stage',
    ]);

    const blocked = runCli(dir, ['gate', 'run', 'P1-S00', '--format', 'json']);
    expect(blocked.code).toBe(1);
    const first = JSON.parse(blocked.stdout);
    expect(outcomesOf(first)).toEqual(BLOCKED_OUTCOMES);
    expect(first).toMatchObject({ overall_pass: false, blocking_failures: 4, warnings: 2 });
    expect(first.gates.find((gate: { id: string }) => gate.id === 'no_stubs').summary).toMatch(/^2 of 4 files hold stubs \(50%\), max 5%/);
    for (const gate of first.gates) expect(gate.definition_sha256).toMatch(/^[0-9a-f]{64}$/);

    writeTree(dir, FIXED_PROJECT);
    commitAll(dir, 'implement the routes, add the builds');
    const passing = runCli(dir, ['gate', 'run', 'P1-S00', '--decision', 'D-2026-11-21-001', '--format', 'json']);
    const second = JSON.parse(passing.stdout);
    expect(second.gates.filter((gate: { outcome: string }) => gate.outcome !== 'pass').map((gate: { id: string; summary: string }) => `${gate.id}: ${gate.summary}`)).toEqual([]);
    expect(passing.code).toBe(0);
    expect(second).toMatchObject({ overall_pass: true, blocking_failures: 0, warnings: 0 });
    const other = runCli(dir, ['gate', 'run', 'P1-S01', '--format', 'json']);
    expect(other.code).toBe(0);
    expect(JSON.parse(other.stdout).gates.find((gate: { id: string }) => gate.id === 'quality_slo')).toMatchObject({ type: 'run', command: 'true', outcome: 'pass' });
    expect(runFolders(dir)).toHaveLength(3);

    writeTree(dir, {
      [S00]: contractStage('P1-S00', 0, '[implementation_v1]', { status: 'done' }),
      [S01]: contractStage('P1-S01', 1, '[implementation_v1]', { status: 'done', gates: '  - id: quality_slo\n    run: "true"\n    severity: warning' }),
    });
    commitAll(dir, 'P1-S00 and P1-S01 done');
    const before = verdictsOf(dir, { 'P1-S00': { done: true }, 'P1-S01': { done: true } });
    for (const id of ['P1-S00', 'P1-S01']) expect(before[id]).toMatchObject({ validate: true, statusPassed: true, packPassed: true, packDoneWithoutPass: false });

    // The contract as it is now decides: a lower stub rate makes both runs stop counting.
    writeTree(dir, { [CONTRACT]: implementationV1(port, 0.04) });
    commitAll(dir, 'implementation_v1: at most 4% stubs');
    const after = verdictsOf(dir, { 'P1-S00': { done: true }, 'P1-S01': { done: true } });
    for (const id of ['P1-S00', 'P1-S01']) {
      expect(after[id]).toMatchObject({ validate: false, statusPassed: false, statusDoneWithoutPass: true, packPassed: false, packDoneWithoutPass: true, signedOff: false });
    }
    const validate = runCli(dir, ['validate', '--format', 'json']);
    expect(validate.code).toBe(1);
    const findings = JSON.parse(validate.stdout).diagnostics.filter((d: { ruleId: string }) => d.ruleId === 'done-needs-passing-run');
    expect(findings.map((d: { file: string; line: number; column: number }) => `${d.file}:${d.line}:${d.column}`)).toEqual([`${S00}:7:9`, `${S01}:7:9`]);
    for (const finding of findings) {
      expect(finding.message).toContain('ran other gates than the stage has now; changed since: contract `implementation_v1` requirement `no_stubs`)');
    }
    const status = JSON.parse(runCli(dir, ['status', '--format', 'json']).stdout);
    const rows = status.phases.flatMap((phase: { stages: unknown[] }) => phase.stages) as Array<{ id: string; next_action: string }>;
    for (const row of rows) expect(row.next_action).toContain('changed since: contract `implementation_v1` requirement `no_stubs`');
    const pack = runCli(dir, ['audit-pack', 'P1-S00', 'P1-S01']).stdout;
    expect(pack).toContain('changed since: contract `implementation_v1` requirement `no_stubs`');
  }, 120_000);

  it('the built-in contracts load by id without a file, a stage held to `testing` runs its coverage requirement, and a repository file of the same id wins', () => {
    const dir = gateRepo(
      { [S00]: contractStage('P1-S00', 0, '[testing]') },
      {
        '.gitignore': '.stagedocs/\ncoverage/\n',
        'package.json': JSON.stringify({ name: 'app', private: true, scripts: { test: 'mkdir -p coverage && node --test --experimental-test-coverage --test-reporter=lcov --test-reporter-destination=coverage/lcov.info test/' } }),
        'src/sum.mjs': 'export const sum = (a, b) => a + b;\n',
        'test/sum.test.mjs': 'import { test } from "node:test";\nimport assert from "node:assert";\nimport { sum } from "../src/sum.mjs";\ntest("sum", () => assert.equal(sum(1, 2), 3));\n',
      },
    );
    const plan = JSON.parse(runCli(dir, ['context', 'P1-S00', '--format', 'json']).stdout);
    expect(plan.gates).toEqual([expect.objectContaining({ id: 'coverage', type: 'coverage', severity: 'warning', command: 'npm test', contract: 'testing' })]);
    const run = runCli(dir, ['gate', 'run', 'P1-S00', '--format', 'json']);
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report.gates).toHaveLength(1);
    expect(report.gates[0]).toMatchObject({ id: 'coverage', type: 'coverage', severity: 'warning', outcome: 'pass', details: { format: 'lcov' } });
    expect(report.gates[0].summary).toMatch(/^lcov coverage\/lcov\.info: lines [\d.]+% >= min 80%$/);

    // A repository file of the same id replaces the built-in one.
    writeTree(dir, { 'contracts/testing.yaml': 'contract_id: testing\ntitle: Our testing\nrequirements:\n  - id: unit\n    run: "true"\n' });
    commitAll(dir, 'our own testing contract');
    const own = JSON.parse(runCli(dir, ['context', 'P1-S00', '--format', 'json']).stdout);
    expect(own.gates.map((gate: { id: string; contract: string }) => `${gate.id}:${gate.contract}`)).toEqual(['unit:testing']);

    // Every built-in contract is a valid contract file and its requirements are valid stage gates.
    const builtins = ['implementation', 'deployment', 'testing'];
    const copies = Object.fromEntries(builtins.map((id) => [`contracts/${id}-copy.yaml`, readFileSync(path.join(import.meta.dirname, `../../templates/contracts/${id}.yaml`), 'utf8').replace(`contract_id: ${id}`, `contract_id: ${id}-copy`)]));
    const checked = makeRepo({ 'stages/mvp/phase.md': readFileSync(path.join(dir, 'stages/mvp/phase.md'), 'utf8'), [S00]: contractStage('P1-S00', 0, '[implementation, deployment, testing]'), ...copies });
    const validated = runCli(checked, ['validate', '--format', 'json']);
    expect(JSON.parse(validated.stdout).diagnostics).toEqual([]);
    const gates = JSON.parse(runCli(checked, ['context', 'P1-S00', '--format', 'json']).stdout).gates.map((gate: { id: string; severity: string; contract: string }) => `${gate.contract}:${gate.id}:${gate.severity}`);
    // Later contracts override earlier ones by requirement id, in place.
    expect(gates).toEqual([
      'deployment:builds:blocking',
      'deployment:no_stubs:blocking',
      'implementation:functional:blocking',
      'implementation:prd_features:warning',
      'implementation:quality:warning',
      'deployment:healthz:blocking',
      'testing:coverage:warning',
    ]);
  }, 60_000);

  it('an unknown contract id, a contract_id that is not the file name, a duplicate requirement id and a schema error are errors with file, line and column; gate run refuses the unknown contract', () => {
    const dir = gateRepo(
      {
        [S00]: contractStage('P1-S00', 0, '[testing, Testing, nope]'),
        'stages/mvp/phase.md': phase({ extra: 'contracts: [missing]\n' }),
      },
      {
        'contracts/ours.yaml': 'contract_id: theirs\ntitle: Ours\nrequirements:\n  - id: a\n    run: "true"\n  - id: a\n    run: "false"\n',
        'contracts/broken.yaml': 'contract_id: broken\ntitle: Broken\nrequirements:\n  - id: a\n    run: "true"\n    max_rate: "high"\n',
      },
    );
    const result = runCli(dir, ['validate', '--format', 'json']);
    expect(result.code).toBe(1);
    const lines = JSON.parse(result.stdout).diagnostics.map((d: { file: string; line: number; column: number; ruleId: string; message: string }) => `${d.file}:${d.line}:${d.column} ${d.ruleId} ${d.message}`);
    expect(lines).toEqual([
      'contracts/broken.yaml:6:15 frontmatter-schema `requirements[0].max_rate` is the string `high`, expected a number',
      'contracts/ours.yaml:1:14 contract-reference `contract_id` is `theirs`, expected `ours`, the file\'s name: stages name a contract by its file',
      'contracts/ours.yaml:6:9 contract-reference Requirement id `a` is used twice, expected unique ids (first at line 4)',
      `${S00}:10:22 contract-reference Contract \`Testing\` does not exist, expected a file contracts/Testing.yaml or a built-in contract (\`deployment\`, \`implementation\`, \`testing\`)`,
      `${S00}:10:31 contract-reference Contract \`nope\` does not exist, expected a file contracts/nope.yaml or a built-in contract (\`deployment\`, \`implementation\`, \`testing\`)`,
      'stages/mvp/phase.md:7:13 contract-reference Contract `missing` does not exist, expected a file contracts/missing.yaml or a built-in contract (`deployment`, `implementation`, `testing`)',
    ]);
    const run = runCli(dir, ['gate', 'run', 'P1-S00']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('is held to `missing`, `Testing`, `nope`, which no contract file (contracts/<id>.yaml) or built-in contract defines; nothing was run or recorded');
    expect(runFolders(dir)).toEqual([]);
  });

  it('new-stage --contract writes a stage held to the contracts, with no gates of its own, that validates', () => {
    const repo = makeRepo({ 'stages/mvp/phase.md': phase() });
    const created = runCli(repo, ['new-stage', 'Checkout flow', '--phase', 'P1', '--contract', 'implementation', '--contract', 'testing', '--owner', 'ana@example.com']);
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    const text = readFileSync(path.join(repo, 'stages/mvp/00-checkout-flow.md'), 'utf8');
    expect(text).toContain('contracts: ["implementation", "testing"]\n---\n');
    expect(parse(/^---\n([\s\S]*?)\n---\n/.exec(text)![1]!).gates).toBeUndefined();
    expect(runCli(repo, ['validate']).stdout).toContain('no problems');
    const refused = runCli(repo, ['new-stage', 'Other', '--phase', 'P1', '--contract', '../x']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('Invalid contract id `../x`');
  });

  it('a pattern gate with every field round-trips through new-phase into a stage that validates, whose effective gates equal the pattern\'s', () => {
    const gates = [
      { id: 'preflight', run: 'test -d src', expect_exit: 0, timeout: 30, description: 'The source folder exists.', 'x-owner': 'platform' },
      { id: 'stubs', type: 'no-stubs', include: ['src/**'], exclude: ['src/generated/**'], max_rate: 0.05, severity: 'warning', needs: ['preflight'] },
      { id: 'api', type: 'http', start: 'node server.mjs 9999', ready: { url: 'http://127.0.0.1:9999/healthz', timeout: 10 }, no_status: [NOT_IMPLEMENTED], requests: [{ method: 'POST', path: '/orders', headers: { 'content-type': 'application/json' }, body: '{"a":1}', expect: { status: 201, body_matches: 'id' } }], runs_on: ['linux'] },
      { id: 'built', type: 'build', tool: 'npm', script: 'build:prod', cwd: 'web', artifacts: ['web/dist/*.json'] },
      { id: 'cover', type: 'coverage', run: 'npm test', coverage: { file: 'coverage/lcov.info', format: 'lcov', min: { lines: 80, branches: 70 } } },
      { id: 'trace', type: 'prd-trace', document: 'docs/prd.md', include: ['src/**'], tests: ['test/**'], require: ['code', 'test'], min_rate: 0.8 },
      { id: 'score', run: 'node score.mjs', metric: { file: 'results/score.json', path: 'total.score', min: 0.5, max: 1 } },
      { id: 'files', type: 'produces', files: ['docs/{stage}.md'] },
    ];
    const pattern = `description: Every gate field.
phase: { title: Fields, goal: Copy every field., exit: [Every gate passes.], contracts: [implementation] }
stages:
  - slug: all-fields
    title: All fields
    estimate: 1
    objectives: [Copy each field.]
    deliverables: [docs/prd.md]
    contracts: [testing]
    gates: ${JSON.stringify(gates)}
    rollback: Revert.
`;
    const repo = makeRepo({ 'templates/patterns/fields.yaml': pattern });
    const created = runCli(repo, ['new-phase', 'f', '--pattern', 'fields', '--owner', 'ana@example.com']);
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    git(repo, 'add', '-A');
    git(repo, 'commit', '-qm', 'scaffold');
    const validate = JSON.parse(runCli(repo, ['validate', '--format', 'json']).stdout);
    expect(validate.diagnostics.filter((d: { severity: string }) => d.severity === 'error')).toEqual([]);
    const stageText = readFileSync(path.join(repo, 'stages/f/00-all-fields.md'), 'utf8');
    expect(stageText).toContain('contracts: ["testing"]');
    expect(readFileSync(path.join(repo, 'stages/f/phase.md'), 'utf8')).toContain('contracts: ["implementation"]');
    // The effective gates, as `gate run` would run them: the phase's contract, the stage's, then the pattern's gates verbatim.
    const context = JSON.parse(runCli(repo, ['context', 'P1-S00', '--format', 'json']).stdout);
    expect(context.gates.map((gate: { id: string; contract?: string }) => `${gate.contract ?? 'stage'}:${gate.id}`)).toEqual([
      'implementation:builds',
      'implementation:no_stubs',
      'implementation:functional',
      'implementation:prd_features',
      'implementation:quality',
      'testing:coverage',
      ...gates.map((gate) => `stage:${gate.id}`),
    ]);
    const frontmatter = /^---\n([\s\S]*?)\n---\n/.exec(stageText)![1]!;
    expect(parse(frontmatter).gates).toEqual(gates.map((gate) => (gate.id === 'files' ? { ...gate, files: ['docs/P1-S00.md'] } : gate)));
  });
});
