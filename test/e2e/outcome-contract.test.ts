import { describe, expect, it } from 'vitest';
import { freePort, gateRepo, gateStage, readReport, runFolders } from '../helpers/gates.js';
import { git, runCli, writeTree } from '../helpers/repo.js';
import { BLOCKED_OUTCOMES, FIXED_PROJECT, NOT_IMPLEMENTED, STUB_PROJECT } from '../helpers/stub-project.js';

const S00 = 'stages/mvp/00-foundation.md';

/**
 * Issue 15's implementation contract, written as gates: the two builds, no stubs (at most 5% of the
 * files), the API answering (functional), PRD traceability and coverage as warnings.
 */
function contractGates(port: number): string {
  return [
    '  - id: backend_builds\n    type: build\n    tool: npm\n    cwd: backend',
    '  - id: frontend_builds\n    type: build\n    tool: npm\n    cwd: frontend',
    '  - id: no_stubs\n    type: no-stubs\n    include: ["src/**/*.mjs"]\n    max_rate: 0.05',
    `  - id: functional_code\n    type: http\n    start: "node server.mjs ${port}"\n    ready: { url: "http://127.0.0.1:${port}/healthz", timeout: 20 }\n    no_status: [${NOT_IMPLEMENTED}]\n    requests:\n      - { path: /healthz, expect: { status: 200, body_matches: ok } }\n      - { path: /orders, expect: { status: 200, body_matches: "\\\\[" } }\n      - { path: /refunds, expect: { status: 200 } }`,
    '  - id: prd_features\n    type: prd-trace\n    severity: warning\n    document: docs/prd.md\n    include: ["src/**"]\n    min_rate: 0.8',
    '  - id: quality_slo\n    type: coverage\n    severity: warning\n    run: "mkdir -p coverage && node --test --experimental-test-coverage --test-reporter=lcov --test-reporter-destination=coverage/lcov.info test/"\n    coverage: { file: coverage/lcov.info, min: { lines: 95 } }',
  ].join('\n');
}

describe('the implementation contract of issue 15 on a small real project', () => {
  it('blocks a project with two stub routes and no build script (4 blocking failures, 2 warnings), then passes once it builds and the stubs are gone', async () => {
    const port = await freePort();
    const dir = gateRepo(
      { [S00]: gateStage(contractGates(port)) },
      STUB_PROJECT,
    );
    const blocked = runCli(dir, ['gate', 'run', 'P1-S00', '--format', 'json']);
    expect(blocked.code).toBe(1);
    const first = JSON.parse(blocked.stdout);
    const outcomes = Object.fromEntries(first.gates.map((gate: { id: string; outcome: string; severity: string }) => [gate.id, `${gate.severity} ${gate.outcome}`]));
    expect(outcomes).toEqual(BLOCKED_OUTCOMES);
    expect(first).toMatchObject({ overall_pass: false, blocking_failures: 4, warnings: 2 });
    const gate = (id: string) => first.gates.find((result: { id: string }) => result.id === id);
    expect(gate('backend_builds').summary).toBe('no build script: backend/package.json has no `scripts.build`, expected the command `npm run build` builds');
    expect(gate('no_stubs').summary).toMatch(/^2 of 4 files hold stubs \(50%\), max 5%/);
    expect(gate('functional_code').summary).toBe(`1 of 3 requests answered as expected; GET /orders: ${NOT_IMPLEMENTED}, which no_status forbids; GET /refunds: ${NOT_IMPLEMENTED}, which no_status forbids`);
    // FR-1 is in code and a test; FR-2 and FR-3 nowhere: a third is implemented.
    expect(gate('prd_features').summary).toBe('1 of 3 requirements referenced from code and a test (33.3%), min 80%; unreferenced: FR-2, FR-3');
    expect(gate('quality_slo').summary).toMatch(/^lcov coverage\/lcov\.info: lines [\d.]+% < min 95%$/);
    // The working contract an agent reads says what each requirement type asks.
    const context = JSON.parse(runCli(dir, ['context', 'P1-S00', '--format', 'json']).stdout);
    const requirements = Object.fromEntries(context.gates.map((entry: { id: string; requirement?: string }) => [entry.id, entry.requirement]));
    expect(requirements).toMatchObject({
      backend_builds: '`cd backend && npm run build` exits 0',
      functional_code: `\`node server.mjs ${port}\` serves: GET /healthz -> 200, GET /orders -> 200, GET /refunds -> 200; never ${NOT_IMPLEMENTED}`,
      quality_slo: 'lines >= 95% in coverage/lcov.info',
    });

    writeTree(dir, FIXED_PROJECT);
    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', 'implement the routes, add the builds');
    const passing = runCli(dir, ['gate', 'run', 'P1-S00', '--decision', 'D-2026-11-21-001', '--format', 'json']);
    const second = JSON.parse(passing.stdout);
    expect(second.gates.filter((result: { outcome: string }) => result.outcome !== 'pass').map((result: { id: string; summary: string }) => `${result.id}: ${result.summary}`)).toEqual([]);
    expect(passing.code).toBe(0);
    expect(second).toMatchObject({ overall_pass: true, blocking_failures: 0, warnings: 0 });
    expect(runFolders(dir)).toHaveLength(2);
    expect(readReport(dir, runFolders(dir)[0]!).overall_pass).toBe(false);
    expect(runCli(dir, ['registry', '--check']).code).toBe(0);
  }, 60_000);
});
